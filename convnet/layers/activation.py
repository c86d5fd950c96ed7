"""Transfer-function layers; backward is the Hadamard product of Eq. 8.53."""

from __future__ import annotations

from .. import functional as F
from .._validate import integer, real_number
from .base import Layer

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax"]


class _Elementwise(Layer):
    """A transfer function: forward keeps its input n, backward is Eq. 8.53."""

    def _net_input(self, x):
        """``x`` checked, and kept for the backward pass (Eq. 8.53 needs the net input n)."""
        n = self._input(x)
        self._keep(n)
        return n

    def _grad(self, dy):
        n = self._saved()
        return self._grad_output(dy, n.shape, n.dtype), n

    def output_shape(self, input_shape):
        return tuple(input_shape)                   # elementwise: the shape is kept


class ReLU(_Elementwise):
    """``max(n, 0)``; backward ``dN = relu'(N) ∘ dA`` (Eq. 8.53).

    Examples
    --------
    >>> ReLU().forward(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def forward(self, x):
        return F.relu(self._net_input(x))                # max(n, 0)

    def backward(self, dy):
        dy, n = self._grad(dy)
        return F.relu_backward(dy, n)               # relu'(N) ∘ dA, Eq. 8.53


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
        return F.leaky_relu(self._net_input(x), self.negative_slope)

    def backward(self, dy):
        dy, n = self._grad(dy)
        return F.leaky_relu_backward(dy, n, self.negative_slope)      # Eq. 8.53


class Sigmoid(_Elementwise):
    """Logistic sigmoid; backward ``dN = sigma(N) (1 - sigma(N)) ∘ dA`` (Eq. 8.51-8.53).

    Examples
    --------
    >>> Sigmoid().forward(np.array([0.0]))
    array([0.5])
    """

    def forward(self, x):
        return F.sigmoid(self._net_input(x))

    def backward(self, dy):
        dy, n = self._grad(dy)
        return F.sigmoid_backward(dy, n)          # sigmoid'(n) ∘ dA, Eq. 8.51-8.53


class Tanh(_Elementwise):
    """Hyperbolic tangent; backward ``dN = (1 - tanh(N)^2) ∘ dA`` (Eq. 8.51-8.53).

    Examples
    --------
    >>> Tanh().forward(np.array([0.0]))
    array([0.])
    """

    def forward(self, x):
        return F.tanh(self._net_input(x))

    def backward(self, dy):
        dy, n = self._grad(dy)
        return F.tanh_backward(dy, n)             # tanh'(n) ∘ dA, Eq. 8.51-8.53


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

    def output_shape(self, input_shape):
        return tuple(input_shape)                   # elementwise: the shape is kept

    def forward(self, x):
        x = self._input(x)
        y = F.softmax(x, axis=self.axis)
        self._keep(x)
        return y

    def backward(self, dy):
        x = self._saved()
        dy = self._grad_output(dy, x.shape, x.dtype)
        return F.softmax_backward(dy, x, axis=self.axis)
