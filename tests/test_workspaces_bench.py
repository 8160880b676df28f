"""benchmarks/workspaces.py in miniature (SQLite only): it times real saves and loads, and renders its rows."""

from benchmarks.workspaces import bench_workspaces, render


def test_workspace_bench_measures_and_renders():
    w = bench_workspaces(3, postgres=False)
    for key in ("drawing_save", "drawing_load", "model_save", "model_load"):
        s = w["sqlite"][key]
        assert s["n"] == 3 and 0 < s["p50_ms"] <= s["p95_ms"]
    # A model load validates ~440 kB and runs probe digits; a drawing load parses 4 kB of JSON.
    assert w["sqlite"]["model_load"]["p50_ms"] > w["sqlite"]["drawing_load"]["p50_ms"]
    md = "\n".join(render(w))
    assert "| sqlite | drawing |" in md and "| sqlite | model |" in md and "postgresql" not in md
