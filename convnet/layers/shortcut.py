"""He et al.'s parameter-free shortcut (option A): subsample, then pad with zero maps.

A residual block that halves the maps and doubles their number needs a
shortcut of the new shape.  Option A of He et al. (2016, §3.3 and §4.2, the
CIFAR-10 networks) uses no weights: keep every ``stride``-th pixel of each
map and append maps of zeros.  (Option B, a 1x1 convolution with stride,
is ``Residual(..., shortcut=[Conv2D(C, F, 1, stride=2), BatchNorm2D(F)])``.)
"""

from __future__ import annotations

import numpy as np

from .._validate import fail, int_pair, integer
from .base import Layer

__all__ = ["ZeroPadShortcut"]


class ZeroPadShortcut(Layer):
    """The identity shortcut of a block that changes the shape: x subsampled, then zero maps.

    ``y[n, c, i, j] = x[n, c, i*s, j*s]`` for the ``in_channels`` maps of
    ``x``, and ``y[n, c] = 0`` for the ``out_channels - in_channels`` maps
    appended after them.  No parameters; in a backward pass the extra maps'
    sensitivities are dropped and the others go back to the pixels they
    came from (the skipped pixels get zero).

    Parameters
    ----------
    in_channels, out_channels : int
        ``out_channels >= in_channels``.
    stride : int or (int, int), default 2

    Shape
    -----
    (N, C, H, W) -> (N, F, ceil(H / s), ceil(W / s)), F = ``out_channels``

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
    recognition", CVPR 2016, §3.3 (option A) and §4.2.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> ZeroPadShortcut(1, 2, stride=2).forward(x)
    array([[[[ 0.,  2.],
             [ 8., 10.]],
    <BLANKLINE>
            [[ 0.,  0.],
             [ 0.,  0.]]]])
    """

    def __init__(self, in_channels, out_channels, stride=2):
        super().__init__()
        self.in_channels = integer(in_channels, "in_channels", minimum=1)
        self.out_channels = integer(out_channels, "out_channels", minimum=1)
        if self.out_channels < self.in_channels:
            fail("out_channels", f"at least in_channels = {self.in_channels} (maps are only "
                 "appended)", out_channels)
        self.stride = int_pair(stride, "stride", minimum=1)

    def config(self):
        return dict(in_channels=self.in_channels, out_channels=self.out_channels,
                    stride=self.stride)

    def output_shape(self, input_shape):
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            fail("input_shape", f"(C, H, W) with C = {self.in_channels}", tuple(input_shape))
        (sh, sw), (_, h, w) = self.stride, input_shape
        return (self.out_channels, -(-h // sh), -(-w // sw))

    def forward(self, x):
        x = self._input(x, ndim=4, layout="(N, C, H, W)")
        if x.shape[1] != self.in_channels:
            fail("x", f"of shape (N, {self.in_channels}, H, W) for {self!r}", x,
                 given=f"shape {x.shape}")
        sh, sw = self.stride
        kept = x[:, :, ::sh, ::sw]                                  # (N, C, Ho, Wo), Eq. B.6
        # y and dx keep the memory order of x and dy (zeros_like's order "K"): channels first
        # in a network of the fast engine's convolutions, whose next passes then run in order.
        y = np.zeros_like(x, shape=(x.shape[0], self.out_channels, *kept.shape[2:]))
        y[:, :self.in_channels] = kept                                    # (N, F, Ho, Wo)
        self._keep((x.shape, x.dtype))
        return y

    def backward(self, dy):
        shape, dtype = self._saved()
        (sh, sw), (n, c, h, w) = self.stride, shape
        dy = self._grad_output(dy, (n, self.out_channels, -(-h // sh), -(-w // sw)), dtype)
        dx = np.zeros_like(dy, shape=shape)                            # (N, C, H, W)
        dx[:, :, ::sh, ::sw] = dy[:, :c]      # Eq. B.7: the appended maps depend on no input
        return dx
