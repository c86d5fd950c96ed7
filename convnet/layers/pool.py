"""Pooling layers: max (Eq. 8.24), average (Eq. 8.22), adaptive (Eq. R.1-R.5) and global."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._checks_resample import adaptive_size
from .._checks import avg_options
from .._validate import boolean, int_pair
from ..geometry import canonical_padding, output_shape2d
from ..window import padding_limit
from .base import Layer
from .conv import _chw

__all__ = ["MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "GlobalMaxPool2D", "AdaptiveAvgPool2D",
           "AdaptiveMaxPool2D"]


class _Pool2D(Layer):
    dilation = (1, 1)                  # max pooling's may differ

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel_size = int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else int_pair(stride, "stride",
                                                                       minimum=1)
        padding_limit(padding, self.kernel_size)  # validates
        self.padding = canonical_padding(padding)
        self.ceil_mode = boolean(ceil_mode, "ceil_mode")

    def config(self):
        # ceil_mode only when set: files saved before it existed load with the default
        extra = dict(ceil_mode=True) if self.ceil_mode else {}
        return dict(kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                    **extra)

    def output_shape(self, input_shape):
        channels, height, width = _chw(input_shape, type(self).__name__)
        return (channels, *output_shape2d((height, width), self.kernel_size, self.stride,
                                          self.padding, self.dilation, self.ceil_mode))

    def _pool(self, pool, x):
        """The functional forward ``pool`` with its record; the previous record is let go first."""
        return self._forward_saving(pool, x, self.kernel_size, self.stride, self.padding,
                                    *self._options())

    def _unpool(self, pool_backward, dy):
        return self._backward_saved(pool_backward, dy, self.kernel_size, self.stride,
                                    self.padding, *self._options())


class MaxPool2D(_Pool2D):
    """Max pooling layer (Eq. 8.24); no trainable parameters.

    PyTorch's ``nn.MaxPool2d`` without ``return_indices``; as that one is
    PyTorch's fifth argument, ``ceil_mode`` is given by name here.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or pair, default 0
        -inf padding, at most half the kernel.
    dilation : int or (int, int), default 1
        The step between the window's pixels.
    ceil_mode : bool, default False
        Round the output size up: a last window hanging over the bottom/right
        edge pools the pixels it holds.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo), ``Ho = floor((H + 2p - d(k - 1) - 1) / s) + 1``; with
    ``ceil_mode`` ``ceil`` instead of ``floor``, one less if the last window
    would start in the bottom padding (:func:`convnet.geometry.output_size`).

    Examples
    --------
    >>> MaxPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, *, ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = int_pair(dilation, "dilation", minimum=1)

    def config(self):
        config = super().config()
        if self.dilation != (1, 1):                     # older files have no dilation
            config["dilation"] = self.dilation
        return config

    def _options(self) -> tuple:
        return self.dilation, self.ceil_mode

    def forward(self, x):
        return self._pool(F.max_pool2d, x)                 # Eq. 8.24

    def backward(self, dy):
        return self._unpool(F.max_pool2d_backward, dy)     # E8.8


class AvgPool2D(_Pool2D):
    """Average pooling layer (Eq. 8.22 with w = 1/(kh*kw)); no trainable parameters.

    PyTorch's ``nn.AvgPool2d``; the divisor is :func:`convnet.functional.avg_pool2d`'s.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or pair, default 0
        Zero padding.
    ceil_mode : bool, default False
        Round the output size up: a last window hanging over the bottom/right
        edge averages the pixels (and padding) it holds.
    count_include_pad : bool, default True
        Whether the padded zeros count in the divisor.
    divisor_override : int >= 1, optional
        Divide every window's sum by this number instead.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo), ``Ho = floor((H + 2p - k) / s) + 1``; with
    ``ceil_mode`` ``ceil`` instead of ``floor``, one less if the last window
    would start in the bottom padding (:func:`convnet.geometry.output_size`).

    Examples
    --------
    >>> AvgPool2D(2).forward(np.arange(1.0, 17.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 3.5,  5.5],
           [11.5, 13.5]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad, self.divisor_override = avg_options(count_include_pad,
                                                                    divisor_override)

    def config(self):
        # The divisor's options only when not the defaults: older files load unchanged
        extra = {} if self.count_include_pad else dict(count_include_pad=False)
        if self.divisor_override is not None:
            extra["divisor_override"] = self.divisor_override
        return {**super().config(), **extra}

    def _options(self) -> tuple:
        return self.ceil_mode, self.count_include_pad, self.divisor_override

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
        # dx is stored channels first if x is (as the fast engine's convolutions hand it on),
        # else in NCHW order, so that the layers before walk x and dx the same way.
        self._keep((x.shape, x.dtype, abs(x.strides[1]) > abs(x.strides[0])))
        return x.mean(axis=(2, 3))  # (N, C)

    def backward(self, dy):
        (n, c, h, w), dtype, channels_first = self._saved()
        dy = self._grad_output(dy, (n, c), dtype)
        share = dy / (h * w)                                                   # (N, C)
        if channels_first:
            return np.broadcast_to(share.T[:, :, None, None], (c, n, h, w)).copy().swapaxes(0, 1)
        return np.broadcast_to(share[:, :, None, None], (n, c, h, w)).copy()  # (N, C, H, W)


class GlobalMaxPool2D(Layer):
    """Maximum of every whole feature map: (N, C, H, W) -> (N, C).

    Adaptive max pooling to 1x1 (Eq. R.4 with one window), flattened, as
    ``torch.amax(x, dim=(2, 3))`` or ``AdaptiveMaxPool2d(1)`` followed by
    ``flatten`` in PyTorch.  Going back, each map's sensitivity goes to its
    first maximum (Eq. R.5).  The output is a vector per sample, ready for a
    :class:`Dense` layer.

    Shape
    -----
    (N, C, H, W) -> (N, C)

    Examples
    --------
    >>> layer = GlobalMaxPool2D()
    >>> layer.forward(np.array([[[[1.0, 4.0], [4.0, 2.0]], [[0.0, -1.0], [3.0, 5.0]]]]))
    array([[4., 5.]])
    >>> layer.backward(np.array([[10.0, 20.0]]))[0]      # the first 4 and the 5 get it
    array([[[ 0., 10.],
            [ 0.,  0.]],
    <BLANKLINE>
           [[ 0.,  0.],
            [ 0., 20.]]])
    """

    def output_shape(self, input_shape):
        return (_chw(input_shape, type(self).__name__)[0],)

    def forward(self, x):
        z = self._forward_saving(F.adaptive_max_pool2d, x, 1)      # Eq. R.4: (N, C, 1, 1)
        return z.reshape(z.shape[:2])                              # (N, C)

    def backward(self, dy):
        x, saved, z_shape = self._saved()
        dy = self._grad_output(dy, z_shape[:2], x.dtype).reshape(z_shape)
        return F.adaptive_max_pool2d_backward(dy, x, 1, saved=saved)      # Eq. R.5


class _AdaptivePool2D(Layer):
    def __init__(self, output_size):
        super().__init__()
        adaptive_size(output_size, (1, 1))                         # validates
        pair = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
        self.output_size = tuple(None if size is None else int(size) for size in pair)

    def config(self):
        return dict(output_size=self.output_size)

    def output_shape(self, input_shape):
        channels, height, width = _chw(input_shape, type(self).__name__)
        return (channels, *adaptive_size(self.output_size, (height, width)))


class AdaptiveAvgPool2D(_AdaptivePool2D):
    """Adaptive average pooling to ``output_size`` (Eq. R.1-R.3); no trainable parameters.

    Output (i, j) is the mean of the window of rows
    ``[floor(i*H/Ho), ceil((i+1)*H/Ho))`` and columns likewise, PyTorch's
    ``AdaptiveAvgPool2d``; ``AdaptiveAvgPool2D(1)`` is global average
    pooling that keeps the 1x1 maps.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        (Ho, Wo); None keeps that input size.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo)

    Examples
    --------
    >>> AdaptiveAvgPool2D((1, 3)).forward(np.arange(5.0).reshape(1, 1, 1, 5))[0, 0]
    array([[0.5, 2. , 3.5]])
    """

    def forward(self, x):
        return self._forward_saving(F.adaptive_avg_pool2d, x, self.output_size)        # Eq. R.2

    def backward(self, dy):
        return self._backward_saved(F.adaptive_avg_pool2d_backward, dy, self.output_size)  # R.3


class AdaptiveMaxPool2D(_AdaptivePool2D):
    """Adaptive max pooling to ``output_size`` (Eq. R.1, R.4-R.5); no trainable parameters.

    The windows of :class:`AdaptiveAvgPool2D`, each reduced by its maximum,
    as PyTorch's ``AdaptiveMaxPool2d``; ties go to the first maximum.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        (Ho, Wo); None keeps that input size.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo)

    Examples
    --------
    >>> AdaptiveMaxPool2D((1, 3)).forward(np.array([[[[2.0, 2.0, 0.0, 1.0, 1.0]]]]))[0, 0]
    array([[2., 2., 1.]])
    """

    def forward(self, x):
        return self._forward_saving(F.adaptive_max_pool2d, x, self.output_size)        # Eq. R.4

    def backward(self, dy):
        return self._backward_saved(F.adaptive_max_pool2d_backward, dy, self.output_size)  # R.5
