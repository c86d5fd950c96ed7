"""The transposed convolution layer: a convolution's backward pass as a layer's forward (Eq. T.1)."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._validate import boolean, fail, generator, int_pair, integer
from ..functional import inferring
from ..geometry import canonical_padding, output_padding_pair, transposed_padding
from ..geometry import transposed_shape2d
from .base import Layer, check_dtype
from .conv import _chw, _groups, check_kernels, initial_kernel_bias, initial_kernels

__all__ = ["ConvTranspose2D"]


class ConvTranspose2D(Layer):
    """2-D transposed convolution layer ("deconvolution"), as PyTorch's ``ConvTranspose2d``.

    Each input pixel pastes its kernels, scaled by its value, into the
    output at stride ``s``, and the pasted copies add up (Eq. T.1): the
    input gradient of the convolution from ``out_channels`` maps to
    ``in_channels`` with the same geometry, computed by
    :func:`convnet.functional.conv_transpose2d`; its backward pass is that
    convolution's forward pass and weight gradient (Eq. T.2-T.3).  A stride
    of 2 doubles the size where the convolution halves it: the upsampling
    layer of decoders, segmentation networks and GAN generators.

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out; both must be divisible by ``groups``.
    kernel_size : int or (int, int)
    stride, dilation : int or (int, int), default 1
    padding : int, pair or ((top, bottom), (left, right)), default 0
        Rows and columns cut off the output (the convolution's padding).
    output_padding : int or (int, int), default 0
        Rows and columns added at the bottom and right of the output, below
        the stride or the dilation: which of the sizes that a stride-s
        convolution maps to the same input size the output takes.
    groups : int, default 1
    bias : bool, default True
        One bias per output map.
    init : str, default "he" (He normal)
        Any name of :data:`convnet.layers.init.INITS`, as :class:`Conv2D`
        (``"pytorch"`` draws the bias too).  The fans are PyTorch's, from the weights' shape (C_in,
        C_out/groups, kh, kw): ``fan_in = C_out/groups*kh*kw``,
        ``fan_out = C_in*kh*kw``.
    rng : None, int or numpy.random.Generator
    dtype : float32 or float64, default float32

    Shape
    -----
    Input (N, C_in, H, W), weights (C_in, C_out/groups, kh, kw), output
    (N, C_out, Hout, Wout) with
    ``Hout = (H - 1)*s - top - bottom + d*(kh - 1) + output_padding + 1``.

    Notes
    -----
    The arguments are in the order of the issue that asked for this layer;
    PyTorch's ``ConvTranspose2d`` takes ``groups``, ``bias`` and then
    ``dilation`` after ``output_padding``: pass those by name.  PyTorch's
    ``padding_mode`` is not offered (PyTorch allows only zeros here too).

    Examples
    --------
    A decoder step from 16x16 to 32x32 (DCGAN's 4x4 kernel, stride 2,
    padding 1: (16 - 1)*2 - 2 + 3 + 1 = 32):

    >>> up = ConvTranspose2D(8, 4, 4, stride=2, padding=1, rng=0)
    >>> up.params["weight"].shape
    (8, 4, 4, 4)
    >>> up.forward(np.zeros((2, 8, 16, 16))).shape
    (2, 4, 32, 32)
    >>> up.output_shape((8, 15, 15))
    (4, 30, 30)
    """

    skips_input_gradient = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, dilation=1, groups=1, bias=True, init="he", rng=None,
                 dtype=np.float32):
        super().__init__()
        self.in_channels = integer(in_channels, "in_channels", minimum=1)
        self.out_channels = integer(out_channels, "out_channels", minimum=1)
        self.groups = _groups(groups, self.in_channels, self.out_channels)
        self.kernel_size = int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = int_pair(stride, "stride", minimum=1)
        self.dilation = int_pair(dilation, "dilation", minimum=1)
        transposed_padding(padding)                                       # validates
        self.padding = canonical_padding(padding)
        self.output_padding = output_padding_pair(output_padding, self.stride, self.dilation)
        self.bias = boolean(bias, "bias")
        self.init = init
        self.dtype = check_dtype(dtype)
        rng = generator(rng)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        check_kernels(shape, "in_channels x out_channels/groups x kh x kw", self.dtype)
        self.params["weight"] = initial_kernels(shape, init, rng, self.dtype)
        if self.bias:
            self.params["bias"] = initial_kernel_bias(shape, self.out_channels, init, rng,
                                                      self.dtype)

    def config(self) -> dict:
        return dict(in_channels=self.in_channels, out_channels=self.out_channels,
                    kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                    output_padding=self.output_padding, dilation=self.dilation,
                    groups=self.groups, bias=self.bias)

    def output_shape(self, input_shape):
        channels, height, width = _chw(input_shape, type(self).__name__)
        if channels != self.in_channels:
            fail("input_shape", f"(C, H, W) with C = {self.in_channels} input channels",
                 input_shape, given=f"{tuple(input_shape)}")
        return (self.out_channels, *transposed_shape2d(
            (height, width), self.kernel_size, self.stride, self.padding, self.output_padding,
            self.dilation))

    def _geometry(self) -> tuple:
        """stride, padding, output_padding, groups, dilation: conv_transpose2d's order."""
        return self.stride, self.padding, self.output_padding, self.groups, self.dilation

    def forward(self, x):
        x = self._input(x, ndim=4, dtype=self.dtype)
        if x.shape[1] != self.in_channels:
            fail("x", f"of shape (N, {self.in_channels}, H, W) for {self!r}", x,
                 given=f"shape {x.shape}")
        w, b = self.params["weight"], self.params.get("bias")
        if inferring():
            return F.conv_transpose2d(x, w, b, *self._geometry())
        self._cache = None          # the record of the last forward goes first
        z, saved = F.conv_transpose2d(x, w, b, *self._geometry(), return_saved=True)  # Eq. T.1
        self._keep((x, saved, z.shape))
        return z  # (N, C_out, Hout, Wout)

    def backward(self, dy, input_gradient=True):
        """Gradients of the last forward (Eq. T.2-T.3); dx, or None with ``input_gradient=False``."""
        x, saved, z_shape = self._saved()
        dy = self._grad_output(dy, z_shape, self.dtype)
        dx, self.grads["weight"], db = F.conv_transpose2d_backward(
            dy, x, self.params["weight"], *self._geometry(), self.bias, saved=saved,
            input_gradient=input_gradient)
        if self.bias:
            self.grads["bias"] = db                                          # Eq. 8.36
        return dx
