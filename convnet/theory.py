"""Convolution as linear algebra: the weight-sharing matrix and the impulse response.

Two results from the start of the chapter:

* a cross-correlation is a matrix product ``vec(Z) = M vec(P)`` where every row
  of ``M`` holds the same kernel weights, shifted (Eq. 8.11-8.12: weight
  sharing);
* every linear, position-invariant transform of images is a convolution with
  its *impulse response*, the image it makes of a single bright pixel
  (Eq. 8.1-8.6, Solved Problem P8.2).
"""

from __future__ import annotations

import numpy as np

from ._budget import refuse_beyond_budget
from ._validate import fail, int_pair, one_of, real_array
from .window import conv_window

__all__ = ["vec", "unvec", "conv_matrix", "impulse_response"]


def vec(a, order="C"):
    """Stack a matrix into a vector: rows one after another (``"C"``) or columns (``"F"``).

    ``order="F"`` is the chapter's column stacking (Eq. 8.12, 8.26).

    Examples
    --------
    >>> vec([[1, 2], [3, 4]], order="F")
    array([1., 3., 2., 4.])
    """
    a = real_array(a, "a", ndim=2)
    one_of(order, "order", ("C", "F"))
    return a.flatten(order=order)


def unvec(v, shape, order="C"):
    """The inverse of :func:`vec`.

    Examples
    --------
    >>> unvec([1, 3, 2, 4], (2, 2), order="F")
    array([[1., 2.],
           [3., 4.]])
    """
    v = real_array(v, "v", ndim=1)
    rows, cols = int_pair(shape, "shape", minimum=1)
    one_of(order, "order", ("C", "F"))
    if v.size != rows * cols:
        fail("v", f"of length {rows * cols} to fill a {rows}x{cols} matrix", v,
             given=f"length {v.size}")
    return v.reshape((rows, cols), order=order)


def conv_matrix(k, input_shape, padding="valid", stride=1, order="C", dilation=1):
    """The matrix M of a cross-correlation: ``vec(correlate2d(x, k)) == M @ vec(x)``.

    Row ``r`` of M belongs to output pixel r; it holds the kernel weights at
    the columns of the input pixels that output reads, and zeros elsewhere.
    Every row holds the same weights (weight sharing) and most entries are
    zero (a local receptive field), Eq. 8.12.

    Parameters
    ----------
    k : array_like of shape (r, c)
    input_shape : (int, int)
        The image size (H, W).
    padding, stride, dilation
        As in :func:`convnet.correlate2d`; padded pixels are zeros, so they
        contribute no column.
    order : {"C", "F"}, default "C"
        How images are stacked into vectors: row by row (NumPy's default) or
        column by column, as in Eq. 8.12.

    Returns
    -------
    M : ndarray of shape (Ho*Wo, H*W)

    Examples
    --------
    Eq. 8.12: a 2x2 kernel on a 3x3 image, columns stacked.

    >>> conv_matrix([[1, 3], [2, 4]], (3, 3), order="F")
    array([[1., 2., 0., 3., 4., 0., 0., 0., 0.],
           [0., 1., 2., 0., 3., 4., 0., 0., 0.],
           [0., 0., 0., 1., 2., 0., 3., 4., 0.],
           [0., 0., 0., 0., 1., 2., 0., 3., 4.]])
    """
    k = real_array(k, "k", ndim=2, layout="(rows, cols)")
    height, width = int_pair(input_shape, "input_shape", minimum=1)
    one_of(order, "order", ("C", "F"))
    window = conv_window((height, width), k.shape, stride, padding, dilation)
    (sh, sw), (dh, dw), ((top, _), (left, _)) = window.stride, window.dilation, window.pads
    ho, wo = window.out
    padded = (height + sum(window.pads[0])) * (width + sum(window.pads[1]))
    refuse_beyond_budget([("input_shape", "the matrix (Ho*Wo x H*W)",
                           ho * wo * height * width * k.dtype.itemsize)], (height * width, padded))

    def index(row, col, rows, cols):  # position of (row, col) in the stacked vector
        return row * cols + col if order == "C" else col * rows + row

    matrix = np.zeros((ho * wo, height * width), dtype=k.dtype)
    for m in range(ho):
        for n in range(wo):
            for i in range(k.shape[0]):
                for j in range(k.shape[1]):
                    row, col = m * sh + i * dh - top, n * sw + j * dw - left
                    if 0 <= row < height and 0 <= col < width:
                        matrix[index(m, n, ho, wo), index(row, col, height, width)] += k[i, j]
    return matrix


def impulse_response(transform, shape=(3, 3)):
    """The convolution kernel of a linear, position-invariant transform (Eq. 8.2, P8.2).

    Applies ``transform`` to the impulse (Eq. 8.1): an image of zeros with a
    single 1 at its centre ``(H // 2, W // 2)``.  The result, read with its
    origin at that centre, is the kernel ``w`` with
    ``transform(x) == convolve2d(x, w, padding="same")`` for odd ``shape``
    (away from the borders, if the transform moves content across them).

    Parameters
    ----------
    transform : callable
        Takes an (H, W) array and returns an (H, W) array.
    shape : (int, int), default (3, 3)
        Size of the impulse image; it must be large enough to hold the
        response.

    Returns
    -------
    ndarray of shape ``shape``

    Examples
    --------
    Solved Problem P8.2: shifting one pixel right and one up.

    >>> def shift_right_up(image):
    ...     out = np.zeros_like(image)
    ...     out[:-1, 1:] = image[1:, :-1]
    ...     return out
    >>> impulse_response(shift_right_up)
    array([[0., 0., 1.],
           [0., 0., 0.],
           [0., 0., 0.]])
    """
    if not callable(transform):
        fail("transform", "a callable taking an (H, W) array", transform, error=TypeError)
    height, width = int_pair(shape, "shape", minimum=1)
    refuse_beyond_budget([("shape", "the impulse image (H x W)", height * width * 8)])
    impulse = np.zeros((height, width))
    impulse[height // 2, width // 2] = 1.0  # delta_{0,0} of Eq. 8.1, origin at the centre
    response = transform(impulse)
    response = real_array(response, "transform(impulse)")
    if response.shape != (height, width):
        fail("transform", f"a callable that returns an array of the input's shape {(height, width)}",
             transform, given=f"shape {response.shape}")
    return response
