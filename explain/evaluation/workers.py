"""The leaderboard's worker processes: a pool started from a forkserver, each worker sent the model and
the digits once (by the pool's initializer), then only small jobs."""

from __future__ import annotations

import torch
from torch import nn

POOL_CONTEXT = "forkserver"  # not "fork": forking after torch (and the app's threads) ran can deadlock a worker
_SHARED: tuple = ()  # in a worker process: (model, digits), sent once by the pool's initializer


def _init_worker(model: nn.Module, x_all: torch.Tensor) -> None:
    global _SHARED
    # One thread per worker process: the Python-bound library loops use every core. Set in the workers
    # only: in the calling process (the app's server) the thread count stays as it was.
    torch.set_num_threads(1)
    _SHARED = (model, x_all)


def _in_worker(task: tuple):
    fn, *args = task
    return fn(*_SHARED, *args)


def pool_map(fn, jobs: list, workers: int, model: nn.Module, x_all: torch.Tensor):
    """fn(model, digits, *job) over jobs in `workers` fresh processes, each sent the model and digits once,
    results in the order they finish. A forkserver child starts from a clean interpreter, not a copy of one
    whose torch thread pools and other threads' locks were live at fork time; it pays the imports once per
    worker. ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies (in its initializer, or killed)
    raises BrokenProcessPool here, where Pool would start a replacement forever and never return."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context(POOL_CONTEXT)
    ctx.set_forkserver_preload(["explain.evaluation.leaderboard"])  # torch and the jobs' module, once
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(model, x_all)) as pool:
        futures = [pool.submit(_in_worker, (fn, *job)) for job in jobs]
        try:
            for done in as_completed(futures):
                yield done.result()
        finally:  # a consumer that stops early (a cancel) leaves no queued job behind
            for f in futures:
                f.cancel()
