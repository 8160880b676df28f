"""torch's intra-op thread count for one block of code.

The setting is per thread, but `torch.set_num_threads` also sets the count that a thread's first torch
call starts from (measured: torch 2.14, OpenMP). Streamlit runs each script run in a thread of its own,
so a block that began while another session's block was open read 1 as "the caller's count" and, by
restoring it, handed 1 to every later run of every session. A block therefore ends by restoring the
process default, not what it found.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

# What OpenMP gives a process by default: one thread per CPU it may run on.
DEFAULT_THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with `n` intra-op threads, then the process default (DEFAULT_THREADS) again.

    Why: the app's per-stroke work is a few small matrix products. With two OpenMP threads on a busy
    2-core machine (the browser, other sessions) every op waits for both threads to be scheduled; one
    thread answered a stroke ~30 % sooner in Chromium (Draw, 155 vs 212 ms median).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"thread count must be a positive int, got {n!r}")
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(DEFAULT_THREADS)
