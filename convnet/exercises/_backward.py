"""The backward sheets: through a convolution layer, through pooling, and a layer of one's own."""

from __future__ import annotations

from ._forward import _HOW
from ._sheet import Exercise, Sheet, checker_call

__all__ = ["CONV_BACKWARD", "POOL_BACKWARD", "OWN_LAYER"]

CONV_BACKWARD = Sheet(
    name="conv-backward",
    title="Backpropagation through a convolution layer (Eq. 8.36-8.48)",
    module="conv_backward",
    stubs='''"""Exercise sheet: the gradients of a convolution layer.

The forward pass was z = conv2d(x, w, b, stride, padding) (Eq. 8.20), NCHW:
x of shape (N, C, H, W), w of shape (F, C, kh, kw), b of shape (F,).  Given
dz = dL/dz, of z's shape (N, F, Ho, Wo), return the gradients of the loss L.
Run `pytest` in this folder to check your work.
"""

import numpy as np


def conv2d_backward(dz, x, w, stride=1, padding=0):
    """dx, dw and db of z = conv2d(x, w, b, stride, padding).

    db[f]          = sum over n, m, q of dz[n, f, m, q]                     (Eq. 8.36)
    dx[n, c]       = sum over f of the *full* correlation of dz[n, f]
                     with rot180(w[f, c]), the padding cut off again        (Eq. 8.44-8.45)
                     (with stride s > 1: first put s - 1 zeros between the
                     entries of dz, the windows the stride skipped)
    dw[f, c, i, j] = sum over n, m, q of dz[n, f, m, q] * xp[n, c, m*s + i, q*s + j]
                     (x correlated with dz)                                 (Eq. 8.47-8.48)

    Parameters
    ----------
    dz : ndarray of shape (N, F, Ho, Wo)
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, kh, kw)
    stride, padding : int
        As in the forward pass.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, kh, kw)
    db : ndarray of shape (F,)
    """
    raise NotImplementedError("conv2d_backward: implement db (Eq. 8.36), dx as the full "
                              "correlation of dz with rot180(w) (Eq. 8.44-8.45) and dw as x "
                              "correlated with dz (Eq. 8.47-8.48)")
''',
    solution='''"""conv_backward.py, filled with the library's own function (a solution key)."""

from convnet.functional import conv2d_backward
''',
    exercises=(Exercise("conv2d_backward", "Eq. 8.36, 8.44-8.48",
                        checker_call("check_conv2d_backward", "conv2d_backward",
                                     "dz, x, w, stride, padding")),),
    readme="""# Backpropagation through a convolution layer

`conv2d_backward(dz, x, w, stride, padding)` returns `(dx, dw, db)`:

* `db`: the sum of dz over the batch and every position (Eq. 8.36, a tied bias);
* `dx`: the full correlation of dz with `rot180(w)`, summed over the filters
  (Eq. 8.44-8.45); with a stride, dz is first dilated with zeros;
* `dw`: the input correlated with dz (Eq. 8.47-8.48).

The check compares with the library and with central differences; a wrong
gradient is named when it matches a classic mistake (rot180 missing, dz not
dilated for stride > 1, dw transposed or rotated, db summed over the wrong axes).
""" + _HOW.format(module="conv_backward"))


POOL_BACKWARD = Sheet(
    name="pool-backward",
    title="Backpropagation through pooling (P8.3, P8.4, E8.8)",
    module="pool_backward",
    stubs='''"""Exercise sheet: the input gradients of max and average pooling.

The forward pass was z = max_pool2d(x, kernel_size, stride) or avg_pool2d(...),
NCHW: x of shape (N, C, H, W).  Given dz = dL/dz, of z's shape, return dx =
dL/dx, of x's shape.  Run `pytest` in this folder to check your work.
"""

import numpy as np


def max_pool2d_backward(dz, x, kernel_size, stride=None):
    """Route each dz entry to the maximum of its window (E8.8).

    dx[n, c, i, j] = sum of dz[n, c, m, q] over the windows (m, q) whose maximum
    is x[n, c, i, j]; every other entry of dx is 0.  Where a window holds its
    maximum twice, the gradient goes to the first one (row by row), as the
    library and PyTorch do.

    Parameters
    ----------
    dz : ndarray of shape (N, C, Ho, Wo)
    x : ndarray of shape (N, C, H, W)
    kernel_size : int
    stride : int or None
        None: the window size.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    """
    raise NotImplementedError("max_pool2d_backward: implement E8.8, each dz entry sent to the "
                              "(first) maximum of its window, zeros elsewhere")


def avg_pool2d_backward(dz, x, kernel_size, stride=None):
    """Spread each dz entry evenly over its window (P8.3).

    dx[n, c, i, j] = sum over the windows (m, q) that contain (i, j) of
    dz[n, c, m, q] / kernel_size**2: each dz entry expanded to a window-sized block.

    Parameters and return as :func:`max_pool2d_backward`.
    """
    raise NotImplementedError("avg_pool2d_backward: implement P8.3, each dz entry divided by "
                              "the window size and added to every entry of its window")
''',
    solution='''"""pool_backward.py, filled with the library's own functions (a solution key)."""

from convnet.functional import avg_pool2d_backward, max_pool2d_backward
''',
    exercises=(Exercise("max_pool2d_backward", "E8.8",
                        checker_call("check_pool_backward", "max_pool2d_backward",
                                     "dz, x, kernel_size, stride", '"max"')),
               Exercise("avg_pool2d_backward", "P8.3, P8.4",
                        checker_call("check_pool_backward", "avg_pool2d_backward",
                                     "dz, x, kernel_size, stride", '"avg"'))),
    readme="""# Backpropagation through pooling

1. `max_pool2d_backward(dz, x, kernel_size, stride)`: each dz entry goes to
   the maximum of its window (E8.8; the first one where the maximum is tied).
2. `avg_pool2d_backward(dz, x, kernel_size, stride)`: each dz entry is spread
   evenly over its window (P8.3; P8.4 is the gradient of the pooling weight
   that this gives).
""" + _HOW.format(module="pool_backward"))


_IN_SEQUENTIAL = """\
model = convnet.Sequential(convnet.layers.Conv2D(1, 3, 3, rng=0, dtype=np.float64),
                           solution.ChannelScale(3), convnet.layers.ReLU())
row = model.summary((1, 6, 6)).rows[2]
assert row[1:] == ((3, 4, 4), 3), (f"ChannelScale's summary row is {row}; expected "
                                   "shape (3, 4, 4) and 3 parameters")
x = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
report = convnet.gradcheck.check_gradients(model, x)
assert report.passed, f"the gradients inside Sequential:\\n{report}"
with tempfile.TemporaryDirectory() as folder:
    model.save(f"{folder}/model.npz")
    again = convnet.load(f"{folder}/model.npz")
assert np.allclose(again.forward(x), model.forward(x)), "the loaded model computes other numbers"
"""

OWN_LAYER = Sheet(
    name="own-layer",
    title="A layer of one's own inside Sequential (the Layer protocol)",
    module="own_layer",
    stubs='''"""Exercise sheet: a layer of your own, trained inside convnet.Sequential.

ChannelScale multiplies every channel by a trained gain: y[n, c, i, j] =
g[c] * x[n, c, i, j].  Write the methods of the Layer protocol (see
docs/exercises.md): forward, backward (filling self.grads), output_shape and
config.  Run `pytest` in this folder to check your work.
"""

import numpy as np

import convnet
from convnet.layers import Layer


@convnet.register_layer          # lets convnet.load rebuild it from a model file
class ChannelScale(Layer):
    """y[n, c, i, j] = g[c] * x[n, c, i, j], one trained gain per channel (g starts at 1).

    Parameters
    ----------
    channels : int
        The number of channels C of the input (N, C, H, W).
    dtype : numpy float dtype
        Of the gain g, params["weight"], of shape (C,).
    """

    def __init__(self, channels, dtype=np.float64):
        super().__init__()
        self.channels = channels
        self.params["weight"] = np.ones(channels, dtype=dtype)          # g, (C,)

    def forward(self, x):
        """y = g[c] * x for every channel c; keep what backward needs (self._keep(x))."""
        raise NotImplementedError("ChannelScale.forward: y[n, c] = g[c] * x[n, c]; keep x "
                                  "for the backward pass (self._keep(x))")

    def backward(self, dy):
        """Fill self.grads["weight"] with dL/dg, return dL/dx (the chain rule, Eq. 8.29).

        dL/dg[c] = sum over n, i, j of dy[n, c, i, j] * x[n, c, i, j]
        dL/dx[n, c, i, j] = g[c] * dy[n, c, i, j]
        """
        raise NotImplementedError("ChannelScale.backward: dg[c] = sum of dy * x over n, i, j "
                                  "into self.grads['weight']; return g[c] * dy (the chain rule, "
                                  "Eq. 8.29)")

    def output_shape(self, input_shape):
        """The shape of one output sample for one input sample (C, H, W), without a forward pass."""
        raise NotImplementedError("ChannelScale.output_shape: the shape of one output sample "
                                  "for the input sample shape (C, H, W)")

    def config(self):
        """The constructor arguments that rebuild this layer (saved in model files)."""
        raise NotImplementedError("ChannelScale.config: return the constructor arguments, "
                                  "{'channels': ...}")
''',
    solution='''"""own_layer.py, filled (a solution key)."""

import numpy as np

import convnet
from convnet.layers import Layer


@convnet.register_layer
class ChannelScale(Layer):
    """y[n, c, i, j] = g[c] * x[n, c, i, j], one trained gain per channel."""

    def __init__(self, channels, dtype=np.float64):
        super().__init__()
        self.channels = channels
        self.params["weight"] = np.ones(channels, dtype=dtype)          # g, (C,)

    def forward(self, x):
        self._keep(x)
        return x * self.params["weight"][None, :, None, None]          # (N, C, H, W)

    def backward(self, dy):
        x = self._saved()
        self.grads["weight"] = (dy * x).sum(axis=(0, 2, 3))             # (C,)
        return dy * self.params["weight"][None, :, None, None]          # (N, C, H, W)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def config(self):
        return {"channels": self.channels}
''',
    exercises=(Exercise("ChannelScale", "the Layer protocol, Eq. 8.29",
                        "testing.check_layer(lambda: solution.ChannelScale(3), (3, 5, 5))"),
               Exercise("inside Sequential", "summary, save and load", _IN_SEQUENTIAL)),
    readme="""# A layer of one's own inside `Sequential`

`ChannelScale` multiplies every channel by a trained gain. Write the four
methods of the Layer protocol:

* `forward(x)`: the output; keep what backward needs (`self._keep(x)`);
* `backward(dy)`: fill `self.grads["weight"]` and return the input gradient;
* `output_shape(input_shape)`: the shape of one output sample, so that
  `model.summary(...)` can print the layer's row without a forward pass;
* `config()`: the constructor arguments, so that `model.save` and
  `convnet.load` (with `convnet.register_layer`) can rebuild the layer.

The check runs your layer's forward and backward against central differences
in float64, checks `output_shape` against the forward pass and the names of
`params` and `grads`, then does the same inside a `Sequential`.
""" + _HOW.format(module="own_layer"))
