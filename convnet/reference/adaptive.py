"""Adaptive pooling forward and backward (Eq. R.1-R.5), one loop per index.

Output ``(i, j)`` of ``Ho x Wo`` pools the window of rows
``floor(i*H/Ho) <= u < ceil((i+1)*H/Ho)`` and columns likewise (Eq. R.1),
written out here by itself: this engine shares no index rule with the others.
"""

from __future__ import annotations

import numpy as np

from .._checks import Saved, saved_contents
from .._checks_resample import adaptive_args, adaptive_backward_args, adaptive_key

__all__ = ["adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d",
           "adaptive_max_pool2d_backward"]

ENGINE = "reference"


def _bounds(i, size, out):
    """Eq. R.1: the window ``[floor(i*S/R), ceil((i+1)*S/R))`` of output ``i``."""
    return (i * size) // out, -(-((i + 1) * size) // out)


def _windows(x_shape, out):
    """Yield ``(n, c, i, j, positions)``: every window and its input pixels, row-major."""
    n_count, c_count, height, width = x_shape
    for n in range(n_count):
        for c in range(c_count):
            for i in range(out[0]):
                top, bottom = _bounds(i, height, out[0])
                for j in range(out[1]):
                    left, right = _bounds(j, width, out[1])
                    positions = [(u, v) for u in range(top, bottom) for v in range(left, right)]
                    yield n, c, i, j, positions


def _first_maximum(image, positions):
    """The first pixel (row-major) holding the window's maximum; the first NaN, if any."""
    best = positions[0]
    for u, v in positions:
        if np.isnan(image[u, v]):
            return u, v
        if image[u, v] > image[best]:
            best = (u, v)
    return best


def adaptive_avg_pool2d(x, output_size, *, return_saved=False):
    """Eq. R.2: ``z[i, j] = (1 / |window|) * sum of x over the window``.

    Examples
    --------
    >>> adaptive_avg_pool2d(np.arange(5.0).reshape(1, 1, 1, 5), (1, 3))[0, 0]
    array([[0.5, 2. , 3.5]])
    """
    x, out = adaptive_args(x, output_size, return_saved)
    z = np.zeros((*x.shape[:2], *out), dtype=x.dtype)
    for n, c, i, j, positions in _windows(x.shape, out):
        z[n, c, i, j] = sum(x[n, c, u, v] for u, v in positions) / len(positions)
    if return_saved:
        return z, Saved(ENGINE, "adaptive_avg_pool2d", adaptive_key(x, out), ())
    return z


def adaptive_avg_pool2d_backward(dz, x, output_size, *, saved=None):
    """Eq. R.3: every pixel of a window receives ``dz / |window|``; shared pixels add up.

    Examples
    --------
    >>> adaptive_avg_pool2d_backward(np.full((1, 1, 1, 3), 6.0), np.zeros((1, 1, 1, 5)),
    ...                              (1, 3))[0, 0]
    array([[3., 5., 2., 5., 3.]])
    """
    dz, x, out = adaptive_backward_args(dz, x, output_size, "adaptive_avg_pool2d")
    if saved is not None:
        saved_contents(saved, "adaptive_avg_pool2d", ENGINE, adaptive_key(x, out))
    dx = np.zeros(x.shape, dtype=dz.dtype)
    for n, c, i, j, positions in _windows(x.shape, out):
        for u, v in positions:
            dx[n, c, u, v] += dz[n, c, i, j] / len(positions)
    return dx


def adaptive_max_pool2d(x, output_size, *, return_saved=False):
    """Eq. R.4: ``z[i, j] = max of x over the window``.

    Examples
    --------
    >>> adaptive_max_pool2d(np.array([[[[2.0, 2.0, 0.0, 1.0, 1.0]]]]), (1, 3))[0, 0]
    array([[2., 2., 1.]])
    """
    x, out = adaptive_args(x, output_size, return_saved, "adaptive_max_pool2d")
    z = np.zeros((*x.shape[:2], *out), dtype=x.dtype)
    for n, c, i, j, positions in _windows(x.shape, out):
        z[n, c, i, j] = x[(n, c, *_first_maximum(x[n, c], positions))]
    if return_saved:
        return z, Saved(ENGINE, "adaptive_max_pool2d", adaptive_key(x, out), ())
    return z


def adaptive_max_pool2d_backward(dz, x, output_size, *, saved=None):
    """Eq. R.5: each window sends dz to the first position holding its maximum.

    Examples
    --------
    >>> x = np.array([[[[2.0, 2.0, 0.0, 1.0, 1.0]]]])
    >>> adaptive_max_pool2d_backward(np.ones((1, 1, 1, 3)), x, (1, 3))[0, 0]
    array([[1., 1., 0., 1., 0.]])
    """
    dz, x, out = adaptive_backward_args(dz, x, output_size, "adaptive_max_pool2d")
    if saved is not None:
        saved_contents(saved, "adaptive_max_pool2d", ENGINE, adaptive_key(x, out))
    dx = np.zeros(x.shape, dtype=dz.dtype)
    for n, c, i, j, positions in _windows(x.shape, out):
        u, v = _first_maximum(x[n, c], positions)     # row-major: the first maximum wins ties
        dx[n, c, u, v] += dz[n, c, i, j]
    return dx
