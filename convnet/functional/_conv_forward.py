"""Convolution as matrix products: the forward pass (trusted input).

The public functions in :mod:`convnet.functional.correlate` and the layers
validate their input and then call :func:`conv2d_forward`; what it keeps
(the input's columns) serves :func:`convnet.functional._conv_backward.conv2d_backward_cols`.

Two ways to form Eq. 8.20 as products, picked per shape by :func:`forward_method`:

* *im2col*: every receptive field becomes a column of ``cols``
  (C*kh*kw rows, one per weight), and ``z = [W2 | b] @ [cols; 1]`` is one
  product (:mod:`convnet.functional._im2col` explains the layout and the
  "wide rows" that make the gather one copy at stride 1);
* *rows*: only the kernel's rows are gathered (C*kh rows); one product
  gives every (map, kernel column) pair at every position, and ``kw - 1``
  shifted adds finish the sum over the kernel's columns
  (:func:`forward_rows`).

Products handed to BLAS get row counts rounded up to a multiple of 4
(:func:`blas_rows`): OpenBLAS's kernels ran skinny products with 6 rows
markedly slower than with 8.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Window
from ._im2col import (Workspace, all_finite, im2col, im2col_wide, new_array,
                      padded_channels_first, wide_channels_first)

__all__ = ["uses_wide_rows", "is_wide", "blas_rows", "run_guard", "forward_method",
           "input_columns", "splits_kernel", "with_ones", "kernel_rows", "conv2d_forward",
           "forward_rows"]


def uses_wide_rows(window: Window, x: np.ndarray) -> bool:
    """Whether ``x`` is gathered through wide rows (see :mod:`convnet.functional._im2col`).

    At stride 1, unless ``x`` holds inf or NaN: the wide rows' extra columns
    carry real pixels that the weight gradient multiplies by zero, and
    ``0 * inf`` is NaN.  The plain gather keeps such results exact.
    """
    return window.stride == (1, 1) and all_finite(x)


def is_wide(cols: np.ndarray) -> bool:
    """Wide columns are (C, kh, kw, N, Ho*Wp); plain ones (C, kh, kw, N, Ho, Wo)."""
    return cols.ndim == 5


def blas_rows(rows: int) -> int:
    """``rows`` rounded up to a multiple of 4 (1 stays 1): the row count we hand to BLAS.

    OpenBLAS's single-precision kernels work on blocks of rows; a product
    with 6 rows took longer than the same product with 8, and the weight
    gradient of a 6-map layer twice as long (measured, see
    ``docs/performance.md``).  Products with a few rows are therefore
    padded with zero rows, whose results are never read.
    """
    return rows if rows == 1 else -(-rows // 4) * 4


def run_guard(window: Window) -> int:
    """How far a wide-row run may reach past a map's end (or, backwards, before it): d*(kw - 1)."""
    return window.dilation[1] * (window.kernel[1] - 1)


def forward_method(w_shape, window: Window, wide: bool) -> str:
    """The rule that picks how the forward product is formed: ``"im2col"`` or ``"rows"``.

    It counts the numbers each way moves through memory per output column,
    a gathered number counting twice (its reads jump around the input):

    * *im2col* gathers ``C*kh*kw`` rows, the product reads them and writes
      ``F`` rows: ``3*C*kh*kw + F``;
    * *rows* (:func:`forward_rows`) gathers ``C*kh`` rows, the product reads
      them and writes ``F*kw`` rows, and each of the ``kw - 1`` shifted adds
      reads two runs of ``F`` rows and writes one: ``3*C*kh + F*kw + 3*F*(kw - 1)``.

    The smaller count wins (wide rows, so stride 1, only).  On every shape
    we timed both ways (``docs/performance.md``) it named the faster one.
    """
    f, c, kh, kw = w_shape
    if not wide or kw == 1:
        return "im2col"
    im2col_cost = 3 * c * kh * kw + f
    rows_cost = 3 * c * kh + f * kw + 3 * f * (kw - 1)
    return "rows" if rows_cost < im2col_cost else "im2col"


def input_columns(x: np.ndarray, window: Window, workspace: Workspace,
                  ones: bool = False, w_shape=None) -> np.ndarray:
    """The im2col matrix of ``x``: wide rows when :func:`uses_wide_rows`, plain otherwise.

    With ``ones`` the buffer holds one more row after the columns, all ones:
    the constant input whose weight is a tied bias (see :func:`with_ones`).
    Given ``w_shape``, the kernel's columns are left out where
    :func:`forward_method` says "rows": the result is then (C, kh, 1, N, Ho*Wp).
    """
    n, c = x.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.out
    wide = uses_wide_rows(window, x)
    if wide:
        maps, flat = wide_channels_first(x, window.pads, workspace, "padded input",
                                         run_guard(window))                   # (C, N, Hp, Wp)
        length = n * ho * maps.shape[3]
        if w_shape is not None and forward_method(w_shape, window, wide) == "rows":
            kw = 1                                  # gather the kernel's rows only
            window = Window((kh, 1), (1, 1), window.pads, window.dilation, window.out)
    else:
        src = padded_channels_first(x, window.pads, workspace, "padded input")  # (C, N, Hp, Wp)
        length = n * ho * wo
    size = c * kh * kw * length
    # After the ones row, zero rows (made with the buffer, never written) so
    # that every kw-th row from the start, cols[:, :, 0] and then the ones
    # row, continues to a multiple of 4 rows: kernel_rows() hands that
    # matrix to BLAS.  The layout names this arrangement (see Workspace.get).
    extent = blas_rows(c * kh + 1) * kw * length if ones else 0
    buffer = workspace.get("cols", (max(size + length * ones, extent),), x.dtype, 0.0,
                           layout=("ones" if ones else "columns", c * kh, kw, length))
    if ones:
        buffer[size:size + length] = 1
    return im2col_wide(maps, flat, window, buffer) if wide else im2col(src, window, buffer)


def splits_kernel(cols: np.ndarray, w_shape) -> bool:
    """Whether ``cols`` holds the kernel's rows only (:func:`forward_method` "rows")."""
    return cols.shape[2] != w_shape[3]


def _ones_buffer(cols: np.ndarray, workspace: Workspace):
    """The workspace buffer that holds ``cols`` and, right after it, a row of ones; or None."""
    buffer, layout = workspace.peek("cols") if workspace is not None else (None, None)
    if buffer is None or cols.base is not buffer or layout[0] != "ones":
        return None
    return buffer


def with_ones(cols: np.ndarray, workspace: Workspace):
    """``cols`` and the row of ones after it as one (C*kh*kw + 1, L) matrix, or None.

    A tied bias is the weight of an input that is always 1 (one per feature
    map, Eq. 8.21), so ``[W2 | b] @ [cols; 1]`` adds it inside the product,
    and ``dz2 @ [cols; 1]^T`` gives dW and db (Eq. 8.48, 8.36) together.
    None unless ``cols`` is the start of a workspace buffer that
    :func:`input_columns` made with ``ones``.
    """
    buffer = _ones_buffer(cols, workspace)
    if buffer is None:
        return None
    k = cols.shape[0] * cols.shape[1] * cols.shape[2]
    return buffer[:(k + 1) * (cols.size // k)].reshape(k + 1, -1)


def kernel_rows(cols: np.ndarray, workspace: Workspace = None):
    """``cols[:, :, 0]``, every padded input row each kernel row reads, as a matrix.

    Row ``c*kh + i`` is channel c's rows as kernel row i (and kernel column
    0) reads them; the rows are ``kw`` rows of ``cols`` apart, a strided view.
    When :func:`input_columns` made the ones row, the matrix goes on into it
    (row ``C*kh``) and into zero rows up to :func:`blas_rows` (C*kh + 1).
    """
    c, kh, kw = cols.shape[:3]
    length = cols.size // (c * kh * kw)
    buffer = _ones_buffer(cols, workspace)
    rows = c * kh
    if buffer is not None and buffer.size >= blas_rows(rows + 1) * kw * length:
        rows, cols = blas_rows(rows + 1), buffer
    return cols.reshape(-1)[:rows * kw * length].reshape(rows, kw, length)[:, 0]


def conv2d_forward(x: np.ndarray, w: np.ndarray, b, window: Window, workspace=None,
                   outputs=None):
    """Forward pass on validated input; also returns the gathered matrix ``cols`` for backward.

    ``z`` is the (N, F, Ho, Wo) view of a new channels-first array (see
    :mod:`convnet.functional._im2col`), or of a buffer of ``outputs``; with
    wide rows that array is the product itself, ``Wp - Wo`` columns per row
    wider than ``z``, which is handed on as a view rather than copied.
    ``cols`` lives in ``workspace``.
    """
    workspace = Workspace() if workspace is None else workspace
    n, (f, c, kh, kw), (ho, wo) = x.shape[0], w.shape, window.out
    tied = b is not None and b.ndim == 1
    cols = input_columns(x, window, workspace, ones=tied, w_shape=w.shape)  # (C, kh, kw, N, ...)
    if splits_kernel(cols, w.shape):
        z = forward_rows(cols, w, b, window, workspace, outputs)
        return z.transpose(1, 0, 2, 3), cols                                 # (N, F, Ho, Wo)
    rows, matrix = blas_rows(f), cols.reshape(c * kh * kw, -1)
    weights = np.zeros((rows, c * kh * kw + tied), x.dtype)                 # zero rows beyond F
    weights[:f, :c * kh * kw] = w.reshape(f, c * kh * kw)
    if tied:                                                                 # [W2 | b] @ [cols; 1]
        weights[:f, -1], matrix = b, with_ones(cols, workspace)
    width = cols.shape[-1] // ho if is_wide(cols) else wo
    product = new_array(outputs, "output", (rows, n, ho, width), x.dtype)
    np.matmul(weights, matrix, out=product.reshape(rows, -1))                # Eq. 8.20-8.21
    z = product[:f, ..., :wo]       # (F, N, Ho, Wo): a view without the padding rows and columns
    if b is not None and not tied:  # untied (F, Ho, Wo): one bias per output neuron
        z += b[:, None]
    return z.transpose(1, 0, 2, 3), cols                                     # (N, F, Ho, Wo)


def forward_rows(rows: np.ndarray, w: np.ndarray, b, window: Window, workspace: Workspace,
                 outputs=None) -> np.ndarray:
    """Eq. 8.20 with the kernel split: one product over (maps, kernel rows), then column shifts.

    ``rows`` (C, kh, 1, N, Ho*Wp) holds every padded input row each kernel
    row reads.  One product with the weights arranged (F*kw, C*kh) gives,
    for every map f and kernel column j, the sum over channels and kernel
    rows at every position of the wide rows; output (h, w) then adds the
    products of columns j = 0..kw-1 found ``j*d`` positions to the right,
    ``kw - 1`` shifted adds along the flat rows.  A tied bias rides on the
    row of ones (:func:`with_ones`), weighted for column 0 only.
    Returns z (F, N, Ho, Wo), new unless ``outputs`` is given.
    """
    f, c, kh, kw = w.shape
    n, (ho, wo), dw = rows.shape[3], window.out, window.dilation[1]
    total = rows.size // (c * kh)                                            # N*Ho*Wp
    weights = np.ascontiguousarray(w.transpose(0, 3, 1, 2)).reshape(f * kw, c * kh)
    matrix = rows.reshape(c * kh, total)
    extended = with_ones(rows, workspace) if b is not None and b.ndim == 1 else None
    if extended is not None:                          # [W | b for j = 0] @ [rows; 1]
        bias = np.zeros((f, kw, 1), weights.dtype)
        bias[:, 0, 0] = b
        weights, matrix = np.concatenate([weights, bias.reshape(f * kw, 1)], 1), extended
    products = workspace.get("kernel-column products", (f * kw * total,), rows.dtype)
    products = products.reshape(f, kw, total)
    np.matmul(weights, matrix, out=products.reshape(f * kw, total))
    summed = products[:, 0]                                                  # (F, N*Ho*Wp)
    for j in range(1, kw):
        summed[:, :total - j * dw] += products[:, j, j * dw:]
    z = summed.reshape(f, n, ho, total // (n * ho))[..., :wo]                # (F, N, Ho, Wo)
    if b is not None and extended is None:                                   # untied bias
        return np.add(z, b[:, None] if b.ndim == 3 else b[:, None, None, None],
                      out=new_array(outputs, "output", z.shape, z.dtype))
    if outputs is not None:         # inside a training step: hand on the view, no copy
        return z
    return z.copy()
