"""The ``convnet`` command: worked solutions, layer shapes and the digits training run.

::

    convnet explain correlate --x "1 6 6 6 6 1; 1 6 10 10 6 1; ..." --k "-1 0 1; -1 0 1; -1 0 1"
    convnet explain convolve  --x ... --k ... [--padding valid|same|full|INT] [--stride S]
    convnet explain pool      --x ... --size 2 [--stride S] [--padding P] [--kind max|avg]
    convnet explain size      --n 227 --kernel 11 --stride 4 [--padding P] [--dilation D]
    convnet explain backward  --x ... --w ... --dz ... [--stride S] [--padding P]
    convnet shapes --input 3x227x227 --layers "conv 96 11 s4, pool 3 s2, ..., fc 1000"
    convnet train digits [--epochs N] [--seed S]

Every ``explain`` command and ``shapes`` take ``--format text|markdown|latex``.
Matrices are written row by row: rows separated by ``;`` (or newlines),
entries by spaces and/or commas.  Bad input ends with a one-line message
naming the option and exit status 2, as argparse does; never a traceback.

``shapes`` does not build the network: the layers are described as
(layer class, arguments) pairs and :func:`convnet.explain.summary` derives
every shape with :mod:`convnet.geometry`, so AlexNet's 62 million weights
are never allocated.  :func:`build_model` builds the same description into a
:class:`~convnet.model.Sequential` when the weights are wanted.
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np

from . import __version__, explain
from .layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sigmoid, Tanh
from .model import Sequential

__all__ = ["main", "parse_matrix", "parse_layers", "parse_shape", "build_model"]

FORMATS = ("text", "markdown", "latex")

LAYER_SYNTAX = ("conv F K [sS] [pP|same|full] [dD], pool K [sS] [pP] (max), avgpool K [sS] [pP], "
                "flatten, fc N (or dense N), relu, sigmoid, tanh; K and S may be 3 or 3x5")


# --------------------------------------------------------------------------
# Parsing what the user typed (each raises ValueError with a plain message)
# --------------------------------------------------------------------------

def parse_matrix(text: str) -> np.ndarray:
    """A matrix from ``"1 2 3; 4 5 6"``: rows by ``;`` or newlines, entries by spaces/commas.

    Blank rows are ignored.

    Raises
    ------
    ValueError
        For no numbers at all, an entry that is not a number, or rows of
        different lengths ("row 2 has 3 entries, row 1 has 6").

    Examples
    --------
    >>> parse_matrix("1, 2; 3 4.5")
    array([[1. , 2. ],
           [3. , 4.5]])
    """
    rows = []
    for line in re.split(r"[;\n]", text):
        entries = [e for e in re.split(r"[\s,]+", line.strip()) if e]
        if not entries:
            continue
        values = []
        for position, entry in enumerate(entries, start=1):
            try:
                values.append(float(entry))
            except ValueError:
                raise ValueError(f"row {len(rows) + 1}, entry {position} is not a number: "
                                 f"{entry!r}") from None
        if rows and len(values) != len(rows[0]):
            raise ValueError(f"row {len(rows) + 1} has {len(values)} entries, row 1 has "
                             f"{len(rows[0])}")
        rows.append(values)
    if not rows:
        raise ValueError("no numbers given; write rows separated by ';', e.g. \"1 2; 3 4\"")
    return np.array(rows)


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


# --------------------------------------------------------------------------
# argparse: option types turn parse errors into "argument --x: ..." messages
# --------------------------------------------------------------------------

def _argument_type(parse, name):
    def convert(text):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = name
    return convert


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"must be an integer >= 1; got {text!r}")
    return int(text)


def _non_negative(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"must be an integer >= 0; got {text!r}")
    return int(text)


def _padding(text: str):
    if text in ("valid", "same", "full"):
        return text
    if not text.strip().isdigit():
        raise ValueError(f"must be valid, same, full or an integer >= 0; got {text!r}")
    return int(text)


MATRIX = _argument_type(parse_matrix, "matrix")
SHAPE = _argument_type(parse_shape, "shape")
LAYERS = _argument_type(parse_layers, "layers")
POSITIVE = _argument_type(_positive, "positive integer")
NON_NEGATIVE = _argument_type(_non_negative, "integer")
PADDING = _argument_type(_padding, "padding")


def _render(explanation, args) -> str:
    return getattr(explanation, args.format)()


def _run_correlate(args):
    function = explain.convolve2d if args.operation == "convolve" else explain.correlate2d
    return _render(function(args.x, args.k, padding=args.padding, stride=args.stride,
                            dilation=args.dilation, max_terms=args.max_terms,
                            decimals=args.decimals), args)


def _run_pool(args):
    return _render(explain.pool2d(args.x, args.size, stride=args.stride, padding=args.padding,
                                  kind=args.kind, max_terms=args.max_terms,
                                  decimals=args.decimals), args)


def _run_size(args):
    return _render(explain.output_size(args.n, args.kernel, stride=args.stride,
                                       padding=args.padding, dilation=args.dilation), args)


def _run_backward(args):
    return _render(explain.conv2d_backward(args.x, args.w, args.dz, stride=args.stride,
                                           padding=args.padding, max_terms=args.max_terms,
                                           decimals=args.decimals), args)


def _run_shapes(args):
    return _render(explain.summary(args.layers, args.input), args)


def _run_train(args):
    from .zoo import train_digits

    train_digits(epochs=args.epochs, seed=args.seed, verbose=not args.quiet)
    return ""


def _format_options(parser, numbers=True):
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), markdown (for notebooks) or latex (bmatrix, "
                             "for an answer sheet)")
    if numbers:
        parser.add_argument("--max-terms", type=POSITIVE, default=explain.MAX_TERMS,
                            metavar="N", help="write out at most N elements (default "
                                              f"{explain.MAX_TERMS})")
        parser.add_argument("--decimals", type=NON_NEGATIVE, default=None, metavar="D",
                            help="decimals of every number (default: the fewest, at most 4, "
                                 "that show each number exactly)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``convnet`` command."""
    parser = argparse.ArgumentParser(
        prog="convnet", description="Convolutional networks in NumPy: worked solutions, "
                                    "layer shapes and a training run.")
    parser.add_argument("--version", action="version", version=f"convnet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    explain_parser = commands.add_parser(
        "explain", help="a worked solution, computed by the library",
        description="Worked solutions: every number comes from the library's computation.")
    operations = explain_parser.add_subparsers(dest="operation", required=True,
                                               metavar="OPERATION")
    matrix_help = "rows separated by ';', entries by spaces or commas, e.g. \"1 2; 3 4\""
    for name, what in (("correlate", "cross-correlation (what CNN layers compute, Eq. 8.13)"),
                       ("convolve", "convolution: the kernel is flipped first (Eq. 8.8)")):
        sub = operations.add_parser(name, help=what, description=f"Explain the {what}.")
        sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {matrix_help}")
        sub.add_argument("--k", type=MATRIX, required=True, help="the kernel, same syntax")
        sub.add_argument("--padding", type=PADDING, default="valid",
                         help="valid (default), same, full or an integer")
        sub.add_argument("--stride", type=POSITIVE, default=1)
        sub.add_argument("--dilation", type=POSITIVE, default=1)
        _format_options(sub)
        sub.set_defaults(run=_run_correlate, subparser=sub)

    sub = operations.add_parser("pool", help="max or average pooling, region by region",
                                description="Explain max or average pooling.")
    sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {matrix_help}")
    sub.add_argument("--size", type=POSITIVE, required=True, help="the window size")
    sub.add_argument("--stride", type=POSITIVE, default=None,
                     help="default: the window size (non-overlapping)")
    sub.add_argument("--padding", type=NON_NEGATIVE, default=0)
    sub.add_argument("--kind", choices=("max", "avg"), default="max")
    _format_options(sub)
    sub.set_defaults(run=_run_pool, subparser=sub)

    sub = operations.add_parser("size", help="the output-size formula with the numbers put in",
                                description="Explain floor((n + 2p - k)/s) + 1.")
    sub.add_argument("--n", type=POSITIVE, required=True, help="input size")
    sub.add_argument("--kernel", type=POSITIVE, required=True, help="kernel size")
    sub.add_argument("--stride", type=POSITIVE, default=1)
    sub.add_argument("--padding", type=PADDING, default=0,
                     help="an integer (default 0), valid, same or full")
    sub.add_argument("--dilation", type=POSITIVE, default=1)
    _format_options(sub, numbers=False)
    sub.set_defaults(run=_run_size, subparser=sub)

    sub = operations.add_parser("backward", help="gradients of a convolution (Eq. 8.44-8.48)",
                                description="Explain dx, dw and db of a single-channel "
                                            "convolution layer.")
    sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {matrix_help}")
    sub.add_argument("--w", type=MATRIX, required=True, help="the kernel, same syntax")
    sub.add_argument("--dz", type=MATRIX, required=True,
                     help="the sensitivity at the output, same syntax")
    sub.add_argument("--stride", type=POSITIVE, default=1)
    sub.add_argument("--padding", type=PADDING, default=0,
                     help="an integer (default 0), valid, same or full")
    _format_options(sub)
    sub.set_defaults(run=_run_backward, subparser=sub)

    sub = commands.add_parser(
        "shapes", help="layer-by-layer output sizes and parameter counts",
        description="Derive every layer's output size and parameter count (no weights are "
                    f"allocated). Layers: {LAYER_SYNTAX}.")
    sub.add_argument("--input", type=SHAPE, required=True, help="C x H x W, e.g. 3x227x227")
    sub.add_argument("--layers", type=LAYERS, required=True,
                     help="comma-separated, e.g. \"conv 96 11 s4, pool 3 s2, flatten, fc 10\"")
    _format_options(sub, numbers=False)
    sub.set_defaults(run=_run_shapes, subparser=sub)

    train = commands.add_parser("train", help="train a network",
                                description="Train a network and report its test accuracy.")
    train.add_argument("dataset", choices=("digits",),
                       help="digits: the bundled 8x8 handwritten digits (the README's example)")
    train.add_argument("--epochs", type=POSITIVE, default=40)
    train.add_argument("--seed", type=NON_NEGATIVE, default=0)
    train.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    train.set_defaults(run=_run_train, subparser=train)
    return parser


def main(argv=None) -> int:
    """Run the ``convnet`` command; returns the exit status (0).

    Usage errors, including errors the library raises for a bad combination
    of arguments (a kernel larger than the input, say), print a message and
    raise ``SystemExit(2)``, as argparse does.
    """
    args = build_parser().parse_args(argv)
    try:
        output = args.run(args)
    except (ValueError, TypeError) as exc:
        args.subparser.error(str(exc))
    if output:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0
