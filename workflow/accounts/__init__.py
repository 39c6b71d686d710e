"""Accounts and their bearer tokens: creating and revoking them, authenticating a request, and
counting failed authentications across every worker."""
