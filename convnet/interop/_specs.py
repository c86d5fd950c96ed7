"""Each convnet layer as a recipe for its PyTorch module: a constructor's name and arguments.

One recipe serves :func:`~convnet.interop.to_torch` (which calls the
constructor) and :func:`~convnet.interop.torch_source` (which writes the
call), so the module built and the source printed cannot differ.  No
PyTorch is needed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import layers as L
from .._validate import fail
from ..geometry import normalize_padding

__all__ = ["Spec", "spec_of", "OURS"]

# The modules of convnet.interop.modules (the rest are torch.nn's, written "nn.<Name>").
OURS = ("Residual", "Concat", "PaddedConv2d", "UntiedBiasConv2d", "ProductBiasConv2d",
        "CroppedConvTranspose2d", "ColumnFlatten", "ZeroPadShortcut")


@dataclass
class Spec:
    """``constructor(*args, **kwargs)``; ``groups`` are lists of specs (containers' layers).

    ``typed`` says whether the constructor takes ``dtype=`` (it makes parameters).
    A Sequential's, Concat's and Residual's layers are in ``groups``.
    """

    constructor: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    typed: bool = False


def spec_of(layer, where: str) -> Spec:
    """The recipe of ``layer`` (at path ``where``, for messages)."""
    make = _MAKERS.get(type(layer))
    if make is None:
        fail("model", "made of convnet's layers (convnet.layers)", layer,
             given=f"layer {where} is a {type(layer).__name__}", error=TypeError)
    return make(layer, where)


def _symmetric(pads) -> bool:
    (top, bottom), (left, right) = pads
    return top == bottom and left == right


def _not_default(**options) -> dict:
    """The options that differ from PyTorch's defaults (as a student would write the call)."""
    defaults = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True,
                    padding_mode="zeros", output_padding=(0, 0), track_running_stats=True)
    return {key: value for key, value in options.items()
            if key not in defaults or value not in (defaults[key], ((0, 0), (0, 0)))}


def _conv(layer, where) -> Spec:
    pads = normalize_padding(layer.padding, layer.kernel_size, layer.dilation, layer.stride)
    head = (layer.in_channels, layer.out_channels, layer.kernel_size)
    common = dict(stride=layer.stride, dilation=layer.dilation, groups=layer.groups,
                  padding_mode=layer.padding_mode)
    if isinstance(layer, L.ProductBiasConv2D):
        return Spec("ProductBiasConv2d", head, _not_default(padding=pads, **common), typed=True)
    if layer.bias == "untied":
        if "bias" not in layer.params:
            fail("model", "built (an untied bias has no size before the first forward pass)",
                 layer, given=f"layer {where} has no bias yet: give Conv2D input_size= or run "
                              "a forward pass first")
        out = tuple(layer.params["bias"].shape[1:])
        return Spec("UntiedBiasConv2d", head, dict(output_size=out,
                                                   **_not_default(padding=pads, **common)),
                    typed=True)
    bias = layer.bias == "tied"
    if _symmetric(pads):
        padding = (pads[0][0], pads[1][0])
        return Spec("nn.Conv2d", head, _not_default(padding=padding, bias=bias, **common),
                    typed=True)
    return Spec("PaddedConv2d", head, _not_default(padding=pads, bias=bias, **common),
                typed=True)


def _conv_transpose(layer, where) -> Spec:
    pads = normalize_padding(layer.padding)
    head = (layer.in_channels, layer.out_channels, layer.kernel_size)
    common = dict(stride=layer.stride, output_padding=layer.output_padding,
                  groups=layer.groups, bias=layer.bias, dilation=layer.dilation)
    if _symmetric(pads):
        return Spec("nn.ConvTranspose2d", head,
                    _not_default(padding=(pads[0][0], pads[1][0]), **common), typed=True)
    return Spec("CroppedConvTranspose2d", head, dict(padding=pads, **_not_default(**common)),
                typed=True)


_POOL_OPTIONS = ("dilation", "ceil_mode", "count_include_pad", "divisor_override")


def _pool(kind: str, fill: float):
    def make(layer, where) -> Spec:
        pads = normalize_padding(layer.padding, layer.kernel_size)
        options = {} if layer.stride == layer.kernel_size else dict(stride=layer.stride)
        options.update((key, value) for key, value in layer.config().items()
                       if key in _POOL_OPTIONS)          # in config only when not the default
        if _symmetric(pads):
            options.update(_not_default(padding=(pads[0][0], pads[1][0])))
            return Spec(f"nn.{kind}", (layer.kernel_size,), options)
        if {"ceil_mode", "count_include_pad"} & set(options):   # (dilation is fine)
            fail("model", "pooling with ceil_mode or count_include_pad=False on symmetric "
                 "padding only (PyTorch pads both sides alike; an explicit padding in front "
                 "would change which windows and divisors count)", layer,
                 given=f"layer {where} with padding {layer.padding}")
        (top, bottom), (left, right) = pads
        return Spec("nn.Sequential", groups={"layers": [
            Spec("nn.ConstantPad2d", ((left, right, top, bottom), fill)),
            Spec(f"nn.{kind}", (layer.kernel_size,), options)]})
    return make


def _global(kind: str):
    return lambda layer, where: Spec("nn.Sequential", groups={"layers": [
        Spec(f"nn.Adaptive{kind}Pool2d", (1,)), Spec("nn.Flatten")]})


def _norm(kind: str):
    def make(layer, where) -> Spec:
        options = dict(eps=layer.eps, momentum=layer.momentum, affine=layer.affine,
                       **_not_default(track_running_stats=layer.track_running_stats,
                                      bias=layer.bias))     # bias: keyword only there
        return Spec(f"nn.{kind}", (layer.num_features,), options, typed=True)
    return make


def _children(layers, where: str) -> list:
    return [spec_of(layer, f"{where}.{index}") for index, layer in enumerate(layers)]


_MAKERS = {
    L.Conv2D: _conv,
    L.ProductBiasConv2D: _conv,
    L.ConvTranspose2D: _conv_transpose,
    L.Dense: lambda layer, where: Spec("nn.Linear", (layer.in_features, layer.out_features),
                                       _not_default(bias=layer.bias), typed=True),
    L.Flatten: lambda layer, where: Spec("nn.Flatten" if layer.order == "C" else "ColumnFlatten"),
    L.Dropout: lambda layer, where: Spec("nn.Dropout", (layer.p,)),
    L.ReLU: lambda layer, where: Spec("nn.ReLU"),
    L.Sigmoid: lambda layer, where: Spec("nn.Sigmoid"),
    L.Tanh: lambda layer, where: Spec("nn.Tanh"),
    L.LeakyReLU: lambda layer, where: Spec("nn.LeakyReLU", (layer.negative_slope,)),
    L.Softmax: lambda layer, where: Spec("nn.Softmax", (), dict(dim=layer.axis)),
    L.MaxPool2D: _pool("MaxPool2d", -math.inf),
    L.AvgPool2D: _pool("AvgPool2d", 0.0),
    L.GlobalAvgPool2D: _global("Avg"),
    L.GlobalMaxPool2D: _global("Max"),
    L.AdaptiveAvgPool2D: lambda layer, where: Spec("nn.AdaptiveAvgPool2d", (layer.output_size,)),
    L.AdaptiveMaxPool2D: lambda layer, where: Spec("nn.AdaptiveMaxPool2d", (layer.output_size,)),
    L.Upsample2D: lambda layer, where: Spec("nn.Upsample", (), dict(
        scale_factor=layer.scale_factor, mode=layer.mode) if layer.size is None
        else dict(size=layer.size, mode=layer.mode)),
    L.BatchNorm2D: _norm("BatchNorm2d"),
    L.BatchNorm1D: _norm("BatchNorm1d"),
    L.GroupNorm: lambda layer, where: Spec("nn.GroupNorm", (layer.num_groups, layer.num_channels),
                                           dict(eps=layer.eps, affine=layer.affine,
                                                **_not_default(bias=layer.bias)),
                                           typed=True),
    L.ZeroPadShortcut: lambda layer, where: Spec(
        "ZeroPadShortcut", (layer.in_channels, layer.out_channels), dict(stride=layer.stride)),
    L.Residual: lambda layer, where: Spec("Residual", groups={
        "body": _children(layer.body, f"{where}.body"),
        "shortcut": _children(layer.shortcut, f"{where}.shortcut")}),
    L.Concat: lambda layer, where: Spec("Concat", groups={
        str(index): _children(branch, f"{where}.{index}")
        for index, branch in enumerate(layer.branches)}),
}
