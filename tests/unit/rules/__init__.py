"""Each guard of ``workflow.rules`` on an in-memory context: no database, no transition."""
