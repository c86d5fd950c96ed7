"""Pooling layers: max (Eq. 8.24), average (Eq. 8.22) and global average."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._validate import int_pair
from ..geometry import canonical_padding, output_shape2d
from ..window import padding_limit
from ..functional import inferring
from .base import Layer
from .conv import _chw

__all__ = ["MaxPool2D", "AvgPool2D", "GlobalAvgPool2D"]


class _Pool2D(Layer):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else int_pair(stride, "stride",
                                                                       minimum=1)
        padding_limit(padding, self.kernel_size)  # validates
        self.padding = canonical_padding(padding)

    def config(self):
        return dict(kernel_size=self.kernel_size, stride=self.stride, padding=self.padding)

    def output_shape(self, input_shape):
        channels, height, width = _chw(input_shape, type(self).__name__)
        return (channels, *output_shape2d((height, width), self.kernel_size, self.stride,
                                          self.padding))

    def _pool(self, pool, x):
        """The functional forward ``pool`` with its record; the previous record is let go first."""
        x = self._input(x, ndim=4)
        if inferring():
            return pool(x, self.kernel_size, self.stride, self.padding)
        self._cache = None
        z, saved = pool(x, self.kernel_size, self.stride, self.padding, return_saved=True)
        self._cache = (x, saved, z.shape)
        return z

    def _unpool(self, pool_backward, dy):
        x, saved, z_shape = self._saved()
        dy = self._grad_output(dy, z_shape, x.dtype)
        return pool_backward(dy, x, self.kernel_size, self.stride, self.padding, saved=saved)


class MaxPool2D(_Pool2D):
    """Max pooling layer (Eq. 8.24); no trainable parameters.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or pair, default 0
        -inf padding, at most half the kernel.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo), ``Ho = floor((H + 2p - k) / s) + 1``.

    Examples
    --------
    >>> MaxPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def forward(self, x):
        return self._pool(F.max_pool2d, x)                 # Eq. 8.24

    def backward(self, dy):
        return self._unpool(F.max_pool2d_backward, dy)     # E8.8


class AvgPool2D(_Pool2D):
    """Average pooling layer (Eq. 8.22 with w = 1/(kh*kw)); no trainable parameters.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or pair, default 0
        Zero padding, counted in the mean.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo), ``Ho = floor((H + 2p - k) / s) + 1``.

    Examples
    --------
    >>> AvgPool2D(2).forward(np.arange(1.0, 17.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 3.5,  5.5],
           [11.5, 13.5]])
    """

    def forward(self, x):
        return self._pool(F.avg_pool2d, x)                 # Eq. 8.22

    def backward(self, dy):
        return self._unpool(F.avg_pool2d_backward, dy)     # P8.3


class GlobalAvgPool2D(Layer):
    """Average of every whole feature map: (N, C, H, W) -> (N, C).

    The pooling window is the whole map, like the chapter's bias gradient
    ``db = ⊞_{S_r,S_c} dN`` (Eq. 8.37) scaled to a mean.  The output is a
    vector per sample, ready for a :class:`Dense` layer.

    Shape
    -----
    (N, C, H, W) -> (N, C)

    Examples
    --------
    >>> GlobalAvgPool2D().forward(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[1.5, 5.5]])
    """

    def output_shape(self, input_shape):
        return (_chw(input_shape, type(self).__name__)[0],)

    def forward(self, x):
        x = self._input(x, ndim=4)
        self._keep((x.shape, x.dtype))
        return x.mean(axis=(2, 3))  # (N, C)

    def backward(self, dy):
        x_shape, dtype = self._saved()
        dy = self._grad_output(dy, x_shape[:2], dtype)
        share = dy / (x_shape[2] * x_shape[3])                                 # (N, C)
        return np.broadcast_to(share[:, :, None, None], x_shape).copy()      # (N, C, H, W)
