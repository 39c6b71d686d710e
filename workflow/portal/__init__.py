"""The county e-government portal: intake of applications, the case as the portal shows it, the
event feed, webhooks (``delivery`` is the only network I/O) and e-certificates."""
