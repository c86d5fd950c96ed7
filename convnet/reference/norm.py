"""Batch norm and group norm as the sums of their derivation, one loop per index.

Both normalise a set S of m values (Eq. N.1-N.4 of ``docs/backprop.md``):
batch norm one channel over the batch and every position, group norm one
group of C / G channels of one sample.  Here a set is a list of indices
``(n, c, l)`` into ``x`` seen as (N, C, L), L = H*W the positions in
reading order, and every sum is a loop over it in Python floats.

The backward pass follows the computational graph, path by path, as the
derivation does before it simplifies: dβ, dγ (Eq. N.7, N.8), dx̂ (N.9), dσ²
(N.10), dμ (N.11) and dx from its three paths (N.12).  The plain and fast
engines compute the simplified Eq. N.13 instead, so these loops check the
simplification too.  The saved record is empty: the loops compute every
gradient from the inputs.
"""

from __future__ import annotations

import numpy as np

from .._checks import Saved
from .._checks_norm import (batch_norm_args, batch_norm_backward_args, group_norm_args,
                            group_norm_backward_args, norm_saved)

__all__ = ["batch_norm", "batch_norm_backward", "group_norm", "group_norm_backward"]

ENGINE = "reference"


def _channel_set(shape, c: int) -> list:
    """Batch norm's set for channel c: every sample n and position l."""
    batch, _, positions = shape
    return [(n, c, l) for n in range(batch) for l in range(positions)]


def _group_set(shape, n: int, g: int, per_group: int) -> list:
    """Group norm's set for sample n and group g: its channels and every position."""
    positions = shape[2]
    return [(n, c, l) for c in range(g * per_group, (g + 1) * per_group)
            for l in range(positions)]


def _moments(x, where: list) -> tuple:
    """``(mu, var)`` of the set: Eq. N.1 and the biased Eq. N.2."""
    m = len(where)
    mu = sum(float(x[i]) for i in where) / m                                  # Eq. N.1
    var = sum((float(x[i]) - mu) * (float(x[i]) - mu) for i in where) / m     # Eq. N.2
    return mu, var


def _sigma(var: float, eps: float):
    """σ = sqrt(var + eps) as a NumPy float: with eps = 0 a constant set divides by 0 (inf, NaN)."""
    return np.sqrt(np.float64(var + eps))


def _normalise(x, y, where: list, mu: float, var: float, eps: float, gamma, beta) -> None:
    """Eq. N.3-N.4 for every index of the set, written into ``y``."""
    sigma = _sigma(var, eps)
    for n, c, l in where:
        x_hat = (float(x[n, c, l]) - mu) / sigma                                # Eq. N.3
        scale = 1.0 if gamma is None else float(gamma[c])
        shift = 0.0 if beta is None else float(beta[c])
        y[n, c, l] = scale * x_hat + shift                                      # Eq. N.4


def _as_sets(x):
    """``x`` (N, C, ...) as (N, C, L)."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def batch_norm(x, gamma=None, beta=None, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5, *, return_saved=False):
    """Eq. N.1-N.6 per channel, one loop per index; the running statistics by Eq. N.5."""
    a = batch_norm_args(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                        return_saved)
    x3 = _as_sets(a.x)
    y = np.empty(x3.shape, dtype=a.x.dtype)
    for c in range(x3.shape[1]):
        where = _channel_set(x3.shape, c)
        if a.training:
            mu, var = _moments(x3, where)
            if a.running_mean is not None:                                      # Eq. N.5
                m = len(where)
                a.running_mean[c] = ((1 - a.momentum) * float(a.running_mean[c])
                                     + a.momentum * mu)
                a.running_var[c] = ((1 - a.momentum) * float(a.running_var[c])
                                    + a.momentum * var * m / (m - 1))
        else:
            mu, var = float(a.running_mean[c]), float(a.running_var[c])          # Eq. N.6
        _normalise(x3, y, where, mu, var, a.eps, a.gamma, a.beta)
    y = y.reshape(a.x.shape)
    if return_saved:
        return y, Saved(ENGINE, "batch_norm", a.key, ())
    return y


def _set_gradient(dz, x, dx, where: list, mu: float, var: float, eps: float, gamma) -> None:
    """dx over one set along the computational graph: Eq. N.9-N.12 (into ``dx``)."""
    m, sigma = len(where), _sigma(var, eps)
    dx_hat = {i: float(dz[i]) * (1.0 if gamma is None else float(gamma[i[1]]))
              for i in where}                                                   # Eq. N.9
    dvar = sum(dx_hat[i] * (float(x[i]) - mu) for i in where) * -0.5 * sigma ** -3   # N.10
    dmu = (sum(-dx_hat[i] / sigma for i in where)
           + dvar * sum(-2.0 * (float(x[i]) - mu) for i in where) / m)         # Eq. N.11
    for i in where:
        dx[i] = dx_hat[i] / sigma + dvar * 2.0 * (float(x[i]) - mu) / m + dmu / m  # Eq. N.12


def _affine_gradients(dz, x, stats: dict, eps: float, gamma, beta):
    """dγ (Eq. N.8) and dβ (Eq. N.7) per channel; ``stats[(n, c)]`` is the (mu, var) of x[n, c]."""
    batch, channels, positions = x.shape
    dgamma = None if gamma is None else np.zeros(channels, dtype=x.dtype)
    dbeta = None if beta is None else np.zeros(channels, dtype=x.dtype)
    for c in range(channels):
        total_dz = total_dz_x_hat = 0.0
        for n in range(batch):
            mu, var = stats[n, c]
            for l in range(positions):
                x_hat = (float(x[n, c, l]) - mu) / _sigma(var, eps)               # Eq. N.3
                total_dz += float(dz[n, c, l])
                total_dz_x_hat += float(dz[n, c, l]) * x_hat
        if gamma is not None:
            dgamma[c] = total_dz_x_hat                                          # Eq. N.8
        if beta is not None:
            dbeta[c] = total_dz                                                 # Eq. N.7
    return dgamma, dbeta


def batch_norm_backward(dz, x, gamma=None, beta=None, running_mean=None, running_var=None,
                        training=True, eps=1e-5, *, saved=None, input_gradient=True):
    """``(dx, dgamma, dbeta)`` by the loops of the graph (Eq. N.7-N.12); N.14 in evaluation."""
    a = batch_norm_backward_args(dz, x, gamma, beta, running_mean, running_var, training, eps,
                                 input_gradient)
    if saved is not None:
        norm_saved(saved, "batch_norm", ENGINE, a)
    x3, dz3 = _as_sets(a.x), _as_sets(a.dz)
    dx = np.zeros(x3.shape, dtype=a.x.dtype)
    stats = {}
    for c in range(x3.shape[1]):
        where = _channel_set(x3.shape, c)
        if a.training:
            mu, var = _moments(x3, where)
            _set_gradient(dz3, x3, dx, where, mu, var, a.eps, a.gamma)          # Eq. N.12
        else:                  # the running statistics are constants: only the direct path
            mu, var = float(a.running_mean[c]), float(a.running_var[c])
            scale = 1.0 if a.gamma is None else float(a.gamma[c])
            for i in where:
                dx[i] = scale * float(dz3[i]) / _sigma(var, a.eps)              # Eq. N.14
        stats.update({(n, c): (mu, var) for n in range(x3.shape[0])})
    dgamma, dbeta = _affine_gradients(dz3, x3, stats, a.eps, a.gamma, a.beta)
    return (dx.reshape(a.x.shape) if input_gradient else None), dgamma, dbeta


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5, *, return_saved=False):
    """Eq. N.1-N.4 over each group of each sample, one loop per index."""
    a = group_norm_args(x, num_groups, gamma, beta, eps, return_saved)
    x3 = _as_sets(a.x)
    y = np.empty(x3.shape, dtype=a.x.dtype)
    per_group = x3.shape[1] // a.num_groups
    for n in range(x3.shape[0]):
        for g in range(a.num_groups):
            where = _group_set(x3.shape, n, g, per_group)
            _normalise(x3, y, where, *_moments(x3, where), a.eps, a.gamma, a.beta)
    y = y.reshape(a.x.shape)
    if return_saved:
        return y, Saved(ENGINE, "group_norm", a.key, ())
    return y


def group_norm_backward(dz, x, num_groups, gamma=None, beta=None, eps=1e-5, *, saved=None,
                        input_gradient=True):
    """``(dx, dgamma, dbeta)``: the loops of the graph over each group (Eq. N.7-N.12)."""
    a = group_norm_backward_args(dz, x, num_groups, gamma, beta, eps, input_gradient)
    if saved is not None:
        norm_saved(saved, "group_norm", ENGINE, a)
    x3, dz3 = _as_sets(a.x), _as_sets(a.dz)
    dx = np.zeros(x3.shape, dtype=a.x.dtype)
    per_group = x3.shape[1] // a.num_groups
    stats = {}
    for n in range(x3.shape[0]):
        for g in range(a.num_groups):
            where = _group_set(x3.shape, n, g, per_group)
            mu, var = _moments(x3, where)
            _set_gradient(dz3, x3, dx, where, mu, var, a.eps, a.gamma)          # Eq. N.12
            stats.update({(n, c): (mu, var) for c in range(g * per_group, (g + 1) * per_group)})
    dgamma, dbeta = _affine_gradients(dz3, x3, stats, a.eps, a.gamma, a.beta)
    return (dx.reshape(a.x.shape) if input_gradient else None), dgamma, dbeta
