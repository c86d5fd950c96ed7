"""Net input functions: how the bias meets the weight function's output (the public face).

The chapter splits a layer into a weight function (here a correlation, giving
LZ), a net input function (giving N) and a transfer function.  Backpropagating
across the net input function has two paths, dN -> dLZ and dN -> db
(Eq. 8.29-8.30).

Layout: ``lz`` and ``dn`` are (N, F, Ho, Wo); a tied bias ``b`` is (F,), an
untied bias (F, Ho, Wo).  Each call goes to the selected engine; the code is
in :mod:`convnet.functional.plain.net_input`.
"""

from __future__ import annotations

from .engines import implementation

__all__ = ["sum_net_input", "sum_net_input_backward",
           "product_net_input", "product_net_input_backward"]


def sum_net_input(lz, b):
    """The standard net input ``N = LZ + b`` (Eq. 8.32-8.33).

    Examples
    --------
    >>> sum_net_input(np.zeros((1, 2, 1, 1)), [1.0, 2.0]).ravel()
    array([1., 2.])
    """
    return implementation().sum_net_input(lz, b)


def sum_net_input_backward(dn, lz, b):
    """Both paths across ``N = LZ + b``: ``dLZ = dN`` (Eq. 8.35) and ``db = sum dN`` (Eq. 8.36).

    Parameters
    ----------
    dn : array_like (N, F, Ho, Wo)
        The sensitivity at the net input.
    lz, b
        As given to :func:`sum_net_input` (only their shapes matter).

    Returns
    -------
    dlz : ndarray (N, F, Ho, Wo)
    db : ndarray, the shape of ``b``
        Summed over batch and positions for a tied bias (F,), over the batch
        for an untied bias (F, Ho, Wo).

    Examples
    --------
    >>> dlz, db = sum_net_input_backward(np.ones((2, 1, 2, 2)), np.zeros((2, 1, 2, 2)), [0.0])
    >>> db
    array([8.])
    """
    return implementation().sum_net_input_backward(dn, lz, b)


def product_net_input(lz, b):
    """Exercise E8.9's net input: the bias *multiplies*, ``N = b ∘ LZ``.

    Examples
    --------
    >>> product_net_input(np.full((1, 2, 1, 1), 3.0), [2.0, -1.0]).ravel()
    array([ 6., -3.])
    """
    return implementation().product_net_input(lz, b)


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
    return implementation().product_net_input_backward(dn, lz, b)
