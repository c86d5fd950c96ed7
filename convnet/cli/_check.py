"""``convnet check KIND``: a hand-computed answer checked, as :func:`convnet.explain.check_answer`.

::

    convnet check correlate --x "3 5 2; 5 5 2; 7 7 5" --k "1 0; 2 0" --answer "23 19; 31 24"
    convnet check pool      --x ... --size 2 [--stride S] [--kind max|avg] --answer ...
    convnet check size      --n 227 --kernel 11 --stride 4 --answer 55
    convnet check backward  --x ... --w ... --dz ... [--dx ...] [--dw ...] [--db N]

The report is printed; the exit status is 0 when the answer is right, 1 when
it is not (so a script can grade with it), 2 for a usage error.
"""

from __future__ import annotations

from .. import explain
from ._commands import MATRIX, MATRIX_HELP, NON_NEGATIVE, PADDING, POSITIVE

__all__ = ["add_check"]

ANSWER_HELP = ("your numbers, same syntax as --x; write ? for an entry you did not compute, "
               "e.g. \"11 ? ?; ? ? ?\"")


def _report(args, result) -> str:
    args.status = 0 if result.passed else 1
    return result.text()


def _run_window(args):
    options = dict(padding=args.padding, stride=args.stride, dilation=args.dilation)
    return _report(args, explain.check_answer(args.kind, args.x, args.k, args.answer,
                                              tolerance=args.tolerance, **options))


def _run_pool(args):
    return _report(args, explain.check_answer("pool", args.x, args.size, args.answer,
                                              tolerance=args.tolerance, stride=args.stride,
                                              padding=args.padding, pooling=args.pooling))


def _run_size(args):
    return _report(args, explain.check_answer(
        "output size", args.n, args.kernel, args.answer, tolerance=args.tolerance,
        stride=args.stride, padding=args.padding, dilation=args.dilation))


def _run_backward(args):
    answer = {name: getattr(args, name) for name in ("dx", "dw", "db")
              if getattr(args, name) is not None}
    if not answer:
        args.subparser.error("give at least one of --dx, --dw and --db")
    return _report(args, explain.check_answer("backward", args.x, args.w, answer,
                                              tolerance=args.tolerance, dz=args.dz,
                                              stride=args.stride, padding=args.padding))


def _common(sub, answer=True):
    if answer:
        sub.add_argument("--answer", required=True, help=ANSWER_HELP)
    sub.add_argument("--tolerance", type=float, default=0.01,
                     help="largest accepted difference (default 0.01: two decimals)")


def add_check(commands):
    """``convnet check KIND``: one sub-command per kind of exercise."""
    check = commands.add_parser(
        "check", help="check numbers you computed by hand",
        description="Compare your hand-computed numbers with the library's: every wrong entry "
                    "with its correct sum of products, and the classic mistake named when one "
                    "explains your numbers. Exit status 0 when right, 1 when not.")
    kinds = check.add_subparsers(dest="operation", required=True, metavar="KIND")
    for name, what in (("correlate", "a cross-correlation (Eq. 8.13)"),
                       ("convolve", "a convolution (Eq. 8.8)")):
        sub = kinds.add_parser(name, help=what, description=f"Check {what}.")
        sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {MATRIX_HELP}")
        sub.add_argument("--k", type=MATRIX, required=True, help="the kernel, same syntax")
        sub.add_argument("--padding", type=PADDING, default="valid")
        sub.add_argument("--stride", type=POSITIVE, default=1)
        sub.add_argument("--dilation", type=POSITIVE, default=1)
        _common(sub)
        sub.set_defaults(run=_run_window, subparser=sub, kind=name)
    sub = kinds.add_parser("pool", help="max or average pooling", description="Check pooling.")
    sub.add_argument("--x", type=MATRIX, required=True, help=f"the input; {MATRIX_HELP}")
    sub.add_argument("--size", type=POSITIVE, required=True, help="the window size")
    sub.add_argument("--stride", type=POSITIVE, default=None)
    sub.add_argument("--padding", type=NON_NEGATIVE, default=0)
    sub.add_argument("--kind", dest="pooling", choices=("max", "avg"), default="max")
    _common(sub)
    sub.set_defaults(run=_run_pool, subparser=sub)
    sub = kinds.add_parser("size", help="an output size (Eq. 8.18)",
                           description="Check an output size.")
    sub.add_argument("--n", type=POSITIVE, required=True, help="input size")
    sub.add_argument("--kernel", type=POSITIVE, required=True, help="kernel size")
    sub.add_argument("--stride", type=POSITIVE, default=1)
    sub.add_argument("--padding", type=PADDING, default=0)
    sub.add_argument("--dilation", type=POSITIVE, default=1)
    _common(sub)
    sub.set_defaults(run=_run_size, subparser=sub)
    sub = kinds.add_parser("backward", help="gradients of a convolution (Eq. 8.36, 8.44-8.48)",
                           description="Check dx, dw and/or db of a single-channel "
                                       "convolution layer.")
    for name, what in (("x", "the input"), ("w", "the kernel"), ("dz", "the sensitivity")):
        sub.add_argument(f"--{name}", type=MATRIX, required=True, help=what)
    for name in ("dx", "dw"):
        sub.add_argument(f"--{name}", default=None, help=f"your {name}; {ANSWER_HELP}")
    sub.add_argument("--db", default=None, help="your db (a number)")
    sub.add_argument("--stride", type=POSITIVE, default=1)
    sub.add_argument("--padding", type=PADDING, default=0)
    _common(sub, answer=False)
    sub.set_defaults(run=_run_backward, subparser=sub)
