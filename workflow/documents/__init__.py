"""Documents filed with records and portal applications."""
