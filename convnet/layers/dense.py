"""Dense (fully connected), Flatten and Dropout layers."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._budget import refuse_beyond_budget
from .._validate import fail, generator, integer, one_of, real_number
from .base import Layer, check_dtype
from .init import initial_bias, initial_weights

__all__ = ["Dense", "Flatten", "Dropout"]


class Dense(Layer):
    """Fully connected layer ``y = x W^T + b`` (the standard multilayer network's layer).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    init : str, default "glorot" (Glorot uniform)
        Any name of :data:`convnet.layers.init.INITS` (``"he_normal"``,
        ``"he_uniform"``, ``"glorot_uniform"``, ``"glorot_normal"``,
        ``"lecun_normal"``, ``"zeros"``, ``"pytorch"``; ``"he"`` and
        ``"glorot"`` are the first and third); see
        :mod:`convnet.layers.init`.  ``"pytorch"`` is ``torch.nn.Linear``'s
        default and draws the bias too, from U(-1/sqrt(in_features),
        1/sqrt(in_features)); otherwise the bias starts at 0.
    rng : None, int or numpy.random.Generator
    dtype : float32 or float64, default float32

    Shape
    -----
    (N, in_features) -> (N, out_features); ``weight`` is (out_features,
    in_features) as in PyTorch.

    Examples
    --------
    >>> layer = Dense(3, 2, rng=0)
    >>> layer.params["weight"].shape, layer.forward(np.ones((5, 3))).shape
    ((2, 3), (5, 2))
    """

    def __init__(self, in_features, out_features, bias=True, init="glorot", rng=None,
                 dtype=np.float32):
        super().__init__()
        self.in_features = integer(in_features, "in_features", minimum=1)
        self.out_features = integer(out_features, "out_features", minimum=1)
        if not isinstance(bias, (bool, np.bool_)):
            fail("bias", "True or False", bias, error=TypeError)
        self.bias = bool(bias)
        self.dtype = check_dtype(dtype)
        count = self.in_features * self.out_features
        refuse_beyond_budget([("in_features", "the weights (out_features x in_features)",
                               count * np.dtype(self.dtype).itemsize)])
        rng = generator(rng)
        self.params["weight"] = initial_weights(
            (self.out_features, self.in_features), self.in_features, self.out_features, init,
            rng, self.dtype)
        if self.bias:
            self.params["bias"] = initial_bias(self.out_features, self.in_features, init, rng,
                                               self.dtype)

    def config(self):
        return dict(in_features=self.in_features, out_features=self.out_features, bias=self.bias)

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.in_features,):
            fail("input_shape", f"({self.in_features},) for {self!r}", input_shape,
                 given=f"{tuple(input_shape)}")
        return (self.out_features,)

    def forward(self, x):
        x = self._input(x, ndim=2, layout="(N, in_features)", dtype=self.dtype)
        if x.shape[1] != self.in_features:
            fail("x", f"of shape (N, {self.in_features}) for {self!r}", x,
                 given=f"shape {x.shape}")
        self._keep(x)
        return F.linear(x, self.params["weight"], self.params.get("bias"))  # (N, out)

    skips_input_gradient = True

    def backward(self, dy, input_gradient=True):
        x = self._saved()
        dy = self._grad_output(dy, (x.shape[0], self.out_features), self.dtype)
        dx, self.grads["weight"], db = F.linear_backward(dy, x, self.params["weight"], self.bias,
                                                         input_gradient=input_gradient)
        if self.bias:
            self.grads["bias"] = db
        return dx  # (N, in), or None


class Flatten(Layer):
    """Turn feature maps into one vector per sample, the chapter's conversion block.

    Parameters
    ----------
    order : {"C", "F"}, default "C"
        ``"C"``: row by row within each map, maps one after another, which is
        what ``torch.flatten(x, 1)`` and ``x.reshape(N, -1)`` give.
        ``"F"``: column by column within each map, maps one after another:
        ``vec(A)`` of Eq. 8.26.  Both hold the same numbers in a different
        order; a dense layer after them learns permuted weights.

    Shape
    -----
    (N, C, H, W) -> (N, C*H*W)

    Examples
    --------
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)     # the map [[0, 1], [2, 3]]
    >>> Flatten("C").forward(x), Flatten("F").forward(x)
    (array([[0., 1., 2., 3.]]), array([[0., 2., 1., 3.]]))
    """

    def __init__(self, order="C"):
        super().__init__()
        self.order = one_of(order, "order", ("C", "F"))

    def config(self):
        return dict(order=self.order)

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x):
        x = self._input(x, ndim=(2, 3, 4), layout="(N, ...) with up to 3 axes per sample")
        self._keep((x.shape, x.dtype))
        if self.order == "F" and x.ndim >= 3:
            x = np.swapaxes(x, -1, -2)   # columns become rows: Eq. 8.26 stacks columns
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        shape, dtype = self._saved()
        dy = self._grad_output(dy, (shape[0], int(np.prod(shape[1:]))), dtype)
        if self.order == "F" and len(shape) >= 3:
            swapped = (*shape[:-2], shape[-1], shape[-2])
            return np.ascontiguousarray(np.swapaxes(dy.reshape(swapped), -1, -2))
        return dy.reshape(shape)


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale by 1/(1-p).

    The scaling keeps the expected activation unchanged, so evaluation mode
    is simply the identity.

    Parameters
    ----------
    p : float in [0, 1), default 0.5
    rng : None, int or numpy.random.Generator
        Source of the masks; a seed makes them reproducible.

    Shape
    -----
    Any shape, unchanged.

    Examples
    --------
    >>> layer = Dropout(0.5, rng=0).eval()
    >>> layer.forward(np.ones(3))
    array([1., 1., 1.])
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        self.p = real_number(p, "p", minimum=0.0, maximum=1.0, inclusive=(True, False))
        self.rng = generator(rng)

    def config(self):
        return dict(p=self.p)

    def output_shape(self, input_shape):
        return tuple(input_shape)                   # elementwise: the shape is kept

    def forward(self, x):
        x = self._input(x)
        if not self._in_training() or self.p == 0.0:
            self._keep((x.shape, x.dtype, None))
            return x
        keep = self.rng.random(x.shape) >= self.p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        self._keep((x.shape, x.dtype, mask))
        return x * mask

    def backward(self, dy):
        shape, dtype, mask = self._saved()
        dy = self._grad_output(dy, shape, dtype)
        return dy if mask is None else dy * mask
