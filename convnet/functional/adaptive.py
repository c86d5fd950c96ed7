"""Adaptive average and max pooling, forward beside backward: the public face.

Adaptive pooling asks for the output size and finds the windows: output row
``i`` of ``Ho`` pools input rows ``floor(i*H/Ho)`` to ``ceil((i+1)*H/Ho) - 1``
(PyTorch's rule, Eq. R.1 of ``docs/backprop.md``), likewise the columns.  The
windows cover every pixel; their sizes may differ by one, and neighbours may
share a pixel.  When ``H`` is a multiple of ``Ho`` they are the ordinary
pooling windows of kernel and stride ``H/Ho``.  Each map is pooled on its
own: (N, C, H, W) -> (N, C, Ho, Wo).  The readable implementation is
:mod:`convnet.functional.plain.adaptive`.
"""

from __future__ import annotations

from .engines import backward_engine, implementation

__all__ = ["adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d",
           "adaptive_max_pool2d_backward"]


def adaptive_avg_pool2d(x, output_size, *, return_saved=False):
    """Adaptive average pooling: the mean of every window, for an output of ``output_size``.

    ``z[n, c, i, j]`` is the mean of ``x[n, c, u, v]`` over the window
    ``u in [floor(i*H/Ho), ceil((i+1)*H/Ho))``, ``v`` likewise (Eq. R.1-R.2).
    Same semantics as ``torch.nn.functional.adaptive_avg_pool2d``.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    output_size : int or (int or None, int or None)
        (Ho, Wo); an int means a square output, None keeps that input size.
        May exceed the input (windows then repeat pixels).
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
    (N, C, H, W) -> (N, C, Ho, Wo), the windows of rows
    ``[floor(i*H/Ho), ceil((i+1)*H/Ho))`` and of columns likewise.

    Raises
    ------
    ValueError, TypeError
        Wrong ndim, an output size below 1 or not an integer, non-numeric
        data, arrays beyond the memory budget (:func:`convnet.set_memory_budget`).

    Examples
    --------
    Five pixels to three outputs: windows [0, 2), [1, 4), [3, 5).

    >>> x = np.arange(5.0).reshape(1, 1, 1, 5)
    >>> adaptive_avg_pool2d(x, (1, 3))[0, 0]               # (0+1)/2, (1+2+3)/3, (3+4)/2
    array([[0.5, 2. , 3.5]])
    """
    return implementation().adaptive_avg_pool2d(x, output_size, return_saved=return_saved)


def adaptive_avg_pool2d_backward(dz, x, output_size, *, saved=None):
    """Gradient of :func:`adaptive_avg_pool2d` with respect to its input (Eq. R.3).

    Every element of dLZ is spread evenly over the pixels of its window, one
    share per pixel (the window's area); a pixel that two windows share
    collects both shares.  In matrix form ``dA = Pᵀ dLZ Q`` where
    ``z = P A Qᵀ`` is the forward pass.

    Parameters
    ----------
    dz : array_like of shape (N, C, Ho, Wo)
    x, output_size
        As given to :func:`adaptive_avg_pool2d`; only the shape of ``x`` is used.
    saved : Saved, optional
        The record of ``adaptive_avg_pool2d(..., return_saved=True)``.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)

    Examples
    --------
    >>> x = np.zeros((1, 1, 1, 5))
    >>> adaptive_avg_pool2d_backward(np.full((1, 1, 1, 3), 6.0), x, (1, 3))[0, 0]   # 6/2 + 6/3
    array([[3., 5., 2., 5., 3.]])
    """
    return backward_engine(saved).adaptive_avg_pool2d_backward(dz, x, output_size, saved=saved)


def adaptive_max_pool2d(x, output_size, *, return_saved=False):
    """Adaptive max pooling: the largest value of every window, for an output of ``output_size``.

    The windows of :func:`adaptive_avg_pool2d` (Eq. R.1), each reduced by
    its maximum (Eq. R.4).  Same semantics as
    ``torch.nn.functional.adaptive_max_pool2d`` (without ``return_indices``:
    the record ``return_saved`` gives keeps the winners for the backward).
    ``output_size=1`` is global max pooling.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    output_size : int or (int or None, int or None)
        (Ho, Wo); an int means a square output, None keeps that input size.
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
    (N, C, H, W) -> (N, C, Ho, Wo), windows as in :func:`adaptive_avg_pool2d`.

    Raises
    ------
    ValueError, TypeError
        As :func:`adaptive_avg_pool2d`.

    Examples
    --------
    >>> x = np.array([[[[2.0, 2.0, 0.0, 1.0, 1.0]]]])
    >>> adaptive_max_pool2d(x, (1, 3))[0, 0]            # max of [2, 2], [2, 0, 1], [1, 1]
    array([[2., 2., 1.]])
    """
    return implementation().adaptive_max_pool2d(x, output_size, return_saved=return_saved)


def adaptive_max_pool2d_backward(dz, x, output_size, *, saved=None):
    """Gradient of :func:`adaptive_max_pool2d` with respect to its input (Eq. R.5).

    Each window passes its sensitivity to the position of its maximum and
    nothing to the others.  On ties the first maximum in row-major order
    receives it, as in PyTorch; a window holding NaN sends it to its first
    NaN (PyTorch: its last; the output is NaN either way), as
    :func:`max_pool2d_backward` does; a pixel that wins two windows
    collects both.

    Parameters
    ----------
    dz : array_like of shape (N, C, Ho, Wo)
    x, output_size
        As given to :func:`adaptive_max_pool2d`.
    saved : Saved, optional
        The record of ``adaptive_max_pool2d(..., return_saved=True)``: the
        backward then runs in the engine that made it without finding the
        maxima again.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)

    Examples
    --------
    >>> x = np.array([[[[2.0, 2.0, 0.0, 1.0, 1.0]]]])     # ties: the first maximum wins
    >>> adaptive_max_pool2d_backward(np.ones((1, 1, 1, 3)), x, (1, 3))[0, 0]
    array([[1., 1., 0., 1., 0.]])
    """
    return backward_engine(saved).adaptive_max_pool2d_backward(dz, x, output_size, saved=saved)
