"""Argument checks of the normalisations (batch norm, group norm), shared by the three engines.

As in :mod:`convnet._checks`: each engine's function calls one of these
first and trusts what it gets back, so that the three engines accept and
refuse the same arguments with the same messages.  The checked arguments come
back as a :class:`NormArgs` record.

The running statistics of batch normalisation are *updated in place* in
training mode (as ``torch.nn.functional.batch_norm`` does): there they must
be writable float ndarrays, and they are returned unconverted so that the
engine writes into the caller's arrays.  In evaluation mode they are only
read, and any real array of the right shape will do.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._budget import refuse_beyond_budget
from ._checks import common_dtype, saved_contents
from ._validate import boolean, describe, fail, integer, real_array, real_number, same_shape

__all__ = ["NormArgs", "batch_norm_args", "batch_norm_backward_args", "group_norm_args",
           "group_norm_backward_args", "norm_saved"]


class NormArgs(NamedTuple):
    """The checked arguments of a normalisation, forward or backward.

    ``x``, ``gamma``, ``beta`` (and ``dz`` in a backward pass) share one float
    dtype; ``gamma`` and ``beta`` are (C,) or None.  ``running_mean`` and
    ``running_var`` are the caller's own arrays in training mode (to be
    updated in place) and (C,) arrays of the common dtype in evaluation mode;
    ``num_groups`` is None for batch normalisation.
    """

    x: np.ndarray
    gamma: np.ndarray | None
    beta: np.ndarray | None
    running_mean: np.ndarray | None
    running_var: np.ndarray | None
    training: bool
    momentum: float
    eps: float
    num_groups: int | None = None
    dz: np.ndarray | None = None

    @property
    def key(self) -> tuple:
        """What a saved record of this call is valid for."""
        return self.x.shape, self.training, self.eps, self.num_groups


def _describe_key(key) -> str:
    shape, training, eps, groups = key
    mode = f"num_groups={groups}" if groups is not None else f"training={training}"
    return f"x {shape}, {mode}, eps={eps:g}"


def norm_saved(saved, operation: str, engine: str, args: NormArgs):
    """The contents of ``saved``, checked to come from ``operation`` on these arguments."""
    return saved_contents(saved, operation, engine, args.key, _describe_key)


def _input(x, dz=None, backward: bool = False):
    """``x`` (N, C, ...) with at least two axes, within the memory budget; ``dz`` of its shape."""
    x = real_array(x, "x", ndim=range(2, 33), layout="(N, C, ...)")
    if backward:
        dz = real_array(dz, "dz", ndim=range(2, 33), layout="(N, C, ...)")
    size = int(np.prod(x.shape, dtype=object))
    itemsize = max(a.dtype.itemsize for a in (x, dz) if a is not None)
    refuse_beyond_budget([("x", "the output (as large as x)", size * itemsize)])
    if backward:
        same_shape(dz, "dz", x.shape, "the shape of x")
    return x, dz


def _affine(x, gamma, beta):
    """``gamma`` and ``beta``: None or one number per channel of ``x``."""
    channels = x.shape[1]
    checked = []
    for value, name in ((gamma, "gamma"), (beta, "beta")):
        if value is not None:
            value = real_array(value, name, ndim=1, layout="(C,)")
            same_shape(value, name, (channels,), f"one per channel of x {x.shape}")
        checked.append(value)
    return checked


def _numbers(training, momentum, eps):
    training = boolean(training, "training")
    momentum = real_number(momentum, "momentum", minimum=0.0, maximum=1.0)
    eps = real_number(eps, "eps", minimum=0.0)         # 0 as in PyTorch: exact hand examples
    return training, momentum, eps


def _running(x, running_mean, running_var, training: bool, dtype, updated: bool):
    """The running statistics: the caller's own arrays if ``updated`` (in place), else (C,) copies.

    Both or neither; required in evaluation mode (not ``training``).
    """
    if (running_mean is None) != (running_var is None):
        given, missing = (("running_mean", "running_var") if running_var is None
                          else ("running_var", "running_mean"))
        fail(missing, f"an array when {given} is given (both or neither)", None)
    channels = x.shape[1]
    if running_mean is None:
        if not training:
            fail("running_mean", f"an array of shape ({channels},) in evaluation mode "
                 "(training=False), which normalises by the running statistics", None)
        return None, None
    checked = []
    for value, name in ((running_mean, "running_mean"), (running_var, "running_var")):
        if updated:
            if not isinstance(value, np.ndarray) or value.dtype not in (np.float32, np.float64):
                fail(name, "a float32 or float64 ndarray (training mode updates it in place)",
                     value, error=TypeError)
            if value.ndim != 1:
                fail(name, f"a 1-D array ({channels},)", value, given=f"shape {value.shape}")
        else:
            value = real_array(value, name, ndim=1, layout="(C,)")
        same_shape(value, name, (channels,), f"one per channel of x {x.shape}")
        if updated and not value.flags.writeable:
            fail(name, "writable (training mode updates it in place)", value,
                 given=f"a read-only {describe(value)}")
        checked.append(value if updated else value.astype(dtype, copy=False))
    return tuple(checked)


def _values_per_channel(x, training: bool) -> None:
    """Training needs more than one value per channel, as in PyTorch (else the variance is 0/0)."""
    count = x.shape[0] * int(np.prod(x.shape[2:], dtype=object))
    if training and count <= 1:
        fail("x", "more than 1 value per channel when training (N * H * W > 1, as PyTorch "
             "requires: the unbiased running variance divides by N * H * W - 1)", x,
             given=f"shape {x.shape}")


def batch_norm_args(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                    return_saved=False) -> NormArgs:
    """The checked arguments of ``batch_norm``."""
    boolean(return_saved, "return_saved")
    x, _ = _input(x)
    training, momentum, eps = _numbers(training, momentum, eps)
    gamma, beta = _affine(x, gamma, beta)
    x, gamma, beta = common_dtype(x, gamma, beta)
    running_mean, running_var = _running(x, running_mean, running_var, training, x.dtype,
                                         updated=training)
    _values_per_channel(x, training)
    return NormArgs(x, gamma, beta, running_mean, running_var, training, momentum, eps)


def batch_norm_backward_args(dz, x, gamma, beta, running_mean, running_var, training, eps,
                             input_gradient) -> NormArgs:
    """The checked arguments of ``batch_norm_backward`` (momentum plays no part: 0)."""
    boolean(input_gradient, "input_gradient")
    x, dz = _input(x, dz, backward=True)
    training, _, eps = _numbers(training, 0.0, eps)
    gamma, beta = _affine(x, gamma, beta)
    dz, x, gamma, beta = common_dtype(dz, x, gamma, beta)
    running_mean, running_var = _running(x, running_mean, running_var, training, x.dtype,
                                         updated=False)
    if training:              # the batch's own statistics: the running ones play no part
        running_mean = running_var = None
    _values_per_channel(x, training)
    return NormArgs(x, gamma, beta, running_mean, running_var, training, 0.0, eps, dz=dz)


def _groups(x, num_groups) -> int:
    num_groups = integer(num_groups, "num_groups", minimum=1)
    if x.shape[1] % num_groups:
        fail("num_groups", f"a divisor of the {x.shape[1]} channels of x {x.shape} (each "
             "group normalises C / num_groups whole channels)", num_groups)
    return num_groups


def _groups_of_one(x, num_groups: int) -> None:
    """PyTorch's check: a batch whose one group holds one value (N * C/G * H * W = 1) is refused."""
    if x.shape[0] * x.size // x.shape[0] // num_groups <= 1:
        fail("x", "more than 1 value per group over the batch (N * C/num_groups * H * W > 1, "
             "as PyTorch requires)", x, given=f"shape {x.shape} with num_groups={num_groups}")


def group_norm_args(x, num_groups, gamma, beta, eps, return_saved=False) -> NormArgs:
    """The checked arguments of ``group_norm`` (always the sample's own statistics)."""
    boolean(return_saved, "return_saved")
    x, _ = _input(x)
    num_groups = _groups(x, num_groups)
    _groups_of_one(x, num_groups)
    _, _, eps = _numbers(True, 0.0, eps)
    gamma, beta = _affine(x, gamma, beta)
    x, gamma, beta = common_dtype(x, gamma, beta)
    return NormArgs(x, gamma, beta, None, None, True, 0.0, eps, num_groups)


def group_norm_backward_args(dz, x, num_groups, gamma, beta, eps, input_gradient) -> NormArgs:
    """The checked arguments of ``group_norm_backward``."""
    boolean(input_gradient, "input_gradient")
    x, dz = _input(x, dz, backward=True)
    num_groups = _groups(x, num_groups)
    _groups_of_one(x, num_groups)
    _, _, eps = _numbers(True, 0.0, eps)
    gamma, beta = _affine(x, gamma, beta)
    dz, x, gamma, beta = common_dtype(dz, x, gamma, beta)
    return NormArgs(x, gamma, beta, None, None, True, 0.0, eps, num_groups, dz)
