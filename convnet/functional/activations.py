"""Transfer (activation) functions, their derivatives and backward passes: the public face.

Each ``f`` has a ``f_derivative(n)`` giving ``f'(n)`` at the net input ``n``
(Eq. 8.51) and a ``f_backward(dz, n)`` that backpropagates across it, the
Hadamard product of Eq. 8.52-8.53::

    dN = f'(N) ∘ dA

All functions work elementwise on arrays of any shape (softmax along one
axis), keep float32 as float32, and stay finite for inputs as large as
±1e4 in either precision.  Each call goes to the selected engine
(:mod:`convnet.functional.engines`); the code is in
:mod:`convnet.functional.plain.activations`.
"""

from __future__ import annotations

from .engines import implementation

__all__ = [
    "relu", "relu_derivative", "relu_backward",
    "leaky_relu", "leaky_relu_derivative", "leaky_relu_backward",
    "sigmoid", "sigmoid_derivative", "sigmoid_backward",
    "tanh", "tanh_derivative", "tanh_backward",
    "softmax", "softmax_derivative", "softmax_backward", "log_softmax",
]


def relu(x):
    """Rectified linear unit ``max(n, 0)`` (Goodfellow sheet, exercise 3(b)).

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    return implementation().relu(x)


def relu_derivative(x):
    """``1`` where ``n > 0``, else ``0`` (the value at 0 is taken as 0, as PyTorch does).

    Examples
    --------
    >>> relu_derivative([-2.0, 0.0, 3.0])
    array([0., 0., 1.])
    """
    return implementation().relu_derivative(x)


def relu_backward(dz, x):
    """Backpropagate across ReLU (Eq. 8.53): ``dN = relu'(N) ∘ dA``.

    Parameters
    ----------
    dz : array_like
        dA, the sensitivity at the ReLU's output.
    x : array_like, same shape
        N, the net input the forward pass received.

    Returns
    -------
    ndarray: ``dz`` where ``x > 0``, exactly 0 elsewhere (also where ``dz``
    is inf; the derivative at 0 is taken as 0, as PyTorch does).

    Examples
    --------
    >>> relu_backward([5.0, 5.0, 5.0], [-1.0, 0.0, 2.0])
    array([0., 0., 5.])
    """
    return implementation().relu_backward(dz, x)


def leaky_relu(x, negative_slope=0.01):
    """``n`` for ``n > 0``, ``negative_slope * n`` otherwise.

    Examples
    --------
    >>> leaky_relu([-2.0, 3.0], negative_slope=0.1)
    array([-0.2,  3. ])
    """
    return implementation().leaky_relu(x, negative_slope)


def leaky_relu_derivative(x, negative_slope=0.01):
    """``1`` for ``n > 0``, ``negative_slope`` otherwise.

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 3.0], negative_slope=0.1)
    array([0.1, 1. ])
    """
    return implementation().leaky_relu_derivative(x, negative_slope)


def leaky_relu_backward(dz, x, negative_slope=0.01):
    """Backpropagate across leaky ReLU (Eq. 8.53): ``dz`` for ``x > 0``, else ``slope * dz``.

    Examples
    --------
    >>> leaky_relu_backward([10.0, 10.0], [-1.0, 2.0], negative_slope=0.1)
    array([ 1., 10.])
    """
    return implementation().leaky_relu_backward(dz, x, negative_slope)


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
    return implementation().sigmoid(x)


def sigmoid_derivative(x):
    """``sigma(n) * (1 - sigma(n))``, which vanishes when the sigmoid saturates.

    Examples
    --------
    >>> sigmoid_derivative([0.0])
    array([0.25])
    """
    return implementation().sigmoid_derivative(x)


def sigmoid_backward(dz, x):
    """Backpropagate across the sigmoid (Eq. 8.53): ``sigma(x) (1 - sigma(x)) ∘ dz``.

    Examples
    --------
    >>> sigmoid_backward([4.0], [0.0])     # sigma'(0) = 1/4
    array([1.])
    """
    return implementation().sigmoid_backward(dz, x)


def tanh(x):
    """Hyperbolic tangent.

    Examples
    --------
    >>> tanh([0.0])
    array([0.])
    """
    return implementation().tanh(x)


def tanh_derivative(x):
    """``1 - tanh(n)**2``.

    Examples
    --------
    >>> tanh_derivative([0.0])
    array([1.])
    """
    return implementation().tanh_derivative(x)


def tanh_backward(dz, x):
    """Backpropagate across tanh (Eq. 8.53): ``(1 - tanh(x)**2) ∘ dz``.

    Examples
    --------
    >>> tanh_backward([3.0], [0.0])
    array([3.])
    """
    return implementation().tanh_backward(dz, x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the maximum for stability.

    Examples
    --------
    >>> softmax([1e4, 0.0])
    array([1., 0.])
    >>> np.round(softmax([[1.0, 2.0, 3.0]]), 4)
    array([[0.09  , 0.2447, 0.6652]])
    """
    return implementation().softmax(x, axis)


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
    return implementation().softmax_derivative(x)


def softmax_backward(dz, x, axis=-1):
    """Backpropagate across softmax: ``dx = y ∘ (dz - sum(dz ∘ y))`` with ``y = softmax(x)``.

    The same as ``softmax_derivative(x) @ dz`` per row (the vector-Jacobian
    product), without forming the K x K Jacobian.

    Parameters
    ----------
    dz : array_like of shape (..., K)
        Sensitivity at the softmax output.
    x : array_like, same shape
        The input the forward pass received.
    axis : int, default -1

    Examples
    --------
    >>> softmax_backward([1.0, 0.0], [0.0, 0.0])
    array([ 0.25, -0.25])
    """
    return implementation().softmax_backward(dz, x, axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` by the log-sum-exp trick: ``x - max - log(sum(exp(x - max)))``.

    Examples
    --------
    >>> np.round(log_softmax([0.0, 0.0]), 4)
    array([-0.6931, -0.6931])
    """
    return implementation().log_softmax(x, axis)
