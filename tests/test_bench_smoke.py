"""`make bench` in miniature, so the benchmark suite runs in every `make test` and cannot rot."""

import json

import pytest


@pytest.mark.slow
def test_bench_smoke_runs_every_cheap_section(capsys):
    from benchmarks.run import main

    # In this process (torch, the explainers and the model already loaded here: a fresh interpreter cost the
    # suite ~5 s); the memory section still measures in a fresh process of its own.
    assert main(["--smoke", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert len(r["overhead"]) == 3 and all(row["ratio"] > 0 for row in r["overhead"])
    fast, every = r["budget"]["fast_set"], r["budget"]["all_methods"]
    assert fast["n"] == 3 and every["n"] == 2  # --smoke's repetitions, each one timed
    for s in (fast, every):
        assert 0 < s["min_ms"] <= s["median_ms"] <= s["max_ms"]
    # Every method (LIME, SHAP, sampling) costs far more than the fast set it contains (~5× here): a timer
    # that measured nothing, or the wrong thing, would not show it. Fastest against fastest, no factor: a
    # busy machine slowed one fast-set repetition to a third of the slowest set's best in one CI-like run.
    assert every["min_ms"] > fast["min_ms"], (fast, every)
    assert [row["method"] for row in r["throughput"]] == ["saliency", "input_x_gradient", "integrated_gradients"]
    for row in r["throughput"]:  # both sides explained the same 16 digits; the ratio is theirs
        assert row["ratio"] == pytest.approx(row["raw_digits_per_s"] / row["ours_digits_per_s"], rel=1e-6)
    assert len(r["memory"]["rss_mb_trace"]) >= 2


def test_report_renders_every_section():
    from benchmarks.report import render

    row = {"method": "saliency", "raw": {"median_ms": 1, "min_ms": 1, "max_ms": 1, "n": 1},
           "ours": {"median_ms": 1.1, "min_ms": 1, "max_ms": 2, "n": 1}, "ratio": 1.1, "overhead_ms": 0.1}
    s = {"median_ms": 10, "min_ms": 9, "max_ms": 11, "n": 3}
    md = render({
        "machine": {"date": "d", "cpus": 2, "machine": "x", "python": "3", "torch": "t", "torch_threads": 2,
                    "captum": "c", "shap": "s", "streamlit": "st"},
        "command": "python -m benchmarks.run", "overhead": [row], "budget": {"fast_set": s, "all_methods": s},
        "first_calls": {"warm_up_ms": 5000, "slowest": "lime", "slowest_ms": 120},
        "training": {"ours_s": 8, "ours_accuracy": 0.981, "reference_s": 50, "reference_epochs_run": 10,
                     "reference_accuracy": 0.979, "speedup": 6.25},
        "throughput": [{"method": "saliency", "n": 1024, "ours_digits_per_s": 9000.0, "raw_digits_per_s": 10000.0,
                        "ratio": 1.11}, {"method": "lime_image", "n": 1024, "ours_digits_per_s": 30.0}],
        "leaderboard": {"n": 10000, "command": "python -m explain.evaluate --n 10000", "seconds": 900.0, "seconds_core": 500.0, "seconds_extras": 400.0,
                        "date": "2026-11-29T00:00", "subsample": {"max_sensitivity": 1000},
                        "seconds_per_method": {"saliency": 3.0}},
        "memory": {"rss_mb_trace": [500, 510, 511], "after_warm_up_mb": 500, "final_mb": 511,
                   "growth_last_half_mb": 1},
        "browser": {"health_s": 1, "first_prediction_s": 3, "first_prediction_range_s": [2.5, 3.5], "start_ups": 3,
                    "floor_first_prediction_s": 2.9, "floor_range_s": [2.8, 3.1], "first_maps_s": 4,
                    "stroke_to_maps": s, "updates_per_s": 6.0, "answers": 18, "stroke_s": 3.0,
                    "round_trip": s,
                    "first_open_s": {"home": 1.0}, "revisit_s": {"home": 0.5}},
        "before": {"old pad": {"round_trip_ms": 613, "first_prediction_s": 8.7, "ref": "abc1234"}},
        "sessions": {"load": {"sessions": 20, "errors": 0, "p50_s": 1, "p95_s": 2, "sessions_match_serial": True},
                     "connects": 50, "server_rss_mb_trace": [1, 2, 3], "growth_mb": 1},
        "load": {"machine": {"date": "d", "cpus": 2}, "command": "python -m benchmarks.run", "seconds": 60,
                 "knee": {"knee_users": 20, "largest_on_target": 10},
                 "curve": [{"users": n, "answers_per_s": a, "p50_ms": p // 2, "p95_ms": p, "p99_ms": p + 1,
                            "preview_p50_ms": 10, "preview_p95_ms": 20, "preview_p99_ms": 30, "server_cpu_cores": 1.5,
                            "server_rss_mb": 1400.0, "errors": 0, "identical": True, "load_average": 3.0,
                            **({"idle": {"sessions": 100, "rss_before_mb": 1400, "rss_after_mb": 1600,
                                         "mb_per_session": 2.0}} if n == 1 else {}),
                            "chromium": {"sessions": 3, "answers": 9, "p50_ms": 300.0, "p95_ms": 700.0, "errors": 0}
                            if n == 10 else None}
                           for n, a, p in [(1, 0.4, 120), (10, 3.9, 400), (20, 5.0, 900), (30, 5.1, 2000)]]},
    })
    for heading in ("## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6.", "## 7.", "## Load", "## 8."):
        assert heading in md
    assert "| 30 | 5.10 | 1000 / 2000 / 2001 |" in md and "Knee of the curve: **20 drawing users**" in md
    assert "30 drawing users with p95 pen-up → answer < 500 ms and no errors: **not met**" in md
    assert "**2.00 MB per session** (target < 5 MB: met)" in md and "saw p50 300 ms, p95 700 ms" in md
    assert "6.2×" in md and "not met" not in md.split("## 2.")[0]
    assert "| saliency | 9,000 | 10,000 | 1.11 | met |" in md and "took **500 s**" in md
    assert "| old pad (at abc1234) | 613 ms | 8.70 s |" in md
    assert "**3.00 s** (median of 3, 2.50–3.50) (target < 4 s: met)" in md and "**2.90 s** (median of 3, 2.80–3.10)" in md


def test_every_registered_method_has_a_raw_call():
    """Adding a method must come with its raw library call, or `make bench` would fail on it."""
    import torch

    from benchmarks.raw_calls import raw_calls
    from explain import method_names
    from explain.context import private_head

    calls = raw_calls(private_head(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)), torch.eye(10)[:1]),
                      torch.zeros(1, 1, 28, 28))
    assert sorted(calls) == sorted(method_names())
