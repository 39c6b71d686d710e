"""The domain of Landflow. Knows nothing of HTTP.

The hall, the one door every change goes through: ``services`` (surveys, transitions, records),
``uow`` (the unit of work and the one commit site), ``rules`` (guards, one module per legal
topic), ``effects`` (what a step books), ``models``, ``payloads``, ``queries`` (the read side),
``access``, ``audit``, ``canonical``. The wings, each a domain with the same inner names:
``ledgers``, ``deadlines``, ``portal``, ``reports``, ``operator``, ``accounts``.
"""
