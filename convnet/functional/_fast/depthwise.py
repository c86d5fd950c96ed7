"""The fast engine's depthwise convolution: ``kh*kw`` multiply-adds of shifted maps (trusted input).

In a depthwise convolution (``groups == C``, w of shape (F, 1, kh, kw) with
``F = m*C``) every output map reads one input map.  Eq. G.1 is then, for
each kernel offset (i, j), one number per map times the map shifted by
(i, j)::

    z[n, c*m + r] = sum_{i, j} w[c*m + r, 0, i, j] * xp[n, c, i*d + s*., j*d + s*.]

im2col would copy the input ``kh*kw`` times only for a product with one row
per group (a matrix-vector product per map, which BLAS does no faster than
NumPy's elementwise loops); here each tap is a multiply and an add over
strided views of the padded maps, with no copy.  The work runs over blocks
of channels small enough to stay in the CPU's cache across the ``kh*kw``
taps (:data:`BLOCK`): 3x3 on (64, 32, 32, 32) took 9.5 ms a forward pass
by single channels against 15 ms over all 32 at once.

The backward pass has the same taps: dA adds ``w * dz`` onto the shifted
windows (Eq. 8.41, each map alone), dLW sums ``dz`` times each shifted map
(Eq. 8.47).  Layout as in :mod:`.gather`: maps channels first, (C, N, Hp, Wp).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...window import Window
from .conv_backward import bias_gradient
from .gather import channels_first, padded_channels_first, unpad
from .memory import Lease, Scratch, output

__all__ = ["BLOCK", "PaddedMaps", "is_depthwise", "pad_maps", "depthwise_forward",
           "depthwise_backward", "depthwise_input_gradient"]

BLOCK = 1 << 16     # numbers per block of channels (256 KiB of float32: within L2 cache)


@dataclass
class PaddedMaps:
    """What the depthwise forward pass keeps for its backward: the padded input, channels first.

    Attributes
    ----------
    cols : ndarray (C, N, Hp, Wp)
        The padded maps (the taps read their shifted windows; named as the
        :class:`~.conv_forward.Gathered` record's gathered input).
    lease : Lease or None
        Gives the work buffer back to the pool (:meth:`release`); None when
        ``cols`` is a view of x itself (no padding) or no record keeps it.
    """

    cols: np.ndarray
    lease: Lease | None = None

    @property
    def buffer(self) -> np.ndarray:
        """The array a saved record keeps (the padded maps themselves)."""
        return self.cols

    def release(self) -> None:
        if self.lease is not None:
            self.lease.end()


def is_depthwise(w_shape, window: Window) -> bool:
    """Whether each group has one input map (and the taps of this module apply)."""
    return window.groups > 1 and w_shape[1] == 1


def pad_maps(x: np.ndarray, window: Window, scratch: Scratch) -> PaddedMaps:
    """x (N, C, H, W) padded with zeros, channels first: a work buffer (a view if no padding)."""
    return PaddedMaps(padded_channels_first(x, window.pads, scratch, "padded input"))


def _blocks(channels: int, per_channel: int) -> list:
    """Slices of channels, each about :data:`BLOCK` numbers (at least one channel)."""
    step = max(1, BLOCK // max(1, per_channel))
    return [slice(start, min(start + step, channels)) for start in range(0, channels, step)]


def _taps(window: Window) -> list:
    """``(k, rows, cols)`` of every kernel offset: its flat index and the slices it reads."""
    return [(k, *window.tap(i, j)) for k, (i, j) in enumerate(window.offsets())]


def depthwise_forward(x: np.ndarray, w: np.ndarray, b, window: Window, scratch: Scratch):
    """Eq. G.1, one map per group: ``(z, record)``, z the (N, F, Ho, Wo) view of a new array."""
    c, (f, _, kh, kw), n, (ho, wo) = x.shape[1], w.shape, x.shape[0], window.out
    m = f // c                                                    # maps out per map in
    padded = pad_maps(x, window, scratch)
    maps = padded.cols                                            # (C, N, Hp, Wp)
    z = output("output", (f, n, ho, wo), x.dtype)                 # (F, N, Ho, Wo)
    outputs = z.reshape(c, m, n, ho, wo)
    weights = w.reshape(c, m, kh * kw, 1, 1, 1)
    blocks = _blocks(c, m * n * ho * wo)
    room = scratch.get("depthwise products", (blocks[0].stop, m, n, ho, wo), x.dtype)
    for block in blocks:
        out, products = outputs[block], room[:block.stop - block.start]
        for k, rows, cols in _taps(window):
            tap = maps[block, None, :, rows, cols]                # (c, 1, N, Ho, Wo), a view
            if k == 0:
                np.multiply(tap, weights[block, :, k], out=out)
            else:
                np.multiply(tap, weights[block, :, k], out=products)
                out += products                                   # Eq. G.1, tap by tap
    if b is not None:                                             # tied (F,) or untied (F, Ho, Wo)
        z += b[:, None, None, None] if b.ndim == 1 else b[:, None]
    return z.transpose(1, 0, 2, 3), padded                        # (N, F, Ho, Wo)


def depthwise_input_gradient(dz: np.ndarray, w: np.ndarray, x_shape, window: Window,
                             scratch: Scratch) -> np.ndarray:
    """dA (Eq. 8.41, one map per group): every tap adds ``w * dz`` onto the window it read."""
    n, c, h, wid = x_shape
    (f, _, kh, kw), (ho, wo), m = w.shape, window.out, w.shape[0] // c
    (top, bottom), (left, right) = window.pads
    sensitivities = channels_first(dz).reshape(c, m, n, ho, wo)   # a view
    weights = w.reshape(c, m, kh * kw, 1, 1, 1)
    dsrc = output("input gradient", (c, n, h + top + bottom, wid + left + right), dz.dtype,
                  zero=True)                                      # (C, N, Hp, Wp)
    blocks = _blocks(c, m * n * ho * wo)
    room = scratch.get("depthwise products", (blocks[0].stop, n, ho, wo), dz.dtype)
    for block in blocks:
        target, products = dsrc[block], room[:block.stop - block.start]
        for k, rows, cols in _taps(window):
            if m == 1:
                np.multiply(sensitivities[block, 0], weights[block, 0, k], out=products)
            else:                                                 # sum over the m maps of c
                np.einsum("cmnhw,cm->cnhw", sensitivities[block],
                          weights[block, :, k, 0, 0, 0], out=products)
            target[:, :, rows, cols] += products                  # Eq. 8.41
    return unpad(dsrc, window.pads).transpose(1, 0, 2, 3)          # (N, C, H, W)


def depthwise_backward(dz: np.ndarray, padded: PaddedMaps, w: np.ndarray, x_shape,
                       window: Window, bias, scratch: Scratch, need_input_gradient=True):
    """dA, dLW, db of a depthwise convolution from the forward's padded maps (trusted input)."""
    n, c = x_shape[:2]
    (f, _, kh, kw), (ho, wo), m = w.shape, window.out, w.shape[0] // c
    sensitivities = channels_first(dz).reshape(c, m, n, ho, wo)   # a view
    dw = np.empty((c, m, kh * kw), dz.dtype)
    for block in _blocks(c, m * n * ho * wo):
        for k, rows, cols in _taps(window):                      # Eq. 8.47: dz times the tap
            dw[block, :, k] = np.einsum("cmnhw,cnhw->cm", sensitivities[block],
                                        padded.cols[block, :, rows, cols])
    dx = (depthwise_input_gradient(dz, w, x_shape, window, scratch)
          if need_input_gradient else None)
    return dx, dw.reshape(w.shape), bias_gradient(dz, bias)
