"""The fast engine's convolution forward pass: one gather, one matrix product (trusted input).

Two ways to form Eq. 8.20 as products, picked per shape by :func:`forward_method`:

* *im2col*: every receptive field becomes a column of the gathered matrix
  (C*kh*kw rows, one per weight), and ``z = [W2 | b] @ [cols; 1]`` is one
  product (:mod:`convnet.functional._fast.gather` explains the layout and
  the "wide rows" that make the gather one copy at stride 1);
* *kernel rows*: only the kernel's rows are gathered (C*kh rows); one
  product gives every (map, kernel column) pair at every position, and
  ``kw - 1`` shifted adds finish the sum over the kernel's columns
  (:func:`forward_by_kernel_rows`).

What the gather made is kept in a :class:`Gathered` record, which says
explicitly what it holds, for the backward pass
(:mod:`convnet.functional._fast.conv_backward`).

Products handed to BLAS get row counts rounded up to a multiple of 4
(:func:`blas_rows`): OpenBLAS's kernels ran skinny products with 6 rows
markedly slower than with 8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...window import Window
from .gather import all_finite, im2col, im2col_wide, padded_channels_first, wide_channels_first
from .memory import Lease, Scratch, output

__all__ = ["Gathered", "uses_wide_rows", "blas_rows", "run_guard", "forward_method",
           "gather_input", "conv2d_forward", "grouped_forward", "forward_by_kernel_rows"]


@dataclass
class Gathered:
    """What the forward pass gathered from ``x``: the fast engine's record for the backward.

    Attributes
    ----------
    cols : ndarray (C, kh, kw', N, L)
        Every receptive field (im2col, ``kw' = kw``) or only the kernel's rows
        (``kw' = 1``, ``split_kernel``).  With ``wide`` rows ``L = Ho*Wp``
        (runs across the padded width, see ``gather``), else ``L = Ho*Wo``.
    wide, split_kernel : bool
        How ``cols`` was gathered (see above).
    ones_row : bool
        The buffer goes on, after ``cols``, into a row of ones (the constant
        input whose weight is a tied bias) and zero rows up to
        :func:`blas_rows` of ``C*kh + 1`` kernel-row matrices.
    buffer : ndarray
        The flat work buffer that holds all of it.
    lease : Lease or None
        Gives ``buffer`` back to the thread's pool (:meth:`release`).
    """

    cols: np.ndarray
    wide: bool
    split_kernel: bool
    ones_row: bool
    buffer: np.ndarray
    lease: Lease | None = None

    def with_ones(self):
        """``[cols; 1]`` as one (C*kh*kw' + 1, L) matrix, or None without the ones row.

        A tied bias is the weight of an input that is always 1 (one per
        feature map, Eq. 8.21), so ``[W2 | b] @ [cols; 1]`` adds it inside the
        product, and ``dz2 @ [cols; 1]^T`` gives dW and db (Eq. 8.48, 8.36)
        together.
        """
        if not self.ones_row:
            return None
        count = self.cols.shape[0] * self.cols.shape[1] * self.cols.shape[2]    # C*kh*kw'
        return self.buffer[:(count + 1) * (self.cols.size // count)].reshape(count + 1, -1)

    def kernel_rows(self, with_ones: bool):
        """``cols[:, :, 0]``, every padded input row each kernel row reads, as a matrix.

        Row ``c*kh + i`` is channel c's rows as kernel row i (and kernel
        column 0) reads them; the rows are ``kw'`` rows of ``cols`` apart, a
        strided view.  ``with_ones`` (and a ones row) continues the matrix
        into the ones row (row ``C*kh``) and the zero rows after it.
        """
        c, kh, kw = self.cols.shape[:3]
        length = self.cols.size // (c * kh * kw)
        count, source = c * kh, self.cols
        if with_ones and self.ones_row:
            count, source = blas_rows(count + 1), self.buffer
        return source.reshape(-1)[:count * kw * length].reshape(count, kw, length)[:, 0]

    def release(self) -> None:
        """Give the buffer back to the pool; the record must not be used afterwards."""
        if self.lease is not None:
            self.lease.end()


def uses_wide_rows(window: Window, x: np.ndarray) -> bool:
    """Whether ``x`` is gathered through wide rows (see :mod:`convnet.functional._fast.gather`).

    At stride 1, unless ``x`` holds inf or NaN: the wide rows' extra columns
    carry real pixels that the weight gradient multiplies by zero, and
    ``0 * inf`` is NaN.  The plain gather keeps such results exact.
    """
    return window.stride == (1, 1) and all_finite(x)


def blas_rows(count: int) -> int:
    """``count`` rounded up to a multiple of 4 (1 stays 1): the row count we hand to BLAS.

    OpenBLAS's single-precision kernels work on blocks of rows; a product
    with 6 rows took longer than the same product with 8, and the weight
    gradient of a 6-map layer twice as long (measured, see
    ``docs/performance.md``).  Products with a few rows are therefore
    padded with zero rows, whose results are never read.
    """
    return count if count == 1 else -(-count // 4) * 4


def run_guard(window: Window) -> int:
    """How far a wide-row run may reach past a map's end (or, backwards, before it): d*(kw - 1)."""
    return window.dilation[1] * (window.kernel[1] - 1)


def forward_method(w_shape, window: Window, wide: bool) -> str:
    """The rule that picks how the forward product is formed: ``"im2col"`` or ``"kernel rows"``.

    It counts the numbers each way moves through memory per output column,
    a gathered number counting twice (its reads jump around the input):

    * *im2col* gathers ``C*kh*kw`` rows, the product reads them and writes
      ``F`` rows: ``3*C*kh*kw + F``;
    * *kernel rows* (:func:`forward_by_kernel_rows`) gathers ``C*kh`` rows,
      the product reads them and writes ``F*kw`` rows, and each of the
      ``kw - 1`` shifted adds reads two runs of ``F`` rows and writes one:
      ``3*C*kh + F*kw + 3*F*(kw - 1)``.

    The smaller count wins (wide rows, so stride 1, only).  On every shape
    we timed both ways (``docs/performance.md``) it named the faster one.
    A grouped convolution always takes im2col, one product per group.
    """
    f, c, kh, kw = w_shape
    if not wide or kw == 1 or window.groups > 1:
        return "im2col"
    im2col_cost = 3 * c * kh * kw + f
    split_cost = 3 * c * kh + f * kw + 3 * f * (kw - 1)
    return "kernel rows" if split_cost < im2col_cost else "im2col"


def gather_input(x: np.ndarray, window: Window, scratch: Scratch, tied: bool,
                 w_shape) -> Gathered:
    """Gather ``x`` for the product: wide rows when :func:`uses_wide_rows`, plain columns otherwise.

    With ``tied`` the buffer holds a row of ones after the columns (see
    :meth:`Gathered.with_ones`).  Where :func:`forward_method` says "kernel
    rows", the kernel's columns are left out: cols is then (C, kh, 1, N, Ho*Wp).
    The buffer is lent by ``scratch``; the record's lease keeps it.
    """
    n, c = x.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.out
    wide = uses_wide_rows(window, x)
    split = wide and forward_method(w_shape, window, wide) == "kernel rows"
    if wide:
        maps, flat = wide_channels_first(x, window.pads, scratch, "padded input",
                                         run_guard(window))                   # (C, N, Hp, Wp)
        length = n * ho * maps.shape[3]
        if split:
            kw = 1                                  # gather the kernel's rows only
            window = Window((kh, 1), (1, 1), window.pads, window.dilation, window.out)
    else:
        source = padded_channels_first(x, window.pads, scratch, "padded input")  # (C, N, Hp, Wp)
        length = n * ho * wo
    size = c * kh * kw * length
    # After the ones row, zero rows (made with the buffer, never written) so
    # that every kw-th row from the start, cols[:, :, 0] and then the ones
    # row, continues to a multiple of 4 rows: kernel_rows() hands that
    # matrix to BLAS.  The layout names this arrangement (see Scratch.get).
    extent = blas_rows(c * kh + 1) * kw * length if tied else 0
    buffer = scratch.get("cols", (max(size + length * tied, extent),), x.dtype, 0.0,
                         layout=("ones" if tied else "columns", c * kh, kw, length))
    if tied:
        buffer[size:size + length] = 1
    cols = im2col_wide(maps, flat, window, buffer) if wide else im2col(source, window, buffer)
    return Gathered(cols, wide, split, tied, buffer)


def conv2d_forward(x: np.ndarray, w: np.ndarray, b, window: Window, scratch: Scratch):
    """Eq. 8.20-8.21 on validated input: ``(z, gathered)``.

    ``z`` is the (N, F, Ho, Wo) view of a new channels-first array (see
    :mod:`convnet.functional._fast.gather`); with wide rows that array is the
    product itself, ``Wp - Wo`` columns per row wider than ``z``, handed on
    as a view rather than copied.  ``gathered`` lives in ``scratch``.
    """
    n, (f, c, kh, kw), (ho, wo) = x.shape[0], w.shape, window.out
    tied = b is not None and b.ndim == 1
    gathered = gather_input(x, window, scratch, tied and window.groups == 1, w.shape)
    if gathered.split_kernel:
        z = forward_by_kernel_rows(gathered, w, b, window, scratch)
        return z.transpose(1, 0, 2, 3), gathered                             # (N, F, Ho, Wo)
    if window.groups > 1:
        return grouped_forward(gathered, w, b, window), gathered
    cols = gathered.cols
    row_count, matrix = blas_rows(f), cols.reshape(c * kh * kw, -1)
    weights = np.zeros((row_count, c * kh * kw + tied), x.dtype)            # zero rows beyond F
    weights[:f, :c * kh * kw] = w.reshape(f, c * kh * kw)
    if tied:                                                                 # [W2 | b] @ [cols; 1]
        weights[:f, -1], matrix = b, gathered.with_ones()
    width = cols.shape[-1] // ho if gathered.wide else wo
    product = output("output", (row_count, n, ho, width), x.dtype)
    np.matmul(weights, matrix, out=product.reshape(row_count, -1))           # Eq. 8.20-8.21
    z = product[:f, ..., :wo]       # (F, N, Ho, Wo): a view without the padding rows and columns
    if b is not None and not tied:  # untied (F, Ho, Wo): one bias per output neuron
        z += b[:, None]
    return z.transpose(1, 0, 2, 3), gathered                                 # (N, F, Ho, Wo)


def grouped_forward(gathered: Gathered, w: np.ndarray, b, window: Window) -> np.ndarray:
    """Eq. G.1 from the im2col columns: one product per group, a stacked matmul.

    The columns' rows are ordered by channel, so the first ``C/G*kh*kw``
    rows belong to group 0, the next to group 1, ...: ``cols`` reshaped to
    (G, C/G*kh*kw, N*L) and the kernels to (G, F/G, C/G*kh*kw) multiply
    group by group into the output maps (F, N*L).  Returns z (N, F, Ho, Wo).
    """
    g, (f, per_group, kh, kw), n = window.groups, w.shape, gathered.cols.shape[3]
    (ho, wo), rows = window.out, g * per_group * kh * kw
    width = gathered.cols.size // (rows * n * ho)                           # W' = Wp or Wo
    matrix = gathered.cols.reshape(g, per_group * kh * kw, -1)
    product = output("output", (f, n, ho, width), w.dtype)
    np.matmul(w.reshape(g, f // g, -1), matrix, out=product.reshape(g, f // g, -1))  # Eq. G.1
    z = product[..., :wo]                                                    # (F, N, Ho, Wo)
    if b is not None:                                           # tied (F,) or untied (F, Ho, Wo)
        z += b[:, None, None, None] if b.ndim == 1 else b[:, None]
    return z.transpose(1, 0, 2, 3)                                           # (N, F, Ho, Wo)


def forward_by_kernel_rows(gathered: Gathered, w: np.ndarray, b, window: Window,
                           scratch: Scratch) -> np.ndarray:
    """Eq. 8.20 with the kernel split: one product over (maps, kernel rows), then column shifts.

    ``gathered.cols`` (C, kh, 1, N, Ho*Wp) holds every padded input row each
    kernel row reads.  One product with the weights arranged (F*kw, C*kh)
    gives, for every map f and kernel column j, the sum over channels and
    kernel rows at every position of the wide rows; output (h, w) then adds
    the products of columns j = 0..kw-1 found ``j*d`` positions to the
    right, ``kw - 1`` shifted adds along the flat rows.  A tied bias rides
    on the row of ones (:meth:`Gathered.with_ones`), weighted for column 0
    only.  Returns a new z (F, N, Ho, Wo).
    """
    f, c, kh, kw = w.shape
    n, (ho, wo), dil_w = gathered.cols.shape[3], window.out, window.dilation[1]
    total = gathered.cols.size // (c * kh)                                   # N*Ho*Wp
    weights = np.ascontiguousarray(w.transpose(0, 3, 1, 2)).reshape(f * kw, c * kh)
    matrix = gathered.cols.reshape(c * kh, total)
    tied = b is not None and b.ndim == 1
    if tied:                                          # [W | b for j = 0] @ [rows; 1]
        bias = np.zeros((f, kw, 1), weights.dtype)
        bias[:, 0, 0] = b
        weights = np.concatenate([weights, bias.reshape(f * kw, 1)], 1)
        matrix = gathered.with_ones()
    products = scratch.get("kernel-column products", (f * kw * total,), matrix.dtype)
    products = products.reshape(f, kw, total)
    np.matmul(weights, matrix, out=products.reshape(f * kw, total))
    summed = products[:, 0]                                                  # (F, N*Ho*Wp)
    for j in range(1, kw):
        summed[:, :total - j * dil_w] += products[:, j, j * dil_w:]
    z = summed.reshape(f, n, ho, total // (n * ho))[..., :wo]                # (F, N, Ho, Wo)
    out = output("output", z.shape, z.dtype)
    if b is not None and not tied:                                           # untied bias
        return np.add(z, b[:, None], out=out)
    np.copyto(out, z)
    return out
