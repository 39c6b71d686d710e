"""The auditors' reports: idle and unsupplied land and the plan's indicators as of any date,
chart series, and their CSV/XLSX files. Reads only: it imports no service."""
