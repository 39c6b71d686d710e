"""Every rule: a case where it passes and one where it refuses with its code, and a refusal
leaves the database exactly as it was. One module per rule module of ``workflow.rules``."""
