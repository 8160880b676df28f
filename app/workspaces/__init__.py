"""The workspaces' command line (`python -m app.workspaces`); the store itself is model.workspaces."""
