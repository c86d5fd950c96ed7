"""Transfer-function layers; backward is the Hadamard product of Eq. 8.53."""

from __future__ import annotations

import numpy as np

from .._validate import integer, real_number
from ..functional import activations as act
from ..functional._im2col import new_array
from .base import Layer

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax"]


class _Elementwise(Layer):
    def _grad(self, dy, reference):
        return self._grad_output(dy, reference.shape, reference.dtype)


class ReLU(_Elementwise):
    """``max(n, 0)``; backward ``dN = relu'(N) ∘ dA`` (Eq. 8.53).

    Examples
    --------
    >>> ReLU().forward(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def forward(self, x):
        n = self._input(x)
        self._cache = n
        a = self._new("output", n.shape, n.dtype, like=n)        # stored like n
        return np.maximum(n, n.dtype.type(0), out=a)              # max(n, 0)

    def backward(self, dy):
        n = self._saved()
        dy = self._grad(dy, n)
        active = np.greater(n, 0, out=new_array(self._workspace, "mask", n.shape, bool, like=n))
        dn = self._new("input gradient", n.shape, n.dtype, like=n)
        return np.multiply(dy, active, out=dn)  # relu'(N) ∘ dA, Eq. 8.53 (relu' = 1 where n > 0)


class LeakyReLU(_Elementwise):
    """``n`` for n > 0, else ``negative_slope * n``; backward by Eq. 8.53.

    Examples
    --------
    >>> LeakyReLU(0.1).forward(np.array([-1.0, 2.0]))
    array([-0.1,  2. ])
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = real_number(negative_slope, "negative_slope")

    def config(self):
        return dict(negative_slope=self.negative_slope)

    def forward(self, x):
        n = self._input(x)
        self._cache = n
        return act.leaky_relu(n, self.negative_slope)

    def backward(self, dy):
        n = self._saved()
        return act.leaky_relu_derivative(n, self.negative_slope) * self._grad(dy, n)


class Sigmoid(_Elementwise):
    """Logistic sigmoid; ``f'(n) = a (1 - a)`` from the stored output a.

    Examples
    --------
    >>> Sigmoid().forward(np.array([0.0]))
    array([0.5])
    """

    def forward(self, x):
        a = act.sigmoid(self._input(x))
        self._cache = a
        return a

    def backward(self, dy):
        a = self._saved()
        return a * (1 - a) * self._grad(dy, a)  # sigmoid'(n) ∘ dA, Eq. 8.51-8.53


class Tanh(_Elementwise):
    """Hyperbolic tangent; ``f'(n) = 1 - a^2`` from the stored output a.

    Examples
    --------
    >>> Tanh().forward(np.array([0.0]))
    array([0.])
    """

    def forward(self, x):
        a = act.tanh(self._input(x))
        self._cache = a
        return a

    def backward(self, dy):
        a = self._saved()
        return (1 - a * a) * self._grad(dy, a)  # tanh'(n) ∘ dA, Eq. 8.51-8.53


class Softmax(Layer):
    """Softmax over the class axis (axis 1 by default).

    For training a classifier, prefer giving the logits to
    :class:`convnet.losses.SoftmaxCrossEntropy`, which fuses both steps and
    is stable; this layer is for looking at probabilities.

    Examples
    --------
    >>> Softmax().forward(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """

    def __init__(self, axis=1):
        super().__init__()
        self.axis = integer(axis, "axis")

    def config(self):
        return dict(axis=self.axis)

    def forward(self, x):
        y = act.softmax(self._input(x), axis=self.axis)
        self._cache = y
        return y

    def backward(self, dy):
        y = self._saved()
        dy = self._grad_output(dy, y.shape, y.dtype)
        return act.softmax_backward(dy, y, axis=self.axis)
