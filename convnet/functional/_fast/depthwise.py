"""The fast engine's depthwise convolution: ``kh*kw`` multiply-adds of shifted maps (trusted input).

In a depthwise convolution (``groups == C``, w of shape (F, 1, kh, kw) with
``F = m*C``) every output map reads one input map.  Eq. G.1 is then, for
each kernel offset (i, j), one number per map times the map shifted by
(i*d, j*d)::

    z[n, c*m + r, h, w] = sum_{i, j} w[c*m + r, 0, i, j] * xp[n, c, h*s + i*d, w*s + j*d]

im2col would copy the input ``kh*kw`` times only for a product with one row
per group (a matrix-vector product per map, which BLAS does no faster than
NumPy's elementwise loops); here each tap is a multiply and an add over
views of the padded maps, with no copy, over blocks of channels small
enough to stay in the CPU's cache across the taps (:data:`BLOCK`).

* *Wide taps* (stride 1, finite data): as in :mod:`.gather`'s wide rows, an
  output row runs on across the padded width, so that a tap reads, for every
  image and position of a map, one contiguous run of the flat padded maps:
  ``zw[c, t] += w[c, k] * flat[c, t + i*d*Wp + j*d]`` over the whole
  (N, Hp, Wp) plane at once.  The positions past (Ho, Wo) are garbage and
  never read.  3x3 on (64, 32, 32, 32) float32, measured alone: the forward
  pass took 5.8 ms this way, 9.5 ms through strided views of the maps.
* *Strided taps* (any stride, or inf or NaN in the data, which the garbage
  positions would multiply by zero): each tap reads a strided (N, Ho, Wo)
  view of each map.

No block writes what another reads or writes, so the cores take the
blocks in turn (:mod:`.lanes`), each lane with its own work room; the
blocks depend on the shape alone, so any number of lanes gives the same
numbers.

The backward pass has the same taps: dA adds ``w * dz`` onto each shifted
window (Eq. 8.41, each map alone), dLW is a dot product of dz with each
shifted map (Eq. 8.47), the wide sensitivities zero past (Ho, Wo).
Layout as in :mod:`.gather`: maps channels first, (C, N, Hp, Wp).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...window import Window
from .conv_backward import bias_gradient
from .gather import all_finite, channels_first, padded_channels_first, strided, unpad
from .gather import wide_maps
from . import lanes as _lanes
from .lanes import MAX_LANES, lanes_for, run_blocks
from .memory import Lease, Scratch, output

__all__ = ["BLOCK", "PaddedMaps", "is_depthwise", "pad_maps", "depthwise_forward",
           "depthwise_backward", "depthwise_input_gradient"]

# Numbers per block of channels: 2 MiB of float32, a few maps of a batch, within the shared
# cache.  fwd+bwd 3x3 stride 1, float32, median of 3 alternating rounds (2-core AMD EPYC, Zen 4):
# (64, 32, 32, 32) 19.9 -> 16.3 ms, (64, 64, 16, 16) 12.1 -> 9.8, (8, 32, 112, 112) 27.9 -> 23.9
# against 1 << 16 (one map per block, more NumPy calls); 1 << 20 was no better, 1 << 21 slower.
BLOCK = 1 << 19


@dataclass
class PaddedMaps:
    """What the depthwise forward pass keeps for its backward: the padded input, channels first.

    Attributes
    ----------
    cols : ndarray (C, N, Hp, Wp)
        The padded maps (the taps read their shifted windows; named as the
        :class:`~.conv_forward.Gathered` record's gathered input).
    flat : ndarray or None
        For wide taps: the same maps as one flat array, followed by a guard
        of zeros as long as the longest tap's shift.
    lease : Lease or None
        Gives the work buffer back to the pool (:meth:`release`); None when
        ``cols`` is a view of x itself (no padding) or no record keeps it.
    """

    cols: np.ndarray
    flat: np.ndarray | None = None
    lease: Lease | None = None

    @property
    def buffer(self) -> np.ndarray:
        """The array a saved record keeps."""
        return self.cols if self.flat is None else self.flat

    def release(self) -> None:
        if self.lease is not None:
            self.lease.end()


def is_depthwise(w_shape, window: Window) -> bool:
    """Whether each group has one input map (and the taps of this module apply)."""
    return window.groups > 1 and w_shape[1] == 1


def _shift(window: Window, wp: int, i: int, j: int) -> int:
    """How far tap (i, j) reads ahead in the flat padded maps of width ``wp``."""
    return i * window.dilation[0] * wp + j * window.dilation[1]


def pad_maps(x: np.ndarray, window: Window, scratch: Scratch) -> PaddedMaps:
    """x (N, C, H, W) padded with zeros, channels first; flat with a guard for wide taps.

    Wide taps (stride 1) need finite data: the copy and that check run block
    by block in the lanes, and maps holding inf or NaN are copied again for
    strided taps.
    """
    if window.stride != (1, 1):
        return PaddedMaps(padded_channels_first(x, window.pads, scratch, "padded input"))
    (top, _), (left, _) = window.pads
    h, w = x.shape[2:]
    maps, flat = wide_maps(x.shape, x.dtype, window.pads, scratch, "padded input",
                           _shift(window, w + sum(window.pads[1]), window.kernel[0] - 1,
                                  window.kernel[1] - 1))          # (C, N, Hp, Wp), guarded
    source = channels_first(x)
    blocks, lanes = _shared(x.shape[1], maps[0].size)
    finite = [True] * len(blocks)

    def work(index: int, lane: int) -> None:
        block = blocks[index]
        maps[block, :, top:top + h, left:left + w] = source[block]
        finite[index] = all_finite(maps[block])
    run_blocks(work, len(blocks), lanes)
    if not all(finite):                                           # inf * garbage: strided
        return PaddedMaps(padded_channels_first(x, window.pads, scratch, "padded input"))
    return PaddedMaps(maps, flat)


def _blocks(channels: int, per_channel: int) -> list:
    """Slices of channels of about :data:`BLOCK` numbers each (one channel at least).

    On inputs large enough for lanes the count is rounded up to a multiple
    of ``MAX_LANES`` (where there are that many channels), blocks differing
    by one channel at most, so that two or four lanes get about equal
    shares.  The blocks depend on the shape alone, never on how many lanes
    run them: each block's sums run the same way on any machine.
    """
    total = channels * per_channel
    count = -(-total // BLOCK)
    if total >= _lanes.MIN_NUMBERS:
        count = -(-count // MAX_LANES) * MAX_LANES
    count = max(1, min(channels, count))
    bounds = [channels * i // count for i in range(count + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(count)]


def _shared(channels: int, per_channel: int) -> tuple:
    """``(blocks, lanes)``: :func:`_blocks` and how many lanes share them (:mod:`.lanes`)."""
    blocks = _blocks(channels, per_channel)
    return blocks, lanes_for(len(blocks), channels * per_channel)


def _rooms(scratch: Scratch, blocks: list, lanes: int, per_channel: tuple, dtype) -> list:
    """One work room per lane, for the products of its widest block: (channels, *per_channel)."""
    widest = max(block.stop - block.start for block in blocks)
    return [scratch.get("depthwise products", (widest, *per_channel), dtype)
            for _ in range(lanes)]


def _taps(window: Window, maps: np.ndarray, flat, block: slice, inside: bool = False):
    """``(k, tap)`` for every kernel offset: what it reads for the maps of ``block``.

    Wide (``flat`` given): a (c, 1, N*Hp*Wp) run of the flat maps, shifted
    by the tap's offset, so that its last ``shift`` numbers lie in the next
    map.  ``inside`` cuts those off, leaving (c, 1, N*Hp*Wp - shift): what a
    tap *writes* must stay in the block's own maps, for another lane may be
    writing the next (the positions cut off are the wide runs' garbage
    columns and the zero rows below the last output row).  Else a strided
    (c, 1, N, Ho, Wo) view.  ``c`` counts the block's channels.
    """
    c, n, hp, wp = maps.shape
    count, plane = block.stop - block.start, n * hp * wp
    for k, (i, j) in enumerate(window.offsets()):
        if flat is not None:
            shift = _shift(window, wp, i, j)
            yield k, strided(flat, block.start * plane + shift,
                             (count, 1, plane - shift if inside else plane), (plane, 0, 1))
        else:
            rows, cols = window.tap(i, j)
            yield k, maps[block, None, :, rows, cols]


def depthwise_forward(x: np.ndarray, w: np.ndarray, b, window: Window, scratch: Scratch):
    """Eq. G.1, one map per group: ``(z, record)``, z the (N, F, Ho, Wo) view of a new array."""
    c, (f, _, kh, kw), n, (ho, wo) = x.shape[1], w.shape, x.shape[0], window.out
    m = f // c                                                    # maps out per map in
    padded = pad_maps(x, window, scratch)
    flat = padded.flat if np.isfinite(w).all() else None          # inf * garbage: strided
    hp, wp = padded.cols.shape[2:]
    shape = (f, n, hp, wp) if flat is not None else (f, n, ho, wo)
    z = output("output", shape, x.dtype)                          # (F, N, Hp or Ho, Wp or Wo)
    outputs = z.reshape(c, m, *((-1,) if flat is not None else (n, ho, wo)))
    weights = w.reshape(c, m, kh * kw, *(1,) * (outputs.ndim - 2))
    tied = None if b is None or b.ndim != 1 else b.reshape(c, m, *(1,) * (outputs.ndim - 2))
    blocks, lanes = _shared(c, m * z[0].size)
    rooms = _rooms(scratch, blocks, lanes, outputs.shape[1:], x.dtype)

    def work(index: int, lane: int) -> None:
        block = blocks[index]
        out, products = outputs[block], rooms[lane][:block.stop - block.start]
        for k, tap in _taps(window, padded.cols, flat, block):
            if k == 0:
                np.multiply(tap, weights[block, :, k], out=out)
            else:
                np.multiply(tap, weights[block, :, k], out=products)
                out += products                                   # Eq. G.1, tap by tap
        if tied is not None:
            out += tied[block]                                    # a tied bias (F,)
    run_blocks(work, len(blocks), lanes)
    z = z[:, :, :ho, :wo]                                         # (F, N, Ho, Wo)
    if b is not None and tied is None:                            # untied (F, Ho, Wo)
        z += b[:, None]
    return z.transpose(1, 0, 2, 3), padded                        # (N, F, Ho, Wo)


def _wide_room(dz: np.ndarray, hw, window: Window, scratch: Scratch) -> np.ndarray:
    """Room for dz (N, F, Ho, Wo) zero-bordered, (F, N, Hp, Wp): zeros past (Ho, Wo), not yet dz.

    The sensitivities are copied in (``room[..., :ho, :wo] = dz``) block by
    block, in the lanes that read them.
    """
    ho, wo = window.out
    return scratch.get("depthwise sensitivities", (dz.shape[1], dz.shape[0], *hw), dz.dtype,
                       0.0, layout=(ho, wo))                      # the border stays zero


def depthwise_input_gradient(dz: np.ndarray, w: np.ndarray, x_shape, window: Window,
                             scratch: Scratch, wide_dz=None) -> np.ndarray:
    """dA (Eq. 8.41, one map per group): every tap adds ``w * dz`` onto the window it read.

    ``wide_dz``, the zero-bordered (F, N, Hp, Wp) sensitivities, may be given.
    """
    n, c, h, wid = x_shape
    (_, _, kh, kw), m = w.shape, w.shape[0] // c
    (top, bottom), (left, right) = window.pads
    hp, wp = h + top + bottom, wid + left + right
    wide = window.stride == (1, 1) and np.isfinite(w).all()       # inf * garbage: strided
    if wide and wide_dz is None:
        wide_dz = _wide_room(dz, (hp, wp), window, scratch)
        wide_dz[..., :window.out[0], :window.out[1]] = channels_first(dz)
    sensitivities = wide_dz if wide else channels_first(dz)
    sensitivities = sensitivities.reshape(c, m, *((-1,) if wide else sensitivities.shape[1:]))
    flat = output("input gradient", (c * n * hp * wp,), dz.dtype)
    dsrc = flat.reshape(c, n, hp, wp)                             # (C, N, Hp, Wp)
    weights = w.reshape(c, m, kh * kw, *(1,) * (sensitivities.ndim - 2))
    blocks, lanes = _shared(c, m * sensitivities[0, 0].size)
    rooms = _rooms(scratch, blocks, lanes, sensitivities.shape[2:], dz.dtype)

    def work(index: int, lane: int) -> None:
        block = blocks[index]
        products = rooms[lane][:block.stop - block.start]
        dsrc[block] = 0
        for k, target in _taps(window, dsrc, flat if wide else None, block, inside=True):
            if m == 1:
                np.multiply(sensitivities[block, 0], weights[block, 0, k], out=products)
            else:                                                 # sum over the m maps of c
                np.sum(sensitivities[block] * weights[block, :, k], axis=1, out=products)
            target[:, 0] += products[..., :target.shape[-1]]      # Eq. 8.41
    run_blocks(work, len(blocks), lanes)
    return unpad(dsrc, window.pads).transpose(1, 0, 2, 3)          # (N, C, H, W)


def depthwise_backward(dz: np.ndarray, padded: PaddedMaps, w: np.ndarray, x_shape,
                       window: Window, bias, scratch: Scratch, need_input_gradient=True):
    """dA, dLW, db of a depthwise convolution from the forward's padded maps (trusted input)."""
    n, c = x_shape[:2]
    (_, _, kh, kw), m, maps = w.shape, w.shape[0] // c, padded.cols
    wide = padded.flat is not None                                # x was finite, stride 1
    dz_cf = channels_first(dz)                                    # (F, N, Ho, Wo)
    sensitivities = _wide_room(dz, maps.shape[2:], window, scratch) if wide else dz_cf
    grouped = sensitivities.reshape(c, m, *((-1,) if wide else sensitivities.shape[1:]))
    dw = np.empty((c, m, kh * kw), dz.dtype)
    db = np.empty((c, m), dz.dtype) if bias == "tied" else bias_gradient(dz, bias)
    blocks, lanes = _shared(c, m * grouped[0, 0].size)
    ho, wo = window.out

    def work(index: int, lane: int) -> None:
        block = blocks[index]
        if wide:                                                  # this block's dz, bordered
            maps_out = slice(block.start * m, block.stop * m)
            sensitivities[maps_out, :, :ho, :wo] = dz_cf[maps_out]
        for k, tap in _taps(window, maps, padded.flat, block):   # Eq. 8.47: dz times the tap
            dw[block, :, k] = (np.vecdot(grouped[block], tap) if wide else
                               np.einsum("cmnhw,cnhw->cm", grouped[block], tap[:, 0]))
        if bias == "tied":                                        # Eq. 8.36
            db[block] = dz_cf[block.start * m:block.stop * m].sum(axis=(1, 2, 3)).reshape(-1, m)
    run_blocks(work, len(blocks), lanes)
    dx = None
    if need_input_gradient:
        dx = depthwise_input_gradient(dz, w, x_shape, window, scratch,
                                      sensitivities if wide else None)
    return dx, dw.reshape(w.shape), (db.reshape(-1) if bias == "tied" else db)
