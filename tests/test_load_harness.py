"""The load harness (benchmarks/load): its verdicts on known inputs, and one short run against the suite's
server through Streamlit's own protocol."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.load.shapes import SHAPES, ink
from benchmarks.load.verdict import identical

ROOT = Path(__file__).resolve().parents[1]


def test_the_same_shape_is_the_same_drawing_and_variants_are_other_hands():
    for shape in SHAPES:
        assert np.array_equal(ink.__wrapped__(shape, 1.0, 0), ink.__wrapped__(shape, 1.0, 0))
        assert not np.array_equal(ink(shape, 1.0, 0), ink(shape, 1.0, 7))
        # part-way through a digit there is less ink than at the end, and some
        assert 0 < np.count_nonzero(ink(shape, 0.25, 3)) < np.count_nonzero(ink(shape, 1.0, 3))


def test_identical_fails_on_a_split_fingerprint_or_a_changed_input():
    one = {"input": "a", "expected_input": "a", "final": True, "fingerprint": "f1"}
    same = [one, dict(one), {**one, "input": "b", "expected_input": "b", "fingerprint": "f2"}]
    assert identical(same)[0] is True
    split = identical(same + [{**one, "fingerprint": "f9"}])
    assert split[0] is False and split[1]["fingerprints_differ"] == {"a": ["f1", "f9"]}
    moved = identical(same + [{**one, "input": "c"}])  # the server explained another input than was drawn
    assert moved[0] is False and moved[1]["server_input_differs"] == 1
    # a preview and a final answer of the same input have different settings: never compared
    assert identical(same + [{**one, "final": False, "fingerprint": "p1"}])[0] is True


def test_knee_is_where_each_user_gets_less():
    from benchmarks.report import knee

    curve = [{"users": n, "answers_per_s": a, "p95_ms": p, "errors": 0}
             for n, a, p in [(1, 0.5, 100), (5, 2.4, 300), (10, 3.0, 900), (20, 3.1, 2000)]]
    assert knee(curve) == {"knee_users": 10, "largest_on_target": 5}


@pytest.mark.slow
@pytest.mark.browser  # it shares the browser tests' server (tests/conftest.py `server`)
def test_two_simulated_users_draw_and_agree(server):
    # Drawing users only: a browsing one would leave page computations running on the shared server.
    out = subprocess.run([sys.executable, "-m", "benchmarks.load", "--users", "2", "--seconds", "6",
                          "--browsing", "0", "--json", "--url", server], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("users", "p50_ms", "p95_ms", "p99_ms", "answers_per_s", "errors", "identical", "server_rss_mb"):
        assert key in r, key
    assert out.returncode == 0 and r["identical"] is True, r
    assert r["users"] == 2 and r["errors"] == 0 and r["answers"] > 0, r
    assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"]
    assert r["identical_detail"]["server_input_differs"] == 0
