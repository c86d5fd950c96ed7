"""What the user typed, parsed: matrices, shapes and the layer language; layers built.

Each parser raises ``ValueError`` with a plain message naming what is wrong;
:mod:`convnet.cli._commands` turns it into argparse's "argument --x: ..." line.
"""

from __future__ import annotations

import re

import numpy as np

from ..explain._parse import parse_matrix
from ..layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sigmoid, Tanh
from ..model import Sequential

__all__ = ["parse_matrix", "parse_layers", "parse_shape", "build_model"]

LAYER_SYNTAX = ("conv F K [sS] [pP|same|full] [dD], pool K [sS] [pP] (max), avgpool K [sS] [pP], "
                "flatten, fc N (or dense N), relu, sigmoid, tanh; K and S may be 3 or 3x5")


# --------------------------------------------------------------------------
# Parsing what the user typed (each raises ValueError with a plain message)
# --------------------------------------------------------------------------

def parse_shape(text: str) -> tuple:
    """``"3x227x227"`` (or ``"3,227,227"``) as ``(3, 227, 227)``.

    Examples
    --------
    >>> parse_shape("3x227x227")
    (3, 227, 227)
    """
    parts = [p for p in re.split(r"[xX,\s]+", text.strip()) if p]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"expected sizes like 3x227x227 (C x H x W); got {text!r}")
    return tuple(int(p) for p in parts)


def _size(word: str, what: str, layer: str):
    match = re.fullmatch(r"(\d+)(?:x(\d+))?", word)
    if not match or int(match.group(1)) < 1 or (match.group(2) and int(match.group(2)) < 1):
        raise ValueError(f"{layer}: {what} must be a positive integer like 3 or 3x5; "
                         f"got {word!r}")
    rows = int(match.group(1))
    return rows if match.group(2) is None else (rows, int(match.group(2)))


def parse_layers(spec: str) -> list:
    """A comma-separated layer list as ``(layer class, arguments)`` pairs.

    The language (one layer per comma)::

        conv F K [sS] [pP|same|full] [dD]   F filters of size K (default s1 p0 d1)
        pool K [sS] [pP]                    max pooling, stride K by default
        avgpool K [sS] [pP]                 average pooling
        flatten, relu, sigmoid, tanh
        fc N   (or dense N)                 a dense layer with N outputs

    Input channels and features are left out: they follow from the input
    shape (see :func:`convnet.explain.summary` and :func:`build_model`).

    Raises
    ------
    ValueError
        Naming the layer (its position and text) and what is wrong with it.

    Examples
    --------
    >>> parse_layers("conv 6 5 p2, pool 2, flatten, fc 10")   # doctest: +ELLIPSIS
    [(<class '...Conv2D'>, {'out_channels': 6, 'kernel_size': 5, 'padding': 2}), ...]
    """
    layers = []
    for index, part in enumerate(spec.split(","), start=1):
        words = part.split()
        where = f"layer {index} ({part.strip()!r})"
        if not words:
            raise ValueError(f"layer {index} is empty (two commas in a row?)")
        kind, args = words[0].lower(), words[1:]
        if kind == "conv":
            if len(args) < 2 or not args[0].isdigit() or int(args[0]) < 1:
                raise ValueError(f"{where}: conv needs the number of filters and the kernel "
                                 "size, e.g. 'conv 96 11 s4'")
            config = {"out_channels": int(args[0]),
                      "kernel_size": _size(args[1], "the kernel size", where)}
            config.update(_options(args[2:], "spd", where))
            layers.append((Conv2D, config))
        elif kind in ("pool", "maxpool", "avgpool"):
            if not args:
                raise ValueError(f"{where}: {kind} needs the window size, e.g. '{kind} 2'")
            config = {"kernel_size": _size(args[0], "the window size", where)}
            config.update(_options(args[1:], "sp", where))
            layers.append((AvgPool2D if kind == "avgpool" else MaxPool2D, config))
        elif kind in ("fc", "dense"):
            if len(args) != 1 or not args[0].isdigit() or int(args[0]) < 1:
                raise ValueError(f"{where}: {kind} needs the number of outputs, e.g. 'fc 10'")
            layers.append((Dense, {"out_features": int(args[0])}))
        elif kind in ("flatten", "relu", "sigmoid", "tanh"):
            if args:
                raise ValueError(f"{where}: {kind} takes no arguments")
            cls = {"flatten": Flatten, "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}[kind]
            layers.append((cls, {}))
        else:
            raise ValueError(f"{where}: unknown layer {kind!r}; known: {LAYER_SYNTAX}")
    return layers


def _options(words, allowed: str, where: str) -> dict:
    names = {"s": "stride", "p": "padding", "d": "dilation"}
    config = {}
    for word in words:
        if word in ("same", "full", "valid") and "p" in allowed:
            config["padding"] = word
            continue
        key = word[:1]
        if key not in allowed or len(word) < 2:
            options = ", ".join(f"{k}N ({names[k]})" for k in allowed)
            raise ValueError(f"{where}: unknown option {word!r}; options are {options}")
        value = _size(word[1:], names[key], where) if key != "p" else word[1:]
        if key == "p":
            if not value.isdigit():
                raise ValueError(f"{where}: padding must be an integer, same, full or valid; "
                                 f"got {word!r}")
            value = int(value)
        config[names[key]] = value
    return config


def build_model(layers, input_shape, dtype=np.float32, rng=0) -> Sequential:
    """Build ``(layer class, arguments)`` pairs into a model for ``input_shape``.

    Input channels and features are filled in from each layer's incoming
    shape.  This allocates every weight (AlexNet: about 250 MB in float32).

    Examples
    --------
    >>> model = build_model(parse_layers("conv 4 3, pool 2, flatten, fc 10"), (1, 8, 8))
    >>> model.summary((1, 8, 8)).total          # 4·1·3·3 + 4 and 36·10 + 10
    410
    """
    generator = np.random.default_rng(rng)
    shape, built = tuple(input_shape), []
    for cls, config in layers:
        config = dict(config)
        if issubclass(cls, Conv2D):
            config.setdefault("in_channels", shape[0])
        elif issubclass(cls, Dense):
            config.setdefault("in_features", shape[0])
        if issubclass(cls, (Conv2D, Dense)):
            config.update(rng=generator, dtype=dtype)
        layer = cls(**config)
        shape = tuple(layer.output_shape(shape))
        built.append(layer)
    return Sequential(built)
