"""Checkers for a student's adaptive pooling and nearest-neighbour upsampling, with backwards."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._validate import one_of
from . import sheets as s
from ._core import REQUIRED, Operation, Worked, run_check
from .catalogue import mistakes_for

__all__ = ["check_adaptive_avg_pool2d", "check_adaptive_max_pool2d",
           "check_adaptive_pool_backward", "check_upsample2d", "check_upsample2d_backward"]

_ADAPTIVE = (("x", REQUIRED), ("output_size", REQUIRED))
_UPSAMPLE = (("x", REQUIRED), ("scale_factor", REQUIRED))


def _strategy(name, backward, low=-3, high=3):
    def strategy(taken):
        from . import _strategies
        return getattr(_strategies, name)(taken, backward, **(
            dict(low=low, high=high) if name == "adaptive" else {}))
    return strategy


def _row(*values):
    return np.array(values, dtype=np.float64).reshape(1, 1, 1, -1)          # (1, 1, 1, W)


def _image(a):
    return np.asarray(a, dtype=np.float64)[None, None]                      # (1, 1, H, W)


# By hand (Eq. R.1): five pixels to three outputs: windows [floor(0*5/3), ceil(5/3)) = [0, 2),
# [floor(5/3), ceil(10/3)) = [1, 4), [floor(10/3), ceil(15/3)) = [3, 5).
FIVE = _row(4, 8, 1, 6, 2)

ADAPTIVE_AVG = Operation(
    "adaptive_avg_pool2d", _ADAPTIVE, ("z",),
    lambda x, output_size: (F.adaptive_avg_pool2d(x, output_size),),
    _strategy("adaptive", False),
    (Worked("by hand, Eq. R.1-R.2: five pixels to three windows [0,2), [1,4), [3,5)",
            dict(x=FIVE, output_size=(1, 3)), (_row(12 / 2, 15 / 3, 8 / 2),)),   # 6, 5, 4
     Worked("by hand, Eq. R.1: two pixels to three windows [0,1), [0,2), [1,2)",
            dict(x=_row(1, 3), output_size=(1, 3)), (_row(1, 2, 3),)),    # 1, (1+3)/2, 3
     Worked("Hertie problem set 2, 1.4: adaptive to 2x2 is 2x2 average pooling",
            dict(x=_image(s.HERTIE_X14), output_size=2), (_image(s.HERTIE_AVG14),)),
     Worked("global average pooling (output_size 1): 1+...+16 = 136, over 16",
            dict(x=_image(s.HERTIE_X14), output_size=1), (np.full((1, 1, 1, 1), 8.5),))),
    mistakes_for("adaptive_avg_pool2d"))

ADAPTIVE_MAX = Operation(
    "adaptive_max_pool2d", _ADAPTIVE, ("z",),
    lambda x, output_size: (F.adaptive_max_pool2d(x, output_size),),
    _strategy("adaptive", False),
    (Worked("by hand, Eq. R.4: the maxima of [4, 8], [8, 1, 6], [6, 2]",
            dict(x=FIVE, output_size=(1, 3)), (_row(8, 8, 6),)),
     Worked("by hand, Eq. R.1: two pixels to three windows [0,1), [0,2), [1,2)",
            dict(x=_row(1, 3), output_size=(1, 3)), (_row(1, 3, 3),)),
     Worked("Goodfellow sheet, exercise 3(b): adaptive to 2x3 is the 2x2 max pooling",
            dict(x=_image(s.GOODFELLOW_DETECTOR), output_size=(2, 3)),
            (_image(s.GOODFELLOW_POOLED),))),
    mistakes_for("adaptive_max_pool2d"))

ADAPTIVE_AVG_BACKWARD = Operation(
    "adaptive_avg_pool2d_backward", (("dz", REQUIRED),) + _ADAPTIVE, ("dx",),
    lambda dz, x, output_size: (F.adaptive_avg_pool2d_backward(dz, x, output_size),),
    _strategy("adaptive", True),
    # Eq. R.3: 6/2 to pixels 0, 1; 3/3 to 1, 2, 3; 2/2 to 3, 4: 3, 3+1, 1, 1+1, 1
    (Worked("by hand, Eq. R.3: shares that add up where windows overlap",
            dict(dz=_row(6, 3, 2), x=FIVE, output_size=(1, 3)), (_row(3, 4, 1, 2, 1),)),),
    mistakes_for("adaptive_avg_pool2d_backward"))

ADAPTIVE_MAX_BACKWARD = Operation(
    "adaptive_max_pool2d_backward", (("dz", REQUIRED),) + _ADAPTIVE, ("dx",),
    lambda dz, x, output_size: (F.adaptive_max_pool2d_backward(dz, x, output_size),),
    _strategy("adaptive", True, -1, 1),         # few values: windows with tied maxima
    # Eq. R.5: the 8 wins [4, 8] and [8, 1, 6] (6 + 3), the 6 wins [6, 2] (2)
    (Worked("by hand, Eq. R.5: the 8 wins two windows and collects 6 + 3",
            dict(dz=_row(6, 3, 2), x=FIVE, output_size=(1, 3)), (_row(0, 9, 0, 2, 0),)),
     # windows [2, 2], [2, 0, 1], [1, 1]: the first maximum of each, pixels 0, 1, 3
     Worked("by hand, Eq. R.5: on ties the first maximum wins",
            dict(dz=_row(1, 1, 1), x=_row(2, 2, 0, 1, 1), output_size=(1, 3)),
            (_row(1, 1, 0, 1, 0),))),
    mistakes_for("adaptive_max_pool2d_backward"))

# By hand (Eq. R.6): an integer factor k copies every pixel into a k x k block (P8.3's
# expanding operator with weight 1); 1.5 makes 4 columns of 3 reading floor(p / 1.5) =
# 0, 0, 1, 2; 0.5 makes 2 of 4 reading floor(p / 0.5) = 0, 2.
UPSAMPLE = Operation(
    "upsample2d", _UPSAMPLE, ("z",),
    lambda x, scale_factor: (F.upsample2d(x, scale_factor),),
    _strategy("upsampled", False),
    (Worked("Hagan chapter 8, P8.3: upsampling by 2 is the expanding operator, weight 1",
            dict(x=_image(np.arange(6.0).reshape(3, 2)), scale_factor=2),
            (_image(np.kron(np.arange(6.0).reshape(3, 2), np.ones((2, 2)))),)),
     Worked("by hand, Eq. R.6: factor 1.5, columns read 0, 0, 1, 2",
            dict(x=_row(1, 2, 3), scale_factor=(1, 1.5)), (_row(1, 1, 2, 3),)),
     Worked("by hand, Eq. R.6: factor 0.5, columns read 0, 2",
            dict(x=_row(1, 2, 3, 4), scale_factor=(1, 0.5)), (_row(1, 3),))),
    mistakes_for("upsample2d"))

UPSAMPLE_BACKWARD = Operation(
    "upsample2d_backward", (("dz", REQUIRED),) + _UPSAMPLE, ("dx",),
    lambda dz, x, scale_factor: (F.upsample2d_backward(dz, x, scale_factor),),
    _strategy("upsampled", True),
    # Eq. R.7: each pixel sums its 2x2 block: 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15
    (Worked("Hagan chapter 8, P8.3: the backward of upsampling by 2 sums each 2x2 block",
            dict(dz=_image(np.arange(16.0).reshape(4, 4)), x=np.zeros((1, 1, 2, 2)),
                 scale_factor=2), (_image([[10.0, 18.0], [42.0, 50.0]]),)),
     # columns 0, 1 read pixel 0 (1 + 2), column 2 pixel 1 (3), column 3 pixel 2 (4)
     Worked("by hand, Eq. R.7: factor 1.5, pixel 0 collects two copies",
            dict(dz=_row(1, 2, 3, 4), x=np.zeros((1, 1, 1, 3)), scale_factor=(1, 1.5)),
            (_row(3, 3, 4),))),
    mistakes_for("upsample2d_backward"))


def check_adaptive_avg_pool2d(fn, *, signature=None, examples=40, seed=0):
    """Check adaptive average pooling against :func:`~convnet.functional.adaptive_avg_pool2d`.

    Your function is called ``fn(x, output_size)`` and must return ``z``
    (N, C, Ho, Wo): output row ``i`` averages input rows
    ``floor(i*H/Ho)`` to ``ceil((i+1)*H/Ho) - 1`` (Eq. R.1-R.2, PyTorch's
    rule), the columns likewise; each map on its own.

    * ``x``: (N, C, H, W) float64.
    * ``output_size``: (Ho, Wo), or an int for a square output.  Drawn
      cases have Ho <= H and Wo <= W; a worked example has Ho > H (windows
      then repeat pixels).

    Worked examples by hand (Eq. R.1-R.2), Hertie problem set 2, 1.4, and
    global pooling; then drawn cases.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`: ``signature``, ``examples``, ``seed``;
        a :class:`CheckResult`, or ``AssertionError`` with the report.

    Examples
    --------
    >>> from convnet.functional import adaptive_avg_pool2d
    >>> from convnet.testing import check_adaptive_avg_pool2d
    >>> check_adaptive_avg_pool2d(adaptive_avg_pool2d, examples=5)
    check_adaptive_avg_pool2d: 4 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_adaptive_avg_pool2d", ADAPTIVE_AVG, fn, signature, examples, seed)


def check_adaptive_max_pool2d(fn, *, signature=None, examples=40, seed=0):
    """Check adaptive max pooling against :func:`~convnet.functional.adaptive_max_pool2d`.

    Your function is called ``fn(x, output_size)`` and must return ``z``
    (N, C, Ho, Wo), the largest value of each window of
    :func:`check_adaptive_avg_pool2d` (Eq. R.4).  Arguments as there.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> from convnet.functional import adaptive_max_pool2d
    >>> from convnet.testing import check_adaptive_max_pool2d
    >>> check_adaptive_max_pool2d(adaptive_max_pool2d, examples=5)
    check_adaptive_max_pool2d: 3 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_adaptive_max_pool2d", ADAPTIVE_MAX, fn, signature, examples, seed)


def check_adaptive_pool_backward(fn, kind, *, signature=None, examples=40, seed=0):
    """Check an adaptive pooling backward against the library's (``kind``: "max" or "avg").

    Your function is called ``fn(dz, x, output_size)`` with ``dz`` (N, C,
    Ho, Wo) and must return dx (N, C, H, W).  Average: each window spreads
    dz / (its area) over its pixels (Eq. R.3); max: each window sends dz to
    its maximum, the first one (row-major) on ties, as PyTorch (Eq. R.5).
    A pixel in two windows collects both.  Arguments as in
    :func:`check_adaptive_avg_pool2d`.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`, and ``kind``: ``"max"`` or ``"avg"``.

    Examples
    --------
    >>> from convnet.functional import adaptive_max_pool2d_backward
    >>> from convnet.testing import check_adaptive_pool_backward
    >>> check_adaptive_pool_backward(adaptive_max_pool2d_backward, "max", examples=5)
    check_adaptive_pool_backward: 2 worked example(s) and 5 drawn case(s) passed
    """
    kind = one_of(kind, "kind", ("max", "avg"))
    operation = ADAPTIVE_MAX_BACKWARD if kind == "max" else ADAPTIVE_AVG_BACKWARD
    return run_check("check_adaptive_pool_backward", operation, fn, signature, examples, seed)


def check_upsample2d(fn, *, signature=None, examples=40, seed=0):
    """Check nearest-neighbour upsampling against :func:`~convnet.functional.upsample2d`.

    Your function is called ``fn(x, scale_factor)`` and must return ``z``
    (N, C, floor(H*s_r), floor(W*s_c)) whose pixel (p, q) copies
    ``x[..., min(floor(p / s_r), H - 1), min(floor(q / s_c), W - 1)]``
    (Eq. R.6; PyTorch's ``interpolate(mode="nearest")``).

    * ``x``: (N, C, H, W) float64.
    * ``scale_factor``: a number or a (rows, columns) pair; drawn from
      1, 2, 3, 0.5, 1.5 and 2.5 (factors for which PyTorch's float32
      index and the exact floor agree).

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> from convnet.functional import upsample2d
    >>> from convnet.testing import check_upsample2d
    >>> check_upsample2d(upsample2d, examples=5)
    check_upsample2d: 3 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_upsample2d", UPSAMPLE, fn, signature, examples, seed)


def check_upsample2d_backward(fn, *, signature=None, examples=40, seed=0):
    """Check the backward of nearest upsampling against :func:`~convnet.functional.upsample2d_backward`.

    Your function is called ``fn(dz, x, scale_factor)`` with ``dz`` the
    upsampled shape and must return dx (N, C, H, W): each input pixel
    collects the dz of every output pixel that copied it (Eq. R.7; for an
    integer factor, the sum over its block).  Arguments as in
    :func:`check_upsample2d`.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> from convnet.functional import upsample2d_backward
    >>> from convnet.testing import check_upsample2d_backward
    >>> check_upsample2d_backward(upsample2d_backward, examples=5)
    check_upsample2d_backward: 2 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_upsample2d_backward", UPSAMPLE_BACKWARD, fn, signature, examples,
                     seed)
