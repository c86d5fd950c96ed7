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

The arrays the public functions return are new, with one exception made on
request: inside :func:`step_outputs` (a training step of
:class:`convnet.Sequential`), the arrays passed from layer to layer are work
buffers too, handed out again by the thread's next step.  A step
consumes them all before that; fresh ones cost page faults on every step
(some 900 per LeNet step, a third of its time: glibc hands the freed memory
back to the kernel between steps).  Because each thread has a pool of its
own and a buffer is lent to one user at a time, threads never share work
memory.
"""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager

import numpy as np

__all__ = ["Pool", "Scratch", "Lease", "pool", "reuse", "temporary", "release_all",
           "step_outputs", "output", "POOL_LIMIT"]

POOL_LIMIT = 512 * 2 ** 20   # bytes of free buffers a thread keeps; the oldest go first


class Pool:
    """Free work buffers of one thread, filed by key; at most ``limit`` bytes are kept.

    Past the limit, buffers filed under the keys filed first go first.

    A buffer's key says everything its next user relies on: code that counts
    on zeros staying where it never writes (a padded border, zero rows) puts
    *everything* that decides where those are into the key's layout (the
    padding on each side, the number of real rows), so a buffer is only ever
    lent again to code that writes exactly the same places.  Any call in the
    thread may be the next user, not only the same layer.
    """

    def __init__(self, limit: int = POOL_LIMIT):
        self.limit = limit
        self._free: dict = {}       # key -> list of free buffers; keys in the order first filed
        self._bytes = 0
        self._returned: list = []   # (key, buffer) given back from elsewhere, filed on next use
        self._clear_requested = False   # set by another thread: clear on the next use
        self.reusing = True

    def take(self, key, shape, dtype, fill=None) -> np.ndarray:
        """A free buffer filed under ``key``, or a new one (filled with ``fill`` if given).

        Always a new one while reuse is off (:func:`reuse`).
        """
        if self._returned or self._clear_requested:
            self._file_returned()
        stack = self._free.get(key) if self.reusing else None
        if stack:                   # (an emptied list stays, keeping its key's place)
            buffer = stack.pop()
            self._bytes -= buffer.nbytes
            return buffer
        return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)

    def give(self, key, buffer: np.ndarray) -> None:
        """File ``buffer`` under ``key`` for the next taker (dropped when reuse is off).

        Only the pool's own thread calls this; a record collected elsewhere
        uses :meth:`give_later`.
        """
        if buffer.base is not None:     # a view would lend its owner's memory out twice
            raise RuntimeError("internal error: a view was given back to the work-memory pool")
        if not self.reusing or buffer.nbytes > self.limit:
            return
        self._free.setdefault(key, []).append(buffer)
        self._bytes += buffer.nbytes
        if self._bytes > self.limit:
            self._evict()

    def _evict(self) -> None:
        """Drop buffers, those filed under the oldest keys first, until within the limit."""
        for key in list(self._free):
            stack = self._free.pop(key)
            while stack and self._bytes > self.limit:
                self._bytes -= stack.pop(0).nbytes
            if stack:
                self._free[key] = stack          # what is left goes to the back
            if self._bytes <= self.limit:
                return

    def give_later(self, key, buffer: np.ndarray) -> None:
        """Give ``buffer`` back from any thread: it is filed when the pool's thread next takes.

        (``list.append`` is atomic; the pool's dict is only ever touched by
        its own thread.)
        """
        self._returned.append((key, buffer))

    def _file_returned(self) -> None:
        if self._clear_requested:
            self.clear()
        while self._returned:
            self.give(*self._returned.pop())

    def clear(self) -> None:
        """Drop every free buffer (only the pool's own thread calls this)."""
        self._clear_requested = False
        self._returned.clear()
        self._free.clear()
        self._bytes = 0

    def drop_new(self, known) -> None:
        """Drop the free buffers filed under keys not in ``known`` (the keys filed before)."""
        self._file_returned()
        for key in [key for key in self._free if key not in known]:
            self._bytes -= sum(buffer.nbytes for buffer in self._free.pop(key))

    def request_clear(self) -> None:
        """Ask, from any thread, that the pool drop its buffers when its own thread next uses it."""
        self._clear_requested = True

    @property
    def nbytes(self) -> int:
        """Bytes of free buffers kept."""
        self._file_returned()
        return self._bytes


_threads = threading.local()
_ENDING = threading.Lock()      # a lease or a record is used up once, whatever the threads do
_every_pool: "weakref.WeakSet[Pool]" = weakref.WeakSet()
_POOLS = threading.Lock()       # a thread's first call adds its pool while another lists them


def pool() -> Pool:
    """This thread's pool."""
    mine = getattr(_threads, "pool", None)
    if mine is None:
        mine = _threads.pool = Pool()
        with _POOLS:
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


@contextmanager
def temporary():
    """Buffers this thread's pool first files inside the body are dropped when it ends."""
    mine = pool()
    known = set(mine._free)
    try:
        yield
    finally:
        mine.drop_new(known)


def release_all(every_thread: bool = False) -> None:
    """Drop the free buffers of this thread's pool (of every thread's with ``every_thread``)."""
    _give_back_step_outputs()
    mine = pool()
    mine.clear()
    if every_thread:
        with _POOLS:
            pools = list(_every_pool)
        for each in pools:
            if each is not mine:
                each.request_clear()    # another thread's pool is only touched by that thread


# -- the outputs of a training step -------------------------------------------------------
#
# A training step asks for the same outputs in the same order every time, so the
# buffers of one step are kept in that order (the thread's "slots") and the next step
# is handed them again, request by request, without going through the pool; a request
# that differs (another shape: the last, smaller batch) swaps its slot's buffer.

def _give_back_step_outputs() -> None:
    slots = _threads.__dict__.get("slots", [])
    mine = pool()
    while slots:
        mine.give(*slots.pop())


@contextmanager
def step_outputs():
    """A training step: returned arrays may live in work buffers until the next step begins.

    Inside, :func:`output` hands out the buffers of the thread's previous step
    again, in the same order (when the thread reuses memory at all); nothing the
    previous step returned may still be in use.
    """
    previous = _threads.__dict__.get("cursor")
    _threads.cursor = 0 if pool().reusing else None
    _threads.__dict__.setdefault("slots", [])
    try:
        yield
    finally:
        _threads.cursor = previous


def output(name: str, shape, dtype, zero: bool = False) -> np.ndarray:
    """An array to hand back: new, or inside :func:`step_outputs` the step's buffer for it."""
    cursor = _threads.__dict__.get("cursor")
    if cursor is None:
        return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    shape, slots = tuple(shape), _threads.slots
    key = ("output", name, shape, dtype)
    if cursor < len(slots) and slots[cursor][0] == key:
        buffer = slots[cursor][1]
    else:
        mine = pool()
        buffer = mine.take(key, shape, dtype)
        if cursor < len(slots):
            mine.give(*slots[cursor])         # another request than last step's: swap
            slots[cursor] = (key, buffer)
        else:
            slots.append((key, buffer))
    _threads.cursor = cursor + 1
    if zero:
        buffer.fill(0)
    return buffer


class Scratch:
    """The buffers one call borrows from this thread's pool; :meth:`close` gives them back.

    Use as a context manager around a call.  :meth:`keep` hands a buffer over
    to a saved record instead (:class:`Lease`), which gives it back later.
    """

    __slots__ = ("pool", "_lent")

    def __init__(self):
        self.pool = pool()
        self._lent: list = []   # (key, buffer)

    def get(self, name: str, shape, dtype, fill=None, layout=None) -> np.ndarray:
        """The buffer ``name`` of this shape and dtype; ``fill`` is applied only when it is new."""
        shape = tuple(shape)
        key = (name, shape, dtype, fill, layout)       # dtype as given: np.dtype or type
        buffer = self.pool.take(key, shape, dtype, fill)
        self._lent.append((key, buffer))
        return buffer

    def lent(self, buffer: np.ndarray) -> bool:
        """Whether ``buffer`` (or the array it views) is one this scratch lent."""
        return any(lent is buffer or lent is buffer.base for _, lent in self._lent)

    def keep(self, buffer: np.ndarray) -> "Lease":
        """Take ``buffer`` (or a view of it) out of this call's scratch: a lease for later."""
        for index, (key, lent) in enumerate(self._lent):
            if lent is buffer or lent is buffer.base:
                del self._lent[index]
                return Lease(self.pool, key, lent)       # the pool gets the buffer, not the view
        raise ValueError("keep() takes a buffer this scratch lent")

    def close(self) -> None:
        give = self.pool.give
        for key, buffer in self._lent:
            give(key, buffer)
        self._lent.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Lease:
    """A pool buffer held beyond one call (by a saved record); :meth:`end` gives it back once.

    The buffer goes back when :meth:`end` is called or, failing that, when the
    lease is collected (a record dropped unused).  That may happen in another
    thread than the one whose pool lent it, so it goes back by
    :meth:`Pool.give_later`.
    """

    __slots__ = ("buffer", "_owner", "_key")

    def __init__(self, owner: Pool, key, buffer: np.ndarray):
        self.buffer, self._owner, self._key = buffer, owner, key

    def end(self) -> None:
        """Give the buffer back now (once, even if two threads end the lease together)."""
        with _ENDING:
            owner, self._owner = self._owner, None
        if owner is not None:
            owner.give_later(self._key, self.buffer)

    def __del__(self):
        self.end()
