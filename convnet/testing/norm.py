"""Checkers for a student's batch normalisation (training mode) and group normalisation."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ._core import REQUIRED, Operation, Worked, run_check
from .catalogue import mistakes_for

__all__ = ["check_batch_norm", "check_batch_norm_backward", "check_group_norm",
           "check_group_norm_backward"]


def _strategy(backward, groups=False):
    def strategy(taken):
        from ._strategies import group_normalised, normalised
        return (group_normalised if groups else normalised)(taken, backward)
    return strategy


# By hand: one channel holding 1 and 3 has mean 2 and (biased) variance 1, so with eps = 0
# it normalises to -1 and 1; gamma = 2, beta = 5 make that 3 and 7.
TWO_VALUES = np.array([[1.0], [3.0]])                               # (N, C) = (2, 1)

BATCH_NORM = Operation(
    "batch_norm", (("x", REQUIRED), ("gamma", None), ("beta", None), ("eps", 1e-5)), ("z",),
    lambda x, gamma, beta, eps: (F.batch_norm(x, gamma, beta, eps=eps),),
    _strategy(False),
    (Worked("two values, 1 and 3: normalised to -1 and 1 (eps = 0)",
            dict(x=TWO_VALUES, eps=0.0), (np.array([[-1.0], [1.0]]),)),
     Worked("the same, scaled by gamma = 2 and shifted by beta = 5",
            dict(x=TWO_VALUES, gamma=np.array([2.0]), beta=np.array([5.0]), eps=0.0),
            (np.array([[3.0], [7.0]]),))),
    mistakes_for("batch_norm"))

# By hand (Eq. N.13): x̂ = [-1, 1], dz = [1, 1]: sum dz = 2, sum dz x̂ = 0, so
# dx = (1/2)(1/1)(2 dz - 2 - 0) = [0, 0]; dgamma = 0, dbeta = 2.  A constant dz shifts
# every output alike, which the normalisation undoes: no gradient reaches x.
BATCH_NORM_BACKWARD = Operation(
    "batch_norm_backward", (("dz", REQUIRED), ("x", REQUIRED), ("gamma", None), ("eps", 1e-5)),
    ("dx", "dgamma", "dbeta"),
    lambda dz, x, gamma, eps: _library_backward(dz, x, gamma, eps),
    _strategy(True),
    (Worked("a constant dz on two values: no gradient reaches x (eps = 0)",
            dict(dz=np.ones((2, 1)), x=TWO_VALUES, gamma=np.array([1.0]), eps=0.0),
            (np.zeros((2, 1)), np.zeros(1), np.array([2.0]))),),
    mistakes_for("batch_norm_backward"))


def _library_backward(dz, x, gamma, eps):
    channels = np.shape(x)[1]
    gamma = np.ones(channels) if gamma is None else gamma
    return F.batch_norm_backward(dz, x, gamma, np.zeros(channels), eps=eps)


def check_batch_norm(fn, *, signature=None, examples=40, seed=0):
    """Check a batch normalisation (training mode) against :func:`~convnet.functional.batch_norm`.

    Your function is called ``fn(x, gamma, beta, eps)`` and must return
    ``y``, the shape of ``x``: for each channel c, over its m = N*H*W values,
    ``y = gamma[c] (x - mean) / sqrt(var + eps) + beta[c]`` with the *biased*
    variance (Eq. N.1-N.4).  No running statistics.

    * ``x``: (N, C) or (N, C, H, W) float64 (NCHW: statistics over N, H, W).
    * ``gamma``, ``beta``: (C,), or None (scale 1, shift 0); ``eps``: a float.

    Worked examples by hand (two values per channel, eps = 0), then drawn
    cases with eps = 1e-5.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`: ``signature`` (e.g. ``("x",)`` for a
        function without gamma, beta and eps), ``examples``, ``seed``; a
        :class:`CheckResult`, or ``AssertionError`` with the report.

    Examples
    --------
    >>> from convnet.functional import batch_norm
    >>> from convnet.testing import check_batch_norm
    >>> check_batch_norm(lambda x, gamma, beta, eps: batch_norm(x, gamma, beta, eps=eps),
    ...                  examples=5)
    check_batch_norm: 2 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_batch_norm", BATCH_NORM, fn, signature, examples, seed)


def check_batch_norm_backward(fn, *, signature=None, examples=40, seed=0):
    """Check the backward of batch normalisation (training mode) against the library's.

    Your function is called ``fn(dz, x, gamma, eps)`` with ``dz`` the shape of
    ``x`` and must return ``(dx, dgamma, dbeta)``: dbeta = sum dz, dgamma =
    sum dz x̂, and dx = (1/m)(gamma/σ)(m dz - sum dz - x̂ sum dz x̂), the sums
    over each channel's m = N*H*W values (Eq. N.7, N.8, N.13).  ``gamma`` may
    be None (scale 1); dgamma and dbeta are (C,) all the same.  Arguments as
    in :func:`check_batch_norm`.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> from convnet.functional import batch_norm_backward
    >>> from convnet.testing import check_batch_norm_backward
    >>> def backward(dz, x, gamma, eps):
    ...     gamma = np.ones(x.shape[1]) if gamma is None else gamma
    ...     return batch_norm_backward(dz, x, gamma, np.zeros(x.shape[1]), eps=eps)
    >>> check_batch_norm_backward(backward, examples=5)
    check_batch_norm_backward: 1 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_batch_norm_backward", BATCH_NORM_BACKWARD, fn, signature, examples,
                     seed)


# By hand: one sample, channels (1, 3) and (10, 14) in two groups: means 2 and 12,
# variances 1 and 4, so both normalise to (-1, 1) (eps = 0).
# One group of channels [1, 1] and [3, 3] (layer norm): mean 2, variance 1, so -1 and 1;
# gamma = (2, 1), beta = (0, 10) make that -2 and 11.
FOUR_CHANNELS = np.array([[1.0, 3.0, 10.0, 14.0]])                    # (N, C) = (1, 4)
TWO_MAPS = np.array([[[1.0, 1.0], [3.0, 3.0]]])                       # (N, C, W) = (1, 2, 2)

GROUP_NORM = Operation(
    "group_norm", (("x", REQUIRED), ("num_groups", REQUIRED), ("gamma", None), ("beta", None),
                   ("eps", 1e-5)), ("z",),
    lambda x, num_groups, gamma, beta, eps: (F.group_norm(x, num_groups, gamma, beta, eps),),
    _strategy(False, groups=True),
    (Worked("two groups, (1, 3) and (10, 14): each normalised to (-1, 1) (eps = 0)",
            dict(x=FOUR_CHANNELS, num_groups=2, eps=0.0), (np.array([[-1.0, 1, -1, 1]]),)),
     Worked("one group over two maps [1, 1] and [3, 3], gamma (2, 1), beta (0, 10)",
            dict(x=TWO_MAPS, num_groups=1, gamma=np.array([2.0, 1.0]),
                 beta=np.array([0.0, 10.0]), eps=0.0),
            (np.array([[[-2.0, -2.0], [11.0, 11.0]]]),))),
    mistakes_for("group_norm"))

# By hand (Eq. N.13 over the group, m = 4): x̂ = (-1, -1, 1, 1), sigma = 1, dz = (1, 0, 0, 0):
# sum dz = 1, sum dz x̂ = -1, so dx = (1/4)(4 dz - 1 + x̂) = (0.5, -0.5, 0, 0);
# dgamma = dz x̂ = (-1, 0, 0, 0), dbeta = dz = (1, 0, 0, 0) (one sample, one position).
GROUP_NORM_BACKWARD = Operation(
    "group_norm_backward", (("dz", REQUIRED), ("x", REQUIRED), ("num_groups", REQUIRED),
                            ("gamma", None), ("eps", 1e-5)), ("dx", "dgamma", "dbeta"),
    lambda dz, x, num_groups, gamma, eps: _group_backward(dz, x, num_groups, gamma, eps),
    _strategy(True, groups=True),
    (Worked("layer norm (one group) of 1, 1, 3, 3 with dz = (1, 0, 0, 0) (eps = 0)",
            dict(dz=np.array([[1.0, 0, 0, 0]]), x=np.array([[1.0, 1, 3, 3]]), num_groups=1,
                 gamma=np.ones(4), eps=0.0),
            (np.array([[0.5, -0.5, 0, 0]]), np.array([-1.0, 0, 0, 0]),
             np.array([1.0, 0, 0, 0]))),),
    mistakes_for("group_norm_backward"))


def _group_backward(dz, x, num_groups, gamma, eps):
    channels = np.shape(x)[1]
    gamma = np.ones(channels) if gamma is None else gamma
    return F.group_norm_backward(dz, x, num_groups, gamma, np.zeros(channels), eps)


def check_group_norm(fn, *, signature=None, examples=40, seed=0):
    """Check a group normalisation against :func:`~convnet.functional.group_norm`.

    Your function is called ``fn(x, num_groups, gamma, beta, eps)``
    (PyTorch's order) and must return ``y``, the shape of ``x``: the C
    channels of each sample fall into ``num_groups`` groups of C/G
    consecutive channels, each group normalised by its own mean and biased
    variance over its channels and positions (Eq. N.1-N.3), then
    ``y = gamma[c] x̂ + beta[c]`` per channel (Eq. N.4).

    * ``x``: (N, C) or (N, C, ...) float64; ``num_groups``: a divisor of C.
    * ``gamma``, ``beta``: (C,), or None (scale 1, shift 0); ``eps``: a float.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> from convnet.functional import group_norm
    >>> from convnet.testing import check_group_norm
    >>> check_group_norm(group_norm, examples=5)
    check_group_norm: 2 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_group_norm", GROUP_NORM, fn, signature, examples, seed)


def check_group_norm_backward(fn, *, signature=None, examples=40, seed=0):
    """Check the backward of group normalisation against the library's.

    Your function is called ``fn(dz, x, num_groups, gamma, eps)`` and must
    return ``(dx, dgamma, dbeta)``: dx is Eq. N.13 over each group of each
    sample (m = C/G times the positions), dgamma = sum dz x̂ and dbeta =
    sum dz per channel, over the batch and positions (Eq. N.8, N.7).
    ``gamma`` may be None (scale 1); dgamma and dbeta are (C,) all the
    same.  Arguments as in :func:`check_group_norm`.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> from convnet.functional import group_norm_backward
    >>> from convnet.testing import check_group_norm_backward
    >>> def backward(dz, x, num_groups, gamma, eps):
    ...     gamma = np.ones(x.shape[1]) if gamma is None else gamma
    ...     return group_norm_backward(dz, x, num_groups, gamma, np.zeros(x.shape[1]), eps)
    >>> check_group_norm_backward(backward, examples=5)
    check_group_norm_backward: 1 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_group_norm_backward", GROUP_NORM_BACKWARD, fn, signature, examples,
                     seed)
