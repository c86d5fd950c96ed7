"""Bounded reads from files and decompressing streams (zip members, gzip).

A file from outside may promise little and deliver a lot (a compressed
stream of zeros) or the reverse (a truncated one).  These helpers read what
a header declared, in chunks straight into the destination buffer, and
never ask a stream for "everything": a reader that wants to know whether
more follows asks for a bounded number of further bytes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CHUNK", "read_into", "read_upto", "byte_view"]

CHUNK = 1 << 18        # 256 KiB per read: the most a read keeps beside its destination


def byte_view(array: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous ``array`` (any shape, any dtype) as a writable memoryview."""
    return memoryview(array.reshape(-1).view(np.uint8))


def read_into(stream, buffer) -> int:
    """Fill ``buffer`` (a writable bytes-like object) from ``stream``; return the bytes read.

    Reads at most ``CHUNK`` bytes at a time and stops when the buffer is
    full or the stream ends, so fewer bytes than ``len(buffer)`` means the
    stream was shorter.  Nothing beyond ``len(buffer)`` is read.
    """
    view = memoryview(buffer).cast("B")
    filled = 0
    while filled < len(view):
        count = stream.readinto(view[filled:filled + CHUNK])
        if not count:
            break
        filled += count
    return filled


def read_upto(stream, count: int) -> bytes:
    """At most ``count`` bytes from ``stream`` (fewer only where it ends)."""
    buffer = bytearray(count)
    return bytes(buffer[:read_into(stream, buffer)])
