"""Work memory of the fast engine: buffers kept per thread and reused from call to call.

A large array that is new costs a page fault per 4 KiB page the first time it
is written, which took longer than the gather that fills it (measured, see
``docs/performance.md``).  So the fast engine keeps its work buffers: every
thread has a :class:`Pool` of free buffers, each filed under what it is for
(a name, its shape and dtype, the fill it was made with and the layout of
what is written into it).  A call takes what it needs through a
:class:`Scratch` and gives it back when it returns; a buffer held by a
forward pass's saved record goes back when the backward has used it, or when
the record is dropped unused.

Nothing here is ever handed to a caller: the arrays the public functions
return are new.  Because each thread has a pool of its own and a buffer is
lent to one call at a time, threads never share work memory.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

__all__ = ["Pool", "Scratch", "pool", "reuse", "release_all", "POOL_LIMIT"]

POOL_LIMIT = 512 * 2 ** 20   # bytes of free buffers a thread keeps; the oldest go first


class Pool:
    """Free work buffers of one thread, filed by key; at most ``limit`` bytes are kept.

    A buffer's key says everything its next user relies on: code that counts
    on zeros staying where it never writes (a padded border, zero rows) puts
    *everything* that decides where those are into the key's layout (the
    padding on each side, the number of real rows), so a buffer is only ever
    lent again to code that writes exactly the same places.  Any call in the
    thread may be the next user, not only the same layer.
    """

    def __init__(self, limit: int = POOL_LIMIT):
        self.limit = limit
        self._free: OrderedDict = OrderedDict()   # key -> list of buffers, oldest key first
        self._bytes = 0
        self._lock = threading.Lock()              # records may give back from another thread
        self.reusing = True

    def take(self, key, shape, dtype, fill=None) -> np.ndarray:
        """A free buffer filed under ``key``, or a new one (filled with ``fill`` if given)."""
        with self._lock:
            stack = self._free.get(key)
            if stack:
                buffer = stack.pop()
                self._bytes -= buffer.nbytes
                if not stack:
                    del self._free[key]
                return buffer
        return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)

    def give(self, key, buffer: np.ndarray) -> None:
        """File ``buffer`` under ``key`` for the next taker (dropped when reuse is off)."""
        if not self.reusing or buffer.nbytes > self.limit:
            return
        with self._lock:
            self._free.setdefault(key, []).append(buffer)
            self._free.move_to_end(key)
            self._bytes += buffer.nbytes
            while self._bytes > self.limit:
                _, stack = next(iter(self._free.items()))
                self._bytes -= stack.pop(0).nbytes
                if not stack:
                    self._free.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._free.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes of free buffers kept."""
        return self._bytes


_threads = threading.local()
_every_pool: "weakref.WeakSet[Pool]" = weakref.WeakSet()


def pool() -> Pool:
    """This thread's pool."""
    mine = getattr(_threads, "pool", None)
    if mine is None:
        mine = _threads.pool = Pool()
        _every_pool.add(mine)
    return mine


@contextmanager
def reuse(flag: bool):
    """Keep work buffers between calls in this thread (True) or make every one afresh (False)."""
    mine = pool()
    previous, mine.reusing = mine.reusing, bool(flag)
    try:
        yield
    finally:
        mine.reusing = previous


def release_all(every_thread: bool = False) -> None:
    """Drop the free buffers of this thread's pool (of every thread's with ``every_thread``)."""
    for each in (list(_every_pool) if every_thread else [pool()]):
        each.clear()


class Scratch:
    """The buffers one call borrows from this thread's pool; :meth:`close` gives them back.

    Use as a context manager around a call.  :meth:`keep` hands a buffer over
    to a saved record instead (:class:`Lease`), which gives it back later.
    """

    def __init__(self):
        self.pool = pool()
        self._lent: dict = {}   # id(buffer) -> (key, buffer)

    def get(self, name: str, shape, dtype, fill=None, layout=None) -> np.ndarray:
        """The buffer ``name`` of this shape and dtype; ``fill`` is applied only when it is new."""
        shape = tuple(shape)
        key = (name, shape, np.dtype(dtype).str, fill, layout)
        buffer = self.pool.take(key, shape, dtype, fill)
        self._lent[id(buffer)] = (key, buffer)
        return buffer

    def keep(self, buffer: np.ndarray) -> "Lease":
        """Take ``buffer`` out of this call's scratch: a lease that gives it back later."""
        key, buffer = self._lent.pop(id(buffer))
        return Lease(self.pool, key, buffer)

    def close(self) -> None:
        for key, buffer in self._lent.values():
            self.pool.give(key, buffer)
        self._lent.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Lease:
    """A pool buffer held beyond one call (by a saved record); :meth:`end` gives it back once."""

    def __init__(self, owner: Pool, key, buffer: np.ndarray):
        self.buffer = buffer
        self._finalizer = weakref.finalize(self, owner.give, key, buffer)

    def end(self) -> None:
        """Give the buffer back now (also happens when the lease is garbage collected)."""
        self._finalizer()
