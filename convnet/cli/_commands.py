"""The ``convnet`` command's argparse parser, one small function per sub-command.

Each sub-command's parser sets ``run``, the function that computes its
output from the parsed options, and ``subparser``, whose ``error`` reports a
library error as a usage error (see :func:`convnet.cli.main`).
"""

from __future__ import annotations

import argparse

from .. import __version__, explain
from ._parsing import LAYER_SYNTAX, parse_layers, parse_matrix, parse_shape

__all__ = ["build_parser"]

FORMATS = ("text", "markdown", "latex")
# convnet.zoo.MODELS' names (the zoo itself is imported only when a model is asked for)
MODEL_NAMES = ("alexnet", "lenet5", "mobilenet", "nin", "resnet18", "resnet20", "vgg11", "vgg16")

MATRIX_HELP = "rows separated by ';', entries by spaces or commas, e.g. \"1 2; 3 4\""


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
    if args.kind == "max" and args.exclude_padding:
        args.subparser.error("--exclude-padding is an option of --kind avg")
    if args.kind == "avg" and args.dilation != 1:
        args.subparser.error("--dilation is an option of --kind max")
    return _render(explain.pool2d(args.x, args.size, stride=args.stride, padding=args.padding,
                                  kind=args.kind, max_terms=args.max_terms,
                                  dilation=args.dilation, ceil_mode=args.ceil_mode,
                                  count_include_pad=not args.exclude_padding,
                                  decimals=args.decimals), args)


def _run_size(args):
    return _render(explain.output_size(args.n, args.kernel, stride=args.stride,
                                       padding=args.padding, dilation=args.dilation), args)


def _run_backward(args):
    return _render(explain.conv2d_backward(args.dz, args.x, args.w, stride=args.stride,
                                           padding=args.padding, max_terms=args.max_terms,
                                           decimals=args.decimals), args)


def _run_shapes(args):
    if args.model is not None:
        from .. import zoo
        model = getattr(zoo, args.model)(shapes_only=True)   # placeholder weights: no memory
        return _render(explain.summary(model, args.input or zoo.MODELS[args.model]), args)
    if args.input is None:
        args.subparser.error("--input is required with --layers")
    return _render(explain.summary(args.layers, args.input), args)


def _run_train(args):
    from ..zoo import train_digits

    train_digits(epochs=args.epochs, seed=args.seed, verbose=not args.quiet, out=print)
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
    _add_explain(commands)
    _add_shapes(commands)
    _add_train(commands)
    from ._check import add_check                   # imports this module's option types
    from ._exercises import add_exercises
    add_check(commands)
    add_exercises(commands)
    return parser


def _add_explain(commands):
    """``convnet explain OPERATION``: a worked solution per operation."""
    explain_parser = commands.add_parser(
        "explain", help="a worked solution, computed by the library",
        description="Worked solutions: every number comes from the library's computation.")
    operations = explain_parser.add_subparsers(dest="operation", required=True,
                                               metavar="OPERATION")
    _add_correlate(operations)
    _add_pool(operations)
    _add_size(operations)
    _add_backward(operations)


def _add_correlate(operations):
    """``explain correlate`` and ``explain convolve``: the same options, two operations."""
    for name, what in (("correlate", "cross-correlation (what CNN layers compute, Eq. 8.13)"),
                       ("convolve", "convolution: the kernel is flipped first (Eq. 8.8)")):
        sub = operations.add_parser(name, help=what, description=f"Explain the {what}.")
        sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {MATRIX_HELP}")
        sub.add_argument("--k", type=MATRIX, required=True, help="the kernel, same syntax")
        sub.add_argument("--padding", type=PADDING, default="valid",
                         help="valid (default), same, full or an integer")
        sub.add_argument("--stride", type=POSITIVE, default=1)
        sub.add_argument("--dilation", type=POSITIVE, default=1)
        _format_options(sub)
        sub.set_defaults(run=_run_correlate, subparser=sub)


def _add_pool(operations):
    """``explain pool``: max or average pooling."""
    sub = operations.add_parser("pool", help="max or average pooling, region by region",
                                description="Explain max or average pooling.")
    sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {MATRIX_HELP}")
    sub.add_argument("--size", type=POSITIVE, required=True, help="the window size")
    sub.add_argument("--stride", type=POSITIVE, default=None,
                     help="default: the window size (non-overlapping)")
    sub.add_argument("--padding", type=NON_NEGATIVE, default=0)
    sub.add_argument("--kind", choices=("max", "avg"), default="max")
    sub.add_argument("--dilation", type=POSITIVE, default=1, help="max pooling only")
    sub.add_argument("--ceil-mode", action="store_true",
                     help="round the output size up; a window may hang over the end")
    sub.add_argument("--exclude-padding", action="store_true",
                     help="average pooling: padded zeros do not count in the mean "
                          "(count_include_pad=False)")
    _format_options(sub)
    sub.set_defaults(run=_run_pool, subparser=sub)


def _add_size(operations):
    """``explain size``: the output-size formula."""
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


def _add_backward(operations):
    """``explain backward``: the gradients of a convolution."""
    sub = operations.add_parser("backward", help="gradients of a convolution (Eq. 8.44-8.48)",
                                description="Explain dx, dw and db of a single-channel "
                                            "convolution layer.")
    sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {MATRIX_HELP}")
    sub.add_argument("--w", type=MATRIX, required=True, help="the kernel, same syntax")
    sub.add_argument("--dz", type=MATRIX, required=True,
                     help="the sensitivity at the output, same syntax")
    sub.add_argument("--stride", type=POSITIVE, default=1)
    sub.add_argument("--padding", type=PADDING, default=0,
                     help="an integer (default 0), valid, same or full")
    _format_options(sub)
    sub.set_defaults(run=_run_backward, subparser=sub)


def _add_shapes(commands):
    """``convnet shapes``: layer-by-layer sizes and parameter counts."""
    sub = commands.add_parser(
        "shapes", help="layer-by-layer output sizes and parameter counts",
        description="Derive every layer's output size and parameter count (no weights are "
                    f"allocated). Layers: {LAYER_SYNTAX}.")
    sub.add_argument("--input", type=SHAPE,
                     help="C x H x W, e.g. 3x227x227 (with --model: its own input by default)")
    network = sub.add_mutually_exclusive_group(required=True)
    network.add_argument("--layers", type=LAYERS,
                         help="comma-separated, e.g. \"conv 96 11 s4, pool 3 s2, flatten, fc 10\"")
    network.add_argument("--model", choices=sorted(MODEL_NAMES),
                         help="a network of convnet.zoo, built without allocating its weights")
    _format_options(sub, numbers=False)
    sub.set_defaults(run=_run_shapes, subparser=sub)


def _add_train(commands):
    """``convnet train``: the digits training run."""
    train = commands.add_parser("train", help="train a network",
                                description="Train a network and report its test accuracy.")
    train.add_argument("dataset", choices=("digits",),
                       help="digits: the bundled 8x8 handwritten digits (the README's example)")
    train.add_argument("--epochs", type=POSITIVE, default=40)
    train.add_argument("--seed", type=NON_NEGATIVE, default=0)
    train.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    train.set_defaults(run=_run_train, subparser=train)
