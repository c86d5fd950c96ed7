"""The ``convnet`` command: worked solutions, layer shapes and the digits training run.

::

    convnet explain correlate --x "1 6 6 6 6 1; 1 6 10 10 6 1; ..." --k "-1 0 1; -1 0 1; -1 0 1"
    convnet explain convolve  --x ... --k ... [--padding valid|same|full|INT] [--stride S]
    convnet explain pool      --x ... --size 2 [--stride S] [--padding P] [--kind max|avg]
                              [--dilation D] [--ceil-mode] [--exclude-padding]
    convnet explain size      --n 227 --kernel 11 --stride 4 [--padding P] [--dilation D]
    convnet explain backward  --x ... --w ... --dz ... [--stride S] [--padding P]
    convnet shapes --input 3x227x227 --layers "conv 96 11 s4, pool 3 s2, ..., fc 1000"
    convnet train digits [--epochs N] [--seed S]
    convnet check correlate --x ... --k ... --answer "11 ? ?; ? ? ?"   (also convolve, pool, size,
                                                                      backward; see _check.py)
    convnet exercises list | new SHEET DIR [--solution] | check DIR [--format text|csv|markdown]

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

import sys

from ._commands import build_parser
from ._parsing import build_model, parse_layers, parse_matrix, parse_shape

__all__ = ["main", "parse_matrix", "parse_layers", "parse_shape", "build_model"]


def main(argv=None) -> int:
    """Run the ``convnet`` command; returns the exit status (0; ``check``: 1 for a wrong answer).

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
    return getattr(args, "status", 0)           # check: 1 for a wrong answer
