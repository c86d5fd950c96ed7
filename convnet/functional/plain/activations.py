"""The plain tier's transfer (activation) functions, their derivatives and backward passes.

Each ``f`` has a ``f_derivative(n)`` giving ``f'(n)`` at the net input ``n``
(Eq. 8.51), so that backpropagating across the transfer function is the
Hadamard product of Eq. 8.52-8.53::

    dN = f'(N) ∘ dA

All functions work elementwise on arrays of any shape (softmax along one
axis), keep float32 as float32, and stay finite for inputs as large as
±1e4 in either precision.  The examples are in :mod:`convnet.functional.activations`.
"""

from __future__ import annotations

import numpy as np

from ..._checks import (axis_arg, elementwise_arg, elementwise_pair, jacobian_arg, slope_arg,
                        softmax_arg)

__all__ = [
    "relu", "relu_derivative", "relu_backward",
    "leaky_relu", "leaky_relu_derivative", "leaky_relu_backward",
    "sigmoid", "sigmoid_derivative", "sigmoid_backward",
    "tanh", "tanh_derivative", "tanh_backward",
    "softmax", "softmax_derivative", "softmax_backward", "log_softmax",
]


def relu(x):
    """Rectified linear unit ``max(n, 0)`` (Goodfellow sheet, exercise 3(b))."""
    x = elementwise_arg(x)
    return np.maximum(x, x.dtype.type(0))


def relu_derivative(x):
    """``1`` where ``n > 0``, else ``0`` (the value at 0 is taken as 0, as PyTorch does)."""
    x = elementwise_arg(x)
    return (x > 0).astype(x.dtype)                   # f'(n), Eq. 8.51


def leaky_relu(x, negative_slope=0.01):
    """``n`` for ``n > 0``, ``negative_slope * n`` otherwise."""
    x = elementwise_arg(x)
    slope = x.dtype.type(slope_arg(negative_slope))
    return np.where(x > 0, x, slope * x)


def leaky_relu_derivative(x, negative_slope=0.01):
    """``1`` for ``n > 0``, ``negative_slope`` otherwise."""
    x = elementwise_arg(x)
    slope = slope_arg(negative_slope)
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(slope))      # f'(n), Eq. 8.51


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-n))``, computed without overflow.

    For ``n >= 0`` it evaluates ``1 / (1 + e)`` and for ``n < 0`` ``e / (1 + e)``
    with ``e = exp(-|n|) <= 1``, so no exponential ever overflows.
    """
    x = elementwise_arg(x)
    e = np.exp(-np.abs(x))                     # in (0, 1]
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_derivative(x):
    """``sigma(n) * (1 - sigma(n))``, which vanishes when the sigmoid saturates."""
    s = sigmoid(x)
    return s * (1 - s)                               # f'(n), Eq. 8.51


def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(elementwise_arg(x))


def tanh_derivative(x):
    """``1 - tanh(n)**2``."""
    t = tanh(x)
    return 1 - t * t                                 # f'(n), Eq. 8.51


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` by the log-sum-exp trick: ``x - max - log(sum(exp(x - max)))``."""
    x, axis = softmax_arg(x, axis)
    with np.errstate(over="ignore"):   # a span beyond the float range gives -inf: log p -> -inf
        shifted = x - x.max(axis=axis, keepdims=True)   # the largest entry becomes 0
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the maximum for stability."""
    x, axis = softmax_arg(x, axis)
    with np.errstate(over="ignore"):   # a span beyond the float range gives exp(-inf) = 0
        e = np.exp(x - x.max(axis=axis, keepdims=True))  # every entry in [0, 1]
    return e / e.sum(axis=axis, keepdims=True)


def softmax_derivative(x):
    """The Jacobian of softmax over the last axis, (..., K, K): ``diag(s) - s s^T`` per row."""
    s = softmax(jacobian_arg(x), axis=-1)
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


def softmax_backward(dz, x, axis=-1):
    """Eq. 8.53 across softmax, without the K x K Jacobian: ``dx = y ∘ (dz - sum(dz ∘ y))``.

    ``y = softmax(x)``; per row this is ``softmax_derivative(x) @ dz``.
    """
    dz, x = elementwise_pair(dz, x)
    y = softmax(x, axis)
    return y * (dz - (dz * y).sum(axis=axis_arg(axis, y.ndim), keepdims=True))


# --------------------------------------------------------------------------
# Backward passes: Eq. 8.52-8.53, dN = f'(N) ∘ dA
# --------------------------------------------------------------------------

def relu_backward(dz, x):
    """Eq. 8.53 across ReLU: ``dz`` where ``x > 0``, exactly 0 elsewhere (also for inf dz)."""
    dz, x = elementwise_pair(dz, x)
    return np.where(x > 0, dz, dz.dtype.type(0))       # Eq. 8.53: relu'(n) ∘ dA, relu'(0) = 0


def leaky_relu_backward(dz, x, negative_slope=0.01):
    """Eq. 8.53 across leaky ReLU: ``dz`` where ``x > 0``, ``negative_slope * dz`` elsewhere."""
    dz, x = elementwise_pair(dz, x)
    slope = dz.dtype.type(slope_arg(negative_slope))
    return np.where(x > 0, dz, slope * dz)             # Eq. 8.53: f'(n) ∘ dA


def sigmoid_backward(dz, x):
    """Eq. 8.53 across the sigmoid: ``sigma(x) (1 - sigma(x)) ∘ dz``."""
    dz, x = elementwise_pair(dz, x)
    s = sigmoid(x)
    return s * (1 - s) * dz                            # Eq. 8.53: sigma'(n) ∘ dA


def tanh_backward(dz, x):
    """Eq. 8.53 across tanh: ``(1 - tanh(x)**2) ∘ dz``."""
    dz, x = elementwise_pair(dz, x)
    t = np.tanh(x)
    return (1 - t * t) * dz                            # Eq. 8.53: tanh'(n) ∘ dA
