"""gunicorn settings that belong to the app rather than to one deployment (``make run`` and
any ``gunicorn wsgi:app`` started from this directory read this file).

gunicorn refuses a header field over ``limit_request_field_size`` (default 8190 bytes) with an
HTML page of its own, before the app can answer. The limit is raised so that an over-long
``Authorization`` header reaches the app, which refuses it early with a problem document
(``api.auth``: 431 HEADER_TOO_LARGE); only fields beyond this larger limit still get
gunicorn's page.
"""

limit_request_field_size = 32768
