"""The fast engine's max and average pooling, forward beside backward (trusted input).

Layout: ``x`` is (N, C, H, W), the output ``z`` is (N, C, Ho, Wo); each feature
map is pooled on its own, so C stays C (Fig. 8.9: H^2 = H^1).

Every step touches every window of every map at once.  The forward passes
go in two stages: over the window's rows, whose pixels lie in contiguous
runs, then over its columns (see :func:`_row_taps`); so does max pooling's
backward when the windows tile the input (the chapter's usual 2x2 / stride
2).  Otherwise the backward passes loop over the ``kh*kw`` offsets inside the
window, one strided array operation each.  ``ceil_mode``'s overhang is
padding like any other (``window.reach()``); average pooling's divisors are
the plain engine's (:func:`convnet.functional.plain.pool.divisors`).
"""

from __future__ import annotations

import numpy as np

from ...window import Window
from ..._checks import (Saved, avg_key, avg_options, pool_args, pool_backward_args, pool_key,
                        saved_contents)
from ..plain.pool import divisors
from .gather import all_finite, new_array, pad, scratch_like, unpad
from .memory import Scratch, output

__all__ = ["max_pool_forward", "max_pool_backward", "avg_pool_forward", "avg_pool_backward",
           "window_sums", "max_pool2d", "max_pool2d_backward", "avg_pool2d",
           "avg_pool2d_backward", "sum_pool2d", "pool_weight_gradient"]


# An offset (i, j) inside the window has a "tap": the strided view of the
# (padded) input that it reads at every output position.  The backward pass
# of overlapping windows loops over the kh*kw taps.  When the windows tile
# the input (stride = kernel, no padding) the taps do not overlap, so the
# backward pass can write each pixel of dx once instead of adding into it.

def _tiles(window: Window) -> bool:
    # No padding, no overhang of ceil_mode's last window, no dilation: blocks of x itself.
    return (window.stride == window.kernel and window.reach() == ((0, 0), (0, 0))
            and window.dilation == (1, 1))


def _chunks(n: int, sample_bytes: int, target: int = 1 << 20):
    """Batch slices of about ``target`` bytes of input: a chunk's passes work mostly in cache."""
    step = max(1, target // max(1, sample_bytes))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


# A window's max or sum is taken in two stages: first over its kh rows,
# reading "row taps" xp[:, :, i::s, :], whose pixels lie in contiguous runs
# along each image row; then over the kw columns of that (N, C, Ho, Wp)
# result.  The direct taps xp[:, :, i::s, j::s] step through memory twice,
# along the row and across rows, and NumPy's element-wise loops over such
# views ran up to five times slower whenever the input started on a 64-byte
# boundary (measured; it depends on where the allocator put the input, so it
# came and went between runs).

def _row_taps(xp: np.ndarray, window: Window) -> list:
    """The kh row taps: (N, C, Ho, Wp) views of ``xp``, row i of every window."""
    return [xp[:, :, window.tap(i, 0)[0], :] for i in range(window.kernel[0])]


def _column_taps(rows: np.ndarray, window: Window) -> list:
    """The kw columns of every window in an array of row results: (..., Wo) views."""
    return [rows[..., window.tap(0, j)[1]] for j in range(window.kernel[1])]


def _fold(op, parts: list, out: np.ndarray) -> np.ndarray:
    """``out = op(op(parts[0], parts[1]), parts[2]) ...`` in place; a single part is copied."""
    if len(parts) == 1:
        np.copyto(out, parts[0])
        return out
    op(parts[0], parts[1], out=out)
    for part in parts[2:]:
        op(out, part, out=out)
    return out


def _row_buffer(x: np.ndarray, window: Window, parts: list, width: int, dtype,
                scratch: Scratch) -> np.ndarray:
    """Room for the row results of the largest chunk: (n, C, Ho, width)."""
    return scratch.get("row results", (parts[0].stop, x.shape[1], window.out[0], width), dtype)


def _to_hits(dz: np.ndarray, hit: np.ndarray, finite: bool, out=None) -> np.ndarray:
    """``dz`` where ``hit``, exactly 0 elsewhere: ``dz * hit``, unless dz holds inf or NaN.

    ``inf * False`` is NaN, so with a non-finite ``dz`` (``finite`` False)
    the losing pixels get their zeros from ``np.where`` instead.
    """
    if finite:
        return np.multiply(dz, hit, out=out)
    routed = np.where(hit, dz, dz.dtype.type(0))
    if out is None:
        return routed
    np.copyto(out, routed)
    return out


def _spread(a: np.ndarray, window: Window, wide: np.ndarray) -> np.ndarray:
    """(n, C, Ho, Wo) -> (n, C, kh*Ho, kw*Wo) of tiling windows: each value over its window.

    First over the window's columns, into ``wide`` (n, C, Ho, kw*Wo); then
    ``np.repeat`` copies each of those rows kh times, whole rows at a time
    (twice as fast as a broadcasting copy into a buffer, measured).
    """
    for column in _column_taps(wide, window):
        np.copyto(column, a)
    return np.repeat(wide, window.kernel[0], axis=2)


def max_pool_forward(x: np.ndarray, window: Window) -> np.ndarray:
    """Max pooling (Eq. 8.24): the elementwise maximum of the window's taps.

    ``np.maximum`` propagates NaN, so a window holding NaN gives NaN.  Padding
    is -inf, which never wins.
    """
    z = new_array((*x.shape[:2], *window.out), x.dtype, like=x)          # (N, C, Ho, Wo)
    return _fold_windows(np.maximum, pad(x, window.reach(), -np.inf), window, z)


def _fold_windows(op, xp: np.ndarray, window: Window, z: np.ndarray, scale=None) -> np.ndarray:
    """``op`` over every window of ``xp`` into ``z``: over its rows, then its columns.

    ``np.maximum`` gives max pooling, ``np.add`` with ``scale = 1/(kh*kw)``
    (or one weight per window, (Ho, Wo)) average pooling.  Returns ``z``.
    """
    parts = _chunks(xp.shape[0], xp[0].nbytes)
    with Scratch() as scratch:
        rows = _row_buffer(xp, window, parts, xp.shape[3], xp.dtype, scratch)
        for part in parts:
            row_results = _fold(op, _row_taps(xp[part], window), rows[:part.stop - part.start])
            zs = _fold(op, _column_taps(row_results, window), z[part])
            if scale is not None:
                zs *= scale
    return z


def _first_hits(hits: list) -> None:
    """Keep, in place, only the first hit of every window among the taps' ``hits``.

    ``still_open`` marks the windows whose maximum no earlier tap has taken;
    ties therefore go to the first maximum in row-major order, as in PyTorch.
    """
    still_open = ~hits[0]
    for hit in hits[1:]:
        np.logical_and(hit, still_open, out=hit)
        np.logical_xor(still_open, hit, out=still_open)        # hit lies inside still_open


def max_pool_backward(dz: np.ndarray, x: np.ndarray, z: np.ndarray, window: Window):
    """Route each window's sensitivity to its maximum (exercise E8.8).

    A tap "hits" where it equals the window's maximum ``z`` (or is NaN).
    Every window has at least one hit, so as many hits as windows means one
    each; only otherwise are ties broken (:func:`_first_hits`), which after
    a ReLU, where windows of zeros tie, is the usual case.  Overlapping
    windows add up.
    """
    nan, finite = bool(np.isnan(z).any()), all_finite(dz)
    if _tiles(window):
        dx = new_array(x.shape, dz.dtype, like=x)
        return _max_pool_backward_tiles(dz, x, z, window, dx, nan, finite)
    xp = pad(x, window.reach(), -np.inf)
    dxp = new_array(xp.shape, dz.dtype, zero=True, like=xp)
    taps = [window.tap(i, j) for i, j in window.offsets()]
    real = None
    if window.reach() != ((0, 0), (0, 0)):   # a -inf pixel must win over the -inf padding
        real = pad(np.ones(x.shape[2:], dtype=bool), window.reach(), False)   # (Hp, Wp)
    for part in _chunks(x.shape[0], xp[0].nbytes):
        xs, zs, dzs, dxs = xp[part], z[part], dz[part], dxp[part]
        hits = []
        for tap in taps:
            hit = np.equal(xs[(..., *tap)], zs)                # (n, C, Ho, Wo)
            if nan:
                hit |= np.isnan(xs[(..., *tap)])
            if real is not None:
                hit &= real[tap]
            hits.append(hit)
        if sum(np.count_nonzero(hit) for hit in hits) != zs.size:
            _first_hits(hits)
        for tap, hit in zip(taps, hits):
            dxs[(..., *tap)] += _to_hits(dzs, hit, finite)
    return unpad(dxp, window.reach())


def _max_pool_backward_tiles(dz, x, z, window: Window, dx, nan: bool, finite: bool):
    """:func:`max_pool_backward` for tiling windows, on whole images at a time.

    Each window's maximum and sensitivity are spread over its kh x kw
    pixels (:func:`_spread`), so that the hit test and the write of dx run
    over the input's own layout, long runs of memory rather than one short
    image row per NumPy loop.  Ties are broken over the taps in row-major
    order, as in the general case.  The windows do not overlap, so each
    pixel of ``dx`` (any array of x's shape) is written once; rows and
    columns beyond the last whole window are set to zero.
    """
    (kh, kw), (ho, wo) = window.kernel, window.out
    dx[..., kh * ho:, :] = 0
    dx[..., :, kw * wo:] = 0
    parts = _chunks(x.shape[0], x[0].nbytes)
    with Scratch() as scratch:
        wide = _row_buffer(x, window, parts, kw * wo, dz.dtype, scratch)
        hits = scratch.get("hits", (parts[0].stop, x.shape[1], kh * ho, kw * wo), bool)
        for part in parts:
            count = part.stop - part.start
            _tiles_backward(dz[part], x[part], z[part], window, dx[part], wide[:count],
                            hits[:count], nan, finite)
    return dx


def _tiles_backward(dz, x, z, window: Window, dx, wide, hit, nan: bool, finite: bool):
    """One chunk of :func:`_max_pool_backward_tiles`; ``wide`` and ``hit`` are room."""
    (kh, kw), (ho, wo) = window.kernel, window.out
    tiles = x[..., :kh * ho, :kw * wo]                                # the whole windows
    np.equal(tiles, _spread(z, window, wide), out=hit)                # (n, C, kh*Ho, kw*Wo)
    if nan:
        hit |= np.isnan(tiles)
    if np.count_nonzero(hit) != z.size:
        _first_hits([hit[..., i::kh, j::kw] for i, j in window.offsets()])  # row-major
    _to_hits(_spread(dz, window, wide), hit, finite, out=dx[..., :kh * ho, :kw * wo])


def _weights(dtype, window: Window, divisor=None):
    """w of Eq. 8.22 in ``dtype``: 1/(kh*kw), or 1/divisor (a number or one per window)."""
    divisor = window.kernel[0] * window.kernel[1] if divisor is None else divisor
    if np.ndim(divisor) == 0:
        return dtype.type(1.0 / divisor)
    return (1.0 / divisor).astype(dtype)                            # (Ho, Wo)


def avg_pool_forward(x: np.ndarray, window: Window, divisor=None) -> np.ndarray:
    """Average pooling (Eq. 8.22) with w = 1/(kh*kw) or 1/``divisor``; padded zeros count."""
    weight = _weights(x.dtype, window, divisor)                     # w of Eq. 8.22
    z = new_array((*x.shape[:2], *window.out), x.dtype, like=x)    # (N, C, Ho, Wo)
    return _fold_windows(np.add, pad(x, window.reach(), 0.0), window, z, weight)


def avg_pool_backward(dz: np.ndarray, x_shape, window: Window, divisor=None) -> np.ndarray:
    """Spread each sensitivity evenly over its window (Solved Problem P8.3).

    ``dA = lw ⊠ dLZ`` with lw = 1/(kh*kw) (or 1/``divisor``): every element
    of dLZ expands to a kh x kw block; overlapping blocks add up.
    """
    (top, bottom), (left, right) = window.reach()
    n, c, h, w = x_shape
    taps = [window.tap(i, j) for i, j in window.offsets()]
    share = dz * _weights(dz.dtype, window, divisor)                # (N, C, Ho, Wo)
    padded = (n, c, h + top + bottom, w + left + right)
    tiles = _tiles(window)
    (kh, kw), (ho, wo) = window.kernel, window.out
    covered = (kh * ho, kw * wo) == (h, w)
    dxp = output("input gradient", padded, dz.dtype, zero=not (tiles and covered))
    for part in _chunks(n, share[0].nbytes * len(taps)):
        for tap in taps:
            if tiles:          # the blocks do not overlap: write each once
                dxp[part][(..., *tap)] = share[part]
            else:
                dxp[part][(..., *tap)] += share[part]
    return np.ascontiguousarray(unpad(dxp, window.reach()))


def window_sums(x: np.ndarray, window: Window) -> np.ndarray:
    """⊞A: the sum of every window (zero padding), the fold of the mean without its weight."""
    z = np.empty((*x.shape[:2], *window.out), dtype=x.dtype)        # (N, C, Ho, Wo)
    return _fold_windows(np.add, pad(x, window.pads, 0.0), window, z)


# --------------------------------------------------------------------------
# Entry points: the same names and signatures as convnet.functional.pool
# --------------------------------------------------------------------------

ENGINE = "fast"


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, *,
               return_saved=False):
    """Eq. 8.24 by window rows, then columns; the record keeps a copy of each window's max."""
    x, window = pool_args(x, kernel_size, stride, padding, ceil_mode, return_saved, "max_pool2d",
                          dilation)
    z = max_pool_forward(x, window)
    if not return_saved:
        return z
    with Scratch() as scratch:          # a copy: the caller may change z before the backward
        maxima = scratch_like(scratch, "saved maxima", z, z.dtype)
        np.copyto(maxima, z)
        lease = scratch.keep(maxima)
    return z, Saved(ENGINE, "max_pool2d", pool_key(x, window), (maxima, lease))


def max_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                        *, saved=None):
    """E8.8: each window's sensitivity to its first maximum."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "max_pool2d",
                                       ceil_mode, dilation)
    z, lease = None, None
    if saved is not None:
        z, lease = saved_contents(saved, "max_pool2d", ENGINE, pool_key(x, window))
    try:
        if z is None or z.dtype != x.dtype:
            z = max_pool_forward(x, window)
        return max_pool_backward(dz, x, z, window)
    finally:
        if lease is not None:
            lease.end()


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, return_saved=False):
    """Eq. 8.22 with w = 1/divisor; the record is empty (the backward needs x's shape only)."""
    x, window = pool_args(x, kernel_size, stride, padding, ceil_mode, return_saved)
    options = avg_options(count_include_pad, divisor_override)
    z = avg_pool_forward(x, window, divisors(x.shape[2:], window, *options))
    if not return_saved:
        return z
    return z, Saved(ENGINE, "avg_pool2d", avg_key(x, window, *options), ())


def avg_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None, *, saved=None):
    """P8.3: each sensitivity spread evenly over its window."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "avg_pool2d",
                                       ceil_mode)
    options = avg_options(count_include_pad, divisor_override)
    if saved is not None:
        saved_contents(saved, "avg_pool2d", ENGINE, avg_key(x, window, *options))
    return avg_pool_backward(dz, x.shape, window, divisors(x.shape[2:], window, *options))


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    """The reducing operator ⊞ (Eq. 8.22 without w)."""
    x, window = pool_args(x, kernel_size, stride, padding)
    return window_sums(x, window)


def pool_weight_gradient(dz, x, kernel_size, stride=None, padding=0):
    """P8.4: dlw = ⊞(dLZ ∘ ⊞A), one number per map."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "sum_pool2d")
    return (dz * window_sums(x, window)).sum(axis=(0, 2, 3))  # ⊞ over positions of dLZ ∘ ⊞A
