"""Every core for the fast engine's elementwise loops: independent blocks run side by side.

A matrix product runs on every core (OpenBLAS has threads of its own), but
NumPy's elementwise loops run on one.  Where the fast engine loops over
blocks of channels that share nothing (the depthwise taps, see
:mod:`.depthwise`), several *lanes* take the blocks in turn
(:func:`run_blocks`): the calling thread is one lane, worker threads of a
small shared pool the others.  NumPy lets go of the GIL inside its loops,
so the lanes overlap.  Each block writes only its own channels of the
result, each lane has its own work room, and the blocks depend on the
shape alone, so the numbers are the same, bit for bit, in any number of
lanes (``tests/fast/test_lanes.py``).

How many lanes: the environment variable ``CONVNET_NUM_THREADS`` if set
(``1``: the calling thread alone), else the number of cores this process
may run on, at most :data:`MAX_LANES`; one for work under
:data:`MIN_NUMBERS` numbers (:func:`lanes_for`), where a hand-over (some
20 microseconds) costs more than a second core saves.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["MAX_LANES", "MIN_NUMBERS", "lane_count", "lanes_for", "run_blocks"]

MAX_LANES = 4
# Below this many numbers, one lane.  Depthwise 3x3 forward and backward, float32 (2-core AMD
# EPYC, Zen 4): (64, 8, 16, 16) 1.13 ms in one lane, 2.12 in two; (64, 16, 16, 16) 2.11 and
# 2.25; (64, 32, 16, 16) 4.34 and 3.60; (64, 32, 32, 32) 16.0 and 10.2.
MIN_NUMBERS = 1 << 19

_POOL_LOCK = threading.Lock()
_pool = None
_pool_pid = None


def lane_count() -> int:
    """Lanes available: ``CONVNET_NUM_THREADS``, else this process's cores (1 to MAX_LANES)."""
    setting = os.environ.get("CONVNET_NUM_THREADS", "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"CONVNET_NUM_THREADS must be a positive whole number of threads, "
                             f"got {setting!r}")
        return int(setting)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:                         # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_LANES, cores))


def lanes_for(items: int, numbers: int) -> int:
    """How many lanes for ``items`` independent blocks holding ``numbers`` numbers in all."""
    if numbers < MIN_NUMBERS:
        return 1
    return max(1, min(lane_count(), items))


def _workers(count: int) -> ThreadPoolExecutor:
    """The shared pool (made again in a forked child, whose copy has no threads)."""
    global _pool, _pool_pid
    with _POOL_LOCK:
        if _pool is None or _pool_pid != os.getpid() or _pool._max_workers < count:
            if _pool is not None and _pool_pid == os.getpid():
                _pool.shutdown(wait=False)         # CONVNET_NUM_THREADS went up
            _pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="convnet-lane")
            _pool_pid = os.getpid()
        return _pool


def run_blocks(work, count: int, lanes: int) -> None:
    """``work(index, lane)`` for every block ``index`` in ``range(count)``, shared among lanes.

    Each lane takes the next block nobody has taken yet, so a lane whose
    core is busy (OpenBLAS's threads spin for a while after each product)
    simply takes fewer blocks.  Which lane runs a block never changes what
    the block computes.  Lane 0 is the calling thread; the others run in
    copies of its context (so :func:`numpy.errstate` holds in them too).
    Returns when every block is done; an exception in any lane is raised
    here, after the other lanes have stopped (none is left writing into a
    buffer its caller is about to give back).
    """
    taken = itertools.count()               # next() on it is atomic: each index goes once

    def lane(number: int) -> None:
        for index in iter(taken.__next__, None):
            if index >= count:
                return
            work(index, number)

    if lanes <= 1 or count <= 1:
        lane(0)
        return
    workers = _workers(lanes - 1)
    futures = [workers.submit(contextvars.copy_context().run, lane, number)
               for number in range(1, min(lanes, count))]
    try:
        lane(0)
    finally:
        for future in futures:
            future.cancel()                 # not started yet: the blocks are all taken
        errors = [future.exception() for future in futures if not future.cancelled()]
    for error in errors:
        if error is not None:
            raise error
