"""Correlation, convolution and the convolution layer's backward pass, one loop per index.

Indices start at 0 here and at 1 in the chapter: the chapter's
``p_{m+i-1, n+j-1}`` (Eq. 8.13) is ``x[m + i, n + j]`` below.  Padding is not
materialised: a pixel outside the image reads as 0, exactly what zero
padding would give.  Products and sums run on NumPy scalars of the inputs'
dtype (float32 data add up in float32, as in the other engines), term by
term in the order the sums are written.
"""

from __future__ import annotations

import numpy as np

from .._checks import Saved, kernel_arg, saved_contents
from .._checks_conv import conv_args, conv_backward_args, conv_key, single_args
from .padding import fill, fold

__all__ = ["rot180", "correlate2d", "convolve2d", "conv2d", "conv2d_backward",
           "input_gradient_scatter", "input_gradient_gather", "weight_gradient"]

ENGINE = "reference"


def pixel(image, row, col, outside=0.0):
    """``image[row, col]``, or ``outside`` if (row, col) falls on the padding."""
    rows, cols = image.shape
    if 0 <= row < rows and 0 <= col < cols:
        return image[row, col]
    return outside


def rot180(k):
    """P8.1: ``rot180(k)[..., i, j] = k[..., r-1-i, c-1-j]``, entry by entry."""
    k = kernel_arg(k)
    rows, cols = k.shape[-2:]
    flipped = np.empty_like(k)
    for i in range(rows):
        for j in range(cols):
            flipped[..., i, j] = k[..., rows - 1 - i, cols - 1 - j]
    return flipped


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
    x, k, window = single_args(x, k, padding, stride, dilation)
    (sh, sw), (dil_h, dil_w), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    rows, cols = k.shape
    z = np.zeros(window.out, dtype=x.dtype)
    for m in range(window.out[0]):
        for n in range(window.out[1]):
            total = 0.0
            for i in range(rows):
                for j in range(cols):
                    total += k[i, j] * pixel(x, m * sh + i * dil_h - top,
                                             n * sw + j * dil_w - left)
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
    x, k, window = single_args(x, k, padding, stride, dilation)
    (sh, sw), (dil_h, dil_w), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    rows, cols = k.shape
    z = np.zeros(window.out, dtype=x.dtype)
    for m in range(window.out[0]):
        for n in range(window.out[1]):
            total = 0.0
            for i in range(rows):
                for j in range(cols):
                    total += k[i, j] * pixel(x, m * sh + (rows - 1 - i) * dil_h - top,
                                             n * sw + (cols - 1 - j) * dil_w - left)
            z[m, n] = total
    return z


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, padding_mode="zeros",
           return_saved=False):
    """Multi-channel convolution layer by Eq. 8.20, one loop per index.

    ``z[n, h, i, j] = sum_l sum_u sum_v w[h, l, u, v] a[n, l, i + u, j + v] + b``
    where ``l`` runs over the input maps (of ``h``'s group, Eq. G.1), ``h``
    over the output maps, and ``b`` is tied (shape (F,)) or untied (shape
    (F, Ho, Wo)).  The saved record is empty: the loops compute every
    gradient from the inputs.

    Examples
    --------
    >>> conv2d(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), b=[0.5])
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])
    """
    x, w, b, window = conv_args(x, w, b, stride, padding, dilation, groups, padding_mode,
                                return_saved)
    key = conv_key(x, w, window)
    if window.padding_mode != "zeros":     # Eq. P.1: pad with copies, then convolve unpadded
        x, window = fill(x, window.pads, window.padding_mode), window.on_padded_input()
    z = correlate_maps(x, w, b, window)
    if return_saved:
        return z, Saved(ENGINE, "conv2d", key, ())
    return z


def group_of(h: int, maps_out: int, groups: int) -> int:
    """The group of output map ``h``: its input maps are ``group*C/groups ...`` (Eq. G.1)."""
    return h // (maps_out // groups)


def correlate_maps(x, w, b, window):
    """Eq. 8.20 (Eq. G.1 with groups) on x, whose padding reads as zeros."""
    (sh, sw), (dil_h, dil_w), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    batch = x.shape[0]
    maps_out, per_group, rows, cols = w.shape
    ho, wo = window.out
    z = np.zeros((batch, maps_out, ho, wo), dtype=x.dtype)
    for n in range(batch):
        for h in range(maps_out):
            first = group_of(h, maps_out, window.groups) * per_group    # its group's first map
            for i in range(ho):
                for j in range(wo):
                    total = 0.0
                    for l in range(per_group):
                        for u in range(rows):
                            for v in range(cols):
                                a = pixel(x[n, first + l], i * sh + u * dil_h - top,
                                          j * sw + v * dil_w - left)
                                total += w[h, l, u, v] * a
                    if b is not None:
                        total += b[h] if b.ndim == 1 else b[h, i, j]
                    z[n, h, i, j] = total
    return z


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied", groups=1, *,
                    padding_mode="zeros", saved=None, input_gradient=True):
    """Gradients of :func:`conv2d` as the chapter's sums (Eq. 8.41, 8.47, 8.36).

    * ``dx`` by Eq. 8.41 (:func:`input_gradient_scatter`); Eq. 8.45, the same
      sum after the change of variables, is :func:`input_gradient_gather`.
    * ``dw`` by Eq. 8.47 (:func:`weight_gradient`).
    * ``db[h] = sum_n sum_i sum_j dz[n, h, i, j]`` for a tied bias (Eq. 8.36),
      ``db[h, i, j] = sum_n dz[n, h, i, j]`` for an untied one.
    * With a ``padding_mode``, ``dx`` is the padded input's gradient folded
      back onto the pixels the padding copied (Eq. P.2).

    Examples
    --------
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)),
    ...                              np.ones((1, 1, 2, 2)))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, bias, groups,
                                          padding_mode, input_gradient)
    if saved is not None:
        saved_contents(saved, "conv2d", ENGINE, conv_key(x, w, window))
    source, inner = x, window
    if window.padding_mode != "zeros":     # the padded input, copies of x's pixels (Eq. P.1)
        source, inner = fill(x, window.pads, window.padding_mode), window.on_padded_input()
    dx = _scatter(dz, source.shape, w, inner) if input_gradient else None   # Eq. 8.41
    if dx is not None and source is not x:
        dx = fold(dx, x.shape, window.pads, window.padding_mode)            # Eq. P.2
    dw = _weight_gradient(dz, source, w.shape, inner)                        # Eq. 8.47
    db = _bias_gradient(dz, bias)
    return dx, dw, db


def _bias_gradient(dz, bias):
    """Eq. 8.36 for a tied bias, the batch sum for an untied one, None without bias."""
    batch, maps_out, ho, wo = dz.shape
    db = None
    if bias == "tied":                     # Eq. 8.36: the bias touches every output of its map
        db = np.array([sum(dz[n, h, i, j] for n in range(batch) for i in range(ho)
                           for j in range(wo)) for h in range(maps_out)], dtype=dz.dtype)
    elif bias == "untied":
        db = np.zeros((maps_out, ho, wo), dtype=dz.dtype)
        for n in range(batch):
            db += dz[n]
    return db


def _scatter(dz, x_shape, w, window):
    # Eq. 8.41: for each input pixel, add up every (output, kernel weight) pair
    # that read it.  Output (i, j) reads pixel (p, q) through weight (u, v) when
    # i*s + u*d - top == p and j*s + v*d - left == q.  With groups, input map l is
    # read by the output maps of its group only (Eq. G.1), as its k-th map.
    (sh, sw), (dil_h, dil_w), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    batch, maps_in, height, width = x_shape
    maps_out, per_group, rows, cols = w.shape
    ho, wo = window.out
    dx = np.zeros(x_shape, dtype=dz.dtype)
    for n in range(batch):
        for l in range(maps_in):
            group, k = divmod(l, per_group)
            readers = range(group * maps_out // window.groups,
                            (group + 1) * maps_out // window.groups)
            for p in range(height):
                for q in range(width):
                    total = 0.0
                    for h in readers:
                        for i in range(ho):
                            for j in range(wo):
                                du, dv = p + top - i * sh, q + left - j * sw   # (u*d, v*d)
                                if du % dil_h or dv % dil_w:
                                    continue
                                u, v = du // dil_h, dv // dil_w
                                if 0 <= u < rows and 0 <= v < cols:
                                    total += dz[n, h, i, j] * w[h, k, u, v]
                    dx[n, l, p, q] = total
    return dx


def _gather(dz, x_shape, w, window):
    # Eq. 8.44-8.45 as printed: dA = rot180(W) ⊗ dLZ, a full correlation.  dLZ is
    # first spread out by the stride (s - 1 zeros between neighbours) and padded
    # by the dilated kernel's span d*(k - 1) all round ("full"); input pixel
    # (p, q) sits at (p + top, q + left) of the padded input, and the rotated
    # kernel's tap (u, v) reads the spread-out dLZ at (p + top + u*d - d*(r - 1),
    # ...): outside it, or between its entries, the value is 0.  With groups, only
    # the output maps of input map l's group read it (Eq. G.1).
    (sh, sw), (dil_h, dil_w), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    batch, maps_in, height, width = x_shape
    maps_out, per_group, rows, cols = w.shape
    ho, wo = window.out
    dx = np.zeros(x_shape, dtype=dz.dtype)
    for n in range(batch):
        for l in range(maps_in):
            group, k = divmod(l, per_group)
            readers = range(group * maps_out // window.groups,
                            (group + 1) * maps_out // window.groups)
            for p in range(height):
                for q in range(width):
                    total = 0.0
                    for h in readers:                  # the output maps (erratum 1)
                        for u in range(rows):
                            for v in range(cols):
                                rotated = w[h, k, rows - 1 - u, cols - 1 - v]   # rot180(W)
                                a = p + top + u * dil_h - dil_h * (rows - 1)  # spread dLZ's row
                                c = q + left + v * dil_w - dil_w * (cols - 1)
                                if a % sh or c % sw:
                                    continue                              # a zero the stride put
                                i, j = a // sh, c // sw
                                if 0 <= i < ho and 0 <= j < wo:
                                    total += rotated * dz[n, h, i, j]
                    dx[n, l, p, q] = total
    return dx


def _weight_gradient(dz, x, w_shape, window):
    # Eq. 8.47: each weight collects dz times the pixel it multiplied (of h's group).
    (sh, sw), (dil_h, dil_w), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    maps_out, per_group, rows, cols = w_shape
    batch, _, ho, wo = dz.shape
    dw = np.zeros(w_shape, dtype=dz.dtype)
    for h in range(maps_out):
        first = group_of(h, maps_out, window.groups) * per_group
        for l in range(per_group):
            for u in range(rows):
                for v in range(cols):
                    total = 0.0
                    for n in range(batch):
                        for i in range(ho):
                            for j in range(wo):
                                a = pixel(x[n, first + l], i * sh + u * dil_h - top,
                                          j * sw + v * dil_w - left)
                                total += dz[n, h, i, j] * a
                    dw[h, l, u, v] = total
    return dw


def input_gradient_scatter(dz, x, w, stride=1, padding=0, dilation=1, groups=1):
    """dA by Eq. 8.41: each input pixel sums ``dz * w`` over every window that read it."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, None, groups,
                                          "zeros", True)
    return _scatter(dz, x.shape, w, window)


def input_gradient_gather(dz, x, w, stride=1, padding=0, dilation=1, groups=1):
    """dA by Eq. 8.44-8.45 as printed: the full correlation of (spread-out) dLZ with rot180(W)."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, None, groups,
                                          "zeros", True)
    return _gather(dz, x.shape, w, window)


def weight_gradient(dz, x, w, stride=1, padding=0, dilation=1, groups=1):
    """dLW by Eq. 8.47: ``dw[h, l, u, v] = sum_n sum_i sum_j dz[n, h, i, j] a[n, l, i+u, j+v]``."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, None, groups,
                                          "zeros", True)
    return _weight_gradient(dz, x, w.shape, window)
