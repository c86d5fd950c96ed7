"""The fast engine's convolution backward pass: dLW, db and dA from what the forward gathered.

:func:`conv2d_backward_gathered` turns the sensitivities dLZ and the
:class:`~convnet.functional._fast.conv_forward.Gathered` record of the
forward pass into the three gradients: dLW (Eq. 8.48), db (Eq. 8.36) and dA
(Eq. 8.41-8.45, by one of the methods of
:mod:`convnet.functional._fast.input_gradient`).  Trusted input.
"""

from __future__ import annotations

import numpy as np

from ...window import Window
from .conv_forward import Gathered, blas_rows, run_guard
from .gather import channels_first
from .input_gradient import (input_gradient_by_kernel_rows, input_gradient_gather,
                             input_gradient_method, input_gradient_scatter, sensitivity_columns)
from .memory import Scratch

__all__ = ["sensitivity_matrix", "wide_sensitivities", "with_zero_rows", "weight_gradient",
           "bias_gradient", "weight_gradient_by_kernel_rows", "conv2d_backward_gathered"]


def sensitivity_matrix(dz: np.ndarray):
    """dz (N, F, Ho, Wo) as the (F, N*Ho*Wo) matrix the products need (plain columns).

    With wide rows the matrix comes from :func:`wide_sensitivities` instead.
    """
    dz_cf = channels_first(dz)                                    # (F, N, Ho, Wo)
    return np.ascontiguousarray(dz_cf).reshape(dz_cf.shape[0], -1)


def wide_sensitivities(dz: np.ndarray, window: Window, scratch: Scratch):
    """dz (N, F, Ho, Wo) in wide rows: ``(matrix, guarded)``.

    ``matrix`` is the (F, N*Ho*Wp) sensitivity matrix with zeros in the
    columns beyond ``Wo``.  ``guarded`` is the flat buffer that holds it
    after ``d*(kw - 1)`` leading zeros, so that a run may start up to that
    many elements before a map (``sensitivity_columns`` reads there), and
    before zero rows up to :func:`blas_rows` (F) (:func:`with_zero_rows`).
    """
    dz_cf = channels_first(dz)                                    # (F, N, Ho, Wo)
    f, n, ho, wo = dz_cf.shape
    guard = run_guard(window)
    width = wo + guard                                            # Wp
    row_count = blas_rows(f)
    guarded = scratch.get("wide sensitivities", (guard + row_count * n * ho * width,),
                          dz.dtype, 0.0, layout=(f, row_count, n, ho, width))   # rows >= f stay 0
    maps = guarded[guard:].reshape(row_count, n, ho, width)
    maps[:f, ..., :wo] = dz_cf                                    # the rest stays zero
    return maps[:f].reshape(f, -1), guarded


def with_zero_rows(matrix: np.ndarray, guarded: np.ndarray) -> np.ndarray:
    """The wide sensitivity matrix with its zero rows up to :func:`blas_rows` (F)."""
    row_count = blas_rows(matrix.shape[0])
    return guarded[guarded.size - row_count * matrix.shape[1]:].reshape(row_count, -1)


def weight_gradient(dz2: np.ndarray, cols: np.ndarray, w_shape, groups: int = 1) -> np.ndarray:
    """dLW = dLZ ⊗ A as one product with the im2col matrix (Eq. 8.47-8.48), one a group (G.2).

    Formed as ``(cols @ dz2^T)^T``: OpenBLAS ran ``dz2 @ cols^T`` (few rows, a
    long inner dimension) up to a third slower on every shape we timed, and,
    when the other core was busy, ten times slower (64 x 8192 by 8192 x 512:
    8 ms this way, 12-156 ms the other).
    """
    f, k = w_shape[0], w_shape[1] * w_shape[2] * w_shape[3]
    if groups > 1:                          # (G, C/G*kh*kw, N*Ho*W') @ (G, N*Ho*W', F/G)
        dz_groups = dz2[:f].reshape(groups, f // groups, -1)
        dw = cols.reshape(groups, k, -1) @ dz_groups.transpose(0, 2, 1)
        return dw.transpose(0, 2, 1).reshape(w_shape)
    dw = cols.reshape(k, -1) @ dz2[:f].T    # (C*kh*kw, N*Ho*W') @ (N*Ho*W', F)
    return np.ascontiguousarray(dw.T).reshape(w_shape)    # (F, C, kh, kw)


def bias_gradient(dz: np.ndarray, bias, dz2=None):
    """db: sum of dN over batch and positions (tied, Eq. 8.36-8.37) or over the batch (untied).

    ``dz2``, the (F, ...) sensitivity matrix, gives the tied sum faster.
    """
    if bias == "tied":
        if dz2 is not None:
            return dz2.sum(axis=1)     # (F,), Eq. 8.36 (padding columns are zeros)
        return dz.sum(axis=(0, 2, 3))  # (F,), Eq. 8.36
    if bias == "untied":               # (F, Ho, Wo): one bias per neuron (Fig. 8.1); summed in
        return np.ascontiguousarray(dz).sum(axis=0)  # one order, whatever memory order dz has
    return None


def weight_gradient_by_kernel_rows(columns: np.ndarray, input_rows: np.ndarray, w_shape):
    """dLW = dLZ ⊗ A (Eq. 8.48) from the sensitivity columns and the input's kernel rows.

    ``input_rows`` (:meth:`Gathered.kernel_rows`) holds, for each channel and
    kernel row, every padded input row in full; with the sensitivities
    gathered over the kernel's columns (``sensitivity_columns``) the weight
    gradient is one product of two matrices with ``F*kw`` and ``C*kh`` rows,
    a squarer (and, for BLAS, faster) shape than ``dz2 @ cols.T`` with ``F``
    and ``C*kh*kw``.

    Returns ``(dw, db)``.  ``db`` (a tied bias, Eq. 8.36) is None unless
    ``input_rows`` goes on into the row of ones: its product with the
    unshifted run of sensitivities is their sum.
    """
    f, c, kh, kw = w_shape
    product = columns.reshape(f * kw, -1) @ input_rows.T            # (F, kw, C*kh [+ ...])
    product = product.reshape(f, kw, -1)[:, ::-1]                   # kernel columns flipped
    dw = np.ascontiguousarray(product[..., :c * kh].reshape(f, kw, c, kh).transpose(0, 2, 3, 1))
    db = product[:, 0, c * kh].copy() if input_rows.shape[0] > c * kh else None  # run j = 0
    return dw, db


def _dw_db(dz, dz2, dz2_blas, guarded, gathered: Gathered, w, window, bias, scratch,
           by_kernel_rows: bool):
    """(dw, db, columns): the weight and bias gradients, and the sensitivity columns if made."""
    if by_kernel_rows:                                             # the columns serve dW and dA
        room = scratch.get("sensitivity columns", (w.shape[0] * w.shape[3] * dz2.shape[1],),
                           dz2.dtype)
        columns = sensitivity_columns(dz2, guarded, window, dz.shape[0], room)
        input_rows = gathered.kernel_rows(with_ones=bias == "tied")
        dw, db = weight_gradient_by_kernel_rows(columns, input_rows, w.shape)  # Eq. 8.48, 8.36
        return dw, (bias_gradient(dz, bias, dz2) if db is None else db), columns
    if bias == "tied" and gathered.ones_row:
        both = dz2_blas @ gathered.with_ones().T  # dz2 @ [cols; 1]^T = [dW | db], Eq. 8.48, 8.36
        f = w.shape[0]
        return both[:f, :-1].reshape(w.shape), both[:f, -1].copy(), None
    dw = weight_gradient(dz2_blas, gathered.cols, w.shape, window.groups)   # Eq. 8.48, G.2
    return dw, bias_gradient(dz, bias, dz2), None                  # Eq. 8.36-8.37


def conv2d_backward_gathered(dz, gathered: Gathered, w, x_shape, window: Window, bias,
                             scratch: Scratch, need_input_gradient=True):
    """All three gradients from what the forward pass gathered (trusted input).

    The gather and kernel-rows methods reuse the gathered buffer for their
    own matrices: after this call ``gathered`` no longer holds the input.
    """
    if gathered.wide:
        dz2, guarded = wide_sensitivities(dz, window, scratch)    # (F, N*Ho*Wp)
        dz2_blas = with_zero_rows(dz2, guarded)                    # zero rows for BLAS
    else:
        dz2_blas = dz2 = sensitivity_matrix(dz)                    # (F, N*Ho*Wo)
        guarded = None
    # Gathering multiplies the sensitivities' zero padding by the weights and
    # wide columns multiply zeros too: with an inf weight, 0 * inf = NaN would
    # land on pixels whose exact gradient is finite.  The plain scatter only
    # multiplies real windows (Eq. 8.41 term by term).
    method = (input_gradient_method(w.shape, x_shape, window, gathered.wide)
              if np.isfinite(w).all() else "plain scatter")
    # dLW is summed the way dA's method goes, whether or not dA is wanted: skipping
    # the first layer's dA in training must not change dLW, not even in its last bit.
    dw, db, columns = _dw_db(dz, dz2, dz2_blas, guarded, gathered, w, window, bias, scratch,
                             method == "kernel rows" or gathered.split_kernel)
    if not need_input_gradient:
        method = None
    dx = None
    if method == "plain scatter":
        plain = sensitivity_matrix(dz) if gathered.wide else dz2
        dx = input_gradient_scatter(plain, w, x_shape, window, scratch, False)
    elif method == "kernel rows":                                   # Eq. 8.45, split
        dx = input_gradient_by_kernel_rows(dz2, guarded, w, x_shape, window, scratch,
                                           gathered.cols, columns)
    elif method == "gather":                                        # Eq. 8.45
        dx = input_gradient_gather(dz, w, x_shape, window, scratch, gathered.cols)
    elif method == "scatter":                                       # Eq. 8.41, by output
        dx = input_gradient_scatter(dz2, w, x_shape, window, scratch, gathered.wide)
    return dx, dw, db
