"""Cross-correlation and convolution, forward beside backward.

Layout: ``x`` is (N, C, H, W), the weights ``w`` are (F, C, kh, kw), the output
``z`` is (N, F, Ho, Wo).  Single images (H, W) go through :func:`correlate2d`
and :func:`convolve2d`, which are the batched code with N = C = F = 1.

Following the chapter (and every deep-learning framework), the operation a
convolution layer computes is the *cross-correlation* of Eq. 8.9 / 8.20; true
convolution (Eq. 8.8) is the cross-correlation with the kernel rotated by 180
degrees (Solved Problem P8.1).
"""

from __future__ import annotations

import numpy as np

from .._validate import element_budget, fail, real_array, real_number, same_shape
from ..geometry import Window, conv_window, normalize_padding
from ._im2col import (Workspace, channels_first, col2im, col2im_wide, im2col, im2col_wide,
                      new_array, pad, padded_channels_first, unpad, wide_channels_first)

__all__ = [
    "rot180",
    "pad2d",
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv2d_backward",
]

BIAS_MODES = ("tied", "untied", None)


def rot180(k):
    """Rotate the last two axes of ``k`` by 180 degrees (flip rows and columns).

    ``rot180(k)[..., i, j] == k[..., r-1-i, c-1-j]`` for an r x c kernel: the
    flip that turns a correlation kernel into a convolution kernel (P8.1) and
    that appears in the input gradient of Eq. 8.45.

    Parameters
    ----------
    k : array_like of shape (..., r, c)

    Returns
    -------
    ndarray of the same shape (a new array).

    Examples
    --------
    >>> rot180([[1, 2], [3, 4]])
    array([[4., 3.],
           [2., 1.]])
    """
    k = real_array(k, "k", ndim=range(2, 33), layout="(..., rows, cols)")
    return k[..., ::-1, ::-1].copy()


def pad2d(x, padding, value=0.0, kernel_size=None):
    """Pad the last two axes of ``x`` (rows and columns) with a constant.

    Parameters
    ----------
    x : array_like of shape (..., H, W)
    padding : int, (ph, pw), ((top, bottom), (left, right)) or str
        ``"same"`` and ``"full"`` need ``kernel_size``.
    value : float, default 0.0
        The fill value (zero padding in the chapter, Eq. 8.16).
    kernel_size : int or (int, int), optional

    Returns
    -------
    ndarray of shape (..., H + top + bottom, W + left + right)

    Examples
    --------
    >>> pad2d([[1, 2], [3, 4]], 1)
    array([[0., 0., 0., 0.],
           [0., 1., 2., 0.],
           [0., 3., 4., 0.],
           [0., 0., 0., 0.]])
    >>> pad2d([[1, 2]], ((0, 1), (0, 0)))
    array([[1., 2.],
           [0., 0.]])
    """
    x = real_array(x, "x", ndim=range(2, 33), layout="(..., H, W)")
    pads = normalize_padding(padding, kernel_size)
    (top, bottom), (left, right) = pads
    element_budget(int(np.prod(x.shape[:-2], dtype=object))
                   * (x.shape[-2] + top + bottom) * (x.shape[-1] + left + right),
                   "padding", "the padded array")
    fill = x.dtype.type(real_number(value, "value", finite=False))   # -inf pads for max pooling
    return pad(x, pads, fill).copy()


# --------------------------------------------------------------------------
# The matrix form shared by the public functions and the layers (trusted input)
# --------------------------------------------------------------------------

def uses_wide_rows(window: Window, x: np.ndarray) -> bool:
    """Whether ``x`` is gathered through wide rows (see :mod:`convnet.functional._im2col`).

    At stride 1, unless ``x`` holds inf or NaN: the wide rows' extra columns
    carry real pixels that the weight gradient multiplies by zero, and
    ``0 * inf`` is NaN.  The plain gather keeps such results exact.
    """
    if window.stride != (1, 1):
        return False
    # A finite sum means finite numbers (inf and NaN survive summing); only a
    # sum that is not (NaN, inf, or an overflow) needs the element-wise check.
    with np.errstate(over="ignore", invalid="ignore"):
        total = x.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(x).all())


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


def _guard(window: Window) -> int:
    return window.dilation[1] * (window.kernel[1] - 1)


def forward_method(w_shape, window: Window, wide: bool) -> str:
    """The rule that picks how the forward product is formed: ``"im2col"`` or ``"rows"``.

    *im2col* gathers every receptive field, ``C*kh*kw`` rows over the
    ``N*Ho*Wp`` wide outputs, which the product then reads again.  *rows*
    (:func:`forward_rows`) gathers the kernel's rows only (``C*kh`` rows),
    multiplies once for all ``F*kw`` (map, kernel column) pairs, and adds
    the ``kw`` shifted products up: it writes and reads ``F*kw`` rows
    instead, and adds ``kw - 1`` times into an output the size of ``F``
    rows.  The rule counts those numbers and picks the fewest (wide rows,
    so stride 1, only).  Layers that keep many channels (``C*kh*kw`` large
    against ``F``) go by rows; LeNet's layers, which widen 1 -> 6 -> 16
    maps, by im2col.
    """
    f, c, kh, kw = w_shape
    if not wide or kw == 1:
        return "im2col"
    im2col_cost = 2 * c * kh * kw
    rows_cost = 2 * c * kh + 2 * f * kw + 2 * f * (kw - 1)
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
                                         _guard(window))                   # (C, N, Hp, Wp)
        length = n * ho * maps.shape[3]
        if w_shape is not None and forward_method(w_shape, window, wide) == "rows":
            kw = 1                                  # gather the kernel's rows only
            window = Window((kh, 1), (1, 1), window.pads, window.dilation, window.out)
    else:
        src = padded_channels_first(x, window.pads, workspace, "padded input")  # (C, N, Hp, Wp)
        length = n * ho * wo
    size = c * kh * kw * length
    buffer = workspace.get("cols", (size + length * ones,), x.dtype)
    if ones:
        buffer[size:] = 1
    return im2col_wide(maps, flat, window, buffer) if wide else im2col(src, window, buffer)


def splits_kernel(cols: np.ndarray, w_shape) -> bool:
    """Whether ``cols`` holds the kernel's rows only (:func:`forward_method` "rows")."""
    return cols.shape[2] != w_shape[3]


def with_ones(cols: np.ndarray, workspace: Workspace):
    """``cols`` and the row of ones after it as one (C*kh*kw + 1, L) matrix, or None.

    A tied bias is the weight of an input that is always 1 (one per feature
    map, Eq. 8.21), so ``[W2 | b] @ [cols; 1]`` adds it inside the product,
    and ``dz2 @ [cols; 1]^T`` gives dW and db (Eq. 8.48, 8.36) together.
    None unless ``cols`` is the start of a workspace buffer that
    :func:`input_columns` made with ``ones``.
    """
    k = cols.shape[0] * cols.shape[1] * cols.shape[2]
    length = cols.size // k
    buffer = workspace.peek("cols") if workspace is not None else None
    if (buffer is None or buffer.size != (k + 1) * length or buffer.dtype != cols.dtype
            or buffer.ctypes.data != cols.ctypes.data):
        return None
    return buffer.reshape(k + 1, length)


def conv2d_forward(x: np.ndarray, w: np.ndarray, b, window: Window, workspace=None,
                   outputs=None):
    """Forward pass on validated input; also returns the im2col matrix for backward.

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


def sensitivity_matrix(dz: np.ndarray, window: Window | None = None, workspace=None,
                       wide: bool = False):
    """dz (N, F, Ho, Wo) as the (F, N*Ho*W') matrix the products need.

    ``W' = Wo``, or with ``wide`` (the forward pass used wide rows) the
    padded width ``Wp``, zeros beyond ``Wo``.
    """
    if wide:
        return wide_sensitivities(dz, window, workspace)[0]
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
    guard = _guard(window)
    width = wo + guard                                            # Wp
    workspace = Workspace() if workspace is None else workspace
    rows = blas_rows(f)
    guarded = workspace.get("wide sensitivities", (guard + rows * n * ho * width,), dz.dtype,
                            0.0)
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
        dsrc = col2im_wide(dcols.reshape(c, kh, kw, n, -1), padded, window, _guard(window),
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


def weight_gradient_rows(columns: np.ndarray, cols: np.ndarray, w_shape, extended=None):
    """dLW = dLZ ⊗ A (Eq. 8.48) from the sensitivity columns and the kernel's first column.

    ``cols[:, :, 0]`` (wide rows, all kernel columns or, after
    :func:`forward_rows`, only the first) holds, for each channel and kernel
    row, every padded input row in full: with the sensitivities gathered
    over the kernel's columns (:func:`sensitivity_columns`) the weight
    gradient is one product of two matrices with ``F*kw`` and ``C*kh`` rows,
    a squarer (and, for BLAS, faster) shape than ``dz2 @ cols.T`` with ``F``
    and ``C*kh*kw``.  The slice is a strided view: no copy.

    Returns ``(dw, db)``.  ``db`` (a tied bias, Eq. 8.36) is None unless
    ``extended``, the rows with the row of ones after them
    (:func:`with_ones`), is given: its product with the unshifted run of
    sensitivities is their sum.
    """
    f, c, kh, kw = w_shape
    first = cols.reshape(c * kh, cols.shape[2], -1)[:, 0]           # (C*kh, N*Ho*Wp)
    if extended is not None:
        first = extended                                            # (C*kh + 1, N*Ho*Wp)
    product = columns.reshape(f * kw, -1) @ first.T                 # (F, kw, C*kh [+ 1])
    product = product.reshape(f, kw, -1)[:, ::-1]                   # kernel columns flipped
    dw = np.ascontiguousarray(product[..., :c * kh].reshape(f, kw, c, kh).transpose(0, 2, 3, 1))
    db = product[:, 0, -1].copy() if extended is not None else None  # run j = 0: dz unshifted
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
    """All three gradients from the forward pass's im2col matrix (trusted input).

    The gather and rows methods reuse ``cols``' memory for their own
    matrices: after this call ``cols`` no longer holds the input.
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
    matrix = with_ones(cols, workspace) if bias == "tied" else None
    if method == "rows" or splits_kernel(cols, w.shape):          # the columns serve dW and dA
        workspace = Workspace() if workspace is None else workspace
        columns = sensitivity_columns(dz2, guarded, window, x_shape[0],
                                      workspace.get("sensitivity columns",
                                                    (w.shape[0] * w.shape[3] * dz2.shape[1],),
                                                    dz2.dtype))
        extended = matrix if splits_kernel(cols, w.shape) else None   # [rows; 1]
        dw, db = weight_gradient_rows(columns, cols, w.shape, extended)  # Eq. 8.48 (and 8.36)
        if db is None:
            db = bias_gradient(dz, bias, dz2)                      # Eq. 8.36-8.37
    elif matrix is not None:                                       # dz2 @ [cols; 1]^T = [dW | db]
        both = padded @ matrix.T                                   # Eq. 8.48 and 8.36
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


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------

def _common_dtype(*arrays):
    dtype = np.result_type(*[a for a in arrays if a is not None])
    return tuple(None if a is None else a.astype(dtype, copy=False) for a in arrays)


def _check_conv_inputs(x, w, stride, padding, dilation):
    x = real_array(x, "x", ndim=4)
    w = real_array(w, "w", ndim=4, layout="(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        fail("w", f"of shape (F, {x.shape[1]}, kh, kw) to match the {x.shape[1]} input "
             f"channel(s) of x {x.shape}", w, given=f"shape {w.shape}")
    window = conv_window(x.shape[2:], w.shape[2:], stride, padding, dilation)
    return x, w, window


def _check_bias(b, f: int, out_hw):
    if b is None:
        return None
    b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
    if b.shape not in ((f,), (f, *out_hw)):
        fail("b", f"of shape ({f},) for a tied bias or {(f, *out_hw)} for an untied bias",
             b, given=f"shape {b.shape}")
    return b


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Batched multi-channel 2-D cross-correlation, the convolution layer's weight function.

    Computes Eq. 8.20 for every sample and feature map::

        z[n, h, i, j] = sum_l sum_u sum_v w[h, l, u, v] * a[n, l, i*s + u*d, j*s + v*d] (+ b)

    where ``a`` is ``x`` after padding.  Same semantics as
    ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    w : array_like of shape (F, C, kh, kw)
    b : array_like of shape (F,) or (F, Ho, Wo), optional
        Tied bias (one per feature map, Fig. 8.9) or untied bias (one per
        output neuron, Fig. 8.1).
    stride, dilation : int or (int, int), default 1
    padding : str, int, pair or pair of pairs, default 0
        Any form of :func:`convnet.geometry.normalize_padding`; at most
        ``d*(k-1)`` on each side.

    Returns
    -------
    z : ndarray of shape (N, F, Ho, Wo)
        float32 if every input is float32, else float64.

    Shape
    -----
    ``Ho = floor((H + top + bottom - d*(kh - 1) - 1) / s) + 1`` (Eq. 8.18),
    likewise ``Wo`` (Eq. 8.19).

    Raises
    ------
    ValueError
        Wrong ndim, channel mismatch, bias of the wrong shape, a kernel that
        does not fit the padded input, stride or dilation < 1.
    TypeError
        Non-numeric, boolean or complex data.

    Notes
    -----
    All N*Ho*Wo receptive fields are gathered into one im2col matrix and
    multiplied by the (F, C*kh*kw) weight matrix in a single BLAS call.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.ones((1, 1, 2, 2))
    >>> conv2d(x, w, b=[0.5])
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])
    """
    x, w, window = _check_conv_inputs(x, w, stride, padding, dilation)
    b = _check_bias(b, w.shape[0], window.out)
    x, w, b = _common_dtype(x, w, b)
    z, _ = conv2d_forward(x, w, b, window)
    return np.ascontiguousarray(z)


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied"):
    """Gradients of :func:`conv2d` with respect to its input, weights and bias.

    Parameters
    ----------
    dz : array_like of shape (N, F, Ho, Wo)
        dN = dLZ, the sensitivity at the layer's net input (Eq. 8.35: the
        summation net input passes it through unchanged).
    x, w, stride, padding, dilation
        As given to :func:`conv2d`.
    bias : {"tied", "untied", None}, default "tied"
        Which bias the forward pass used (decides the shape of ``db``).

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
        dA, the full cross-correlation of dLZ with the 180-degree rotated
        kernels, summed over the output maps (Eq. 8.44-8.45).
    dw : ndarray of shape (F, C, kh, kw)
        dLW = dLZ ⊗ A, the cross-correlation of the sensitivities with the
        input (Eq. 8.47-8.48).
    db : ndarray of shape (F,) or (F, Ho, Wo), or None
        Sum of dN over batch and positions for a tied bias (Eq. 8.36-8.37),
        over the batch only for an untied bias, None without bias.

    Notes
    -----
    *Stride.*  Eq. 8.44 is written for stride 1.  A strided forward pass is
    the stride-1 pass with only every s-th window kept, so dLZ is first
    "dilated": ``s - 1`` zeros are put between its rows and columns, and the
    rows of the input that the stride skips end up with zero gradient.

    *Dilation.*  The rotated kernel is applied with the same dilation.

    *Padding.*  The gradient is computed for the padded input and the
    padding is cropped off: padded zeros are constants, not inputs.

    *Erratum.*  Eq. 8.39-8.44 print the sum over feature maps as
    ``sum_{h=1}^{H^n}`` and Eq. 8.45 as ``sum_{l=1}^{H^n}``; the sum runs over
    the *output* maps ``h = 1..H^m`` of layer m, each of which was computed
    from input map ``l``.

    Examples
    --------
    For one 3x3 input, a 2x2 kernel and dz of ones, dx counts how many
    windows cover each pixel weighted by the kernel:

    >>> x = np.zeros((1, 1, 3, 3)); w = np.ones((1, 1, 2, 2))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> db
    array([4.])
    """
    x, w, window = _check_conv_inputs(x, w, stride, padding, dilation)
    if bias not in BIAS_MODES:
        fail("bias", "one of 'tied', 'untied', None", bias,
             error=TypeError if not isinstance(bias, str) else ValueError)
    dz = real_array(dz, "dz", ndim=4, layout="(N, F, Ho, Wo)")
    same_shape(dz, "dz", (x.shape[0], w.shape[0], *window.out), "the output of conv2d(x, w)")
    dz, x, w = _common_dtype(dz, x, w)
    workspace = Workspace()
    cols = input_columns(x, window, workspace, bias == "tied", w.shape)  # as the forward made it
    dx, dw, db = conv2d_backward_cols(dz, cols, w, x.shape, window, bias, workspace)
    return np.ascontiguousarray(dx), dw, db


def _check_single(x, k, stride, padding, dilation):
    x = real_array(x, "x", ndim=2)
    k = real_array(k, "k", ndim=2, layout="(rows, cols)")
    window = conv_window(x.shape, k.shape, stride, padding, dilation)
    return x, k, window


def correlate2d(x, k, padding="valid", stride=1, dilation=1):
    """2-D cross-correlation of one image with one kernel (Eq. 8.9, 8.13).

    ``z[m, n] = sum_i sum_j k[i, j] * x_p[m*s + i*d, n*s + j*d]`` with ``x_p``
    the padded image; the kernel slides over the image without being flipped.
    This is what convolution layers compute.

    Parameters
    ----------
    x : array_like of shape (H, W)
    k : array_like of shape (r, c)
    padding : {"valid", "same", "full"}, int, pair or pair of pairs
        ``"valid"``: only positions where the kernel lies inside the image
        (Eq. 8.14-8.15).  ``"same"``: output as large as the input; for an
        even kernel the extra zero row/column goes to the bottom/right, as
        with PyTorch's ``padding="same"`` (SciPy centres even kernels the
        other way).  ``"full"``: every pixel meets every weight.
    stride, dilation : int or (int, int), default 1

    Returns
    -------
    ndarray of shape (Ho, Wo)

    Shape
    -----
    ``Ho = floor((H + top + bottom - d*(r - 1) - 1) / s) + 1``, likewise ``Wo``.

    Raises
    ------
    ValueError, TypeError
        See :func:`conv2d`.

    Examples
    --------
    >>> correlate2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[-4., -4.],
           [-4., -4.]])
    """
    x, k, window = _check_single(x, k, stride, padding, dilation)
    x, k = _common_dtype(x, k)
    z, _ = conv2d_forward(x[None, None], k[None, None], None, window)
    return np.ascontiguousarray(z[0, 0])


def convolve2d(x, k, padding="valid", stride=1, dilation=1):
    """2-D convolution of one image with one kernel (Eq. 8.8): the kernel is flipped.

    Equal to ``correlate2d(x, rot180(k), ...)`` (Solved Problem P8.1).  For odd
    kernels and stride 1 this matches ``scipy.signal.convolve2d`` in all
    three modes.

    Parameters, Returns, Raises
        As :func:`correlate2d`.

    Shape
    -----
    As :func:`correlate2d`.

    Examples
    --------
    The flip is visible with an impulse: convolution copies the kernel,
    correlation copies it rotated.

    >>> impulse = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    >>> convolve2d(impulse, [[1, 2], [3, 4]], padding="full")[1:3, 1:3]
    array([[1., 2.],
           [3., 4.]])
    >>> correlate2d(impulse, [[1, 2], [3, 4]], padding="full")[1:3, 1:3]
    array([[4., 3.],
           [2., 1.]])
    """
    x, k, window = _check_single(x, k, stride, padding, dilation)
    x, k = _common_dtype(x, k)
    flipped = np.ascontiguousarray(k[::-1, ::-1])[None, None]      # rot180, Eq. 8.8 vs 8.9
    z, _ = conv2d_forward(x[None, None], flipped, None, window)
    return np.ascontiguousarray(z[0, 0])
