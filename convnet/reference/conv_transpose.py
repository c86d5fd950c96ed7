"""The transposed convolution, by the loops of the convolution it transposes.

A transposed convolution is the input gradient of a convolution with ``x``
in the place of the sensitivities dLZ (Eq. T.1: each input pixel spreads
``x * w`` over the output window it maps to, Eq. 8.41 read the other way),
and its backward pass is that convolution's forward pass (Eq. T.2) and
weight gradient (Eq. T.3).  So the loops here are those of
:mod:`convnet.reference.conv`, with the roles of the arrays swapped; the
layout is ``x`` (N, C_in, H, W), ``w`` (C_in, C_out/groups, kh, kw) and the
output (N, C_out, Hout, Wout).
"""

from __future__ import annotations

import numpy as np

from .._checks_conv import (check_conv_transpose_record, conv_transpose_args,
                            conv_transpose_backward_args, conv_transpose_record)
from .conv import _bias_gradient, _scatter, _weight_gradient, correlate_maps

__all__ = ["conv_transpose2d", "conv_transpose2d_backward"]

ENGINE = "reference"


def _as_sensitivities(x, extra):
    """``x`` with ``extra`` zero rows and columns after it: the windows in the output padding."""
    n, c, h, w = x.shape
    spread = np.zeros((n, c, h + extra[0], w + extra[1]), dtype=x.dtype)
    for i in range(h):
        for j in range(w):
            spread[:, :, i, j] = x[:, :, i, j]
    return spread


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     *, return_saved=False):
    """Eq. T.1: the convolution's input gradient (Eq. 8.41) with x as dLZ, plus the bias.

    Examples
    --------
    >>> conv_transpose2d(np.array([[[[1.0, 2.0]]]]), np.array([[[[1.0, 10.0]]]]), stride=2)
    array([[[[ 1., 10.,  2., 20.]]]])
    """
    x, w, b, window, out_shape, extra = conv_transpose_args(
        x, w, b, stride, padding, output_padding, groups, dilation, return_saved)
    z = _scatter(_as_sensitivities(x, extra), out_shape, w, window)           # Eq. T.1
    if b is not None:
        for n in range(out_shape[0]):
            for c in range(out_shape[1]):
                z[n, c] += b[c]                               # one bias per output map
    if return_saved:
        return z, conv_transpose_record(ENGINE, x, w, window, extra)
    return z


def conv_transpose2d_backward(dz, x, w, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, bias=True, *, saved=None, input_gradient=True):
    """Eq. T.2-T.3: dx is the convolution of dz (Eq. 8.20), dw its weight gradient (Eq. 8.47).

    Examples
    --------
    >>> dx, dw, db = conv_transpose2d_backward(np.array([[[[1.0, 2.0, 3.0, 4.0]]]]),
    ...                                        np.array([[[[1.0, 2.0]]]]),
    ...                                        np.array([[[[1.0, 10.0]]]]), stride=2)
    >>> dx, dw, db                                   # 1 + 20, 3 + 40; 1 + 6, 2 + 8; 10
    (array([[[[21., 43.]]]]), array([[[[ 7., 10.]]]]), array([10.]))
    """
    dz, x, w, window, extra = conv_transpose_backward_args(
        dz, x, w, stride, padding, output_padding, groups, dilation, bias, input_gradient)
    check_conv_transpose_record(saved, ENGINE, x, w, window, extra)
    dx = None
    if input_gradient:
        dx = correlate_maps(dz, w, None, window)[:, :, :x.shape[2], :x.shape[3]]   # Eq. T.2
    dw = _weight_gradient(_as_sensitivities(x, extra), dz, w.shape, window)      # Eq. T.3
    db = _bias_gradient(dz, "tied") if bias else None                            # Eq. 8.36
    return dx, dw, db
