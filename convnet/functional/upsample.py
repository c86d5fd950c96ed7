"""Nearest-neighbour upsampling, forward beside backward: the public face.

Each output pixel copies the input pixel it falls on, ``z[p, q] =
x[σ_r(p), σ_c(q)]`` with ``σ(p) = min(floor(p * step), S - 1)`` (Eq. R.6 of
``docs/backprop.md``); for an integer factor ``k`` every pixel becomes a
``k x k`` block, the chapter's expanding operator ⊠ (P8.3) with weight 1.
The backward pass adds up the sensitivities of the copies (Eq. R.7), for an
integer factor the reducing operator ⊞ (sum pooling).  The readable
implementation is :mod:`convnet.functional.plain.upsample`.
"""

from __future__ import annotations

from .engines import backward_engine, implementation

__all__ = ["upsample2d", "upsample2d_backward"]


def upsample2d(x, scale_factor=None, mode="nearest", *, size=None, return_saved=False):
    """Upsample every map by ``scale_factor`` (or to ``size``), copying the nearest pixel.

    Same semantics as ``torch.nn.functional.interpolate(x, size,
    scale_factor, mode="nearest")``, non-integer factors and factors below
    1 included: the output is ``floor(H * scale_factor)`` rows (likewise
    columns) and output row ``p`` reads input row ``min(floor(p / s), H -
    1)``, computed in float32 as PyTorch does; with ``size`` instead,
    ``min(floor(p * H / Ho), H - 1)``.  (PyTorch's ``scale_factor`` comes
    second, after ``size``; here it comes first, so that
    ``upsample2d(x, 2)`` doubles.)

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    scale_factor : float or (float, float), optional
        Factor > 0 for the rows and the columns.  Give it or ``size``.
    mode : {"nearest"}, default "nearest"
        The only mode so far (PyTorch's ``"nearest"``, not ``"nearest-exact"``).
    size : int or (int, int), optional
        The output size (Ho, Wo) instead of a factor.
    return_saved : bool, default False
        Also return the record (:class:`~convnet.functional.Saved`) that the
        backward accepts as ``saved=``.

    Returns
    -------
    z : ndarray of shape (N, C, Ho, Wo)
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo), ``Ho = floor(H * scale_factor)`` (or the
    size given), likewise ``Wo``.

    Raises
    ------
    ValueError, TypeError
        Both or neither of ``scale_factor`` and ``size``, a factor <= 0 or
        one that leaves no output pixel, another mode, wrong ndim,
        non-numeric data, an output beyond the memory budget
        (:func:`convnet.set_memory_budget`).

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> upsample2d(x, 2)[0, 0]                        # every pixel a 2x2 block
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    >>> upsample2d(np.array([[[[1.0, 2.0, 3.0]]]]), (1, 1.5))[0, 0]   # 4 columns read 0, 0, 1, 2
    array([[1., 1., 2., 3.]])
    """
    return implementation().upsample2d(x, scale_factor, mode, size=size,
                                       return_saved=return_saved)


def upsample2d_backward(dz, x, scale_factor=None, mode="nearest", *, size=None, saved=None):
    """Gradient of :func:`upsample2d` with respect to its input (Eq. R.7).

    Each input pixel collects the sensitivities of every output pixel that
    copied it (for an integer factor, the sum over its block: ⊞); a pixel
    no output copied (a factor below 1) gets zero.

    Parameters
    ----------
    dz : array_like of shape (N, C, Ho, Wo)
    x, scale_factor, mode, size
        As given to :func:`upsample2d`; only the shape of ``x`` is used.
    saved : Saved, optional
        The record of ``upsample2d(..., return_saved=True)``.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)

    Examples
    --------
    >>> dz = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> upsample2d_backward(dz, np.zeros((1, 1, 2, 2)), 2)[0, 0]    # 0+1+4+5, 2+3+6+7, ...
    array([[10., 18.],
           [42., 50.]])
    """
    return backward_engine(saved).upsample2d_backward(dz, x, scale_factor, mode, size=size,
                                                      saved=saved)
