"""Alembic migrations. Revision files freeze what they need and never import live models."""
