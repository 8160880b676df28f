"""torch's intra-op thread count for one block of code (the setting is per thread in this torch build)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with `n` intra-op threads, then restore the caller's count.

    Why: the app's per-stroke work is a few small matrix products. With two OpenMP threads on a busy
    2-core machine (the browser, other sessions) every op waits for both threads to be scheduled; one
    thread answered a stroke ~30 % sooner in Chromium (Draw, 155 vs 212 ms median).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"thread count must be a positive int, got {n!r}")
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
