"""What each step accepts: one module per schema family of the hall (the wings keep their own
``schemas.py``)."""
