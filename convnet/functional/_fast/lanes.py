"""Every core for the fast engine's elementwise loops: independent blocks run side by side.

A matrix product runs on every core (OpenBLAS has threads of its own), but
NumPy's elementwise loops run on one.  Where the fast engine loops over
blocks of channels and no block writes what another reads or writes (the
depthwise taps, see :mod:`.depthwise`), several *lanes* take the blocks in
turn (:func:`run_blocks`): the calling thread is one lane, worker threads
of a small shared pool the others.  NumPy lets go of the GIL inside its loops,
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
_pool, _pool_size = None, 0


def _forget_pool() -> None:
    """In a forked child: the parent's pool has no threads here (and its lock may be held)."""
    global _pool, _pool_size, _POOL_LOCK
    _pool, _pool_size, _POOL_LOCK = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):                 # POSIX
    os.register_at_fork(after_in_child=_forget_pool)


def lane_count() -> int:
    """Lanes: ``CONVNET_NUM_THREADS`` if set, else this process's cores, at most MAX_LANES."""
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
    available = lane_count()                # checks CONVNET_NUM_THREADS on every call
    if numbers < MIN_NUMBERS:
        return 1
    return max(1, min(available, items))


def _workers(count: int) -> ThreadPoolExecutor:
    """The shared pool, with at least ``count`` threads.

    A pool too small (``CONVNET_NUM_THREADS`` went up) is replaced, not shut
    down: a call still using it finishes there, and its threads end when
    nothing refers to it any more.
    """
    global _pool, _pool_size
    with _POOL_LOCK:
        if _pool_size < count:
            _pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="convnet-lane")
            _pool_size = count
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
    workers, futures = _workers(lanes - 1), []
    try:
        for number in range(1, min(lanes, count)):
            futures.append(workers.submit(contextvars.copy_context().run, lane, number))
        lane(0)
    finally:
        for future in futures:
            future.cancel()                 # not started yet: the blocks are all taken
        errors = [future.exception() for future in futures if not future.cancelled()]
    for error in errors:
        if error is not None:
            raise error
