"""Convolution as matrix products: the backward pass (trusted input).

:func:`conv2d_backward_cols` turns the sensitivities dLZ and the columns the
forward pass kept into the three gradients: dLW (Eq. 8.48), db (Eq. 8.36)
and dA (Eq. 8.41-8.45).  dA has three methods, picked per shape by
:func:`input_gradient_method` (each is tested against the loops):

* *gather*: the full correlation of dLZ with rot180(W), Eq. 8.45 as printed;
* *scatter*: ``W2^T dZ``, added back onto the windows (col2im), Eq. 8.41;
* *rows*: Eq. 8.45 split along the kernel, gathering dLZ over the kernel's
  columns and scattering over its rows; the gathered sensitivities then
  give dLW as well (:func:`weight_gradient_rows`).
"""

from __future__ import annotations

import numpy as np

from ..geometry import Window
from ._conv_forward import blas_rows, is_wide, kernel_rows, run_guard, splits_kernel, with_ones
from ._im2col import (Workspace, channels_first, col2im, col2im_wide, im2col_wide, new_array,
                      unpad, wide_channels_first)

__all__ = ["sensitivity_matrix", "wide_sensitivities", "padded_rows", "weight_gradient",
           "bias_gradient", "input_gradient_method", "input_gradient_gather",
           "input_gradient_scatter", "sensitivity_columns", "weight_gradient_rows",
           "input_gradient_rows", "conv2d_backward_cols"]


def sensitivity_matrix(dz: np.ndarray):
    """dz (N, F, Ho, Wo) as the (F, N*Ho*Wo) matrix the products need (plain columns).

    With wide rows the matrix comes from :func:`wide_sensitivities` instead.
    """
    dz_cf = channels_first(dz)                                    # (F, N, Ho, Wo)
    return np.ascontiguousarray(dz_cf).reshape(dz_cf.shape[0], -1)


def wide_sensitivities(dz: np.ndarray, window: Window, workspace=None):
    """dz (N, F, Ho, Wo) in wide rows: ``(matrix, guarded)``.

    ``matrix`` is the (F, N*Ho*Wp) sensitivity matrix with zeros in the
    columns beyond ``Wo``.  ``guarded`` is the flat buffer that holds it
    after ``d*(kw - 1)`` leading zeros, so that a run may start up to that
    many elements before a map (:func:`sensitivity_columns` reads there),
    and before zero rows up to :func:`blas_rows` (F) (:func:`padded_rows`).
    """
    dz_cf = channels_first(dz)                                    # (F, N, Ho, Wo)
    f, n, ho, wo = dz_cf.shape
    guard = run_guard(window)
    width = wo + guard                                            # Wp
    workspace = Workspace() if workspace is None else workspace
    rows = blas_rows(f)
    guarded = workspace.get("wide sensitivities", (guard + rows * n * ho * width,), dz.dtype,
                            0.0, layout=(rows, n, ho, width))
    maps = guarded[guard:].reshape(rows, n, ho, width)
    maps[:f, ..., :wo] = dz_cf                                    # the rest stays zero
    return maps[:f].reshape(f, -1), guarded


def padded_rows(matrix: np.ndarray, guarded: np.ndarray) -> np.ndarray:
    """The wide sensitivity matrix with its zero rows up to :func:`blas_rows` (F)."""
    rows = blas_rows(matrix.shape[0])
    return guarded[guarded.size - rows * matrix.shape[1]:].reshape(rows, -1)


def weight_gradient(dz2: np.ndarray, cols: np.ndarray, w_shape) -> np.ndarray:
    """dLW = dLZ ⊗ A as one product with the im2col matrix (Eq. 8.47-8.48)."""
    f, k = w_shape[0], w_shape[1] * w_shape[2] * w_shape[3]
    dw = dz2 @ cols.reshape(k, -1).T        # (F, N*Ho*W') @ (N*Ho*W', C*kh*kw)
    return dw[:f].reshape(w_shape)          # (F, C, kh, kw); dz2 may have zero rows beyond F


def bias_gradient(dz: np.ndarray, bias, dz2=None):
    """db: sum of dN over batch and positions (tied, Eq. 8.36-8.37) or over the batch (untied).

    ``dz2``, the (F, ...) sensitivity matrix, gives the tied sum faster.
    """
    if bias == "tied":
        if dz2 is not None:
            return dz2.sum(axis=1)     # (F,), Eq. 8.36 (padding columns are zeros)
        return dz.sum(axis=(0, 2, 3))  # (F,), Eq. 8.36
    if bias == "untied":
        return dz.sum(axis=0)          # (F, Ho, Wo): one bias per neuron (Fig. 8.1)
    return None


def input_gradient_method(w_shape, x_shape, window: Window, wide: bool = True) -> str:
    """The rule that picks how dA is computed: ``"rows"``, ``"gather"`` or ``"scatter"``.

    All three give the same numbers (each is tested against the loops); they
    differ in how many numbers they move through memory, which is what their
    time is made of once the matrix product (the same multiply-adds for all
    three) is done.  The rule counts those numbers and picks the fewest:

    * *gather* (:func:`input_gradient_gather`, Eq. 8.45 as printed) writes and
      then reads the sensitivities' im2col matrix, ``F*kh*kw`` rows over the
      input's ``N*H*W'`` pixels, and writes dA once;
    * *scatter* (:func:`input_gradient_scatter`) writes ``W2^T dZ``,
      ``C*kh*kw`` rows over the ``N*Ho*W'`` outputs, and adds each row back
      (read it, read and write dA);
    * *rows* (:func:`input_gradient_rows`, stride 1 only) gathers over the
      kernel's columns (``F*kw`` rows, written and read) and scatters over
      its rows (``C*kh`` rows).

    ``W'`` is the padded width with wide rows (``wide``), else the output
    width.  Roughly: gather wins when the layer narrows many channels into
    few (``F*kw`` well below ``C``), scatter when it widens few into many at
    small kernels or any stride above 1, rows in between (LeNet's second
    layer, 3x3 layers with as many maps out as in).  With an inf or NaN
    weight none of this applies: see :func:`conv2d_backward_cols`.
    """
    (f, c, kh, kw), (n, h, w), (ho, wo) = w_shape, (x_shape[0], *x_shape[2:]), window.out
    (top, bottom), (left, right) = window.pads
    width = w + left + right if wide else wo                       # W' of the outputs
    outputs = n * ho * width
    inputs = n * h * (w + window.dilation[1] * (kw - 1))           # the gather's wide plane
    cost = {"gather": (2 * f * kh * kw + c) * inputs,
            "scatter": 4 * c * kh * kw * outputs}
    if window.stride == (1, 1) and wide:
        cost["rows"] = (2 * f * kw + 4 * c * kh) * outputs
    return min(cost, key=cost.get)


def input_gradient_gather(dz: np.ndarray, w: np.ndarray, x_shape, window: Window,
                          workspace=None, out=None, outputs=None) -> np.ndarray:
    """dA as the *full* cross-correlation of dLZ with rot180(W) (Eq. 8.44-8.45).

    For a stride s the sensitivities are first spread out with s - 1 zeros
    between neighbours (the windows the stride skipped have sensitivity 0).
    Padding the spread-out dLZ by ``d*(k - 1) - p`` instead of the full
    ``d*(k - 1)`` yields exactly the unpadded input's size: the gradient of
    padded zeros is never needed.  ``out`` may be a buffer to reuse for the
    sensitivities' im2col matrix.
    """
    workspace = Workspace() if workspace is None else workspace
    n, c, h, wid = x_shape
    f, _, kh, kw = w.shape
    (dh, dw), (sh, sw) = window.dilation, window.stride
    (top, bottom), (left, right) = window.pads
    eh, ew = dh * (kh - 1), dw * (kw - 1)             # the full padding of the dilated kernel
    # The rows of the padded input that no window reached (the stride's
    # remainder) have zero gradient: pad the bottom / right a little further.
    extra_h = h + top + bottom - ((window.out[0] - 1) * sh + 1 + eh)
    extra_w = wid + left + right - ((window.out[1] - 1) * sw + 1 + ew)
    pads = ((eh - top, eh - bottom + extra_h), (ew - left, ew - right + extra_w))
    full = Window(window.kernel, (1, 1), pads, window.dilation, (h, wid))
    maps, flat = wide_channels_first(dz, pads, workspace, "padded sensitivities", ew,
                                     spread=(sh, sw))             # (F, N, Hz, Wz)
    width = maps.shape[3]                                           # W + d*(kw - 1)
    if out is not None and out.size < f * kh * kw * n * h * width:
        out = None
    cols = im2col_wide(maps, flat, full, out)                       # (F, kh, kw, N, H*Wz)
    w_rot = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, F, kh, kw)
    dx = new_array(outputs, "input gradient", (c, n, h, width), dz.dtype)  # (C, N, H, Wz)
    np.matmul(w_rot.reshape(c, f * kh * kw), cols.reshape(f * kh * kw, -1),
              out=dx.reshape(c, -1))                                # Eq. 8.45: sum over maps h
    return dx[..., :wid].transpose(1, 0, 2, 3)                      # (N, C, H, W)


def input_gradient_scatter(dz2: np.ndarray, w: np.ndarray, x_shape, window: Window,
                           workspace=None, outputs=None, wide: bool = False) -> np.ndarray:
    """dA by scattering ``W2^T dZ`` back onto the input (col2im).

    The same sum as Eq. 8.41, organised by output instead of by input: each
    output's sensitivity, times the kernel, is added onto the pixels its
    window covered (the transpose of the forward matrix product, as for a
    fully connected layer, Eq. 3.49).  ``dz2`` comes from
    :func:`sensitivity_matrix` with the same window and ``wide``.
    """
    workspace = Workspace() if workspace is None else workspace
    n, c, h, wid = x_shape
    f, _, kh, kw = w.shape
    (top, bottom), (left, right) = window.pads
    padded = (c, n, h + top + bottom, wid + left + right)
    dcols = workspace.get("column gradients", (c * kh * kw, dz2.shape[1]), dz2.dtype)
    np.matmul(w.reshape(f, c * kh * kw).T, dz2, out=dcols)         # (C*kh*kw, N*Ho*W')
    if wide:
        dsrc = col2im_wide(dcols.reshape(c, kh, kw, n, -1), padded, window, run_guard(window),
                           outputs)
    else:
        dsrc = col2im(dcols.reshape(c, kh, kw, n, *window.out), padded, window, outputs)
    return unpad(dsrc, window.pads).transpose(1, 0, 2, 3)          # (N, C, H, W)


def _carve(spare, size: int):
    """The first ``size`` elements of the flat buffer ``spare`` and the rest after them.

    Returns ``(None, spare)`` when ``spare`` is None or too small.
    """
    if spare is None or spare.size < size:
        return None, spare
    flat = spare.reshape(-1)
    return flat[:size], flat[size:]


def sensitivity_columns(dz2: np.ndarray, guarded: np.ndarray, window: Window, n: int,
                        out=None) -> np.ndarray:
    """The wide sensitivities gathered over the kernel's columns: (F, kw, N*Ho*Wp).

    ``cols[f, u, t]`` is dz at the column ``d*(kw - 1 - u)`` to the left of
    position ``t``: run ``u`` starts that many elements before each map, in
    the zeros in front of it (``dz2`` and ``guarded`` come from
    :func:`wide_sensitivities`).  Written into ``out`` when given.
    """
    f, length = dz2.shape
    kw, ho = window.kernel[1], window.out[0]
    wp = length // (n * ho)
    across = Window((1, kw), (1, 1), ((0, 0), (0, 0)), window.dilation, (ho, wp))
    cols = im2col_wide(dz2.reshape(f, n, ho, wp), guarded, across, out)   # (F, 1, kw, N, Ho*Wp)
    return cols.reshape(f, kw, length)


def weight_gradient_rows(columns: np.ndarray, rows: np.ndarray, w_shape):
    """dLW = dLZ ⊗ A (Eq. 8.48) from the sensitivity columns and the input's kernel rows.

    ``rows`` (:func:`convnet.functional._conv_forward.kernel_rows`) holds,
    for each channel and kernel row, every padded input row in full; with
    the sensitivities gathered over the kernel's columns
    (:func:`sensitivity_columns`) the weight gradient is one product of two
    matrices with ``F*kw`` and ``C*kh`` rows, a squarer (and, for BLAS,
    faster) shape than ``dz2 @ cols.T`` with ``F`` and ``C*kh*kw``.

    Returns ``(dw, db)``.  ``db`` (a tied bias, Eq. 8.36) is None unless
    ``rows`` goes on into the row of ones: its product with the unshifted
    run of sensitivities is their sum.
    """
    f, c, kh, kw = w_shape
    product = columns.reshape(f * kw, -1) @ rows.T                  # (F, kw, C*kh [+ ...])
    product = product.reshape(f, kw, -1)[:, ::-1]                   # kernel columns flipped
    dw = np.ascontiguousarray(product[..., :c * kh].reshape(f, kw, c, kh).transpose(0, 2, 3, 1))
    db = product[:, 0, c * kh].copy() if rows.shape[0] > c * kh else None  # run j = 0
    return dw, db


def input_gradient_rows(dz2: np.ndarray, guarded: np.ndarray, w: np.ndarray, x_shape,
                        window: Window, workspace=None, spare=None, outputs=None,
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

    ``dz2`` and ``guarded`` come from :func:`wide_sensitivities`; stride 1
    only.  ``columns`` may be the sensitivity columns, already gathered.
    ``spare`` may be a buffer whose memory is free for reuse (the forward
    pass's columns): what is computed here goes there when it fits.
    """
    workspace = Workspace() if workspace is None else workspace
    n, c, h, wid = x_shape
    f, _, kh, kw = w.shape
    (top, bottom), (left, right) = window.pads
    ho, (hp, wp) = window.out[0], (h + top + bottom, wid + left + right)
    length = dz2.shape[1]                                                  # N*Ho*Wp
    if columns is None:
        gathered, spare = _carve(spare, f * kw * length)
        columns = sensitivity_columns(dz2, guarded, window, n, gathered)    # (F, kw, N*Ho*Wp)
    padded = blas_rows(c * kh)
    products, _ = _carve(spare, padded * length)
    if products is None:
        products = workspace.get("row gradients", (padded * length,), dz2.dtype)
    rows = products.reshape(padded, length)
    w_rows = np.zeros((padded, f * kw), w.dtype)                           # zero rows beyond C*kh
    w_rows[:c * kh] = w[:, :, :, ::-1].transpose(1, 2, 0, 3).reshape(c * kh, f * kw)  # (C, kh, F, kw)
    np.matmul(w_rows, columns.reshape(f * kw, -1), out=rows)
    down = Window((kh, 1), (1, 1), ((0, 0), (0, 0)), window.dilation, (ho, wp))  # kernel rows
    dsrc = col2im_wide(rows[:c * kh].reshape(c, kh, 1, n, -1), (c, n, hp, wp), down, 0, outputs)
    return unpad(dsrc, window.pads).transpose(1, 0, 2, 3)          # (N, C, H, W)


def conv2d_backward_cols(dz, cols, w, x_shape, window: Window, bias, workspace=None,
                         need_input_gradient=True, outputs=None):
    """All three gradients from the matrix the forward pass gathered, ``cols`` (trusted input).

    ``cols`` holds every receptive field (im2col) or the kernel's rows only
    (:func:`convnet.functional._conv_forward.forward_rows`).  The gather and
    rows methods reuse its memory for their own matrices: after this call
    ``cols`` no longer holds the input.
    """
    wide = is_wide(cols)
    f = w.shape[0]
    if wide:
        dz2, guarded = wide_sensitivities(dz, window, workspace)  # (F, N*Ho*Wp)
        padded = padded_rows(dz2, guarded)                         # zero rows for BLAS
    else:
        padded = dz2 = sensitivity_matrix(dz)                      # (F, N*Ho*Wo)
    method = None
    if need_input_gradient:
        # Gathering multiplies the sensitivities' zero padding by the weights and
        # wide columns multiply zeros too: with an inf weight, 0 * inf = NaN would
        # land on pixels whose exact gradient is finite.  The plain scatter only
        # multiplies real windows (Eq. 8.41 term by term).
        method = (input_gradient_method(w.shape, x_shape, window, wide)
                  if np.isfinite(w).all() else "plain scatter")
    columns = None
    if method == "rows" or splits_kernel(cols, w.shape):          # the columns serve dW and dA
        workspace = Workspace() if workspace is None else workspace
        columns = sensitivity_columns(dz2, guarded, window, x_shape[0],
                                      workspace.get("sensitivity columns",
                                                    (w.shape[0] * w.shape[3] * dz2.shape[1],),
                                                    dz2.dtype))
        rows = kernel_rows(cols, workspace if bias == "tied" else None)
        dw, db = weight_gradient_rows(columns, rows, w.shape)      # Eq. 8.48 (and 8.36)
        if db is None:
            db = bias_gradient(dz, bias, dz2)                      # Eq. 8.36-8.37
    elif bias == "tied" and (matrix := with_ones(cols, workspace)) is not None:
        both = padded @ matrix.T            # dz2 @ [cols; 1]^T = [dW | db], Eq. 8.48 and 8.36
        dw, db = both[:f, :-1].reshape(w.shape), both[:f, -1].copy()
    else:
        dw = weight_gradient(padded, cols, w.shape)                # Eq. 8.48
        db = bias_gradient(dz, bias, dz2)                          # Eq. 8.36-8.37
    dx = None
    if method == "plain scatter":
        plain = dz2 if not wide else sensitivity_matrix(dz)
        dx = input_gradient_scatter(plain, w, x_shape, window, workspace, outputs, False)
    elif method == "rows":                                          # Eq. 8.45, split
        dx = input_gradient_rows(dz2, guarded, w, x_shape, window, workspace, cols, outputs,
                                 columns)
    elif method == "gather":                                        # Eq. 8.45
        dx = input_gradient_gather(dz, w, x_shape, window, workspace, cols, outputs)
    elif method == "scatter":                                       # Eq. 8.41, by output
        dx = input_gradient_scatter(dz2, w, x_shape, window, workspace, outputs, wide)
    return dx, dw, db
