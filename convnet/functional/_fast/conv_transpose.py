"""The fast engine's transposed convolution: the convolution's tuned input gradient, forward pass
and weight gradient, with the roles of the arrays swapped (Eq. T.1-T.3).

The forward pass picks among the input-gradient methods of
:mod:`.input_gradient` by the same rule as a convolution's backward pass
(or the depthwise taps); the backward gathers dz once and forms both the
convolution's forward product (dx) and its weight gradient (dw) from that
gather, as a convolution layer's forward and backward passes would.
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved, saved_contents
from ..._checks_conv import conv_transpose_args, conv_transpose_backward_args, conv_transpose_key
from ...window import Window
from ..plain.conv_transpose import as_sensitivities
from .conv import _ways
from .conv_backward import bias_gradient, conv2d_backward_gathered, sensitivity_matrix
from .conv_backward import wide_sensitivities
from .conv_forward import conv2d_forward, gather_input
from .depthwise import depthwise_backward, depthwise_forward, depthwise_input_gradient
from .depthwise import is_depthwise, pad_maps
from .input_gradient import (input_gradient_by_kernel_rows, input_gradient_gather,
                             input_gradient_method, input_gradient_scatter)
from .memory import Scratch

__all__ = ["conv_transpose2d", "conv_transpose2d_backward", "input_gradient"]

ENGINE = "fast"


def input_gradient(dz: np.ndarray, w: np.ndarray, x_shape, window: Window,
                   scratch: Scratch) -> np.ndarray:
    """A convolution's dA from dz alone, by the method :func:`input_gradient_method` picks.

    As in the convolution's backward pass, an inf or NaN weight takes the
    plain scatter (it multiplies real windows only).
    """
    if is_depthwise(w.shape, window):
        return depthwise_input_gradient(dz, w, x_shape, window, scratch)
    wide = window.stride == (1, 1)
    method = (input_gradient_method(w.shape, x_shape, window, wide) if np.isfinite(w).all()
              else "plain scatter")
    if method == "gather":                                          # Eq. 8.45
        return input_gradient_gather(dz, w, x_shape, window, scratch)
    if method == "kernel rows":                                     # Eq. 8.45, split
        dz2, guarded = wide_sensitivities(dz, window, scratch)
        return input_gradient_by_kernel_rows(dz2, guarded, w, x_shape, window, scratch)
    if method == "scatter" and wide:                                # Eq. 8.41, wide rows
        dz2, _ = wide_sensitivities(dz, window, scratch)
        return input_gradient_scatter(dz2, w, x_shape, window, scratch, True)
    return input_gradient_scatter(sensitivity_matrix(dz), w, x_shape, window, scratch, False)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     *, return_saved=False):
    """Eq. T.1: the convolution's input gradient with x as dLZ (:func:`input_gradient`)."""
    x, w, b, window, out_shape, extra = conv_transpose_args(
        x, w, b, stride, padding, output_padding, groups, dilation, return_saved, _ways)
    with Scratch() as scratch:
        z = input_gradient(as_sensitivities(x, extra), w, out_shape, window, scratch)
    if b is not None:
        z += b[:, None, None]                                       # one bias per output map
    if return_saved:       # nothing to keep: the backward gathers dz, which the forward never sees
        return z, Saved(ENGINE, "conv_transpose2d", conv_transpose_key(x, w, window, extra), ())
    return z


def conv_transpose2d_backward(dz, x, w, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, bias=True, *, saved=None, input_gradient=True):
    """Eq. T.2-T.3 from one gather of dz: the convolution's forward product and weight gradient."""
    dz, x, w, window, extra = conv_transpose_backward_args(
        dz, x, w, stride, padding, output_padding, groups, dilation, bias, input_gradient, _ways)
    if saved is not None:
        saved_contents(saved, "conv_transpose2d", ENGINE, conv_transpose_key(x, w, window, extra))
    sensitivities = as_sensitivities(x, extra)                     # x plays dLZ
    depthwise = is_depthwise(w.shape, window)
    with Scratch() as scratch:
        forward = depthwise_forward if depthwise else conv2d_forward
        if input_gradient:
            z, gathered = forward(dz, w, None, window, scratch)     # Eq. T.2: conv2d(dz, w)
            dx = z[:, :, :x.shape[2], :x.shape[3]]
        else:
            dx = None
            gathered = (pad_maps(dz, window, scratch) if depthwise else
                        gather_input(dz, window, scratch, False, w.shape))
        backward = depthwise_backward if depthwise else conv2d_backward_gathered
        try:
            _, dw, _ = backward(sensitivities, gathered, w, dz.shape, window, None, scratch,
                                False)                              # Eq. T.3
        finally:
            gathered.release()
    return dx, dw, bias_gradient(dz, "tied") if bias else None      # Eq. 8.36
