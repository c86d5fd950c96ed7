"""The fast engine's batch norm: the plain formulas in as few passes over memory as NumPy allows.

Batch norm is memory-bound: each step of the plain tier reads or writes an
array as large as x, and the tier takes about eight such steps each way.
Here x is seen as rows, each row one channel of one sample (:class:`_Rows`),
so that every reduction runs along contiguous memory, and the formulas are
rearranged to touch each large array as few times as possible:

* Statistics in one pass: ``sum x`` and ``sum x^2`` of every row by
  ``einsum`` and ``vecdot`` (float32 partial sums for float32 data, added up
  per channel in float64), ``var = sum x^2 / m - mu^2``.  That difference
  cancels when the mean is large against the spread, so where some channel has
  ``mu^2 > FAR * var`` the variance is computed again from ``t = x - mu``
  (the corrected two-pass formula ``(sum t^2 - (sum t)^2 / m) / m``) and
  every later step works with ``x - mu`` instead of x ("centred").
* Forward: ``y = x * (gamma/σ) + (beta - mu gamma/σ)``, block by block: each
  block of y is written to memory once and finished in the cache (with
  ``x - mu`` first when centred).  Only (mu, 1/σ) per channel is kept for the backward pass,
  as PyTorch does, not x̂ (as large as x).
* Backward: ``sum dz`` and ``sum dz * x`` in one pass each, then Eq. N.13
  rewritten per channel as ``dx = a dz + b x + c`` with ``a = gamma/σ``,
  ``b = -(gamma/σ) (sum dz x̂) / (m σ)`` and ``c = -(gamma/σ) (sum dz) / m - b mu``,
  block by block as the forward pass.

Arrays of two axes (N, C) (batch norm after a dense layer: small) and group
norm run the plain tier's code (:mod:`convnet.functional.plain.norm`).
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved
from ..._checks_norm import batch_norm_args, batch_norm_backward_args, norm_saved
from ..plain import norm as plain
from ..plain.norm import group_norm, group_norm_backward
from .gather import new_array
from .memory import Scratch

__all__ = ["batch_norm", "batch_norm_backward", "group_norm", "group_norm_backward"]

ENGINE = "fast"
BLOCK = 1 << 18        # elements of a block of rows (1 MiB of float32: it stays in the L2 cache)
FAR = 16.0    # mu^2 > FAR var: the one-pass variance would lose more than ~1e-5 to cancellation


def _row_dots(a, b):
    """``sum_j a[i, j] b[i, j]`` per row: NumPy 2's vecdot (0.21 ms on (2048, 1024) float32,
    einsum 0.39 ms), einsum before NumPy 2."""
    vecdot = getattr(np, "vecdot", None)
    return np.einsum("ij,ij->i", a, b) if vecdot is None else vecdot(a, b)


class _Rows:
    """x (N, C, ...) as 2-D rows of contiguous memory, each row one channel of one sample.

    An array stored channels first (the fast convolutions hand on their
    output so) gives rows ordered channel by channel (row r of channel
    r // N); any other, sample by sample (row r of channel r % C).  Either
    is a copy if x has gaps in that order.  New arrays are made in the same
    order (:meth:`new`), so that the next layer sees the layout it would
    have seen without this one.
    """

    def __init__(self, x: np.ndarray, channels_first: bool | None = None):
        n, c = x.shape[:2]
        if channels_first is None:          # channels first in memory, even with gaps
            channels_first = x.ndim > 2 and x.strides[1] > x.strides[0] > 0
        self.channels_first, self.samples = channels_first, n
        moved = x.swapaxes(0, 1) if channels_first else x
        self.rows = np.ascontiguousarray(moved).reshape(n * c, -1)                # (N*C, L)
        self.block_rows = min(n * c, max(1, BLOCK // self.rows.shape[1]))
        self.blocks = [slice(start, start + self.block_rows)
                       for start in range(0, n * c, self.block_rows)]

    def per_row(self, values, dtype) -> np.ndarray:
        """A (C,) vector as one value per row, (N*C,), in ``dtype``."""
        values = np.asarray(values, dtype=dtype)
        return np.repeat(values, self.samples) if self.channels_first else \
            np.tile(values, self.samples)

    def sums(self, a, b=None) -> np.ndarray:
        """``sum a`` (or ``sum a * b``) over each channel's values: (C,) float64.

        Partial sums per row in the data's dtype, added up per channel in float64.
        """
        partial = np.einsum("ij->i", a) if b is None else _row_dots(a, b)
        if self.channels_first:
            return partial.reshape(-1, self.samples).sum(axis=1, dtype=np.float64)
        return partial.reshape(self.samples, -1).sum(axis=0, dtype=np.float64)

    def new(self, x: np.ndarray, name: str) -> tuple:
        """A new array of x's shape (work memory in a training step), and its rows (a view)."""
        n, c, *rest = x.shape
        if not self.channels_first:
            out = new_array(x.shape, x.dtype, name=name)                         # (N, C, ...)
            return out, out.reshape(n * c, -1)
        out = new_array((c, n, *rest), x.dtype, name=name)                       # (C, N, ...)
        return out.swapaxes(0, 1), out.reshape(n * c, -1)


def _moments(x: _Rows, count: int, scratch):
    """``(mu, var, centred)`` of every channel (float64, (C,)): one pass, two if far from 0."""
    mean = x.sums(x.rows) / count                                            # Eq. N.1
    var = np.maximum(x.sums(x.rows, x.rows) / count - mean * mean, 0)         # Eq. N.2
    centred = bool(np.any(mean * mean > FAR * var))
    if centred:                              # the corrected two-pass variance
        t = scratch.get("x - mu", x.rows.shape, x.rows.dtype)
        np.subtract(x.rows, x.per_row(mean, x.rows.dtype)[:, None], out=t)
        sum_t = x.sums(t)
        var = np.maximum(x.sums(t, t) - sum_t * sum_t / count, 0) / count      # Eq. N.2
        mean = mean + sum_t / count
    return mean, var, centred


def _affine(out, x: _Rows, mean, centred: bool, scale, shift, scratch, add=None) -> None:
    """``out = (x - mu) * scale + shift (+ add[0] * add[1])`` per channel, into the rows ``out``.

    Block by block, so that each block of ``out`` is written to memory once
    and then stays in the cache.  Not centred: ``x * scale + (shift - mu *
    scale)``.  The forward pass's Eq. N.3-N.4 (no ``add``), and the backward
    pass's Eq. N.13 as ``dx = (x - mu) b + c + dz a`` (``add = (dz rows, a)``).
    """
    dtype = x.rows.dtype
    if not centred:
        shift = -mean * scale if shift is None else shift - mean * scale
    mean, scale = x.per_row(mean, dtype)[:, None], x.per_row(scale, dtype)
    shift = None if shift is None else x.per_row(shift, dtype)[:, None]
    if add is not None:
        add_scale = x.per_row(add[1], dtype)
        work = scratch.get("dz a", (x.block_rows, x.rows.shape[1]), dtype)
    for block in x.blocks:
        part = out[block]
        if centred:
            np.subtract(x.rows[block], mean[block], out=part)
            part *= scale[block, None]
        else:
            np.einsum("ij,i->ij", x.rows[block], scale[block], out=part)
        if shift is not None:
            part += shift[block]
        if add is not None:
            part += np.einsum("ij,i->ij", add[0][block], add_scale[block],
                              out=work[:part.shape[0]])


def batch_norm(x, gamma=None, beta=None, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5, *, return_saved=False):
    """Eq. N.1-N.6 in three passes over x (training) or two (evaluation)."""
    a = batch_norm_args(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                        return_saved)
    if a.x.ndim == 2:                          # (N, C): small; the plain tier is as fast
        return plain.batch_norm(a.x, a.gamma, a.beta, a.running_mean, a.running_var,
                                a.training, a.momentum, a.eps, return_saved=return_saved)
    rows, count = _Rows(a.x), a.x.size // a.x.shape[1]
    with Scratch() as scratch:
        if a.training:
            mean, var, centred = _moments(rows, count, scratch)
            if a.running_mean is not None:
                plain.update_running(a.running_mean, a.running_var, mean, var, count,
                                     a.momentum)                             # Eq. N.5
        else:
            mean, var = a.running_mean.astype(np.float64), a.running_var.astype(np.float64)
            centred = bool(np.any(mean * mean > FAR * var))                  # Eq. N.6
        inv_std = 1 / np.sqrt(var + a.eps)                                   # (C,): 1/σ
        scale = inv_std if a.gamma is None else inv_std * a.gamma
        y, y_rows = rows.new(a.x, "output")
        _affine(y_rows, rows, mean, centred, scale, a.beta, scratch)         # Eq. N.3-N.4
    if return_saved:
        return y, Saved(ENGINE, "batch_norm", a.key, (mean, inv_std, centred))
    return y


def batch_norm_backward(dz, x, gamma=None, beta=None, running_mean=None, running_var=None,
                        training=True, eps=1e-5, *, saved=None, input_gradient=True):
    """``(dx, dgamma, dbeta)`` in four passes over the arrays (two reductions, two for dx)."""
    a = batch_norm_backward_args(dz, x, gamma, beta, running_mean, running_var, training, eps,
                                 input_gradient)
    if a.x.ndim == 2:
        return plain.batch_norm_backward(a.dz, a.x, a.gamma, a.beta, a.running_mean,
                                         a.running_var, a.training, a.eps, saved=saved,
                                         input_gradient=input_gradient)
    rows, count = _Rows(a.x), a.x.size // a.x.shape[1]
    dz_rows = _Rows(a.dz, rows.channels_first).rows
    with Scratch() as scratch:
        if saved is not None:
            mean, inv_std, centred = norm_saved(saved, "batch_norm", ENGINE, a)
        else:
            mean, var, centred = (_moments(rows, count, scratch) if a.training else
                                  (a.running_mean.astype(np.float64),
                                   a.running_var.astype(np.float64), True))
            inv_std = 1 / np.sqrt(var + a.eps)
        sum_dz = rows.sums(dz_rows)                                          # Eq. N.7
        if centred:
            t = scratch.get("x - mu", rows.rows.shape, rows.rows.dtype)
            np.subtract(rows.rows, rows.per_row(mean, t.dtype)[:, None], out=t)
            sum_dz_t = rows.sums(dz_rows, t)
        else:                                  # sum dz (x - mu) = sum dz x - mu sum dz
            sum_dz_t = rows.sums(dz_rows, rows.rows) - mean * sum_dz
        sum_dz_x_hat = sum_dz_t * inv_std                                    # Eq. N.8
        dgamma = None if a.gamma is None else sum_dz_x_hat.astype(a.x.dtype)
        dbeta = None if a.beta is None else sum_dz.astype(a.x.dtype)
        if not input_gradient:
            return None, dgamma, dbeta
        gain = inv_std if a.gamma is None else inv_std * a.gamma             # a = γ/σ
        dx, dx_rows = rows.new(a.x, "input gradient")
        if not a.training:                                                   # Eq. N.14
            np.einsum("ij,i->ij", dz_rows, rows.per_row(gain, dz_rows.dtype), out=dx_rows)
        else:                                  # (x - mu) b + c + dz a, Eq. N.13
            b = -gain * sum_dz_x_hat * inv_std / count
            _affine(dx_rows, rows, mean, centred, b, -gain * sum_dz / count, scratch,
                    add=(dz_rows, gain))
    return dx, dgamma, dbeta
