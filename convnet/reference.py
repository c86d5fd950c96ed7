"""Loop versions of the core operations, written the way the chapter writes them.

This is the first code to read, and the oracle the fast functions in
:mod:`convnet.functional` are tested against.  Every function is a direct
transcription of a sum from the chapter, one ``for`` per index, so that it can
be checked by hand.  It is slow on purpose and shares nothing with the fast
path except the size arithmetic of :mod:`convnet.geometry`.

Indices start at 0 here and at 1 in the chapter: the chapter's
``p_{m+i-1, n+j-1}`` (Eq. 8.13) is ``x[m + i, n + j]`` below.  Padding is not
materialised: a pixel outside the image reads as 0 (or as -inf for max
pooling), exactly what padding with that value would give.
"""

from __future__ import annotations

import numpy as np

from ._validate import fail, real_array, same_shape
from .geometry import conv_window, pool_window

__all__ = [
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
]


def _pixel(image, row, col, outside=0.0):
    """``image[row, col]``, or ``outside`` if (row, col) falls on the padding."""
    rows, cols = image.shape
    if 0 <= row < rows and 0 <= col < cols:
        return image[row, col]
    return outside


def _single(x, k, padding, stride, dilation):
    x = real_array(x, "x", ndim=2)
    k = real_array(k, "k", ndim=2, layout="(rows, cols)")
    return x, k, conv_window(x.shape, k.shape, stride, padding, dilation)


def correlate2d(x, k, padding="valid", stride=1, dilation=1):
    """Cross-correlation by Eq. 8.13: ``z[m, n] = sum_i sum_j k[i, j] x[m + i, n + j]``.

    With stride ``s``, dilation ``d`` and padding (top, left) the input index
    becomes ``(m*s + i*d - top, n*s + j*d - left)``.

    Examples
    --------
    >>> correlate2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[-4., -4.],
           [-4., -4.]])
    """
    x, k, window = _single(x, k, padding, stride, dilation)
    (sh, sw), (dh, dw), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    rows, cols = k.shape
    z = np.zeros(window.out)
    for m in range(window.out[0]):
        for n in range(window.out[1]):
            total = 0.0
            for i in range(rows):
                for j in range(cols):
                    total += k[i, j] * _pixel(x, m * sh + i * dh - top, n * sw + j * dw - left)
            z[m, n] = total
    return z


def convolve2d(x, k, padding="valid", stride=1, dilation=1):
    """Convolution by Eq. 8.8: the kernel index runs backwards over the image.

    ``z[m, n] = sum_i sum_j k[i, j] x[m + (r-1-i), n + (c-1-j)]`` for an r x c
    kernel, which is Eq. 8.8's ``p_{m-i, n-j}`` shifted so that the first
    output is the first position where the kernel fits.

    Examples
    --------
    >>> convolve2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[4., 4.],
           [4., 4.]])
    """
    x, k, window = _single(x, k, padding, stride, dilation)
    (sh, sw), (dh, dw), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    rows, cols = k.shape
    z = np.zeros(window.out)
    for m in range(window.out[0]):
        for n in range(window.out[1]):
            total = 0.0
            for i in range(rows):
                for j in range(cols):
                    total += k[i, j] * _pixel(x, m * sh + (rows - 1 - i) * dh - top,
                                              n * sw + (cols - 1 - j) * dw - left)
            z[m, n] = total
    return z


def _batched(x, w, stride, padding, dilation):
    x = real_array(x, "x", ndim=4)
    w = real_array(w, "w", ndim=4, layout="(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        fail("w", f"of shape (F, {x.shape[1]}, kh, kw) to match the {x.shape[1]} input "
             f"channel(s) of x {x.shape}", w, given=f"shape {w.shape}")
    return x, w, conv_window(x.shape[2:], w.shape[2:], stride, padding, dilation)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Multi-channel convolution layer by Eq. 8.20, one loop per index.

    ``z[n, h, i, j] = sum_l sum_u sum_v w[h, l, u, v] a[n, l, i + u, j + v] + b``
    where ``l`` runs over the input maps, ``h`` over the output maps, and
    ``b`` is tied (shape (F,)) or untied (shape (F, Ho, Wo)).

    Examples
    --------
    >>> conv2d(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), b=[0.5])
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])
    """
    x, w, window = _batched(x, w, stride, padding, dilation)
    (sh, sw), (dh, dw), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    batch, maps_in = x.shape[:2]
    maps_out, _, rows, cols = w.shape
    ho, wo = window.out
    if b is not None:
        b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
        if b.shape not in ((maps_out,), (maps_out, ho, wo)):
            fail("b", f"of shape ({maps_out},) or {(maps_out, ho, wo)}", b,
                 given=f"shape {b.shape}")
    z = np.zeros((batch, maps_out, ho, wo))
    for n in range(batch):
        for h in range(maps_out):
            for i in range(ho):
                for j in range(wo):
                    total = 0.0
                    for l in range(maps_in):
                        for u in range(rows):
                            for v in range(cols):
                                a = _pixel(x[n, l], i * sh + u * dh - top, j * sw + v * dw - left)
                                total += w[h, l, u, v] * a
                    if b is not None:
                        total += b[h] if b.ndim == 1 else b[h, i, j]
                    z[n, h, i, j] = total
    return z


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied"):
    """Gradients of :func:`conv2d` as the chapter's sums (Eq. 8.41, 8.47, 8.36).

    * ``dx[n, l, p, q] = sum_h sum_i sum_j dz[n, h, i, j] * w[h, l, u, v]`` over
      the outputs (i, j) whose window covers input pixel (p, q), where (u, v)
      is the kernel position that lands on it (Eq. 8.40-8.41).
    * ``dw[h, l, u, v] = sum_n sum_i sum_j dz[n, h, i, j] * a[n, l, i + u, j + v]``
      (Eq. 8.47).
    * ``db[h] = sum_n sum_i sum_j dz[n, h, i, j]`` for a tied bias (Eq. 8.36),
      ``db[h, i, j] = sum_n dz[n, h, i, j]`` for an untied one.

    Examples
    --------
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)),
    ...                              np.ones((1, 1, 2, 2)))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    x, w, window = _batched(x, w, stride, padding, dilation)
    (sh, sw), (dh, dw_), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    batch, maps_in, height, width = x.shape
    maps_out, _, rows, cols = w.shape
    ho, wo = window.out
    dz = real_array(dz, "dz", ndim=4, layout="(N, F, Ho, Wo)")
    same_shape(dz, "dz", (batch, maps_out, ho, wo), "the output of conv2d(x, w)")
    if bias not in ("tied", "untied", None):
        fail("bias", "one of 'tied', 'untied', None", bias)

    # Eq. 8.41: for each input pixel, add up every (output, kernel weight) pair
    # that read it.  Output (i, j) reads pixel (p, q) through weight (u, v) when
    # i*s + u*d - top == p and j*s + v*d - left == q.
    dx = np.zeros(x.shape)
    for n in range(batch):
        for l in range(maps_in):
            for p in range(height):
                for q in range(width):
                    total = 0.0
                    for h in range(maps_out):
                        for i in range(ho):
                            for j in range(wo):
                                du, dv = p + top - i * sh, q + left - j * sw
                                if du % dh or dv % dw_:
                                    continue
                                u, v = du // dh, dv // dw_
                                if 0 <= u < rows and 0 <= v < cols:
                                    total += dz[n, h, i, j] * w[h, l, u, v]
                    dx[n, l, p, q] = total

    # Eq. 8.47: each weight collects dz times the pixel it multiplied.
    dw = np.zeros(w.shape)
    for h in range(maps_out):
        for l in range(maps_in):
            for u in range(rows):
                for v in range(cols):
                    total = 0.0
                    for n in range(batch):
                        for i in range(ho):
                            for j in range(wo):
                                a = _pixel(x[n, l], i * sh + u * dh - top, j * sw + v * dw_ - left)
                                total += dz[n, h, i, j] * a
                    dw[h, l, u, v] = total

    # Eq. 8.36: the bias touches every output of its map.
    db = None
    if bias == "tied":
        db = np.array([sum(dz[n, h, i, j] for n in range(batch) for i in range(ho)
                           for j in range(wo)) for h in range(maps_out)])
    elif bias == "untied":
        db = np.zeros((maps_out, ho, wo))
        for n in range(batch):
            db += dz[n]
    return dx, dw, db


def _pool_input(x, kernel_size, stride, padding):
    x = real_array(x, "x", ndim=4)
    return x, pool_window(x.shape[2:], kernel_size, stride, padding)


def _pool_dz(dz, x, window):
    dz = real_array(dz, "dz", ndim=4, layout="(N, C, Ho, Wo)")
    same_shape(dz, "dz", (*x.shape[:2], *window.out), "the output of the pooling")
    return dz


def _windows(x, window):
    """Yield ``(n, c, i, j, positions)``: every pooling window and its input pixels."""
    (sh, sw), ((top, _), (left, _)), (rows, cols) = window.stride, window.pads, window.kernel
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(window.out[0]):
                for j in range(window.out[1]):
                    positions = [(i * sh + k - top, j * sw + l - left)
                                 for k in range(rows) for l in range(cols)]
                    yield n, c, i, j, positions


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling by Eq. 8.24: ``z[i, j] = max{ v[i*s + k, j*s + l] }``.

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, window = _pool_input(x, kernel_size, stride, padding)
    z = np.zeros((*x.shape[:2], *window.out))
    for n, c, i, j, positions in _windows(x, window):
        r, q = _first_maximum(x[n, c], positions)
        z[n, c, i, j] = x[n, c, r, q]
    return z


def _first_maximum(image, positions):
    """The first real pixel (row-major) holding the window's maximum; NaN counts as the maximum.

    Padding is -inf and never wins: with -inf real pixels, the first of them does.
    """
    rows, cols = image.shape
    best = None
    for r, q in positions:
        if not (0 <= r < rows and 0 <= q < cols):
            continue                       # padding
        value = image[r, q]
        if np.isnan(value):
            return r, q                    # the first NaN wins
        if best is None or value > image[best]:
            best = (r, q)
    return best


def max_pool2d_backward(dz, x, kernel_size, stride=None, padding=0):
    """Exercise E8.8: each window sends dz to the first position holding its maximum.

    Examples
    --------
    >>> x = np.array([[[[1., 3.], [3., 2.]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x, window = _pool_input(x, kernel_size, stride, padding)
    dz = _pool_dz(dz, x, window)
    dx = np.zeros(x.shape)
    for n, c, i, j, positions in _windows(x, window):
        r, q = _first_maximum(x[n, c], positions)   # row-major: the first maximum wins ties
        dx[n, c, r, q] += dz[n, c, i, j]
    return dx


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling by Eq. 8.22 with w = 1/(kh*kw): ``z = w * sum v``.

    Examples
    --------
    >>> avg_pool2d(np.arange(1.0, 17.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 3.5,  5.5],
           [11.5, 13.5]])
    """
    x, window = _pool_input(x, kernel_size, stride, padding)
    weight = 1.0 / (window.kernel[0] * window.kernel[1])
    z = np.zeros((*x.shape[:2], *window.out))
    for n, c, i, j, positions in _windows(x, window):
        z[n, c, i, j] = sum(_pixel(x[n, c], r, q) for r, q in positions) * weight
    return z


def avg_pool2d_backward(dz, x, kernel_size, stride=None, padding=0):
    """Solved Problem P8.3: each input pixel receives ``w * dz`` from every window covering it.

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[[[4.0]]]]), np.zeros((1, 1, 2, 2)), 2)[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    x, window = _pool_input(x, kernel_size, stride, padding)
    dz = _pool_dz(dz, x, window)
    weight = 1.0 / (window.kernel[0] * window.kernel[1])
    dx = np.zeros(x.shape)
    height, width = x.shape[2:]
    for n, c, i, j, positions in _windows(x, window):
        for r, q in positions:
            if 0 <= r < height and 0 <= q < width:   # shares on padding are dropped
                dx[n, c, r, q] += weight * dz[n, c, i, j]
    return dx
