"""Window gather and scatter of the fast engine, shared by convolution and pooling.

Everything here trusts its inputs: the public entry points have already
validated and normalised them.

Layout, once for the whole module::

    x      : (N, C, H, W)            feature maps as the rest of the library sees them
    src    : (C, N, Hp, Wp)          the same maps, channels first, padded
    cols   : (C, kh, kw, N, Ho, Wo)  im2col: cols[c, i, j, n, h, w] =
                                     src[c, n, h*sh + i*dil_h, w*sw + j*dil_w]

Reshaped to ``(C*kh*kw, N*Ho*Wo)`` the columns turn a whole batched
convolution into one matrix product ``W2 @ cols`` with ``W2 = w.reshape(F,
C*kh*kw)``: every column of ``cols`` is one receptive field, every row of
``W2`` one kernel (Eq. 8.20 as a single product).  The gather is a loop over
the ``kh*kw`` kernel offsets, each a strided copy of a whole (C, N) block; no
Python loop ever runs over the batch, the channels or the pixels.

Two facts about speed shape this module (measured, see ``benchmarks/``):

* *Channels first in memory.*  The product ``W2 @ cols`` comes out as
  (F, N*Ho*Wo), i.e. channels before the batch.  Instead of copying it into
  NCHW order, the layers hand on the (N, F, Ho, Wo) *view* of that memory;
  the gather below reads from any memory order, channels-first is simply
  the cheapest.
* *Reused work buffers.*  A large array that is new costs a page fault per
  4 KiB the first time it is written, which took longer than the gather
  itself.  The buffers come from :mod:`convnet.functional._fast.memory`.
"""

from __future__ import annotations

import numpy as np

from ...window import Window
from .memory import Scratch, output

__all__ = ["new_array", "scratch_like", "all_finite", "pad", "unpad", "channels_first",
           "padded_channels_first", "im2col", "col2im", "wide_buffer", "wide_channels_first",
           "im2col_wide", "col2im_wide", "strided"]


def new_array(shape, dtype, zero: bool = False, like=None, name: str = "output") -> np.ndarray:
    """An array to hand back (:func:`memory.output`); stored channels first if ``like`` is.

    The convolutions hand on their output as the (N, F, Ho, Wo) view of a
    channels-first product; a pass over ``like`` and the new array then
    walks both in the same memory order.
    """
    if like is not None and _channels_first_in_memory(like):
        moved = new_array((shape[1], shape[0], *shape[2:]), dtype, zero, name=name)
        return moved.swapaxes(0, 1)
    return output(name, shape, dtype, zero)


def scratch_like(scratch: Scratch, name: str, like: np.ndarray, dtype) -> np.ndarray:
    """A scratch buffer of ``like``'s shape, stored channels first if ``like`` is."""
    if _channels_first_in_memory(like):
        shape = (like.shape[1], like.shape[0], *like.shape[2:])
        return scratch.get(name, shape, dtype).swapaxes(0, 1)
    return scratch.get(name, like.shape, dtype)


def _channels_first_in_memory(x: np.ndarray) -> bool:
    return x.ndim >= 2 and x.strides[1] > x.strides[0] > 0


def all_finite(a: np.ndarray) -> bool:
    """Whether ``a`` holds no inf or NaN, in one summing pass when it does not.

    A finite sum means finite numbers (inf and NaN survive summing); only a
    sum that is not (NaN, inf, or an overflow) needs the element-wise check.
    """
    if a.size <= 4096:                 # small: one isfinite pass costs less than the errstate
        return bool(np.isfinite(a).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = a.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(a).all())


def pad(x: np.ndarray, pads, value: float = 0.0) -> np.ndarray:
    """Pad the last two axes of ``x`` with ``value`` (returns ``x`` itself if no padding)."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    *lead, h, w = x.shape
    out = np.full((*lead, h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[..., top:top + h, left:left + w] = x
    return out


def unpad(xp: np.ndarray, pads) -> np.ndarray:
    """The inverse of :func:`pad`: crop the padding off the last two axes (a view)."""
    (top, bottom), (left, right) = pads
    hp, wp = xp.shape[-2:]
    return xp[..., top:hp - bottom, left:wp - right]


def channels_first(x: np.ndarray) -> np.ndarray:
    """The (C, N, H, W) view of an (N, C, H, W) array (no copy)."""
    return x.transpose(1, 0, 2, 3)


def padded_channels_first(x: np.ndarray, pads, scratch: Scratch, name: str,
                          value: float = 0.0) -> np.ndarray:
    """``x`` (N, C, H, W) as a padded (C, N, Hp, Wp) array.

    Without padding this is a view.  With padding the maps are copied into a
    work buffer whose border was filled with ``value`` when it was made and
    is never written again, so later calls copy only the interior.
    """
    src = channels_first(x)                                   # (C, N, H, W) view
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return src
    c, n, h, w = src.shape
    out = scratch.get(name, (c, n, h + top + bottom, w + left + right), x.dtype, value,
                      layout=("border", tuple(map(tuple, pads))))
    out[:, :, top:top + h, left:left + w] = src               # (C, N, Hp, Wp)
    return out


def im2col(src: np.ndarray, window: Window, out: np.ndarray | None = None) -> np.ndarray:
    """Gather every receptive field of ``src`` (C, N, Hp, Wp) into columns.

    Returns ``cols`` of shape (C, kh, kw, N, Ho, Wo), C-contiguous, written
    into the start of ``out`` when given (any contiguous array at least that
    large).
    """
    c, n = src.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.out
    shape = (c, kh, kw, n, ho, wo)
    if out is None:
        cols = np.empty(shape, dtype=src.dtype)
    else:
        cols = out.reshape(-1)[:c * kh * kw * n * ho * wo].reshape(shape)
    for i, j in window.offsets():
        rows, columns = window.tap(i, j)
        # cols[c, i, j, n, h, w] = src[c, n, h*sh + i*dil_h, w*sw + j*dil_w]
        cols[:, i, j] = src[:, :, rows, columns]
    return cols


def col2im(dcols: np.ndarray, padded_shape, window: Window) -> np.ndarray:
    """Scatter-add columns back onto the padded maps: the adjoint of :func:`im2col`.

    ``dcols`` has shape (C, kh, kw, N, Ho, Wo); the result is a (C, N, Hp, Wp)
    array with ``padded_shape = (C, N, Hp, Wp)``, new.  Where
    windows overlap, contributions add up (one strided add per kernel offset).
    """
    dsrc = output("input gradient", padded_shape, dcols.dtype, zero=True)
    for i, j in window.offsets():
        rows, columns = window.tap(i, j)
        dsrc[:, :, rows, columns] += dcols[:, i, j]
    return dsrc


# --------------------------------------------------------------------------
# Wide rows: the stride-1 gather as contiguous slices
# --------------------------------------------------------------------------
#
# At stride 1, output row h reads input rows h + i*dil_h; over a whole row of the
# padded map the pixels read by kernel offset (i, j) are consecutive.  If an
# output row is allowed to run on across the full padded width Wp (instead of
# stopping at Wo), the pixels offset (i, j) reads for *all* outputs of one map
# form one contiguous run of the flattened map:
#
#     wide[c, i, j, n, h*Wp + w] = flat(src[c, n])[(h + i*dil_h)*Wp + w + j*dil_w]
#
# for w in [0, Wp).  Columns w >= Wo are garbage (they wrap into the next
# row) and are cropped off afterwards; they cost (Wp - Wo)/Wo extra work but
# turn Ho*N*C short row copies into N*C long ones.  The maps sit in one flat
# buffer with a small guard at its end, so the last run stays inside it.

def wide_buffer(scratch: Scratch, name: str, shape, dtype, guard: int, fill=0.0,
                layout=None):
    """A zero-bordered (C, N, Hp, Wp) buffer followed by ``guard`` spare elements.

    Returns ``(maps, flat)``: the 4-D view to fill and the flat 1-D array.
    The zeros are made once; ``layout`` names where the caller writes (see
    :meth:`Scratch.get`), so that another layout gets a fresh buffer.
    """
    size = int(np.prod(shape))
    flat = scratch.get(name, (size + guard,), dtype, fill, layout=(tuple(shape), layout))
    return flat[:size].reshape(shape), flat


def wide_channels_first(x: np.ndarray, pads, scratch: Scratch, name: str, guard: int,
                        spread=(1, 1)):
    """Copy ``x`` (N, C, H, W) into a padded, guarded channels-first buffer.

    ``spread = (sh, sw)`` puts ``s - 1`` zeros between neighbouring rows /
    columns (the "dilated" sensitivities of a strided layer's backward pass);
    the zeros are never written, so they stay zero when the buffer is reused.
    """
    (top, bottom), (left, right) = pads
    maps, flat = wide_maps(x.shape, x.dtype, pads, scratch, name, guard, spread)
    (sh, sw), (hd, wd) = spread, (maps.shape[2] - top - bottom, maps.shape[3] - left - right)
    maps[:, :, top:top + hd:sh, left:left + wd:sw] = channels_first(x)
    return maps, flat


def wide_maps(x_shape, dtype, pads, scratch: Scratch, name: str, guard: int, spread=(1, 1)):
    """The buffer :func:`wide_channels_first` copies an x of ``x_shape`` into: ``(maps, flat)``."""
    n, c, h, w = x_shape
    (top, bottom), (left, right) = pads
    hd, wd = (h - 1) * spread[0] + 1, (w - 1) * spread[1] + 1    # size once spread out
    return wide_buffer(scratch, name, (c, n, hd + top + bottom, wd + left + right), dtype,
                       guard, layout=(tuple(map(tuple, pads)), tuple(spread)))


def strided(flat: np.ndarray, offset: int, shape, steps) -> np.ndarray:
    """A view of the contiguous ``flat`` from element ``offset``, ``steps`` elements apart per axis.

    Like ``numpy.lib.stride_tricks.as_strided``, in elements instead of bytes;
    built with the ``ndarray`` constructor, which is several times quicker (it
    matters in the small layers) and refuses a view that would reach past the
    end of ``flat``.
    """
    item = flat.itemsize
    return np.ndarray(shape, flat.dtype, flat, offset * item, tuple(s * item for s in steps))


def _runs(flat: np.ndarray, offset: int, planes: tuple, plane_size: int, length: int):
    """The (C, N, length) view of runs starting ``offset`` into every map of ``flat``."""
    c, n = planes
    return strided(flat, offset, (c, n, length), (n * plane_size, plane_size, 1))


def im2col_wide(maps: np.ndarray, flat: np.ndarray, window: Window, out=None) -> np.ndarray:
    """Stride-1 gather into wide columns (C, kh, kw, N, Ho*Wp); see the notes above.

    All kh*kw runs of every map form one strided view of the flat buffer,
    (C, kh, kw, N, Ho*Wp), so the whole gather is a single copy.
    """
    c, n, hp, wp = maps.shape
    (kh, kw), (dil_h, dil_w), ho = window.kernel, window.dilation, window.out[0]
    size = c * kh * kw * n * ho * wp
    cols = (np.empty(size, maps.dtype) if out is None
            else out.reshape(-1)[:size]).reshape(c, kh, kw, n, ho * wp)
    plane = hp * wp
    # runs[c, i, j, n, t] = flat[c*N*plane + n*plane + i*dil_h*Wp + j*dil_w + t]
    runs = strided(flat, 0, (c, kh, kw, n, ho * wp), (n * plane, dil_h * wp, dil_w, plane, 1))
    np.copyto(cols, runs)
    return cols


def col2im_wide(dcols: np.ndarray, padded_shape, window: Window, guard: int) -> np.ndarray:
    """Scatter-add wide columns back: the adjoint of :func:`im2col_wide`.

    ``dcols`` (C, kh, kw, N, Ho*Wp) must be zero in its garbage columns.
    Returns a new (C, N, Hp, Wp) array.
    """
    c, n, hp, wp = padded_shape
    (dil_h, dil_w), ho = window.dilation, window.out[0]
    flat = output("input gradient", (c * n * hp * wp + guard,), dcols.dtype)
    maps = flat[:c * n * hp * wp].reshape(c, n, hp * wp)
    np.copyto(maps[:, :, :ho * wp], dcols[:, 0, 0])      # offset (0, 0) covers these first
    maps[:, :, ho * wp:] = 0
    flat[c * n * hp * wp:] = 0
    for i, j in window.offsets()[1:]:
        runs = _runs(flat, i * dil_h * wp + j * dil_w, (c, n), hp * wp, ho * wp)
        runs += dcols[:, i, j]
    return maps.reshape(padded_shape)
