"""The fully connected layer's function, forward beside backward (the public face).

Layout as in PyTorch: ``x`` (N, in_features), ``w`` (out_features,
in_features), ``b`` (out_features,).  Each call goes to the selected engine;
the code is in :mod:`convnet.functional.plain.linear`.
"""

from __future__ import annotations

from .engines import implementation

__all__ = ["linear", "linear_backward"]


def linear(x, w, b=None):
    """``y = x W^T + b``, a multilayer network's layer (as ``torch.nn.functional.linear``).

    Parameters
    ----------
    x : array_like of shape (N, in_features)
    w : array_like of shape (out_features, in_features)
    b : array_like of shape (out_features,), optional

    Returns
    -------
    ndarray of shape (N, out_features)

    Examples
    --------
    >>> linear([[1.0, 2.0]], [[1.0, 1.0], [0.0, 3.0]], [0.5, 0.0])
    array([[3.5, 6. ]])
    """
    return implementation().linear(x, w, b)


def linear_backward(dz, x, w, bias=True, *, input_gradient=True):
    """Gradients of :func:`linear`: ``dx = dz W``, ``dw = dz^T x``, ``db = sum_n dz``.

    Parameters
    ----------
    dz : array_like of shape (N, out_features)
    x, w
        As given to :func:`linear`.
    bias : bool, default True
        Whether the forward pass had a bias (else ``db`` is None).
    input_gradient : bool, default True
        ``False`` skips ``dx`` (None).

    Returns
    -------
    dx, dw, db

    Examples
    --------
    >>> dx, dw, db = linear_backward([[1.0, -1.0]], [[1.0, 2.0]], [[1.0, 1.0], [0.0, 3.0]])
    >>> dx, dw, db
    (array([[ 1., -2.]]), array([[ 1.,  2.],
           [-1., -2.]]), array([ 1., -1.]))
    """
    return implementation().linear_backward(dz, x, w, bias, input_gradient=input_gradient)
