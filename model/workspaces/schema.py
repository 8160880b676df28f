"""The tables, as SQLAlchemy Core (the store's queries); migrations/versions creates them, not this file."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, LargeBinary, MetaData, String, Table, Text

VERSION_TABLE = "digit_lens_alembic_version"  # its own name: a shared PostgreSQL database may hold others
metadata = MetaData()

workspaces = Table(
    "dl_workspaces", metadata,
    Column("id", String(64), primary_key=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("touched", DateTime(timezone=True), nullable=False, index=True),  # retention counts from here
)

items = Table(
    "dl_items", metadata,
    Column("id", String(64), primary_key=True),
    Column("workspace_id", String(64), ForeignKey("dl_workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(120), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("meta", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_dl_items_workspace_kind", "workspace_id", "kind"),
)

SCHEMA_REVISION = "0001"
