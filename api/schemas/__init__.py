"""Response and query schemas of the HTTP API (request bodies come from workflow.payloads)."""
