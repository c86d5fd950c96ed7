"""Padding, forward beside backward: the public face.

``pad2d`` surrounds the last two axes of an array with a border: a constant
(zero padding, Eq. 8.16) or copies of the array's own pixels (Eq. P.1), as
``torch.nn.functional.pad``'s modes; ``pad2d_backward`` is its gradient,
which for the copying modes adds every padded pixel's gradient onto the
pixel it copies (Eq. P.2).  :func:`convnet.functional.conv2d`'s
``padding_mode`` pads this way before it convolves.
"""

from __future__ import annotations

from .engines import implementation

__all__ = ["pad2d", "pad2d_backward"]


def pad2d(x, padding, value=0.0, kernel_size=None, mode="constant"):
    """Pad the last two axes of ``x`` (rows and columns) with a constant or with copies of ``x``.

    Parameters
    ----------
    x : array_like of shape (..., H, W)
    padding : int, (ph, pw), ((top, bottom), (left, right)) or str
        ``"same"`` and ``"full"`` need ``kernel_size``.
    value : float, default 0.0
        The fill value of mode ``"constant"`` (zero padding in the chapter,
        Eq. 8.16); the other modes take none.
    kernel_size : int or (int, int), optional
    mode : {"constant", "reflect", "replicate", "circular"}, default "constant"
        As ``torch.nn.functional.pad``: a constant; the mirror image about
        the edge pixel (at most ``size - 1`` rows or columns a side); the edge
        pixel repeated; the pixels of the opposite side (at most ``size``).

    Returns
    -------
    ndarray of shape (..., H + top + bottom, W + left + right)

    Shape
    -----
    (..., H, W) in, (..., H + top + bottom, W + left + right) out.

    Raises
    ------
    ValueError
        Negative padding, an unknown mode, padding too wide for the mode, a
        nonzero ``value`` with a copying mode, a padded array beyond the
        memory budget.
    TypeError
        Non-numeric data, padding of the wrong type.

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

    The copying modes on one row [1, 2, 3], two columns each side:

    >>> row = [[1, 2, 3]]
    >>> pad2d(row, (0, 2), mode="reflect")      # mirrored about 1 and 3
    array([[3., 2., 1., 2., 3., 2., 1.]])
    >>> pad2d(row, (0, 2), mode="replicate")
    array([[1., 1., 1., 2., 3., 3., 3.]])
    >>> pad2d(row, (0, 2), mode="circular")     # ... 2, 3 | 1, 2, 3 | 1, 2 ...
    array([[2., 3., 1., 2., 3., 1., 2.]])
    """
    return implementation().pad2d(x, padding, value, kernel_size, mode)


def pad2d_backward(dz, x, padding, mode="constant", kernel_size=None):
    """The gradient of :func:`pad2d` with respect to ``x``.

    A constant border is no input: its gradient is dropped and the interior
    is ``dz`` cut to the size of ``x``.  A copying mode makes every padded
    pixel a copy of an input pixel, so that pixel collects the gradients of
    all its copies (Eq. P.2), the chain rule's sum over every path from the
    pixel to the loss.

    Parameters
    ----------
    dz : array_like of shape (..., H + top + bottom, W + left + right)
        The gradient at the padded array.
    x, padding, mode, kernel_size
        As given to :func:`pad2d`.

    Returns
    -------
    dx : ndarray of the shape of x

    Shape
    -----
    dz (..., Hp, Wp) in, dx (..., H, W) out.

    Raises
    ------
    ValueError, TypeError
        As :func:`pad2d`, and dz of the wrong shape.

    Examples
    --------
    Reflecting [1, 2, 3] by two columns copies 2 twice and 3 once more
    (the padded row is [3, 2, 1, 2, 3, 2, 1]): with a gradient of one at
    every padded pixel, x's pixels collect 2, 3 and 2.

    >>> pad2d_backward(np.ones((1, 7)), [[1, 2, 3]], (0, 2), mode="reflect")
    array([[2., 3., 2.]])
    >>> pad2d_backward(np.arange(9.0).reshape(3, 3), np.zeros((1, 1)), 1)
    array([[4.]])
    """
    return implementation().pad2d_backward(dz, x, padding, mode, kernel_size)
