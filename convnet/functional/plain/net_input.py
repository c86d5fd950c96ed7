"""The plain tier's net input functions: how the bias meets the weight function's output.

The chapter splits a layer into a weight function (here a correlation, giving
LZ), a net input function (giving N) and a transfer function.  Backpropagating
across the net input function has two paths, dN -> dLZ and dN -> db
(Eq. 8.29-8.30).

Layout: ``lz`` and ``dn`` are (N, F, Ho, Wo); a tied bias ``b`` is (F,), an
untied bias (F, Ho, Wo).
"""

from __future__ import annotations

from ..._checks import net_input_args, net_input_backward_args

__all__ = ["sum_net_input", "sum_net_input_backward",
           "product_net_input", "product_net_input_backward"]


def _per_map(b):
    return b[:, None, None] if b.ndim == 1 else b  # (F, 1, 1) or (F, Ho, Wo)


def _over_bias(a, b):
    """``a`` summed over what a bias entry touches: batch and positions (tied), batch (untied)."""
    return a.sum(axis=(0, 2, 3)) if b.ndim == 1 else a.sum(axis=0)


def sum_net_input(lz, b):
    """The standard net input ``N = LZ + b`` (Eq. 8.32-8.33)."""
    lz, b = net_input_args(lz, b)
    return lz + _per_map(b)


def sum_net_input_backward(dn, lz, b):
    """Both paths across ``N = LZ + b``: ``dLZ = dN`` (Eq. 8.35), ``db = sum dN`` (Eq. 8.36)."""
    dn, lz, b = net_input_backward_args(dn, lz, b)
    return dn.copy(), _over_bias(dn, b)                         # Eq. 8.35, Eq. 8.36


def product_net_input(lz, b):
    """Exercise E8.9's net input: the bias *multiplies*, ``N = b ∘ LZ``."""
    lz, b = net_input_args(lz, b)
    return _per_map(b) * lz


def product_net_input_backward(dn, lz, b):
    """Both paths across ``N = b ∘ LZ`` (E8.9): ``dLZ = b ∘ dN``, ``db = sum dN ∘ LZ``."""
    dn, lz, b = net_input_backward_args(dn, lz, b)
    dlz = _per_map(b) * dn                                      # dN -> dLZ: d n / d lz = b
    return dlz, _over_bias(dn * lz, b)                          # dN -> db: d n / d b = lz
