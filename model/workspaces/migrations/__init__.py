"""Alembic migrations of the workspace database, applied by Store on open (no alembic.ini needed)."""
