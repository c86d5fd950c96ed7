"""Convolution layers: the weight function of Eq. 8.20 with a tied, untied or product bias.

Grouped and depthwise convolutions (``groups``, Eq. G.1) and padding with
copies of the border (``padding_mode``, Eq. P.1) are options of both.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._budget import refuse_beyond_budget
from .._validate import fail, generator, int_pair, integer, one_of
from ..geometry import PADDING_FILLS, canonical_padding, normalize_padding, output_shape2d
from ..window import fill_limit
from ..functional import inferring
from .base import Layer, check_dtype
from .init import initial_bias, initial_constant, initial_weights

__all__ = ["Conv2D", "ProductBiasConv2D"]

BIASES = ("tied", "untied", None)


class Conv2D(Layer):
    """2-D convolution layer (a valid cross-correlation, as in every framework).

    ``z[n, f] = sum_c w[f, c] ⊗ x[n, c] + b[f]`` (Eq. 8.20-8.21), computed by
    :func:`convnet.functional.conv2d` and its backward pass; the forward's
    record (the gathered input) is kept for the weight gradient.  With
    ``groups`` the sum runs over the input maps of f's group (Eq. G.1).

    Parameters
    ----------
    in_channels, out_channels : int
        C (input feature maps) and F (output feature maps).
    kernel_size : int or (int, int)
    stride, dilation : int or (int, int), default 1
    padding : str, int, pair or pair of pairs, default 0
        As in :func:`convnet.functional.conv2d` (any amount, as in PyTorch).
    groups : int, default 1
        Must divide C and F; the weights are (F, C/groups, kh, kw) and each
        output map reads its own group of C/groups input maps.
        ``groups=in_channels`` is a depthwise convolution (MobileNet's);
        ``groups`` in ``(1, 2)`` at the same C and F halves the weights.
    bias : {"tied", "untied", None, True, False}, default "tied"
        ``"tied"``: one scalar per feature map (Fig. 8.9).  ``"untied"``: one
        per output neuron (Fig. 8.1), which needs the input's spatial size:
        give ``input_size`` or it is taken from the first forward pass.
        PyTorch's ``bias=True`` and ``bias=False`` mean ``"tied"`` and None.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
        What the padding holds, as PyTorch's ``Conv2d``: zeros, or copies of
        the input's border pixels (:func:`convnet.functional.pad2d`).
    input_size : (int, int), optional
        The (H, W) the layer will see; required up front only to build an
        untied bias before the first forward pass.
    init : str, default "he" (He normal)
        One of :data:`convnet.layers.init.INITS`: ``"he_normal"`` (``"he"``),
        ``"he_uniform"``, ``"glorot_uniform"`` (``"glorot"``),
        ``"glorot_normal"``, ``"lecun_normal"``, ``"zeros"`` or
        ``"pytorch"`` (PyTorch's default, which also draws the tied bias);
        see :mod:`convnet.layers.init`.  The fans are PyTorch's, from the
        weights' shape: ``fan_in = C/groups*kh*kw``, ``fan_out = F*kh*kw``.
        An untied bias starts at 0 under every init.
    rng : None, int or numpy.random.Generator
        Source of the initial weights.
    dtype : float32 or float64, default float32

    Shape
    -----
    Input (N, C, H, W), weights (F, C/groups, kh, kw), output (N, F, Ho, Wo)
    with ``Ho = floor((H + top + bottom - d*(kh - 1) - 1) / s) + 1`` (Eq. 8.18).

    Notes
    -----
    The positional order is PyTorch's up to ``groups``; ``bias`` is a word
    here ("tied", "untied" or None), so pass it and what follows by name.

    Examples
    --------
    >>> layer = Conv2D(1, 2, 3, padding="same", rng=0)
    >>> layer
    Conv2D(in_channels=1, out_channels=2, kernel_size=(3, 3), stride=(1, 1), padding='same', dilation=(1, 1), bias='tied')
    >>> layer.forward(np.zeros((4, 1, 8, 8))).shape
    (4, 2, 8, 8)

    A depthwise 3x3 layer on 4 maps has 4 kernels of one map each (36
    weights and 4 biases instead of 148); options that are not the default
    show in the repr, as in PyTorch's:

    >>> depthwise = Conv2D(4, 4, 3, padding=1, groups=4, padding_mode="reflect", rng=0)
    >>> depthwise.params["weight"].shape, depthwise.num_parameters()
    ((4, 1, 3, 3), 40)
    >>> depthwise
    Conv2D(in_channels=4, out_channels=4, kernel_size=(3, 3), stride=(1, 1), padding=1, dilation=(1, 1), bias='tied', groups=4, padding_mode='reflect')
    """

    skips_input_gradient = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias="tied", padding_mode="zeros", input_size=None, init="he",
                 rng=None, dtype=np.float32):
        super().__init__()
        self.in_channels = integer(in_channels, "in_channels", minimum=1)
        self.out_channels = integer(out_channels, "out_channels", minimum=1)
        self.groups = _groups(groups, self.in_channels, self.out_channels)
        self.padding_mode = one_of(padding_mode, "padding_mode", PADDING_FILLS)
        self.kernel_size = int_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = int_pair(stride, "stride", minimum=1)
        self.dilation = int_pair(dilation, "dilation", minimum=1)
        normalize_padding(padding, self.kernel_size, self.dilation, self.stride)  # validates
        self.padding = canonical_padding(padding)
        if isinstance(bias, (bool, np.bool_)):          # PyTorch's Conv2d(..., bias=True/False)
            bias = "tied" if bias else None
        if bias not in BIASES:
            fail("bias", "one of 'tied', 'untied', None (or PyTorch's True, False)", bias,
                 error=ValueError if isinstance(bias, str) else TypeError)
        self.bias = bias
        self.init = init
        self.dtype = check_dtype(dtype)
        self.input_size = None if input_size is None else int_pair(input_size, "input_size",
                                                                   minimum=1)
        rng = generator(rng)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        check_kernels(shape, "out_channels x in_channels/groups x kh x kw", self.dtype)
        untied = None
        if bias == "untied" and self.input_size is not None:      # checked before anything is made
            untied = self._untied_bias_shape(self.input_size, "input_size")
        self.params["weight"] = initial_kernels(shape, init, rng, self.dtype)
        if bias == "tied":
            self.params["bias"] = initial_kernel_bias(shape, self.out_channels, init, rng,
                                                      self.dtype)
        elif untied is not None:
            self.params["bias"] = initial_constant(untied, 0, self.dtype)

    def config(self) -> dict:
        config = dict(in_channels=self.in_channels, out_channels=self.out_channels,
                      kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                      dilation=self.dilation, bias=self.bias)
        if self.bias == "untied" and self.input_size is not None:
            config["input_size"] = self.input_size
        if self.groups != 1:                      # shown when not the default, as PyTorch does
            config["groups"] = self.groups
        if self.padding_mode != "zeros":
            config["padding_mode"] = self.padding_mode
        return config

    def _untied_bias_shape(self, input_size, name: str) -> tuple:
        """(F, Ho, Wo) of an untied bias for inputs of ``input_size``, within the memory budget.

        ``name`` is where the size came from (``input_size`` or ``x``).
        """
        out = self._out_hw(input_size)
        count = self.out_channels * out[0] * out[1]
        refuse_beyond_budget([(name, "the untied bias (out_channels x Ho x Wo)",
                               count * np.dtype(self.dtype).itemsize)])
        return (self.out_channels, *out)

    def output_shape(self, input_shape):
        channels, height, width = _chw(input_shape, type(self).__name__)
        if channels != self.in_channels:
            fail("input_shape", f"(C, H, W) with C = {self.in_channels} input channels",
                 input_shape, given=f"{tuple(input_shape)}")
        return (self.out_channels, *self._out_hw((height, width)))

    def _out_hw(self, input_hw) -> tuple:
        """(Ho, Wo) for inputs of ``input_hw``; the padding must suit the padding_mode."""
        pads = normalize_padding(self.padding, self.kernel_size, self.dilation, self.stride)
        fill_limit(tuple(input_hw), pads, self.padding_mode)
        return output_shape2d(input_hw, self.kernel_size, self.stride, pads, self.dilation)

    def parameter_count(self, input_shape):
        count = self.num_parameters()
        if self.bias == "untied" and "bias" not in self.params:
            count += self.out_channels * int(np.prod(self.output_shape(input_shape)[1:]))
        return count

    def _checked_input(self, x):
        """x as an (N, C, H, W) array of the layer's dtype; settles an untied bias's size.

        The first forward pass makes an untied bias for its spatial size, unless in
        :class:`convnet.inference`, which writes nothing to the layer (see :meth:`_bias`).
        """
        x = self._input(x, ndim=4, dtype=self.dtype)
        if x.shape[1] != self.in_channels:
            fail("x", f"of shape (N, {self.in_channels}, H, W) for {self!r}", x,
                 given=f"shape {x.shape}")
        if self.bias == "untied":
            if "bias" in self.params:
                if tuple(x.shape[2:]) != self.input_size:
                    fail("x", f"of spatial size {self.input_size[0]}x{self.input_size[1]} "
                         "(the untied bias has one entry per output neuron of that size)", x,
                         given=f"shape {x.shape}")
            elif not inferring():
                shape = self._untied_bias_shape(x.shape[2:], "x")
                self.params["bias"] = initial_constant(shape, 0, self.dtype)
                self.input_size = tuple(x.shape[2:])
        return x

    def _bias(self, x):
        """The bias for ``x``: an untied bias not made yet (in inference) is its zeros."""
        if self.bias == "untied" and "bias" not in self.params:
            return np.zeros(self._untied_bias_shape(x.shape[2:], "x"), self.dtype)
        return self.params.get("bias")

    def _conv(self, x, b):
        """The functional forward pass with its record (none in inference)."""
        options = dict(padding_mode=self.padding_mode)
        if inferring():
            return F.conv2d(x, self.params["weight"], b, self.stride, self.padding,
                            self.dilation, self.groups, **options), None
        self._cache = None          # its work memory goes back before the next is taken
        return F.conv2d(x, self.params["weight"], b, self.stride, self.padding, self.dilation,
                        self.groups, **options, return_saved=True)

    def _conv_backward(self, dz, x, saved, bias, input_gradient):
        """``conv2d_backward`` with the layer's geometry (Eq. 8.45, 8.48, 8.36)."""
        return F.conv2d_backward(dz, x, self.params["weight"], self.stride, self.padding,
                                 self.dilation, bias, self.groups,
                                 padding_mode=self.padding_mode, saved=saved,
                                 input_gradient=input_gradient)

    def forward(self, x):
        x = self._checked_input(x)
        z, saved = self._conv(x, self._bias(x))
        self._keep((x, saved, z.shape))
        return z  # (N, F, Ho, Wo)

    def backward(self, dy, input_gradient=True):
        """Gradients of the last forward; returns dx (None with ``input_gradient=False``)."""
        x, saved, z_shape = self._saved()
        dy = self._grad_output(dy, z_shape, self.dtype)
        dx, self.grads["weight"], db = self._conv_backward(dy, x, saved, self.bias,
                                                           input_gradient)   # Eq. 8.45, 8.48
        if self.bias is not None:
            self.grads["bias"] = db                                          # Eq. 8.36-8.37
        return dx


class ProductBiasConv2D(Conv2D):
    """Convolution whose net input *multiplies* by a scalar bias per map (exercise E8.9).

    ``n[n, f] = b[f] * (w[f] ⊗ x[n])``: the bias scales the weight function's
    output instead of shifting it.  Backpropagation crosses the product net
    input on two paths, ``dLZ = b ∘ dN`` and ``db = sum dN ∘ LZ`` (see
    :func:`convnet.functional.net_input.product_net_input_backward`), and
    then the convolution as usual.  The bias starts at one (the identity).

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, groups, padding_mode
        As :class:`Conv2D`: the product bias is one per output map, whatever
        the groups and the padding.
    init, rng, dtype
        As :class:`Conv2D`.

    Shape
    -----
    As :class:`Conv2D`.

    Examples
    --------
    >>> layer = ProductBiasConv2D(1, 1, 2, rng=0)
    >>> layer.params["bias"]
    array([1.], dtype=float32)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode="zeros", init="he", rng=None, dtype=np.float32):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias=None, padding_mode=padding_mode, init=init, rng=rng,
                         dtype=dtype)
        self.params["bias"] = initial_constant(self.out_channels, 1, self.dtype)

    def config(self) -> dict:
        config = super().config()
        del config["bias"]
        return config

    def forward(self, x):
        x = self._checked_input(x)
        lz, saved = self._conv(x, None)                                   # (N, F, Ho, Wo)
        self._keep((x, saved, lz))                   # lz is kept for the bias path of backward
        return F.product_net_input(lz, self.params["bias"])              # N = b ∘ LZ

    def backward(self, dy, input_gradient=True):
        x, saved, lz = self._saved()
        dy = self._grad_output(dy, lz.shape, self.dtype)
        dlz, self.grads["bias"] = F.product_net_input_backward(dy, lz, self.params["bias"])
        dx, self.grads["weight"], _ = self._conv_backward(dlz, x, saved, None,
                                                          input_gradient)    # Eq. 8.45, 8.48
        return dx


def check_kernels(shape, layout: str, dtype) -> None:
    """Refuse weights of ``shape`` beyond the memory budget (``layout`` names the axes)."""
    count = int(np.prod(shape, dtype=object))
    refuse_beyond_budget([("kernel_size", f"the weights ({layout})",
                           count * np.dtype(dtype).itemsize)])


def initial_kernels(shape, init: str, rng, dtype):
    """Initial weights of ``shape`` with PyTorch's fans, from the shape (as ``torch.nn.init``).

    ``fan_in = shape[1]*kh*kw``, ``fan_out = shape[0]*kh*kw``.
    """
    receptive = shape[2] * shape[3]
    return initial_weights(shape, shape[1] * receptive, shape[0] * receptive, init, rng, dtype)


def initial_kernel_bias(shape, count: int, init: str, rng, dtype):
    """A bias of ``count`` entries for weights of ``shape`` (drawn for ``init="pytorch"``)."""
    return initial_bias(count, shape[1] * shape[2] * shape[3], init, rng, dtype)


def _groups(groups, in_channels: int, out_channels: int) -> int:
    """``groups`` as an int dividing both channel counts (PyTorch's rule for Conv2d)."""
    groups = integer(groups, "groups", minimum=1)
    for count, name in ((in_channels, "in_channels"), (out_channels, "out_channels")):
        if count % groups:
            fail("groups", f"a divisor of {name} = {count}", groups)
    return groups


def _chw(input_shape, layer_name):
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3:
        fail("input_shape", f"a per-sample shape (C, H, W) for {layer_name}", input_shape)
    return tuple(integer(v, "input_shape", minimum=1) for v in shape)
