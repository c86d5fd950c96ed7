"""Transfer (activation) functions and their derivatives, as matching pairs.

Each ``f`` has a ``f_derivative(n)`` giving ``f'(n)`` at the net input ``n``
(Eq. 8.51), so that backpropagating across the transfer function is the
Hadamard product of Eq. 8.52-8.53::

    dN = f'(N) ∘ dA

All functions work elementwise on arrays of any shape (softmax along one
axis), keep float32 as float32, and stay finite for inputs as large as
±1e4 in either precision.
"""

from __future__ import annotations

import numpy as np

from .._validate import real_array, real_number, integer, fail

__all__ = [
    "relu", "relu_derivative",
    "leaky_relu", "leaky_relu_derivative",
    "sigmoid", "sigmoid_derivative",
    "tanh", "tanh_derivative",
    "softmax", "softmax_derivative", "softmax_backward", "log_softmax",
]


def _array(x, name="x"):
    return real_array(x, name, allow_empty=True)


def relu(x):
    """Rectified linear unit ``max(n, 0)`` (Goodfellow sheet, exercise 3(b)).

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    x = _array(x)
    return np.maximum(x, x.dtype.type(0))


def relu_derivative(x):
    """``1`` where ``n > 0``, else ``0`` (the value at 0 is taken as 0, as PyTorch does).

    Examples
    --------
    >>> relu_derivative([-2.0, 0.0, 3.0])
    array([0., 0., 1.])
    """
    x = _array(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, negative_slope=0.01):
    """``n`` for ``n > 0``, ``negative_slope * n`` otherwise.

    Examples
    --------
    >>> leaky_relu([-2.0, 3.0], negative_slope=0.1)
    array([-0.2,  3. ])
    """
    x = _array(x)
    slope = x.dtype.type(real_number(negative_slope, "negative_slope"))
    return np.where(x > 0, x, slope * x)


def leaky_relu_derivative(x, negative_slope=0.01):
    """``1`` for ``n > 0``, ``negative_slope`` otherwise.

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 3.0], negative_slope=0.1)
    array([0.1, 1. ])
    """
    x = _array(x)
    slope = real_number(negative_slope, "negative_slope")
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(slope))


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-n))``, computed without overflow.

    For ``n >= 0`` it evaluates ``1 / (1 + e)`` and for ``n < 0`` ``e / (1 + e)``
    with ``e = exp(-|n|) <= 1``, so no exponential ever overflows.

    Examples
    --------
    Problem set 1.3: sigma(2) = 0.8808.

    >>> np.round(sigmoid([0.0, 2.0, -1e4]), 4)
    array([0.5   , 0.8808, 0.    ])
    """
    x = _array(x)
    e = np.exp(-np.abs(x))                     # in (0, 1]
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_derivative(x):
    """``sigma(n) * (1 - sigma(n))``, which vanishes when the sigmoid saturates.

    Examples
    --------
    >>> sigmoid_derivative([0.0])
    array([0.25])
    """
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    """Hyperbolic tangent.

    Examples
    --------
    >>> tanh([0.0])
    array([0.])
    """
    return np.tanh(_array(x))


def tanh_derivative(x):
    """``1 - tanh(n)**2``.

    Examples
    --------
    >>> tanh_derivative([0.0])
    array([1.])
    """
    t = tanh(x)
    return 1 - t * t


def _axis(axis, ndim):
    axis = integer(axis, "axis")
    if not -ndim <= axis < ndim:
        fail("axis", f"in [-{ndim}, {ndim - 1}] for an array with {ndim} dimension(s)", axis)
    return axis


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` by the log-sum-exp trick: ``x - max - log(sum(exp(x - max)))``.

    Examples
    --------
    >>> np.round(log_softmax([0.0, 0.0]), 4)
    array([-0.6931, -0.6931])
    """
    x = real_array(x, "x", ndim=range(1, 33), layout="(..., K)")
    axis = _axis(axis, x.ndim)
    with np.errstate(over="ignore"):   # a span beyond the float range gives -inf: log p -> -inf
        shifted = x - x.max(axis=axis, keepdims=True)   # the largest entry becomes 0
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the maximum for stability.

    Examples
    --------
    >>> softmax([1e4, 0.0])
    array([1., 0.])
    >>> np.round(softmax([[1.0, 2.0, 3.0]]), 4)
    array([[0.09  , 0.2447, 0.6652]])
    """
    x = real_array(x, "x", ndim=range(1, 33), layout="(..., K)")
    axis = _axis(axis, x.ndim)
    with np.errstate(over="ignore"):   # a span beyond the float range gives exp(-inf) = 0
        e = np.exp(x - x.max(axis=axis, keepdims=True))  # every entry in [0, 1]
    return e / e.sum(axis=axis, keepdims=True)


def softmax_derivative(x):
    """The Jacobian of softmax over the last axis: ``diag(s) - s s^T``.

    Unlike the elementwise functions, each output depends on every input of
    its row, so ``f'`` is a matrix per row.

    Parameters
    ----------
    x : array_like of shape (..., K)

    Returns
    -------
    ndarray of shape (..., K, K)
        ``J[..., i, j] = d s_i / d x_j = s_i * (delta_ij - s_j)``.

    Examples
    --------
    >>> softmax_derivative([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    s = softmax(x, axis=-1)
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


def softmax_backward(dy, y, axis=-1):
    """Vector-Jacobian product of softmax: ``dx = y * (dy - sum(dy * y))``.

    The same as ``softmax_derivative(x) @ dy`` per row, without forming the
    K x K Jacobian.

    Parameters
    ----------
    dy : array_like
        Sensitivity at the softmax output.
    y : array_like, same shape
        The softmax output of the forward pass.

    Examples
    --------
    >>> softmax_backward([1.0, 0.0], [0.5, 0.5])
    array([ 0.25, -0.25])
    """
    dy = real_array(dy, "dy", ndim=range(1, 33))
    y = real_array(y, "y", ndim=range(1, 33))
    if dy.shape != y.shape:
        fail("dy", f"of the same shape as y {y.shape}", dy, given=f"shape {dy.shape}")
    axis = _axis(axis, y.ndim)
    return y * (dy - (dy * y).sum(axis=axis, keepdims=True))
