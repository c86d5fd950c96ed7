"""Checkers for a student's max and average pooling, forward and backward."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._validate import one_of
from . import sheets as s
from ._core import REQUIRED, Operation, Worked, run_check
from .catalogue import mistakes_for

__all__ = ["check_max_pool2d", "check_avg_pool2d", "check_pool_backward"]

_FORWARD = (("x", REQUIRED), ("kernel_size", REQUIRED), ("stride", None), ("padding", 0))
_BACKWARD = (("dz", REQUIRED),) + _FORWARD


def _strategy(backward, low=-3, high=3):
    def strategy(taken):
        from ._strategies import pool
        return pool(taken, backward, low, high)
    return strategy


def _image(a):
    return np.asarray(a, dtype=np.float64)[None, None]        # (1, 1, H, W)


MAX_POOL = Operation(
    "max_pool2d", _FORWARD, ("z",),
    lambda x, kernel_size, stride, padding: (F.max_pool2d(x, kernel_size, stride, padding),),
    _strategy(False),
    (Worked("Goodfellow sheet, exercise 3(b), the pooling stage",
            dict(x=_image(s.GOODFELLOW_DETECTOR), kernel_size=2), (_image(s.GOODFELLOW_POOLED),)),
     Worked("Hertie problem set 2, 1.3, 2x2 max pooling of the sigmoid",
            dict(x=_image(s.HERTIE_A13), kernel_size=2, stride=2), (_image(s.HERTIE_P13),))),
    mistakes_for("max_pool2d"))

AVG_POOL = Operation(
    "avg_pool2d", _FORWARD, ("z",),
    lambda x, kernel_size, stride, padding: (F.avg_pool2d(x, kernel_size, stride, padding),),
    _strategy(False),
    (Worked("Hertie problem set 2, 1.4, 2x2 average pooling",
            dict(x=_image(s.HERTIE_X14), kernel_size=2), (_image(s.HERTIE_AVG14),)),),
    mistakes_for("avg_pool2d"))

MAX_POOL_BACKWARD = Operation(
    "max_pool2d_backward", _BACKWARD, ("dx",),
    lambda dz, x, kernel_size, stride, padding: (
        F.max_pool2d_backward(dz, x, kernel_size, stride, padding),),
    _strategy(True, -1, 1),                 # few values: windows with tied maxima
    (Worked("Hagan chapter 8, E8.8, dz goes to each window's maximum",
            dict(dz=_image(s.CHAPTER8_E88_DZ), x=_image(s.CHAPTER8_E88_A), kernel_size=2),
            (_image(s.CHAPTER8_E88_DA),)),
     Worked("Goodfellow sheet, exercise 3(b), backward through the pooling stage (a window "
            "of tied zeros)",
            dict(dz=np.arange(1.0, 7.0).reshape(1, 1, 2, 3), x=_image(s.GOODFELLOW_DETECTOR),
                 kernel_size=2))),
    mistakes_for("max_pool2d_backward"))

AVG_POOL_BACKWARD = Operation(
    "avg_pool2d_backward", _BACKWARD, ("dx",),
    lambda dz, x, kernel_size, stride, padding: (
        F.avg_pool2d_backward(dz, x, kernel_size, stride, padding),),
    _strategy(True),
    (Worked("Hagan chapter 8, P8.3, average pooling backpropagates by expanding dz / 4",
            dict(dz=np.arange(6.0).reshape(1, 1, 3, 2), x=np.zeros((1, 1, 6, 4)),
                 kernel_size=2)),),
    mistakes_for("avg_pool2d_backward"))


def check_max_pool2d(fn, *, signature=None, examples=40, seed=0):
    """Check max pooling against :func:`~convnet.functional.max_pool2d`.

    Your function is called ``fn(x, kernel_size, stride, padding)`` (PyTorch's
    order) and must return ``z`` (N, C, Ho, Wo), the largest value of every
    window (Eq. 8.24).

    * ``x``: (N, C, H, W) float64, each channel pooled on its own (C stays C).
    * ``kernel_size``: int (a square window); ``stride``: int, or None for the
      window size; ``padding``: int, at most half the window, on every side
      (-inf: the padding never wins).

    Worked examples: Goodfellow sheet exercise 3(b), Hertie problem set 2, 1.3.

    Parameters
    ----------
    fn : callable
    signature : sequence of str or str, optional
        Your function's arguments in its order, named as above (e.g.
        ``("x", "kernel_size")``); ``"stride=step"`` passes stride as the keyword
        ``step``.  Arguments left out are not passed, and only cases where they
        take their defaults are tried (stride = the window, padding 0).
    examples : int, default 40
        How many cases hypothesis draws.
    seed : int, default 0
        The seed of the drawing: the same seed, the same cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    AssertionError
        With the report: the smallest failing case, expected against got, the
        differing positions, and the catalogue's mistake that reproduces your
        output, if one does (:mod:`convnet.testing.catalogue`).

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_max_pool2d
    >>> check_max_pool2d(convnet.functional.max_pool2d, examples=5)
    check_max_pool2d: 2 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_max_pool2d", MAX_POOL, fn, signature, examples, seed)


def check_avg_pool2d(fn, *, signature=None, examples=40, seed=0):
    """Check average pooling against :func:`~convnet.functional.avg_pool2d`.

    Your function is called ``fn(x, kernel_size, stride, padding)`` and must
    return ``z`` (N, C, Ho, Wo), the mean of every window (Eq. 8.22 with
    w = 1/(kh*kw)).  Arguments as in :func:`check_max_pool2d`, except that the
    padding holds zeros, counted in the mean (PyTorch's default
    ``count_include_pad=True``).  Worked example: Hertie problem set 2, 1.4.

    Parameters, Returns, Raises
        As :func:`check_max_pool2d`.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_avg_pool2d
    >>> check_avg_pool2d(convnet.functional.avg_pool2d, examples=5)
    check_avg_pool2d: 1 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_avg_pool2d", AVG_POOL, fn, signature, examples, seed)


def check_pool_backward(fn, kind, *, signature=None, examples=40, seed=0):
    """Check a pooling backward against the library's (``kind``: "max" or "avg").

    Your function is called ``fn(dz, x, kernel_size, stride, padding)`` with
    ``dz`` (N, C, Ho, Wo), the sensitivity at the pooled output, and the
    forward's arguments as in :func:`check_max_pool2d`; it must return dx
    (N, C, H, W).  Max pooling sends each window's dz to the position of its
    maximum, to the *first* one (row-major) on ties, as PyTorch (E8.8); a pixel
    that wins several overlapping windows collects the sum.  Average pooling
    spreads dz / (kh*kw) over its window (P8.3).  Worked examples: Hagan E8.8
    and P8.3, Goodfellow sheet exercise 3(b).

    Parameters, Returns, Raises
        As :func:`check_max_pool2d`, and ``kind``: ``"max"`` or ``"avg"``.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_pool_backward
    >>> check_pool_backward(convnet.functional.max_pool2d_backward, "max", examples=5)
    check_pool_backward: 2 worked example(s) and 5 drawn case(s) passed
    """
    kind = one_of(kind, "kind", ("max", "avg"))
    operation = MAX_POOL_BACKWARD if kind == "max" else AVG_POOL_BACKWARD
    return run_check("check_pool_backward", operation, fn, signature, examples, seed)
