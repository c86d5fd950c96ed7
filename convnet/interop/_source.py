"""convnet -> the Python source of the same network in PyTorch, to read side by side."""

from __future__ import annotations

import math

import numpy as np

from .._validate import fail
from ._names import model_of
from ._specs import OURS, spec_of
from ._to_torch import model_dtype

__all__ = ["torch_source"]

_SHORT = {"Conv2D": "conv", "ProductBiasConv2D": "conv", "ConvTranspose2D": "deconv",
          "Dense": "fc", "MaxPool2D": "pool", "AvgPool2D": "pool", "GlobalAvgPool2D": "gap",
          "GlobalMaxPool2D": "gmp", "AdaptiveAvgPool2D": "pool", "AdaptiveMaxPool2D": "pool",
          "BatchNorm2D": "bn", "BatchNorm1D": "bn", "GroupNorm": "gn", "Residual": "block",
          "Concat": "branches", "ZeroPadShortcut": "shortcut", "Upsample2D": "up"}
_INDENT = "    "


def torch_source(model, input_shape=None, class_name="Net") -> str:
    """The Python source of the PyTorch model equivalent to ``model``, as a student would write it.

    A class with ``__init__`` (one attribute per layer, named by its kind
    and place: ``conv0``, ``relu1``, ``pool2``, ...) and ``forward`` (one
    line per layer).  The modules are those :func:`to_torch` builds, so the
    numbers are the same once the weights are loaded: convnet's layer ``i``
    is the ``i``-th attribute, so the key ``"3.body.0.weight"`` of
    :func:`state_dict` is ``"<attribute 3>.body.0.weight"``.

    Parameters
    ----------
    model : convnet.Sequential
    input_shape : tuple, optional
        The shape of one sample, e.g. ``(1, 28, 28)``: ``forward`` then
        notes each output's shape, ``# (N, 6, 24, 24)``.
    class_name : str, default "Net"
        A Python identifier.

    Returns
    -------
    str
        Source that imports torch (and :mod:`convnet.interop.modules` for
        the layers ``torch.nn`` lacks); ``__init__`` takes ``dtype``,
        the model's by default.

    Examples
    --------
    >>> from convnet import Sequential, layers as L
    >>> model = Sequential(L.Conv2D(1, 2, 3, rng=0, dtype=np.float32), L.ReLU(), L.Flatten(),
    ...                    L.Dense(8, 2, rng=0, dtype=np.float32))
    >>> print(torch_source(model, input_shape=(1, 4, 4)))
    import torch
    from torch import nn
    <BLANKLINE>
    <BLANKLINE>
    class Net(nn.Module):
        \"\"\"The convnet model as PyTorch modules: attribute i is the model's layer i.\"\"\"
    <BLANKLINE>
        def __init__(self, dtype=torch.float32):
            super().__init__()
            self.conv0 = nn.Conv2d(1, 2, (3, 3), dtype=dtype)
            self.relu1 = nn.ReLU()
            self.flatten2 = nn.Flatten()
            self.fc3 = nn.Linear(8, 2, dtype=dtype)
    <BLANKLINE>
        def forward(self, x):       # (N, 1, 4, 4)
            x = self.conv0(x)       # (N, 2, 2, 2)
            x = self.relu1(x)       # (N, 2, 2, 2)
            x = self.flatten2(x)    # (N, 8)
            x = self.fc3(x)         # (N, 2)
            return x
    <BLANKLINE>
    """
    model = model_of(model)
    if not isinstance(class_name, str) or not class_name.isidentifier():
        fail("class_name", "a Python identifier", class_name,
             error=TypeError if not isinstance(class_name, str) else ValueError)
    shapes = _shapes(model, input_shape)
    dtype = "torch.float64" if model_dtype(model) == np.float64 else "torch.float32"
    specs = [spec_of(layer, str(index)) for index, layer in enumerate(model.layers)]
    names = [f"{_SHORT.get(type(layer).__name__, type(layer).__name__.lower())}{index}"
             for index, layer in enumerate(model.layers)]
    init = [f"self.{name} = {_call(spec, 2)}" for name, spec in zip(names, specs)]
    forward = [f"x = self.{name}(x)" for name in names]
    width = max(len(line) for line in forward) + 4
    if shapes:
        forward = [line.ljust(width) + f"# (N, {', '.join(map(str, shape))})"
                   for line, shape in zip(forward, shapes[1:])]
    head = "def forward(self, x):"
    if shapes:
        head = head.ljust(width + 4) + f"# (N, {', '.join(map(str, shapes[0]))})"
    lines = [*_imports(specs), "", "",
             f"class {class_name}(nn.Module):",
             f'{_INDENT}"""The convnet model as PyTorch modules: attribute i is the model\'s '
             'layer i."""', "",
             f"{_INDENT}def __init__(self, dtype={dtype}):",
             f"{_INDENT * 2}super().__init__()", *[_INDENT * 2 + line for line in init], "",
             f"{_INDENT}{head}", *[_INDENT * 2 + line for line in forward],
             f"{_INDENT * 2}return x", ""]
    return "\n".join(lines)


def _shapes(model, input_shape):
    """The per-sample shapes before and after each layer (None without ``input_shape``)."""
    if input_shape is None:
        return None
    model.summary(input_shape)                # checks the shape, naming the layer it fails
    shapes = [tuple(input_shape)]
    for layer in model.layers:
        shapes.append(tuple(layer.output_shape(shapes[-1])))
    return shapes


def _imports(specs) -> list:
    used, infinite = set(), [False]

    def visit(spec):
        used.add(spec.constructor)
        infinite[0] |= any(isinstance(a, float) and math.isinf(a) for a in spec.args)
        for group in spec.groups.values():
            for child in group:
                visit(child)
    for spec in specs:
        visit(spec)
    ours = [name for name in OURS if name in used]
    lines = ["import math"] if infinite[0] else []
    lines += ["import torch", "from torch import nn"]
    if ours:
        lines.append(f"from convnet.interop.modules import {', '.join(ours)}")
    return lines


def _call(spec, depth: int) -> str:
    """The constructor call of ``spec``; containers' layers one per line, indented."""
    if spec.groups:
        pad, inner = _INDENT * (depth + 1), _INDENT * depth
        if spec.constructor == "Residual":
            parts = [f"{name}=[{', '.join(_call(s, depth + 1) for s in spec.groups[name])}]"
                     for name in ("body", "shortcut") if spec.groups[name]]
        elif spec.constructor == "Concat":
            parts = [f"[{', '.join(_call(s, depth + 1) for s in group)}]"
                     for group in spec.groups.values()]
        else:
            parts = [_call(s, depth + 1) for s in spec.groups["layers"]]
        return f"{spec.constructor}(\n" + "".join(f"{pad}{part},\n" for part in parts) + f"{inner})"
    args = [_literal(a) for a in spec.args]
    args += [f"{key}={_literal(value)}" for key, value in spec.kwargs.items()]
    if spec.typed:
        args.append("dtype=dtype")
    return f"{spec.constructor}({', '.join(args)})"


def _literal(value) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "-math.inf" if value < 0 else "math.inf"
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_literal, value)) + ("," if len(value) == 1 else "") + ")"
    return repr(value)
