"""The plain tier's normalisations: batch norm and group norm, forward and backward.

Both normalise a set S of m values to mean 0 and variance 1 and then scale
and shift each channel (Eq. N.1-N.4 of ``docs/backprop.md``); they differ
only in the set.  Batch norm: one channel over the batch and every position,
``x`` (N, C, ...) reduced over every axis but the channels.  Group norm: one
group of C / G channels of one sample, ``x`` reshaped to (N, G, C/G * ...)
and reduced over its last axis.  The backward pass is the compact form
Eq. N.13, written once (:func:`normalisation_input_gradient`) for both.
"""

from __future__ import annotations

import numpy as np

from ..._checks_norm import (batch_norm_args, batch_norm_backward_args, group_norm_args,
                             group_norm_backward_args, norm_saved)
from ..._checks import Saved

__all__ = ["batch_norm", "batch_norm_backward", "group_norm", "group_norm_backward",
           "normalisation_input_gradient", "group_statistics", "update_running"]

ENGINE = "plain"


def per_channel(v, ndim: int):
    """A (C,) vector as (1, C, 1, ..., 1), to broadcast against (N, C, ...)."""
    return v.reshape(1, -1, *([1] * (ndim - 2)))


def _scale_and_shift(x_hat, gamma, beta):
    """Eq. N.4: ``y = gamma * x_hat + beta``, one gamma and one beta per channel (new array)."""
    y = x_hat if gamma is None else x_hat * per_channel(gamma, x_hat.ndim)      # (N, C, ...)
    y = y if beta is None else y + per_channel(beta, x_hat.ndim)                # Eq. N.4
    return y.copy() if y is x_hat else y


def _affine_gradients(dz, x_hat, gamma, beta):
    """``(dgamma, dbeta)``: Eq. N.8 and N.7, summed over every axis but the channels."""
    axes = (0, *range(2, dz.ndim))
    dgamma = None if gamma is None else (dz * x_hat).sum(axis=axes)              # Eq. N.8
    dbeta = None if beta is None else dz.sum(axis=axes)                          # Eq. N.7
    return dgamma, dbeta


def normalisation_input_gradient(dx_hat, x_hat, inv_std, axes):
    """Eq. N.13: ``dx = (1/σ) (dx̂ - mean dx̂ - x̂ mean(dx̂ x̂))``, means over the ``axes``."""
    return inv_std * (dx_hat - dx_hat.mean(axis=axes, keepdims=True)
                      - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True))  # Eq. N.13


def update_running(running_mean, running_var, mean, var, count: int, momentum: float):
    """Eq. N.5, in place: the running mean and the *unbiased* running variance."""
    running_mean *= 1 - momentum
    running_mean += momentum * mean                                              # Eq. N.5
    running_var *= 1 - momentum
    running_var += momentum * var * (count / (count - 1))                        # Eq. N.5


def _normalised(x, mean, var, eps: float):
    """``(x_hat, inv_std)``: Eq. N.3 with a (C,) mean and variance; inv_std = 1/σ, (C,).

    Computed in the precision of the statistics (float64 for a batch's own, see
    :func:`moments`); the results keep x's dtype.
    """
    inv_std = 1 / np.sqrt(var + eps)                                             # (C,)
    x_hat = (x - per_channel(mean, x.ndim)) * per_channel(inv_std, x.ndim)        # Eq. N.3
    return x_hat.astype(x.dtype, copy=False), inv_std.astype(x.dtype, copy=False)


def moments(x, axes):
    """The mean (Eq. N.1) and biased variance (Eq. N.2) over ``axes``, kept, in float64.

    In float64 whatever x's dtype: a channel or group may hold two float32 values
    near 30 a hundredth apart, and a float32 mean (rounded to 2e-6) would then
    cost x̂ three digits.
    """
    mean = x.mean(axis=axes, keepdims=True, dtype=np.float64)                    # Eq. N.1
    return mean, ((x - mean) ** 2).mean(axis=axes, keepdims=True)               # Eq. N.2


def _batch_moments(x):
    """The batch's mean and biased variance of every channel, (C,) each, in float64."""
    mean, var = moments(x, (0, *range(2, x.ndim)))    # every axis but the channels
    return mean.reshape(-1), var.reshape(-1)


def batch_norm(x, gamma=None, beta=None, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5, *, return_saved=False):
    """Eq. N.1-N.6: each channel normalised over the batch and every position, then scaled."""
    a = batch_norm_args(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                        return_saved)
    if a.training:
        mean, var = _batch_moments(a.x)                                          # Eq. N.1-N.2
        if a.running_mean is not None:
            update_running(a.running_mean, a.running_var, mean, var,
                           a.x.size // a.x.shape[1], a.momentum)                 # Eq. N.5
    else:
        mean, var = a.running_mean, a.running_var                                # Eq. N.6
    x_hat, inv_std = _normalised(a.x, mean, var, a.eps)                          # Eq. N.3
    y = _scale_and_shift(x_hat, a.gamma, a.beta)                                 # Eq. N.4
    if return_saved:
        return y, Saved(ENGINE, "batch_norm", a.key, (x_hat, inv_std))
    return y


def batch_norm_backward(dz, x, gamma=None, beta=None, running_mean=None, running_var=None,
                        training=True, eps=1e-5, *, saved=None, input_gradient=True):
    """``(dx, dgamma, dbeta)``: Eq. N.13 in training (Eq. N.14 in evaluation), N.8, N.7."""
    a = batch_norm_backward_args(dz, x, gamma, beta, running_mean, running_var, training, eps,
                                 input_gradient)
    dz = a.dz                                                                    # (N, C, ...)
    if saved is not None:
        x_hat, inv_std = norm_saved(saved, "batch_norm", ENGINE, a)
    elif a.training:                           # the forward pass again, without the update
        x_hat, inv_std = _normalised(a.x, *_batch_moments(a.x), a.eps)
    else:
        x_hat, inv_std = _normalised(a.x, a.running_mean, a.running_var, a.eps)
    dgamma, dbeta = _affine_gradients(dz, x_hat, a.gamma, a.beta)
    if not input_gradient:
        return None, dgamma, dbeta
    dx_hat = dz if a.gamma is None else dz * per_channel(a.gamma, dz.ndim)       # Eq. N.9
    inv_std = per_channel(inv_std, dz.ndim)                                      # (1, C, 1, 1)
    if not a.training:                         # the running statistics are constants
        return dx_hat * inv_std, dgamma, dbeta                                   # Eq. N.14
    axes = (0, *range(2, dz.ndim))
    return normalisation_input_gradient(dx_hat, x_hat, inv_std, axes), dgamma, dbeta  # N.13


def group_statistics(x, num_groups: int, eps: float):
    """``(x_hat, inv_std)``: each sample's groups normalised (Eq. N.1-N.3); inv_std (N, G, 1)."""
    groups = x.reshape(x.shape[0], num_groups, -1)                               # (N, G, C/G*L)
    mean, var = moments(groups, 2)                                # Eq. N.1-N.2, in float64
    inv_std = 1 / np.sqrt(var + eps)                                            # (N, G, 1)
    x_hat = ((groups - mean) * inv_std).astype(x.dtype).reshape(x.shape)         # Eq. N.3
    return x_hat, inv_std.astype(x.dtype)


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5, *, return_saved=False):
    """Eq. N.1-N.4 over each group of C / G channels of each sample, then scaled per channel."""
    a = group_norm_args(x, num_groups, gamma, beta, eps, return_saved)
    x_hat, inv_std = group_statistics(a.x, a.num_groups, a.eps)                 # (N, C, ...)
    y = _scale_and_shift(x_hat, a.gamma, a.beta)                                 # Eq. N.4
    if return_saved:
        return y, Saved(ENGINE, "group_norm", a.key, (x_hat, inv_std))
    return y


def group_norm_backward(dz, x, num_groups, gamma=None, beta=None, eps=1e-5, *, saved=None,
                        input_gradient=True):
    """``(dx, dgamma, dbeta)``: Eq. N.13 over each group, N.8 and N.7 over N and positions."""
    a = group_norm_backward_args(dz, x, num_groups, gamma, beta, eps, input_gradient)
    if saved is not None:
        x_hat, inv_std = norm_saved(saved, "group_norm", ENGINE, a)
    else:
        x_hat, inv_std = group_statistics(a.x, a.num_groups, a.eps)
    dz = a.dz
    dgamma, dbeta = _affine_gradients(dz, x_hat, a.gamma, a.beta)
    if not input_gradient:
        return None, dgamma, dbeta
    dx_hat = dz if a.gamma is None else dz * per_channel(a.gamma, dz.ndim)       # Eq. N.9
    in_groups = (dz.shape[0], a.num_groups, -1)                                  # (N, G, C/G*L)
    dx = normalisation_input_gradient(dx_hat.reshape(in_groups), x_hat.reshape(in_groups),
                                      inv_std, axes=2)                           # Eq. N.13
    return dx.reshape(dz.shape), dgamma, dbeta
