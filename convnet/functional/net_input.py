"""Net input functions: how the bias meets the weight function's output.

The chapter splits a layer into a weight function (here a correlation, giving
LZ), a net input function (giving N) and a transfer function.  Backpropagating
across the net input function has two paths, dN -> dLZ and dN -> db
(Eq. 8.29-8.30).

Layout: ``lz`` and ``dn`` are (N, F, Ho, Wo); a tied bias ``b`` is (F,), an
untied bias (F, Ho, Wo).
"""

from __future__ import annotations

import numpy as np

from .._validate import fail, real_array

__all__ = ["sum_net_input", "sum_net_input_backward",
           "product_net_input", "product_net_input_backward"]


def _inputs(lz, b, lz_name="lz"):
    lz = real_array(lz, lz_name, ndim=4, layout="(N, F, Ho, Wo)")
    b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
    if b.shape not in (lz.shape[1:2], lz.shape[1:]):
        fail("b", f"of shape ({lz.shape[1]},) or {lz.shape[1:]} to match {lz_name} "
             f"{lz.shape}", b, given=f"shape {b.shape}")
    return lz, b


def _per_map(b):
    return b[:, None, None] if b.ndim == 1 else b  # (F, 1, 1) or (F, Ho, Wo)


def sum_net_input(lz, b):
    """The standard net input ``N = LZ + b`` (Eq. 8.32-8.33).

    Examples
    --------
    >>> sum_net_input(np.zeros((1, 2, 1, 1)), [1.0, 2.0]).ravel()
    array([1., 2.])
    """
    lz, b = _inputs(lz, b)
    return lz + _per_map(b)


def sum_net_input_backward(dn, b):
    """Both paths across ``N = LZ + b``: ``dLZ = dN`` (Eq. 8.35) and ``db = sum dN`` (Eq. 8.36).

    Returns
    -------
    dlz : ndarray (N, F, Ho, Wo)
    db : ndarray, the shape of ``b``
        Summed over batch and positions for a tied bias (F,), over the batch
        for an untied bias (F, Ho, Wo).

    Examples
    --------
    >>> dlz, db = sum_net_input_backward(np.ones((2, 1, 2, 2)), [0.0])
    >>> db
    array([8.])
    """
    dn, b = _inputs(dn, b, "dn")
    db = dn.sum(axis=(0, 2, 3)) if b.ndim == 1 else dn.sum(axis=0)  # Eq. 8.36
    return dn.copy(), db                                             # Eq. 8.35


def product_net_input(lz, b):
    """Exercise E8.9's net input: the bias *multiplies*, ``N = b ∘ LZ``.

    Examples
    --------
    >>> product_net_input(np.full((1, 2, 1, 1), 3.0), [2.0, -1.0]).ravel()
    array([ 6., -3.])
    """
    lz, b = _inputs(lz, b)
    return _per_map(b) * lz


def product_net_input_backward(dn, lz, b):
    """Both paths across ``N = b ∘ LZ`` (exercise E8.9).

    By the chain rule, with ``n_ij = b * lz_ij``:

    * dN -> dLZ: ``dlz_ij = dn_ij * d n_ij / d lz_ij = b * dn_ij``;
    * dN -> db:  ``db = sum_ij dn_ij * d n_ij / d b = sum_ij dn_ij * lz_ij``,
      summed over every position the (tied) bias touches, as in Eq. 8.36.

    Returns
    -------
    dlz : ndarray (N, F, Ho, Wo)
    db : ndarray, the shape of ``b``

    Examples
    --------
    >>> dlz, db = product_net_input_backward(np.ones((1, 1, 1, 2)),
    ...                                      np.array([[[[3.0, 4.0]]]]), [2.0])
    >>> dlz.ravel(), db
    (array([2., 2.]), array([7.]))
    """
    lz, b = _inputs(lz, b)
    dn = real_array(dn, "dn", ndim=4, layout="(N, F, Ho, Wo)")
    if dn.shape != lz.shape:
        fail("dn", f"of the same shape as lz {lz.shape}", dn, given=f"shape {dn.shape}")
    dlz = _per_map(b) * dn                                       # dN -> dLZ
    product = dn * lz
    db = product.sum(axis=(0, 2, 3)) if b.ndim == 1 else product.sum(axis=0)  # dN -> db
    return dlz, db
