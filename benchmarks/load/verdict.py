"""The harness's verdict on answers (pure; no Locust here, so tests import it directly)."""

from __future__ import annotations

from collections import defaultdict


def identical(records: list[dict]) -> tuple[bool, dict]:
    """Same input (the digest the server showed) and same kind of answer → the same fingerprint; and the
    server's input is the one the client drew. Returns (verdict, what disagreed)."""
    seen: dict[tuple, set] = defaultdict(set)
    wrong_input = 0
    for r in records:
        if r["input"] is None or r["fingerprint"] is None:
            continue
        seen[(r["input"], r["final"])].add(r["fingerprint"])
        wrong_input += r["input"] != r["expected_input"]
    split = {f"{k[0]}{'' if k[1] else ' (preview)'}": sorted(v) for k, v in seen.items() if len(v) > 1}
    shared = sum(1 for k in seen if sum(1 for r in records if (r["input"], r["final"]) == k) > 1)
    return not split and not wrong_input, {"inputs": len(seen), "inputs_seen_in_several_answers": shared,
                                           "fingerprints_differ": split, "server_input_differs": wrong_input}
