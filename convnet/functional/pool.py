"""Max and average pooling, forward beside backward: the public face.

Layout: ``x`` is (N, C, H, W), the output ``z`` is (N, C, Ho, Wo); each feature
map is pooled on its own, so C stays C (Fig. 8.9: H^2 = H^1).  The functions
here document the operations and hand each call to the selected engine
(:mod:`convnet.functional.engines`); the readable implementation is
:mod:`convnet.functional.plain.pool`.
"""

from __future__ import annotations

from .engines import backward_engine, implementation

__all__ = ["max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
           "sum_pool2d", "pool_weight_gradient"]


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, *,
               return_saved=False):
    """Max pooling: the largest value of every window (Eq. 8.24).

    ``z[n, c, i, j] = max_{k, l} x_p[n, c, i*s + k*d, j*s + l*d]``; no
    trainable parameter.  Same semantics as ``torch.nn.functional.max_pool2d``
    (without its ``return_indices``: the backward finds the winners).

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows); a smaller
        stride gives overlapping windows.
    padding : int, pair or pair of pairs, default 0
        At most half the kernel on each side. The padding is -inf, so it never wins.
    dilation : int or (int, int), default 1
        The step between the window's pixels, as in a convolution.
    ceil_mode : bool, default False
        Round the output size up (see Shape): the last window may then hang
        over the bottom/right edge; the positions beyond are -inf, as padding.
    return_saved : bool, default False
        Also return the record (:class:`~convnet.functional.Saved`) that the
        backward accepts as ``saved=``.

    Returns
    -------
    z : ndarray of shape (N, C, Ho, Wo)
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    ``Ho = floor((H + top + bottom - d*(kh - 1) - 1) / s) + 1``, likewise
    ``Wo``; with ``ceil_mode`` (PyTorch's rule) ``ceil`` instead of ``floor``,
    and one less if the last window would start at ``H + top`` or beyond,
    that is in the bottom padding (:func:`convnet.geometry.output_size`).

    Raises
    ------
    ValueError, TypeError
        Wrong ndim, a window larger than the padded input, stride or dilation
        < 1, too much padding, ceil_mode not a bool, non-numeric data, a padded
        input beyond the memory budget (:func:`convnet.set_memory_budget`).

    Examples
    --------
    Goodfellow sheet, exercise 3(b): 2x2 max pooling of the detector output.

    >>> y = np.array([[12, 14, 4, 0, 0, 0], [18, 23, 8, 0, 0, 0],
    ...               [18, 23, 8, 0, 0, 0], [12, 14, 4, 0, 0, 0]])
    >>> max_pool2d(y[None, None], 2)[0, 0]
    array([[23.,  8.,  0.],
           [23.,  8.,  0.]])

    With ``ceil_mode`` a 5x5 input gives 3x3 windows of 2x2, the last ones
    holding only the fifth row or column: ceil((5 - 2)/2) + 1 = 3.

    >>> max_pool2d(np.arange(25.0).reshape(1, 1, 5, 5), 2, ceil_mode=True)[0, 0]
    array([[ 6.,  8.,  9.],
           [16., 18., 19.],
           [21., 23., 24.]])
    """
    return implementation().max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode,
                                       return_saved=return_saved)


def max_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                        *, saved=None):
    """Gradient of :func:`max_pool2d` with respect to its input (exercise E8.8).

    Each window passes its sensitivity to the position of its maximum and
    nothing to the others (the max is locally the identity on the winner).
    On ties the first maximum in row-major order receives it, as in PyTorch;
    a window holding NaN sends it to its first NaN; where windows overlap, a
    pixel that wins several windows collects the sum.  A dilated window can
    step over every pixel of the input and hold padding only: its output is
    -inf, as in PyTorch, and its sensitivity goes nowhere (PyTorch's lands on
    a pixel outside the window).

    Parameters
    ----------
    dz : array_like of shape (N, C, Ho, Wo)
    x, kernel_size, stride, padding, dilation, ceil_mode
        As given to :func:`max_pool2d`.
    saved : Saved, optional
        The record of ``max_pool2d(..., return_saved=True)``: the backward
        then runs in the engine that made it without finding the maxima again.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)

    Examples
    --------
    >>> x = np.array([[[[1., 3.], [3., 2.]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]   # tie: first 3 wins
    array([[0., 1.],
           [0., 0.]])
    """
    return backward_engine(saved).max_pool2d_backward(dz, x, kernel_size, stride, padding,
                                                      dilation, ceil_mode, saved=saved)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, return_saved=False):
    """Average pooling: the mean of every window (Eq. 8.22 with w = 1/(kh*kw)).

    ``z[n, c, i, j] = (1 / (kh*kw)) * sum_{k, l} x_p[n, c, i*s + k, j*s + l]``.
    Same semantics as ``torch.nn.functional.avg_pool2d``, divisor included:
    ``divisor_override`` if given; else the number of the window's positions
    on the padded input (``count_include_pad=True``, the default: kh*kw
    except for a last window of ``ceil_mode`` hanging over the edge) or on
    the input alone (``count_include_pad=False``).

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows); a smaller
        stride gives overlapping windows.
    padding : int, pair or pair of pairs, default 0
        At most half the kernel on each side, zeros.
    ceil_mode : bool, default False
        Round the output size up (see Shape): the last window may then hang
        over the bottom/right edge; the positions beyond count as nothing,
        neither in the sum nor in the divisor.
    count_include_pad : bool, default True
        Whether the padded zeros count in the divisor.
    divisor_override : int >= 1, optional
        Divide every window's sum by this number instead.
    return_saved : bool, default False
        Also return the record (:class:`~convnet.functional.Saved`) that the
        backward accepts as ``saved=``.

    Returns
    -------
    z : ndarray of shape (N, C, Ho, Wo)
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    ``Ho = floor((H + top + bottom - kh) / s) + 1``, likewise ``Wo``; with
    ``ceil_mode`` (PyTorch's rule) ``ceil`` instead of ``floor``, and one
    less if the last window would start at ``H + top`` or beyond, that is in
    the bottom padding (:func:`convnet.geometry.output_size`).

    Raises
    ------
    ValueError, TypeError
        Wrong ndim, a window larger than the padded input, stride < 1, too
        much padding, ceil_mode or count_include_pad not a bool,
        divisor_override not a positive integer, non-numeric data, a padded
        input beyond the memory budget (:func:`convnet.set_memory_budget`).

    Examples
    --------
    Problem set 1.4: 2x2 average pooling of a 4x4 image.

    >>> x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x, 2)[0, 0]
    array([[ 3.5,  5.5],
           [11.5, 13.5]])

    With ``ceil_mode`` the windows of the last row and column hold 2 pixels
    (or 1 in the corner) and are divided by that many: (4 + 9)/2 = 6.5.

    >>> avg_pool2d(np.arange(25.0).reshape(1, 1, 5, 5), 2, ceil_mode=True)[0, 0]
    array([[ 3. ,  5. ,  6.5],
           [13. , 15. , 16.5],
           [20.5, 22.5, 24. ]])
    """
    return implementation().avg_pool2d(x, kernel_size, stride, padding, ceil_mode,
                                       count_include_pad, divisor_override,
                                       return_saved=return_saved)


def avg_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None, *, saved=None):
    """Gradient of :func:`avg_pool2d` with respect to its input (Solved Problem P8.3).

    Every element of dLZ is spread evenly, ``1/divisor`` each (``1/(kh*kw)``
    by default; see :func:`avg_pool2d`), over the pixels of its window (the
    chapter's expanding operator ⊠, Eq. D.2 in docs/backprop.md); overlapping
    windows add up; the share that falls on padding is dropped.

    Parameters
    ----------
    dz : array_like of shape (N, C, Ho, Wo)
    x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
        As given to :func:`avg_pool2d`; only the shape of ``x`` is used.
    saved : Saved, optional
        The record of ``avg_pool2d(..., return_saved=True)`` (the backward
        runs in the engine that made it).

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[[[4.0]]]]), np.zeros((1, 1, 2, 2)), 2)[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    return backward_engine(saved).avg_pool2d_backward(dz, x, kernel_size, stride, padding,
                                                      ceil_mode, count_include_pad,
                                                      divisor_override, saved=saved)


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    """The chapter's reducing operator ⊞: the sum of every window (Eq. 8.22 without w).

    Average pooling is ``w * sum_pool2d(x, ...)`` with ``w = 1/(kh*kw)``;
    with a trainable ``w`` per map, its gradient is
    :func:`pool_weight_gradient`.

    Examples
    --------
    >>> sum_pool2d(np.arange(1.0, 17.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[14., 22.],
           [46., 54.]])
    """
    return implementation().sum_pool2d(x, kernel_size, stride, padding)


def pool_weight_gradient(dz, x, kernel_size, stride=None, padding=0):
    """Gradient of average pooling's weight ``lw`` per map (Solved Problem P8.4).

    With ``lz = lw * ⊞A`` the weight multiplies every window sum, so
    ``dlw = ⊞_{S_r,S_c}(dLZ ∘ ⊞_{r,c} A)``: reduce the input to window sums,
    multiply by the sensitivities, and sum over the batch and all positions.

    Parameters
    ----------
    dz : array_like of shape (N, C, Ho, Wo)
    x, kernel_size, stride, padding
        As given to :func:`avg_pool2d`.

    Returns
    -------
    ndarray of shape (C,), one gradient per feature map.

    Examples
    --------
    >>> x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    >>> pool_weight_gradient(np.ones((1, 1, 2, 2)), x, 2)    # 14 + 22 + 46 + 54
    array([136.])
    """
    return implementation().pool_weight_gradient(dz, x, kernel_size, stride, padding)
