"""The fast engine's input gradient dA of a convolution: three methods and the rule between them.

dA is one sum (Eq. 8.41, or Eq. 8.44-8.45 after the change of variables of
Eq. 8.42-8.43); the methods organise it differently and move different
amounts of memory (each is tested against the loops):

* *gather*: the full correlation of dLZ with rot180(W), Eq. 8.45 as printed;
* *scatter*: ``W2^T dZ``, added back onto the windows (col2im), Eq. 8.41;
* *kernel rows*: Eq. 8.45 split along the kernel, gathering dLZ over the
  kernel's columns and scattering over its rows.

Everything here trusts its inputs.
"""

from __future__ import annotations

import numpy as np

from ...window import Window
from .conv_forward import blas_rows, run_guard
from .gather import col2im, col2im_wide, im2col_wide, unpad, wide_channels_first
from .memory import Scratch, output

__all__ = ["input_gradient_method", "input_gradient_gather", "input_gradient_scatter",
           "sensitivity_columns", "input_gradient_by_kernel_rows"]


def _gather_fits(w_shape, window: Window) -> bool:
    """The gather pads dLZ by ``d*(k-1) - p``: it needs ``p <= d*(k-1)`` on every side."""
    (kh, kw), (dil_h, dil_w) = w_shape[2:], window.dilation
    (top, bottom), (left, right) = window.pads
    return max(top, bottom) <= dil_h * (kh - 1) and max(left, right) <= dil_w * (kw - 1)


def input_gradient_method(w_shape, x_shape, window: Window, wide: bool = True) -> str:
    """The rule that picks how dA is computed: ``"kernel rows"``, ``"gather"`` or ``"scatter"``.

    All three give the same numbers; they differ in how many numbers they
    move through memory, which is what their time is made of once the
    matrix product (the same multiply-adds for all three) is done.  The rule
    counts those numbers and picks the fewest:

    * *gather* (:func:`input_gradient_gather`, Eq. 8.45 as printed) writes and
      then reads the sensitivities' im2col matrix, ``F*kh*kw`` rows over the
      input's ``N*H*W'`` pixels, and writes dA once;
    * *scatter* (:func:`input_gradient_scatter`) writes ``W2^T dZ``,
      ``C*kh*kw`` rows over the ``N*Ho*W'`` outputs, and adds each row back
      (read it, read and write dA);
    * *kernel rows* (:func:`input_gradient_by_kernel_rows`, stride 1 only)
      gathers over the kernel's columns (``F*kw`` rows, written and read) and
      scatters over its rows (``C*kh`` rows).

    ``W'`` is the padded width with wide rows (``wide``), else the output
    width.  Roughly: gather wins when the layer narrows many channels into
    few (``F*kw`` well below ``C``), scatter when it widens few into many at
    small kernels or any stride above 1, kernel rows in between (LeNet's
    second layer, 3x3 layers with as many maps out as in).  Padding wider
    than ``d*(k-1)`` rules the gather out.  A grouped convolution always
    scatters, one product per group.
    """
    if window.groups > 1:
        return "scatter"
    (f, c, kh, kw), (n, h, w), (ho, wo) = w_shape, (x_shape[0], *x_shape[2:]), window.out
    (top, bottom), (left, right) = window.pads
    width = w + left + right if wide else wo                       # W' of the outputs
    outputs = n * ho * width
    inputs = n * h * (w + window.dilation[1] * (kw - 1))           # the gather's wide plane
    cost = {"scatter": 4 * c * kh * kw * outputs}
    if _gather_fits(w_shape, window):
        cost["gather"] = (2 * f * kh * kw + c) * inputs
    if window.stride == (1, 1) and wide:
        cost["kernel rows"] = (2 * f * kw + 4 * c * kh) * outputs
    return min(cost, key=cost.get)


def input_gradient_gather(dz: np.ndarray, w: np.ndarray, x_shape, window: Window,
                          scratch: Scratch, out=None) -> np.ndarray:
    """dA as the *full* cross-correlation of dLZ with rot180(W) (Eq. 8.44-8.45).

    For a stride s the sensitivities are first spread out with s - 1 zeros
    between neighbours (the windows the stride skipped have sensitivity 0).
    Padding the spread-out dLZ by ``d*(k - 1) - p`` instead of the full
    ``d*(k - 1)`` yields exactly the unpadded input's size: the gradient of
    padded zeros is never needed.  ``out`` may be a buffer to reuse for the
    sensitivities' im2col matrix.
    """
    n, c, h, wid = x_shape
    f, _, kh, kw = w.shape
    (dil_h, dil_w), (sh, sw) = window.dilation, window.stride
    (top, bottom), (left, right) = window.pads
    eh, ew = dil_h * (kh - 1), dil_w * (kw - 1)   # the full padding of the dilated kernel
    # The rows of the padded input that no window reached (the stride's
    # remainder) have zero gradient: pad the bottom / right a little further.
    extra_h = h + top + bottom - ((window.out[0] - 1) * sh + 1 + eh)
    extra_w = wid + left + right - ((window.out[1] - 1) * sw + 1 + ew)
    pads = ((eh - top, eh - bottom + extra_h), (ew - left, ew - right + extra_w))
    full = Window(window.kernel, (1, 1), pads, window.dilation, (h, wid))
    maps, flat = wide_channels_first(dz, pads, scratch, "padded sensitivities", ew,
                                     spread=(sh, sw))             # (F, N, Hz, Wz)
    width = maps.shape[3]                                           # W + d*(kw - 1)
    if out is not None and out.size < f * kh * kw * n * h * width:
        out = None
    cols = im2col_wide(maps, flat, full, out)                       # (F, kh, kw, N, H*Wz)
    w_rot = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, F, kh, kw)
    dx = output("input gradient", (c, n, h, width), dz.dtype)       # (C, N, H, Wz)
    np.matmul(w_rot.reshape(c, f * kh * kw), cols.reshape(f * kh * kw, -1),
              out=dx.reshape(c, -1))                                # Eq. 8.45: sum over maps h
    return dx[..., :wid].transpose(1, 0, 2, 3)                      # (N, C, H, W)


def input_gradient_scatter(dz2: np.ndarray, w: np.ndarray, x_shape, window: Window,
                           scratch: Scratch, wide: bool = False) -> np.ndarray:
    """dA by scattering ``W2^T dZ`` back onto the input (col2im).

    The same sum as Eq. 8.41, organised by output instead of by input: each
    output's sensitivity, times the kernel, is added onto the pixels its
    window covered (the transpose of the forward matrix product, as for a
    fully connected layer).  ``dz2`` is the (F, N*Ho*W') sensitivity matrix,
    in wide rows when ``wide``.  With groups, each group's columns come from
    its own maps' sensitivities (Eq. G.3): one product per group.
    """
    n, c, h, wid = x_shape
    f, per_group, kh, kw = w.shape
    g = window.groups
    (top, bottom), (left, right) = window.pads
    padded_shape = (c, n, h + top + bottom, wid + left + right)
    dcols = scratch.get("column gradients", (c * kh * kw, dz2.shape[1]), dz2.dtype)
    if g == 1:
        np.matmul(w.reshape(f, c * kh * kw).T, dz2, out=dcols)     # (C*kh*kw, N*Ho*W')
    else:                                                           # Eq. G.3, group by group
        np.matmul(w.reshape(g, f // g, per_group * kh * kw).transpose(0, 2, 1),
                  dz2.reshape(g, f // g, -1), out=dcols.reshape(g, per_group * kh * kw, -1))
    if wide:
        dsrc = col2im_wide(dcols.reshape(c, kh, kw, n, -1), padded_shape, window,
                           run_guard(window))
    else:
        dsrc = col2im(dcols.reshape(c, kh, kw, n, *window.out), padded_shape, window)
    return unpad(dsrc, window.pads).transpose(1, 0, 2, 3)          # (N, C, H, W)


def sensitivity_columns(dz2: np.ndarray, guarded: np.ndarray, window: Window, n: int,
                        out=None) -> np.ndarray:
    """The wide sensitivities gathered over the kernel's columns: (F, kw, N*Ho*Wp).

    ``cols[f, u, t]`` is dz at the column ``d*(kw - 1 - u)`` to the left of
    position ``t``: run ``u`` starts that many elements before each map, in
    the zeros in front of it (``dz2`` and ``guarded`` come from
    :func:`convnet.functional._fast.conv_backward.wide_sensitivities`).
    Written into ``out`` when given.
    """
    f, length = dz2.shape
    kw, ho = window.kernel[1], window.out[0]
    wp = length // (n * ho)
    across = Window((1, kw), (1, 1), ((0, 0), (0, 0)), window.dilation, (ho, wp))
    cols = im2col_wide(dz2.reshape(f, n, ho, wp), guarded, across, out)   # (F, 1, kw, N, Ho*Wp)
    return cols.reshape(f, kw, length)


def _carve(spare, size: int):
    """The first ``size`` elements of the flat buffer ``spare`` and the rest after them.

    Returns ``(None, spare)`` when ``spare`` is None or too small.
    """
    if spare is None or spare.size < size:
        return None, spare
    flat = spare.reshape(-1)
    return flat[:size], flat[size:]


def input_gradient_by_kernel_rows(dz2: np.ndarray, guarded: np.ndarray, w: np.ndarray,
                                  x_shape, window: Window, scratch: Scratch, spare=None,
                                  columns=None) -> np.ndarray:
    """dA as Eq. 8.45 split along the kernel: gather over its columns, scatter over its rows.

    The full correlation of dLZ with rot180(W) sums over the maps ``f`` and
    both kernel axes.  Gathering the wide sensitivities for the ``kw``
    column offsets only (:func:`sensitivity_columns`, a matrix of ``F*kw``
    rows) lets one product sum over ``f`` and the columns, with the kernel's
    columns flipped; what is left, the sum over the ``kh`` rows, is ``kh``
    shifted adds, one per kernel row (col2im with a ``kh x 1`` kernel).  Both
    halves are much smaller than a full gather or scatter when C and F are
    alike.

    ``dz2`` and ``guarded`` come from ``wide_sensitivities``; stride 1 only.
    ``columns`` may be the sensitivity columns, already gathered.  ``spare``
    may be a buffer whose memory is free for reuse (the forward pass's
    columns): what is computed here goes there when it fits.
    """
    n, c, h, wid = x_shape
    f, _, kh, kw = w.shape
    (top, bottom), (left, right) = window.pads
    ho, (hp, wp) = window.out[0], (h + top + bottom, wid + left + right)
    length = dz2.shape[1]                                                  # N*Ho*Wp
    if columns is None:
        room, spare = _carve(spare, f * kw * length)
        columns = sensitivity_columns(dz2, guarded, window, n, room)       # (F, kw, N*Ho*Wp)
    row_count = blas_rows(c * kh)
    products, _ = _carve(spare, row_count * length)
    if products is None:
        products = scratch.get("row gradients", (row_count * length,), dz2.dtype)
    row_gradients = products.reshape(row_count, length)
    w_rows = np.zeros((row_count, f * kw), w.dtype)                        # zero rows beyond C*kh
    w_rows[:c * kh] = w[:, :, :, ::-1].transpose(1, 2, 0, 3).reshape(c * kh, f * kw)  # C, kh, F, kw
    np.matmul(w_rows, columns.reshape(f * kw, -1), out=row_gradients)
    down = Window((kh, 1), (1, 1), ((0, 0), (0, 0)), window.dilation, (ho, wp))  # kernel rows
    dsrc = col2im_wide(row_gradients[:c * kh].reshape(c, kh, 1, n, -1), (c, n, hp, wp), down, 0)
    return unpad(dsrc, window.pads).transpose(1, 0, 2, 3)          # (N, C, H, W)
