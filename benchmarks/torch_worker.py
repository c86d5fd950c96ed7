"""PyTorch in a process of its own, and glibc's allocator held steady.

The worker imports PyTorch; the script's own process never does.  It builds
the PyTorch workloads of :mod:`workloads` by name and times them with the
same :func:`timing.timings` as convnet's side.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import platform

import workloads
from machine import THREADS
from timing import timings


class TorchWorker:
    """PyTorch in a process of its own, timing its workloads on request.

    Each library runs as its users run it, alone in its process.  In one
    shared process, what one library frees changes the other's speed: glibc
    serves large blocks from fresh, page-faulting memory below a threshold
    that rises with the blocks freed before (see :func:`steady_allocator`),
    and right after NumPy had freed one 29 MiB array PyTorch's case c) ran
    twice as fast as before.  The worker is started with "spawn", so that
    it inherits no allocator state.
    """

    def __init__(self, allocator: str):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_torch_worker, args=(child, allocator),
                                        daemon=True)
        self._process.start()
        child.close()
        self._built = 0
        try:
            self.info = self._ask("info")   # an ImportError in the worker is raised here
        except BaseException:
            self.close()
            raise

    def _ask(self, *message):
        self._connection.send(message)
        reply = self._connection.recv()
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def workload(self, builder: str, *args):
        """Build ``builder(*args)`` in the worker; return ``n -> n timings`` of its step.

        The worker keeps the last workload built only; the returned function
        refuses to time another one.
        """
        self._built += 1
        self._ask("build", self._built, builder, args)
        return lambda repeat, number=self._built: self._ask("time", number, repeat)

    def close(self):
        """Stop the worker; never raises (it may already be gone, after an error)."""
        try:
            self._connection.send(None)
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()


def _torch_worker(connection, allocator: str):
    """The worker's loop: build one workload at a time, time it, report (see TorchWorker)."""
    steady = allocator == "steady" and steady_allocator()
    try:
        import torch
    except Exception as error:  # noqa: BLE001 - the first reply tells the parent
        torch, failure = None, error
    if torch is not None:
        torch.set_num_threads(THREADS)
    step, built = None, None
    while (message := connection.recv()) is not None:
        kind, *args = message
        try:
            if torch is None:
                raise ImportError(f"PyTorch failed to import: {failure!r}")
            if kind == "info":
                capability = getattr(getattr(torch.backends, "cpu", None),
                                     "get_cpu_capability", None)
                # str(): torch.__version__ is a TorchVersion; unpickling one imports torch
                reply = {"torch": str(torch.__version__), "torch_steady_allocator": steady,
                         "torch_cpu_capability": capability() if capability else None}
            elif kind == "build":
                step = built = None              # free the previous workload first
                step, built = getattr(workloads, args[1])(*args[2]), args[0]
                reply = True
            elif args[0] != built:               # "time" a workload no longer built
                raise RuntimeError(f"workload {args[0]} is gone; the worker holds {built}")
            else:
                reply = timings(step, args[1])
        except Exception as error:  # noqa: BLE001 - handed back and raised in the parent
            reply = error
        connection.send(reply)


def steady_allocator() -> bool:
    """Ask glibc's malloc to keep freed memory; True if it agreed (Linux with glibc only).

    By default glibc maps every block above a threshold fresh from the
    kernel and unmaps it when freed, so each new large array page-faults.
    The threshold starts at 128 KiB and rises to the size of any such block
    freed later (up to 32 MiB), so where it stands depends on what the
    process freed before.  Fixing the threshold (and the trim threshold) at
    1 GiB keeps every library in the fast state.  PyTorch, which allocates
    new tensors every call, gains most: its case c) went from 25-30 ms to
    13-17 ms.  Used in both processes with ``--allocator steady``.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3     # from glibc's <malloc.h>
    return bool(libc.mallopt(m_mmap_threshold, 1 << 30)) and bool(
        libc.mallopt(m_trim_threshold, 1 << 30))
