"""Timing: medians and interquartile ranges of repeated calls, in blocks after a pause.

Used in both processes: :mod:`run` times convnet here, the PyTorch worker
(:mod:`torch_worker`) times PyTorch with the same :func:`timings`.
"""

from __future__ import annotations

import statistics
import time

PAUSE = 0.25  # seconds between timing blocks (OpenBLAS spin-down)
ROUNDS = 3    # alternating blocks per library and workload


def measure(fn, repeat: int, warmup: int = 3, inner: int = 1, warmup_seconds: float = 0.3) -> dict:
    """Median and interquartile range (seconds) of ``repeat`` timings of ``inner`` calls.

    The warm-up runs at least ``warmup`` calls and ``warmup_seconds``: the
    first calls pay for page faults until the allocator has settled.
    """
    return summarize(timings(fn, repeat, warmup, inner, warmup_seconds))


def timings(fn, repeat: int, warmup: int = 3, inner: int = 1, warmup_seconds: float = 0.3):
    """``repeat`` timings (seconds per call) after a pause and a warm-up."""
    time.sleep(PAUSE)
    start = time.perf_counter()
    calls = 0
    while calls < warmup or time.perf_counter() - start < warmup_seconds:
        fn()
        calls += 1
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return samples


def summarize(samples) -> dict:
    quartiles = statistics.quantiles(samples, n=4)
    return {"median": statistics.median(samples), "q1": quartiles[0], "q3": quartiles[2]}


def alternate(samplers: dict, repeat: int, rounds: int = ROUNDS) -> dict:
    """Time every workload of ``samplers`` in alternating blocks; pool and summarize each one's samples.

    ``samplers[name](n)`` returns n timings (:func:`timings` of a step, or
    :meth:`torch_worker.TorchWorker.workload`).  Each of the ``rounds``
    rounds runs one block of every workload, in the order given, each block
    after a pause; so a slow spell of a shared machine does not land on one
    workload only.
    """
    pooled = {name: [] for name in samplers}
    per_block = max(3, repeat // rounds)
    for _ in range(rounds):
        for name, sample in samplers.items():
            pooled[name] += sample(per_block)
    return {name: summarize(samples) for name, samples in pooled.items()}


def compare(ours, theirs, repeat: int, rounds: int = ROUNDS):
    """Time ``ours`` here and ``theirs`` (or None) in alternating blocks; pool each one's samples.

    ``theirs(n)`` returns n timings (:meth:`torch_worker.TorchWorker.workload`).
    Alternating ``rounds`` blocks per library, each after a pause, keeps a slow
    spell of a shared machine from landing on one library only.
    """
    samplers = {"ours": lambda n: timings(ours, n)}
    if theirs is not None:
        samplers["theirs"] = theirs
    stats = alternate(samplers, repeat, rounds)
    return stats["ours"], stats.get("theirs")


def fmt(stats) -> str:
    if stats is None:
        return "-"
    return (f"{stats['median'] * 1e3:8.2f} ms (IQR {stats['q1'] * 1e3:.2f}-"
            f"{stats['q3'] * 1e3:.2f})")
