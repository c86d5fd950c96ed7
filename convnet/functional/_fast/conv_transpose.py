"""The fast engine's transposed convolution: the convolution's tuned input gradient, forward pass
and weight gradient, with the roles of the arrays swapped (Eq. T.1-T.3).

The forward pass picks among the input-gradient methods of
:mod:`.input_gradient` by the same rule as a convolution's backward pass
(or the depthwise taps), except where the kernel is a whole number of
strides (``kh = qh*sh``, ``kw = qw*sw``, no dilation), which decoders use
(DCGAN's 4x4 at stride 2): there it is a stride-1 convolution and a pixel
shuffle (:func:`subpixel_forward`).  The backward gathers dz once and forms
both the convolution's forward product (dx) and its weight gradient (dw)
from that gather, as a convolution layer's forward and backward passes would.
"""

from __future__ import annotations

import numpy as np

from ..._checks_conv import (check_conv_transpose_record, conv_transpose_args,
                             conv_transpose_backward_args, conv_transpose_record)
from ...window import Window, conv_window
from ..plain.conv_transpose import as_sensitivities
from .conv import _ways as conv_ways
from .conv_backward import bias_gradient, conv2d_backward_gathered, sensitivity_matrix
from .conv_backward import wide_sensitivities
from .conv_forward import conv2d_forward, gather_input
from .depthwise import depthwise_backward, depthwise_forward, depthwise_input_gradient
from .depthwise import is_depthwise, pad_maps
from .input_gradient import (input_gradient_by_kernel_rows, input_gradient_gather,
                             input_gradient_method, input_gradient_scatter)
from .memory import Scratch, output

__all__ = ["conv_transpose2d", "conv_transpose2d_backward", "input_gradient",
           "subpixel_applies", "subpixel_kernels", "subpixel_forward"]

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


def subpixel_applies(w_shape, window: Window) -> bool:
    """Whether the kernel is a whole number of strides (above 1), without dilation."""
    (kh, kw), (sh, sw) = window.kernel, window.stride
    return (window.dilation == (1, 1) and (sh, sw) != (1, 1) and kh % sh == 0
            and kw % sw == 0)


def _ways(x_shape, w_shape, window, input_gradient: bool) -> set:
    """The convolution's ways (:func:`.conv._ways`), and the sub-pixel convolution's arrays."""
    found = set(conv_ways(x_shape, w_shape, window, input_gradient))
    return found | {"sub-pixel"} if subpixel_applies(w_shape, window) else found


def subpixel_kernels(w: np.ndarray, window: Window) -> np.ndarray:
    """The kernels of the stride-1 convolution behind a transposed one: (C_out*sh*sw, C_in/G, qh, qw).

    Output row ``Y*sh + pr`` (and column ``X*sw + pc``) of the uncropped
    transposed convolution collects ``x[Y - a] * w[pr + a*sh]`` over
    ``a < qh``: a correlation of x with the taps ``pr, pr + sh, ...`` of
    the kernel, flipped.  Map ``(o, pr, pc)`` of the stride-1 convolution
    is phase (pr, pc) of output map o.
    """
    c_in, per_group, kh, kw = w.shape
    (sh, sw), g = window.stride, window.groups
    qh, qw = kh // sh, kw // sw
    taps = w.reshape(g, c_in // g, per_group, qh, sh, qw, sw)[:, :, :, ::-1, :, ::-1]
    kernels = taps.transpose(0, 2, 4, 6, 1, 3, 5)                 # (G, o, pr, pc, c, a, b)
    return np.ascontiguousarray(kernels).reshape(g * per_group * sh * sw, c_in // g, qh, qw)


def subpixel_forward(x: np.ndarray, w: np.ndarray, b, window: Window, out_shape,
                     scratch: Scratch) -> np.ndarray:
    """Eq. T.1 as a stride-1 convolution with :func:`subpixel_kernels` and a pixel shuffle.

    Phase (pr, pc) of the convolution's output goes to every sh-th row and
    sw-th column of the output, the padding cut off; rows and columns past
    the last window (output padding beyond the padding) get the bias only.
    """
    (sh, sw), (top, _), (left, _) = window.stride, *window.pads
    n, c_out, h_out, w_out = out_shape
    kernels = subpixel_kernels(w, window)
    qh, qw = kernels.shape[2:]
    inner = conv_window(x.shape[2:], (qh, qw), 1, ((qh - 1,) * 2, (qw - 1,) * 2), 1,
                        window.groups)
    forward = depthwise_forward if is_depthwise(kernels.shape, inner) else conv2d_forward
    phase_bias = None if b is None else np.repeat(b, sh * sw)      # each phase's map: b[o]
    phases, _ = forward(x, kernels, phase_bias, inner, scratch)    # (N, C_out*sh*sw, H', W')
    phases = phases.transpose(1, 0, 2, 3).reshape(c_out, sh, sw, n, *inner.out)
    z = output("output", (c_out, n, h_out, w_out), x.dtype)        # channels first
    beyond = 0 if b is None else b[:, None, None, None]
    z[:, :, (inner.out[0] * sh - top):] = beyond                    # past the last window
    z[:, :, :, (inner.out[1] * sw - left):] = beyond
    for pr in range(sh):
        for pc in range(sw):
            rows, cols = (pr - top) % sh, (pc - left) % sw          # its first output row, col
            target = z[:, :, rows::sh, cols::sw]
            first_y, first_x = (rows + top - pr) // sh, (cols + left - pc) // sw
            count_y = min(target.shape[2], inner.out[0] - first_y)
            count_x = min(target.shape[3], inner.out[1] - first_x)
            np.copyto(target[:, :, :count_y, :count_x],
                      phases[:, pr, pc, :, first_y:first_y + count_y, first_x:first_x + count_x])
    return z.transpose(1, 0, 2, 3)                                  # (N, C_out, Hout, Wout)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     *, return_saved=False):
    """Eq. T.1: the convolution's input gradient with x as dLZ (:func:`input_gradient`)."""
    x, w, b, window, out_shape, extra = conv_transpose_args(
        x, w, b, stride, padding, output_padding, groups, dilation, return_saved, _ways)
    with Scratch() as scratch:
        if subpixel_applies(w.shape, window):
            z = subpixel_forward(x, w, b, window, out_shape, scratch)
        else:
            z = input_gradient(as_sensitivities(x, extra), w, out_shape, window, scratch)
            if b is not None:
                z += b[:, None, None]                               # one bias per output map
    if return_saved:
        return z, conv_transpose_record(ENGINE, x, w, window, extra)
    return z


def conv_transpose2d_backward(dz, x, w, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, bias=True, *, saved=None, input_gradient=True):
    """Eq. T.2-T.3 from one gather of dz: the convolution's forward product and weight gradient."""
    dz, x, w, window, extra = conv_transpose_backward_args(
        dz, x, w, stride, padding, output_padding, groups, dilation, bias, input_gradient, _ways)
    check_conv_transpose_record(saved, ENGINE, x, w, window, extra)
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
