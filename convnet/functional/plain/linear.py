"""The plain tier's fully connected layer: ``y = x W^T + b`` and its three gradients.

Layout as in PyTorch: ``x`` (N, in_features), ``w`` (out_features,
in_features), ``b`` (out_features,), ``y`` and ``dz`` (N, out_features).
"""

from __future__ import annotations

from ..._checks import linear_args, linear_backward_args

__all__ = ["linear", "linear_backward"]


def linear(x, w, b=None):
    """``y = x W^T + b``: every output is a weighted sum of every input, plus its bias."""
    x, w, b = linear_args(x, w, b)
    y = x @ w.T                                                   # (N, out)
    return y if b is None else y + b


def linear_backward(dz, x, w, bias=True, *, input_gradient=True):
    """``(dx, dw, db)``: ``dx = dz W``, ``dw = dz^T x``, ``db = sum_n dz`` (None without bias)."""
    dz, x, w = linear_backward_args(dz, x, w, bias, input_gradient)
    dw = dz.T @ x                                                 # (out, in)
    db = dz.sum(axis=0) if bias else None                         # (out,)
    return (dz @ w if input_gradient else None), dw, db           # (N, in)
