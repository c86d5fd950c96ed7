"""Checkers for a student's grouped (and depthwise) convolution, forward and backward.

Separate checkers rather than a ``groups`` draw inside :func:`check_conv2d`:
those call a student's function with six arguments (the exercise sheets'
stubs take exactly these), and a seventh would break every function written
for them; here ``groups`` is the seventh argument and always drawn.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from . import sheets as s
from ._core import REQUIRED, Operation, Worked, run_check
from .catalogue import mistakes_for

__all__ = ["check_grouped_conv2d", "check_grouped_conv2d_backward"]


def _strategy(backward):
    def strategy(taken):
        from ._strategies import grouped
        return grouped(taken, backward)
    return strategy


_OPTIONS = (("stride", 1), ("padding", 0), ("dilation", 1), ("groups", REQUIRED))

# By hand (Eq. G.1, depthwise): two maps [[1, 2], [3, 4]] and [[10, 20], [30, 40]], one 2x2
# kernel of ones each: 1+2+3+4 = 10 and 10+20+30+40 = 100.
DEPTHWISE_X = np.array([[[[1.0, 2.0], [3.0, 4.0]], [[10.0, 20.0], [30.0, 40.0]]]])
_SOBELS = np.stack([s.LMU_SOBEL_VERTICAL, s.LMU_SOBEL_HORIZONTAL])[:, None]   # (2, 1, 3, 3)

GROUPED_CONV = Operation(
    "conv2d", (("x", REQUIRED), ("w", REQUIRED), ("b", None)) + _OPTIONS, ("z",),
    lambda x, w, b, stride, padding, dilation, groups: (
        F.conv2d(x, w, b, stride, padding, dilation, groups),),
    _strategy(False),
    (Worked("by hand, Eq. G.1: depthwise, each 2x2 kernel of ones sums its own map",
            dict(x=DEPTHWISE_X, w=np.ones((2, 1, 2, 2)), groups=2),
            (np.array([10.0, 100.0]).reshape(1, 2, 1, 1),)),
     Worked("LMU exercise 4-1(a), each Sobel kernel on its own copy of the image (groups 2)",
            dict(x=np.stack([s.LMU_X, s.LMU_X])[None], w=_SOBELS, groups=2),
            (np.stack([s.LMU_SOBEL_VERTICAL_OUT, s.LMU_SOBEL_HORIZONTAL_OUT])[None],)),
     Worked("Goodfellow sheet, exercise 3(a), same padding, one group",
            dict(x=s.GOODFELLOW_X[None, None], w=s.GOODFELLOW_K[None, None], padding=1,
                 groups=1), (s.GOODFELLOW_SAME[None, None],))),
    mistakes_for("grouped conv2d"))

# By hand (Eq. G.2, G.3, 8.36): dz = 1 on map 0, 2 on map 1 (one position each): dx of map
# l is dz of its own output map times the kernel of ones, 1s and 2s; dw[h] = dz[h] * x[h],
# [[1, 2], [3, 4]] and 2 * [[10, 20], [30, 40]]; db = (1, 2).
GROUPED_CONV_BACKWARD = Operation(
    "conv2d_backward", (("dz", REQUIRED), ("x", REQUIRED), ("w", REQUIRED)) + _OPTIONS,
    ("dx", "dw", "db"),
    lambda dz, x, w, stride, padding, dilation, groups: F.conv2d_backward(
        dz, x, w, stride, padding, dilation, groups=groups),
    _strategy(True),
    (Worked("by hand, Eq. G.2-G.3: depthwise, only map 1's dz (2) reaches map 1",
            dict(dz=np.array([1.0, 2.0]).reshape(1, 2, 1, 1), x=DEPTHWISE_X,
                 w=np.ones((2, 1, 2, 2)), groups=2),
            (np.array([[[[1.0, 1.0], [1.0, 1.0]], [[2.0, 2.0], [2.0, 2.0]]]]),
             np.array([[[[1.0, 2.0], [3.0, 4.0]]], [[[20.0, 40.0], [60.0, 80.0]]]]),
             np.array([1.0, 2.0]))),),
    mistakes_for("grouped conv2d_backward"))


def check_grouped_conv2d(fn, *, signature=None, examples=40, seed=0):
    """Check a grouped convolution against :func:`~convnet.functional.conv2d` with ``groups``.

    Your function is called ``fn(x, w, b, stride, padding, dilation, groups)``
    (PyTorch's order) and must return ``z`` (N, F, Ho, Wo): the C input maps
    and F output maps fall into ``groups`` groups of C/G and F/G consecutive
    maps, and output map ``h`` of group ``g`` sums over the input maps of
    group ``g`` only (Eq. G.1).  ``groups = C`` is a depthwise convolution.

    * ``x``: (N, C, H, W); ``w``: (F, C/groups, kh, kw); ``b``: (F,) or None.
    * ``stride``, ``padding`` (zeros on every side), ``dilation``, ``groups``:
      ints; ``groups`` divides C and F and is always passed.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_grouped_conv2d
    >>> check_grouped_conv2d(convnet.functional.conv2d, examples=5)
    check_grouped_conv2d: 3 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_grouped_conv2d", GROUPED_CONV, fn, signature, examples, seed)


def check_grouped_conv2d_backward(fn, *, signature=None, examples=40, seed=0):
    """Check the backward of a grouped convolution against :func:`~convnet.functional.conv2d_backward`.

    Your function is called ``fn(dz, x, w, stride, padding, dilation, groups)``
    and must return ``(dx, dw, db)``: dx (N, C, H, W), each input map's full
    correlation with the rotated kernels of its own group's output maps only
    (Eq. G.3); dw (F, C/groups, kh, kw), dz of each output map correlated
    with its group's input maps (Eq. G.2); db (F,), a tied bias (Eq. 8.36).
    Arguments as in :func:`check_grouped_conv2d`.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_grouped_conv2d_backward
    >>> def backward(dz, x, w, stride, padding, dilation, groups):
    ...     return convnet.functional.conv2d_backward(dz, x, w, stride, padding, dilation,
    ...                                               groups=groups)
    >>> check_grouped_conv2d_backward(backward, examples=5)
    check_grouped_conv2d_backward: 1 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_grouped_conv2d_backward", GROUPED_CONV_BACKWARD, fn, signature,
                     examples, seed)
