"""Per-process resources, per-session models and the shared caches. Empty on purpose: `app.state.session`
must import without torch (the first Draw page)."""
