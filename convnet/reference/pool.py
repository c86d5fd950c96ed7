"""Pooling forward and backward (Eq. 8.22-8.24, P8.3, P8.4, E8.8), one loop per index.

A pixel outside the image reads as 0 for average and sum pooling and as -inf
for max pooling, exactly what padding with that value would give; padding
never wins a maximum.  With ``ceil_mode`` the last window may hang over the
padded input (:func:`convnet.geometry.output_size`); those positions read
the same way but are never counted in a mean (:func:`_divisor`).
"""

from __future__ import annotations

import numpy as np

from .._checks import (Saved, avg_key, avg_options, pool_args, pool_backward_args, pool_key,
                       saved_contents)
from .conv import pixel

__all__ = ["max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
           "sum_pool2d", "pool_weight_gradient"]

ENGINE = "reference"


def _windows(x, window):
    """Yield ``(n, c, i, j, positions)``: every pooling window and its input pixels."""
    (sh, sw), ((top, _), (left, _)), (rows, cols) = window.stride, window.pads, window.kernel
    dh, dw = window.dilation                        # max pooling's dilation; 1 for the others
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(window.out[0]):
                for j in range(window.out[1]):
                    positions = [(i * sh + k * dh - top, j * sw + l * dw - left)
                                 for k in range(rows) for l in range(cols)]
                    yield n, c, i, j, positions


def _first_maximum(image, positions):
    """The first real pixel (row-major) holding the window's maximum; NaN counts as the maximum.

    Padding is -inf and never wins: with -inf real pixels, the first of them does.  None
    for a window that holds no real pixel (a dilated one may step over the whole input).
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


def _divisor(image, positions, window, count_include_pad, divisor_override):
    """What average pooling divides a window's sum by, as PyTorch does.

    ``divisor_override`` if given; else the window's positions on the padded
    input (``count_include_pad``: padding counts, the overhang of ceil_mode
    does not) or on the image itself.
    """
    if divisor_override is not None:
        return divisor_override
    (top, bottom), (left, right) = window.pads if count_include_pad else ((0, 0), (0, 0))
    rows, cols = image.shape
    return sum(1 for r, q in positions
               if -top <= r < rows + bottom and -left <= q < cols + right)


def _sum(image, positions):
    """The sum of a window's pixels, zero padding included (the reducing operator ⊞)."""
    return sum(pixel(image, r, q) for r, q in positions)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, *,
               return_saved=False):
    """Max pooling by Eq. 8.24: ``z[i, j] = max{ v[i*s + k, j*s + l] }``.

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, window = pool_args(x, kernel_size, stride, padding, ceil_mode, return_saved, "max_pool2d",
                          dilation)
    z = np.zeros((*x.shape[:2], *window.out), dtype=x.dtype)
    for n, c, i, j, positions in _windows(x, window):
        winner = _first_maximum(x[n, c], positions)
        z[n, c, i, j] = -np.inf if winner is None else x[(n, c, *winner)]   # padding only: -inf
    if return_saved:
        return z, Saved(ENGINE, "max_pool2d", pool_key(x, window), ())
    return z


def max_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                        *, saved=None):
    """Exercise E8.8: each window sends dz to the first position holding its maximum.

    Examples
    --------
    >>> x = np.array([[[[1., 3.], [3., 2.]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "max_pool2d",
                                       ceil_mode, dilation)
    if saved is not None:
        saved_contents(saved, "max_pool2d", ENGINE, pool_key(x, window))
    dx = np.zeros(x.shape, dtype=dz.dtype)
    for n, c, i, j, positions in _windows(x, window):
        winner = _first_maximum(x[n, c], positions)  # row-major: the first maximum wins ties
        if winner is not None:                        # padding only: no pixel to send it to
            dx[(n, c, *winner)] += dz[n, c, i, j]
    return dx


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, return_saved=False):
    """Average pooling by Eq. 8.22 with w = 1/divisor (1/(kh*kw) by default): ``z = w * sum v``.

    Examples
    --------
    >>> avg_pool2d(np.arange(1.0, 17.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 3.5,  5.5],
           [11.5, 13.5]])
    """
    x, window = pool_args(x, kernel_size, stride, padding, ceil_mode, return_saved)
    options = avg_options(count_include_pad, divisor_override)
    z = np.zeros((*x.shape[:2], *window.out), dtype=x.dtype)
    for n, c, i, j, positions in _windows(x, window):
        weight = 1.0 / _divisor(x[n, c], positions, window, *options)
        z[n, c, i, j] = _sum(x[n, c], positions) * weight
    if return_saved:
        return z, Saved(ENGINE, "avg_pool2d", avg_key(x, window, *options), ())
    return z


def avg_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None, *, saved=None):
    """Solved Problem P8.3: each input pixel receives ``w * dz`` from every window covering it.

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[[[4.0]]]]), np.zeros((1, 1, 2, 2)), 2)[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "avg_pool2d",
                                       ceil_mode)
    options = avg_options(count_include_pad, divisor_override)
    if saved is not None:
        saved_contents(saved, "avg_pool2d", ENGINE, avg_key(x, window, *options))
    dx = np.zeros(x.shape, dtype=dz.dtype)
    height, width = x.shape[2:]
    for n, c, i, j, positions in _windows(x, window):
        weight = 1.0 / _divisor(x[n, c], positions, window, *options)
        for r, q in positions:
            if 0 <= r < height and 0 <= q < width:   # shares on padding are dropped
                dx[n, c, r, q] += weight * dz[n, c, i, j]
    return dx


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    """The reducing operator ⊞ (Eq. 8.22 without w): ``z[i, j] = sum v[i*s + k, j*s + l]``.

    Examples
    --------
    >>> sum_pool2d(np.arange(1.0, 17.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[14., 22.],
           [46., 54.]])
    """
    x, window = pool_args(x, kernel_size, stride, padding)
    z = np.zeros((*x.shape[:2], *window.out), dtype=x.dtype)
    for n, c, i, j, positions in _windows(x, window):
        z[n, c, i, j] = _sum(x[n, c], positions)
    return z


def pool_weight_gradient(dz, x, kernel_size, stride=None, padding=0):
    """Solved Problem P8.4: ``dlw[c] = sum_n sum_i sum_j dz[n, c, i, j] * (⊞A)[n, c, i, j]``.

    With ``lz = lw * ⊞A`` the weight multiplies every window sum, so its
    gradient adds each sensitivity times the sum of the window it belongs to.

    Examples
    --------
    >>> pool_weight_gradient(np.ones((1, 1, 2, 2)), np.arange(1.0, 17.0).reshape(1, 1, 4, 4), 2)
    array([136.])
    """
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "sum_pool2d")
    dlw = [0.0] * x.shape[1]
    for n, c, i, j, positions in _windows(x, window):
        dlw[c] += dz[n, c, i, j] * _sum(x[n, c], positions)
    return np.array(dlw, dtype=dz.dtype)
