"""The fast engine's adaptive pooling: ordinary pooling where the windows allow it.

When every window of Eq. R.1 has the same size and the windows start a
fixed step apart (``H`` a multiple of ``Ho``, global pooling with ``Ho = 1``,
and some overlapping cases such as 5 -> 4), adaptive pooling *is* ordinary
pooling of that kernel and stride, and runs through :mod:`.pool`'s passes by
window rows.  Ragged windows (two sizes) are averaged in two stages, over
each window's rows and then its columns, one strided addition per offset
inside the longest window (on (64, 32, 32, 32) to 7x7 in float32, forward
and backward took 10 ms against the gather's 60 ms); their maxima go
through the plain tier's gather (:mod:`convnet.functional.plain.adaptive`),
whose first-maximum rule in reading order does not split into rows and
columns.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..._checks import Saved, saved_contents
from ..._checks_resample import (adaptive_args, adaptive_backward_args, adaptive_bounds,
                                 adaptive_key)
from ...window import pool_window
from ..plain.adaptive import send_to_winners, window_maxima
from .pool import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward

__all__ = ["adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d",
           "adaptive_max_pool2d_backward", "as_pooling"]

ENGINE = "fast"


def _sums(a: np.ndarray, count: int, axis: int) -> np.ndarray:
    """The sum over each of ``count`` windows (Eq. R.1) along ``axis``, offset by offset."""
    starts, ends = adaptive_bounds(a.shape[axis], count)
    lengths = ends - starts
    total = np.zeros((*a.shape[:axis], count, *a.shape[axis + 1:]), a.dtype)
    into, source = np.moveaxis(total, axis, 0), np.moveaxis(a, axis, 0)    # views
    for k in range(int(lengths.max())):
        windows = np.flatnonzero(lengths > k)            # the windows that reach offset k
        into[windows] += source[starts[windows] + k]
    return total


def _spread(d: np.ndarray, size: int, axis: int) -> np.ndarray:
    """The transpose of :func:`_sums`: each window's value added to its ``size`` pixels."""
    starts, ends = adaptive_bounds(size, d.shape[axis])
    lengths = ends - starts
    out = np.zeros((*d.shape[:axis], size, *d.shape[axis + 1:]), d.dtype)
    into, source = np.moveaxis(out, axis, 0), np.moveaxis(d, axis, 0)      # views
    for k in range(int(lengths.max())):
        windows = np.flatnonzero(lengths > k)
        pixels = starts[windows] + k
        if d.shape[axis] <= size:            # windows start on distinct pixels: no repeats
            into[pixels] += source[windows]
        else:                                # more windows than pixels: repeats add up
            np.add.at(into, pixels, source[windows])
    return out


def _areas(x_shape, out, dtype) -> np.ndarray:
    """|U_i| |V_j| of every window, (Ho, Wo)."""
    (r0, r1), (c0, c1) = adaptive_bounds(x_shape[2], out[0]), adaptive_bounds(x_shape[3], out[1])
    return ((r1 - r0)[:, None] * (c1 - c0)[None, :]).astype(dtype)


@lru_cache(maxsize=256)
def as_pooling(height: int, width: int, out_h: int, out_w: int):
    """The ordinary pooling :class:`~convnet.window.Window` the adaptive windows make, or None."""
    kernel, stride = [], []
    for size, count in ((height, out_h), (width, out_w)):
        starts, ends = adaptive_bounds(size, count)                    # Eq. R.1
        lengths = ends - starts
        step = int(starts[1] - starts[0]) if count > 1 else int(lengths[0])
        if step < 1 or (lengths != lengths[0]).any() or (starts != step * np.arange(count)).any():
            return None
        kernel.append(int(lengths[0]))
        stride.append(step)
    return pool_window((height, width), tuple(kernel), tuple(stride), 0)


def adaptive_avg_pool2d(x, output_size, *, return_saved=False):
    """Eq. R.2: Eq. 8.22 with the window of Eq. R.1 when it is one window; else the gather."""
    x, out = adaptive_args(x, output_size, return_saved)
    window = as_pooling(*x.shape[2:], *out)
    if window is None:                                   # Eq. R.2, rows then columns
        z = _sums(_sums(x, out[0], 2), out[1], 3) / _areas(x.shape, out, x.dtype)
    else:
        z = avg_pool_forward(x, window)
    if return_saved:
        return z, Saved(ENGINE, "adaptive_avg_pool2d", adaptive_key(x, out), ())
    return z


def adaptive_avg_pool2d_backward(dz, x, output_size, *, saved=None):
    """Eq. R.3 (P8.3 for one window size)."""
    dz, x, out = adaptive_backward_args(dz, x, output_size, "adaptive_avg_pool2d")
    if saved is not None:
        saved_contents(saved, "adaptive_avg_pool2d", ENGINE, adaptive_key(x, out))
    window = as_pooling(*x.shape[2:], *out)
    if window is None:                                   # Eq. R.3, columns then rows
        share = dz / _areas(x.shape, out, dz.dtype)
        return _spread(_spread(share, x.shape[3], 3), x.shape[2], 2)
    return avg_pool_backward(dz, x.shape, window)


def adaptive_max_pool2d(x, output_size, *, return_saved=False):
    """Eq. R.4 (Eq. 8.24 when the windows are one window); the record keeps the winners."""
    x, out = adaptive_args(x, output_size, return_saved, "adaptive_max_pool2d")
    window = as_pooling(*x.shape[2:], *out)
    if window is None:
        z, rows, cols = window_maxima(x, out)
        contents = (None, rows, cols)
    else:
        z = max_pool_forward(x, window)
        contents = (z.copy(), None, None)    # a copy: the caller may change z before the backward
    if return_saved:
        return z, Saved(ENGINE, "adaptive_max_pool2d", adaptive_key(x, out), contents)
    return z


def adaptive_max_pool2d_backward(dz, x, output_size, *, saved=None):
    """Eq. R.5: each window's sensitivity to its first maximum."""
    dz, x, out = adaptive_backward_args(dz, x, output_size, "adaptive_max_pool2d")
    maxima = rows = cols = None
    if saved is not None:
        maxima, rows, cols = saved_contents(saved, "adaptive_max_pool2d", ENGINE,
                                            adaptive_key(x, out))
    window = as_pooling(*x.shape[2:], *out)
    if window is None:
        if rows is None:
            _, rows, cols = window_maxima(x, out)
        return send_to_winners(dz, x.shape, rows, cols)
    if maxima is None or maxima.dtype != x.dtype:
        maxima = max_pool_forward(x, window)
    return max_pool_backward(dz, x, maxima, window)
