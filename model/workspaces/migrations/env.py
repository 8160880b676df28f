"""Alembic's environment: always run by model.workspaces.store with an open connection in a transaction."""

from alembic import context

from model.workspaces.schema import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
