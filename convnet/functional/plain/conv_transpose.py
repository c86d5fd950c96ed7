"""The plain tier's transposed convolution: the convolution's backward pass, run forward.

A transposed convolution maps x (N, C_in, H, W) to the larger (N, C_out,
Hout, Wout) exactly as a convolution's input gradient maps dLZ to dA:

* forward (Eq. T.1): :func:`~convnet.functional.plain.conv.conv_input_gradient`
  with ``x`` in the place of dLZ, the full correlation of the spread-out x
  with the rotated kernels (Eq. 8.45);
* dx (Eq. T.2): the convolution's forward pass, :func:`~convnet.functional.plain.conv.conv2d`
  of dz (Eq. 8.20);
* dw (Eq. T.3): the convolution's weight gradient, with the roles swapped:
  ``x`` is the sensitivity, dz the input (Eq. 8.48);
* db: the sum of dz over batch and positions (Eq. 8.36).

Layout: ``w`` is (C_in, C_out/groups, kh, kw), the shape of the weights of
the convolution from C_out maps to C_in that this one transposes.
"""

from __future__ import annotations

import numpy as np

from ..._checks_conv import (check_conv_transpose_record, conv_transpose_args,
                             conv_transpose_backward_args, conv_transpose_record)
from .conv import conv2d, conv_input_gradient, im2col, weight_gradient
from .windows import pad

__all__ = ["conv_transpose2d", "conv_transpose2d_backward", "as_sensitivities"]

ENGINE = "plain"


def as_sensitivities(x: np.ndarray, extra) -> np.ndarray:
    """x, and zeros for the windows that lie in the output padding (``extra`` rows, columns)."""
    return pad(x, ((0, extra[0]), (0, extra[1]))) if any(extra) else x


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     *, return_saved=False):
    """Eq. T.1: the input gradient of the convolution this transposes, with x as dLZ."""
    x, w, b, window, out_shape, extra = conv_transpose_args(
        x, w, b, stride, padding, output_padding, groups, dilation, return_saved)
    z = conv_input_gradient(as_sensitivities(x, extra), w, out_shape, window)  # Eq. T.1, 8.45
    if b is not None:
        z = z + b[:, None, None]                                      # one bias per output map
    if return_saved:
        return z, conv_transpose_record(ENGINE, x, w, window, extra)
    return z


def conv_transpose2d_backward(dz, x, w, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, bias=True, *, saved=None, input_gradient=True):
    """Eq. T.2-T.3: dx is the convolution of dz (Eq. 8.20), dw its weight gradient (Eq. 8.48)."""
    dz, x, w, window, extra = conv_transpose_backward_args(
        dz, x, w, stride, padding, output_padding, groups, dilation, bias, input_gradient)
    check_conv_transpose_record(saved, ENGINE, x, w, window, extra)
    h, wid = x.shape[2:]
    dx = None
    if input_gradient:
        dx = conv2d(dz, w, None, window.stride, window.pads, window.dilation,
                    window.groups)[:, :, :h, :wid]                    # Eq. T.2: (N, C_in, H, W)
    cols = im2col(dz, window)                                         # dz as the input
    dw = weight_gradient(as_sensitivities(x, extra), cols, w.shape, window.groups)  # Eq. T.3
    db = dz.sum(axis=(0, 2, 3)) if bias else None                     # (C_out,), Eq. 8.36
    return dx, dw, db
