"""Worker processes that start their timed work at the same moment: each is spawned, prepares (engine,
warm reader), says it is ready, and waits for one shared signal; the caller gets every worker's result and
the moment the signal went. Used by the turn and due-touch benches, so both measure the same way."""
from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable


def run_together(target: Callable[..., None], per_worker: list[tuple], *, result_timeout: float) -> tuple[list, float]:
    """Run `target(*args, ready, go, results)` in one spawned process per `per_worker` entry.

    Returns (the results each worker put, in arrival order; perf_counter when all were released). A worker
    that never gets ready or never reports raises queue.Empty; every process is joined (or terminated)
    whatever happens."""
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=target, args=(*args, ready, go, results)) for args in per_worker]
    try:
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.get(timeout=120)
        started = time.perf_counter()
        go.set()
        return [results.get(timeout=result_timeout) for _ in procs], started
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
