"""PyTorch -> convnet: a Sequential from the ``torch.nn`` layers that convnet has."""

from __future__ import annotations

import math

import numpy as np

from .. import layers as L
from .._validate import fail, integer
from ._to_torch import require_torch

__all__ = ["from_torch"]

_PADS = ("ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "CircularPad2d")
_FILLS = {"ReflectionPad2d": "reflect", "ReplicationPad2d": "replicate",
          "CircularPad2d": "circular"}


def from_torch(module, input_shape):
    """A convnet model with the same numbers as a PyTorch module made of layers convnet has.

    Parameters
    ----------
    module : torch.nn.Module
        An ``nn.Sequential`` (nested ones are flattened) or one layer, made
        of ``nn.Conv2d``, ``nn.ConvTranspose2d``, ``nn.Linear``, ``nn.Flatten``,
        ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.Sigmoid``, ``nn.Tanh``,
        ``nn.Softmax``, ``nn.Dropout``, ``nn.MaxPool2d``, ``nn.AvgPool2d``,
        ``nn.AdaptiveAvgPool2d``, ``nn.AdaptiveMaxPool2d``, ``nn.Upsample``
        (nearest), ``nn.BatchNorm1d``, ``nn.BatchNorm2d``, ``nn.GroupNorm``,
        ``nn.Identity``, a padding module followed by the convolution or
        pooling it pads, and the modules of :mod:`convnet.interop.modules`
        (so the module of :func:`to_torch` comes back).
    input_shape : tuple of int
        The shape of one sample, e.g. ``(1, 28, 28)``: the layers are
        checked to fit it (and an untied bias gets its size).

    Returns
    -------
    convnet.Sequential
        In the dtype of the module's parameters (float32 or float64), its
        mode (training or evaluation), the weights and running statistics
        copied.

    Raises
    ------
    ValueError
        Naming the module (its path in ``module``) and its type when convnet
        has no such layer or not with those options (``return_indices``,
        ...), or when the
        layers do not fit ``input_shape``.
    TypeError
        If ``module`` is not a torch module or ``input_shape`` not a tuple.
    ImportError
        Without PyTorch (``pip install -e ".[torch]"``).
    """
    shape = _input_shape(input_shape)
    torch = require_torch()
    if not isinstance(module, torch.nn.Module):
        fail("module", "a torch.nn.Module", module, error=TypeError)
    dtype = _dtype(module, torch)
    from ..model import Sequential
    with torch.no_grad():
        layers, _ = _layers(_items(module, ""), shape, dtype)
    model = Sequential(layers)
    model.summary(shape)                                      # every layer fits the input
    return model.train(module.training)


def _input_shape(input_shape) -> tuple:
    if not isinstance(input_shape, (tuple, list)) or not input_shape:
        fail("input_shape", "the shape of one sample, e.g. (1, 28, 28)", input_shape,
             error=TypeError)
    return tuple(integer(v, "input_shape", minimum=1) for v in input_shape)


def _dtype(module, torch):
    dtypes = {t.dtype for t in (*module.parameters(), *module.buffers()) if t.is_floating_point()}
    known = {torch.float32: np.float32, torch.float64: np.float64}
    if not dtypes <= set(known) or len(dtypes) > 1:
        fail("module", "of one dtype, float32 or float64 (module.float() or .double())",
             module, given=f"parameters of {sorted(map(str, dtypes))}")
    return known[dtypes.pop()] if dtypes else np.float32


def _items(module, path: str) -> list:
    """(path, module) of the layers of ``module``, nested nn.Sequential flattened."""
    import torch
    if type(module) is torch.nn.Sequential:
        return [item for name, child in module.named_children()
                for item in _items(child, f"{path}.{name}" if path else name)]
    return [(path or "module", module)]


def _layers(items: list, shape: tuple, dtype) -> tuple[list, tuple]:
    """The convnet layers of ``items`` for per-sample inputs of ``shape``, and the output shape."""
    layers, index = [], 0
    while index < len(items):
        path, module = items[index]
        kind = type(module).__name__
        if kind == "Identity":
            index += 1
            continue
        if kind in _PADS:                                    # folded into what follows it
            if index + 1 == len(items):
                _refuse(path, module, "a padding module must be followed by the convolution "
                                      "or pooling it pads")
            layer = _padded(module, path, *items[index + 1], shape, dtype)
            index += 2
        else:
            layer = _layer(module, path, shape, dtype)
            index += 1
        try:
            shape = tuple(layer.output_shape(shape))
        except ValueError as exc:
            fail("input_shape", "a shape that gets through the module", shape,
                 given=f"{shape} before {path} ({type(module).__name__}): {exc}")
        layers.append(layer)
    return layers, shape


def _refuse(path, module, problem):
    fail("module", "made of the layers convnet has (see convnet.interop.from_torch)", module,
         given=f"{path!r} is a {type(module).__name__}: {problem}")


def _copy(layer, module, keys=("weight", "bias")):
    """The module's tensors ``keys`` (those it has) into the layer's params or state."""
    for key in keys:
        tensor = getattr(module, key, None)
        if tensor is None:
            continue
        where = layer.state if key in layer.state else layer.params
        dtype = where[key].dtype if key in where else layer.dtype     # a count stays int64
        where[key] = tensor.detach().cpu().numpy().astype(dtype, copy=True)
    return layer


def _layer(module, path, shape, dtype):
    make = _MAKERS.get(type(module).__name__)
    if make is None:
        _refuse(path, module, "convnet has no such layer")
    return make(module, path, shape, dtype)


def _conv(module, path, shape, dtype, pads=None, fill=None):
    from . import modules as ours
    kind = type(module).__name__
    padding = module.padding if pads is None else pads
    padding_mode = module.padding_mode if fill is None else fill
    if isinstance(module, ours.PaddedConv2d):
        if pads is not None:
            _refuse(path, module, "it pads its input itself")
        (left, right, top, bottom), padding_mode = module.pads, module.fill
        padding = ((top, bottom), (left, right))
    common = dict(stride=module.stride, padding=padding, dilation=module.dilation,
                  groups=module.groups, padding_mode=padding_mode, dtype=dtype)
    head = (module.in_channels, module.out_channels, module.kernel_size)
    if kind == "ProductBiasConv2d":
        layer = L.ProductBiasConv2D(*head, **common, rng=0)
    elif kind == "UntiedBiasConv2d":
        layer = L.Conv2D(*head, **common, bias="untied", input_size=shape[1:], rng=0)
    else:
        layer = L.Conv2D(*head, **common, bias="tied" if module.bias is not None else None,
                         rng=0)
    return _copy(layer, module)


def _conv_transpose(module, path, shape, dtype):
    if module.padding_mode != "zeros":
        _refuse(path, module, f"padding_mode {module.padding_mode!r} (PyTorch allows only "
                              "zeros here too)")
    padding = getattr(module, "cuts", module.padding)
    layer = L.ConvTranspose2D(module.in_channels, module.out_channels, module.kernel_size,
                              module.stride, padding, module.output_padding, module.dilation,
                              module.groups, module.bias is not None, rng=0, dtype=dtype)
    return _copy(layer, module)


def _pool(module, path, shape, dtype, pads=None):
    kind = type(module).__name__
    if kind == "MaxPool2d" and module.return_indices:
        _refuse(path, module, "return_indices (convnet's backward finds the winners itself)")
    average = kind == "AvgPool2d"
    if pads is not None and (module.ceil_mode or average and not module.count_include_pad):
        _refuse(path, module, "ceil_mode or count_include_pad=False after a padding module "
                              "(convnet's padding would change which windows and divisors count)")
    padding = module.padding if pads is None else pads
    if not average:
        return L.MaxPool2D(module.kernel_size, module.stride or None, padding, module.dilation,
                           ceil_mode=module.ceil_mode)
    return L.AvgPool2D(module.kernel_size, module.stride or None, padding, module.ceil_mode,
                       module.count_include_pad, module.divisor_override)


def _padded(pad, path, next_path, module, shape, dtype):
    """A padding module and the convolution or pooling after it, as one convnet layer."""
    left, right, top, bottom = pad.padding
    pads = ((top, bottom), (left, right))
    kind, value = type(module).__name__, getattr(pad, "value", 0.0)
    if kind == "MaxPool2d" and value == -math.inf and module.padding in (0, (0, 0)):
        return _pool(module, next_path, shape, dtype, pads)
    if kind == "AvgPool2d" and value == 0.0 and module.padding in (0, (0, 0)):
        return _pool(module, next_path, shape, dtype, pads)
    if kind == "Conv2d" and module.padding in (0, (0, 0)) and module.padding_mode == "zeros" \
            and value == 0.0:
        return _conv(module, next_path, shape, dtype, pads, _FILLS.get(type(pad).__name__,
                                                                          "zeros"))
    _refuse(path, pad, f"followed by {next_path!r} ({kind}), which convnet cannot pad so "
                       "(a zero or border padding before an unpadded Conv2d, a zero padding "
                       "before an AvgPool2d, a -inf padding before a MaxPool2d)")


def _norm(module, path, shape, dtype):
    kind = type(module).__name__
    bias = not module.affine or module.bias is not None     # PyTorch's bias=False: no β
    if kind == "GroupNorm":
        return _copy(L.GroupNorm(module.num_groups, module.num_channels, module.eps,
                                 module.affine, dtype=dtype, bias=bias), module)
    cls = L.BatchNorm2D if kind == "BatchNorm2d" else L.BatchNorm1D
    layer = cls(module.num_features, module.eps, module.momentum, module.affine,
                module.track_running_stats, dtype=dtype, bias=bias)
    _copy(layer, module, ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"))
    if (problem := layer.state_problem()) is not None:   # as model files and state dicts
        fail("module", "a network whose batch norms hold variances and counts >= 0", module,
             given=f"{path!r}: {problem}")
    return layer


def _flatten(module, path, shape, dtype):
    if (module.start_dim, module.end_dim) != (1, -1):
        _refuse(path, module, "convnet flattens from axis 1 to the last (start_dim=1)")
    return L.Flatten()


def _upsample(module, path, shape, dtype):
    if module.mode != "nearest" or module.recompute_scale_factor:
        _refuse(path, module, f"mode {module.mode!r} or recompute_scale_factor (convnet "
                              "upsamples by the nearest pixel)")
    if module.size is not None:
        return L.Upsample2D(size=module.size)
    return L.Upsample2D(module.scale_factor)


def _softmax(module, path, shape, dtype):
    if module.dim is None:
        _refuse(path, module, "dim=None (give the axis, e.g. nn.Softmax(dim=1))")
    return L.Softmax(module.dim)


def _adaptive(cls):
    def make(module, path, shape, dtype):
        if getattr(module, "return_indices", False):
            _refuse(path, module, "return_indices=True")
        return cls(module.output_size)
    return make


def _residual(module, path, shape, dtype):
    body, _ = _layers(_items(module.body, f"{path}.body"), shape, dtype)
    shortcut, _ = _layers(_items(module.shortcut, f"{path}.shortcut"), shape, dtype)
    return L.Residual(*body, shortcut=shortcut or None)


def _concat(module, path, shape, dtype):
    return L.Concat(*[_layers(_items(branch, f"{path}.{index}"), shape, dtype)[0]
                      for index, branch in enumerate(module)])


_MAKERS = {
    "Conv2d": _conv, "PaddedConv2d": _conv, "UntiedBiasConv2d": _conv,
    "ProductBiasConv2d": _conv, "ConvTranspose2d": _conv_transpose,
    "CroppedConvTranspose2d": _conv_transpose,
    "Linear": lambda m, path, shape, dtype: _copy(L.Dense(
        m.in_features, m.out_features, m.bias is not None, rng=0, dtype=dtype), m),
    "Flatten": _flatten, "ColumnFlatten": lambda m, path, shape, dtype: L.Flatten("F"),
    "ReLU": lambda m, path, shape, dtype: L.ReLU(),
    "Sigmoid": lambda m, path, shape, dtype: L.Sigmoid(),
    "Tanh": lambda m, path, shape, dtype: L.Tanh(),
    "LeakyReLU": lambda m, path, shape, dtype: L.LeakyReLU(m.negative_slope),
    "Softmax": _softmax, "Dropout": lambda m, path, shape, dtype: L.Dropout(m.p),
    "MaxPool2d": _pool, "AvgPool2d": _pool,
    "AdaptiveAvgPool2d": _adaptive(L.AdaptiveAvgPool2D),
    "AdaptiveMaxPool2d": _adaptive(L.AdaptiveMaxPool2D),
    "Upsample": _upsample,
    "BatchNorm2d": _norm, "BatchNorm1d": _norm, "GroupNorm": _norm,
    "ZeroPadShortcut": lambda m, path, shape, dtype: L.ZeroPadShortcut(
        m.in_channels, m.out_channels, m.stride),
    "Residual": _residual, "Concat": _concat,
}
