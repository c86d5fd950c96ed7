"""Planted implementations: each makes exactly one mistake of the catalogue, as a student would.

``PLANTED`` lists (catalogue entry, checker, arguments after the function,
the implementation).  Each is written from the correct loops or einsum of
implementations.py with one change, never from convnet's own mistake
functions, so that a test that the checker names the entry says something.
"""

import numpy as np

from convnet import testing

from . import implementations_more as more

from .implementations import (batch_norm_backward_by_steps, conv2d_backward_einsum,
                              conv2d_backward_loops, conv2d_loops, conv_transpose_loops,
                              correlate_loops, pairs, pool_backward_loops, windows)


def correlate_flipping(x, k, padding="valid", stride=1, dilation=1):
    return correlate_loops(x, k[::-1, ::-1], padding, stride, dilation)   # the flip of convolve


def convolve_not_flipping(x, k, padding="valid", stride=1, dilation=1):
    return correlate_loops(x, k, padding, stride, dilation)               # forgot to flip


def correlate_same_padded_top_left(x, k, padding="valid", stride=1, dilation=1):
    if padding == "same":              # the extra row/column of an even kernel on top/left
        (top, bottom), (left, right) = pairs("same", k.shape, dilation)
        padding = ((bottom, top), (right, left))
    return correlate_loops(x, k, padding, stride, dilation)


def correlate_int_padding_plus_one(x, k, padding="valid", stride=1, dilation=1):
    if isinstance(padding, int):       # "padding 1" read as one more than asked
        padding += 1
    return correlate_loops(x, k, padding, stride, dilation)


def convolve_full_one_short(x, k, padding="valid", stride=1, dilation=1):
    if padding == "full":              # k - 2 zeros instead of k - 1 (d(k - 1) with dilation)
        (top, _), (left, _) = pairs("full", k.shape, dilation)
        padding = ((max(top - 1, 0),) * 2, (max(left - 1, 0),) * 2)
    return correlate_loops(x, k[::-1, ::-1], padding, stride, dilation)


def conv2d_without_bias(x, w, b=None, stride=1, padding=0, dilation=1):
    return conv2d_loops(x, w, None, stride, padding, dilation)


def conv2d_flipping(x, w, b=None, stride=1, padding=0, dilation=1):
    return conv2d_loops(x, w[:, :, ::-1, ::-1], b, stride, padding, dilation)


def backward_without_rot180(dz, x, w, stride=1, padding=0, dilation=1):
    dx, dw, db = conv2d_backward_einsum(dz, x, w, stride, padding, dilation)
    wrong_dx, _, _ = conv2d_backward_einsum(dz, x, w[:, :, ::-1, ::-1], stride, padding, dilation)
    return wrong_dx, dw, db


def backward_forgetting_stride(dz, x, w, stride=1, padding=0, dilation=1):
    return conv2d_backward_loops(dz, x, w, stride, padding, dilation, forget_stride=True)


def _with_dw(change):
    def backward(dz, x, w, stride=1, padding=0, dilation=1):
        dx, dw, db = conv2d_backward_einsum(dz, x, w, stride, padding, dilation)
        return dx, change(dw), db
    return backward


def _with_db(change):
    def backward(dz, x, w, stride=1, padding=0, dilation=1):
        dx, dw, _ = conv2d_backward_einsum(dz, x, w, stride, padding, dilation)
        return dx, dw, change(dz)
    return backward


def max_pool_across_channels(x, kernel_size, stride=None, padding=0):
    view = windows(x, kernel_size, stride, padding, -np.inf)[0]     # (N, C, Ho, Wo, k, k)
    return np.broadcast_to(view.max(axis=(1, 4, 5), keepdims=True)[..., 0, 0], view.shape[:4])


def avg_pool_across_channels(x, kernel_size, stride=None, padding=0):
    view = windows(x, kernel_size, stride, padding)[0]
    return np.broadcast_to(view.mean(axis=(1, 4, 5), keepdims=True)[..., 0, 0], view.shape[:4])


def max_pool_zero_padded(x, kernel_size, stride=None, padding=0):
    return windows(x, kernel_size, stride, padding, 0.0)[0].max(axis=(4, 5))


def avg_pool_summing(x, kernel_size, stride=None, padding=0):
    return windows(x, kernel_size, stride, padding)[0].sum(axis=(4, 5))


def avg_backward_summing(dz, x, kernel_size, stride=None, padding=0):
    return pool_backward_loops("avg")(dz, x, kernel_size, stride, padding) * kernel_size ** 2


def _every_tie(window):
    return (window == window.max()).astype(float)


def _last_tie(window):
    share = np.zeros(window.shape)
    flat = window.ravel()
    share.flat[len(flat) - 1 - np.argmax(flat[::-1])] = 1.0
    return share


def relu_derivative_one_at_zero(x):
    return np.where(x >= 0, 1.0, 0.0)


def softmax_naive(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_derivative_elementwise(x):
    s = np.exp(x - x.max(axis=-1, keepdims=True))
    s /= s.sum(axis=-1, keepdims=True)
    return s * (1 - s)


def conv_transpose_flipping(x, w, b=None, stride=1, padding=0, output_padding=0):
    return conv_transpose_loops(x, w[:, :, ::-1, ::-1], b, stride, padding, output_padding)


def batch_norm_unbiased(x, gamma=None, beta=None, eps=1e-5):
    axes = (0, *range(2, x.ndim))
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(
        x.var(axis=axes, ddof=1, keepdims=True) + eps)             # ddof=1: the slip
    return _affine(y, gamma, beta)


def batch_norm_per_position(x, gamma=None, beta=None, eps=1e-5):
    y = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)        # axis 0 only: the slip
    return _affine(y, gamma, beta)


def _affine(y, gamma, beta):
    shape = (1, -1) + (1,) * (y.ndim - 2)
    y = y if gamma is None else y * np.reshape(gamma, shape)
    return y if beta is None else y + np.reshape(beta, shape)


def batch_norm_backward_frozen(dz, x, gamma=None, eps=1e-5):
    dx, dgamma, dbeta = batch_norm_backward_by_steps(dz, x, gamma, eps)
    axes = (0, *range(2, x.ndim))
    g = 1.0 if gamma is None else np.reshape(gamma, (1, -1) + (1,) * (x.ndim - 2))
    return g * dz / np.sqrt(x.var(axis=axes, keepdims=True) + eps), dgamma, dbeta


def forward_of(name):
    return lambda fn, **options: testing.check_activation(fn, None, name, **options)


def derivative_of(name):
    return lambda fn, **options: testing.check_activation(None, fn, name, **options)


PLANTED = [
    ("kernel flipped", testing.check_correlate2d, (), correlate_flipping),
    ("kernel flipped", testing.check_conv2d, (), conv2d_flipping),
    ("kernel not flipped", testing.check_convolve2d, (), convolve_not_flipping),
    ("padding on the wrong side", testing.check_correlate2d, (), correlate_same_padded_top_left),
    ("padding one pixel too wide", testing.check_correlate2d, (), correlate_int_padding_plus_one),
    ("padding one pixel too narrow", testing.check_convolve2d, (), convolve_full_one_short),
    ("bias not added", testing.check_conv2d, (), conv2d_without_bias),
    ("missing rot180 in the input gradient", testing.check_conv2d_backward, (),
     backward_without_rot180),
    ("dz not dilated for stride > 1", testing.check_conv2d_backward, (),
     backward_forgetting_stride),
    ("weight gradient transposed (F, C)", testing.check_conv2d_backward, (),
     _with_dw(lambda dw: np.einsum("fcuv->cfuv", dw))),
    ("weight gradient transposed (rows)", testing.check_conv2d_backward, (),
     _with_dw(lambda dw: np.einsum("fcuv->fcvu", dw))),
    ("weight gradient rotated", testing.check_conv2d_backward, (),
     _with_dw(lambda dw: dw[:, :, ::-1, ::-1])),
    ("db not summed over the batch", testing.check_conv2d_backward, (),
     _with_db(lambda dz: dz.sum(axis=(2, 3)))),
    ("db not summed over positions", testing.check_conv2d_backward, (),
     _with_db(lambda dz: dz.sum(axis=0))),
    ("db summed over every axis", testing.check_conv2d_backward, (), _with_db(np.sum)),
    ("db not computed", testing.check_conv2d_backward, (),
     _with_db(lambda dz: np.zeros(dz.shape[1]))),
    ("channels pooled together", testing.check_max_pool2d, (), max_pool_across_channels),
    ("channels pooled together", testing.check_avg_pool2d, (), avg_pool_across_channels),
    ("max pooling padded with zeros", testing.check_max_pool2d, (), max_pool_zero_padded),
    ("average not divided by the window", testing.check_avg_pool2d, (), avg_pool_summing),
    ("average not divided by the window", testing.check_pool_backward, ("avg",),
     avg_backward_summing),
    ("max gradient to every tied maximum", testing.check_pool_backward, ("max",),
     pool_backward_loops("max", _every_tie)),
    ("max gradient to the last maximum", testing.check_pool_backward, ("max",),
     pool_backward_loops("max", _last_tie)),
    ("ReLU derivative 1 at 0", derivative_of("relu"), (), relu_derivative_one_at_zero),
    ("softmax without the max shift", forward_of("softmax"), (), softmax_naive),
    ("softmax derivative elementwise", derivative_of("softmax"), (),
     softmax_derivative_elementwise),
    ("derivative of the output", derivative_of("sigmoid"), (), lambda x: x * (1 - x)),
    ("derivative of the output", derivative_of("tanh"), (), lambda x: 1 - x ** 2),
    ("kernel flipped", testing.check_conv_transpose2d, (), conv_transpose_flipping),
    ("batch norm with the unbiased variance", testing.check_batch_norm, (), batch_norm_unbiased),
    ("batch norm statistics per position", testing.check_batch_norm, (),
     batch_norm_per_position),
    ("batch norm dx, frozen statistics", testing.check_batch_norm_backward, (),
     batch_norm_backward_frozen),
]


# -- the newer operations: builders of implementations_more.py with the slip switched on ------

PLANTED += [
    ("group norm statistics per channel", testing.check_group_norm, (),
     more.group_norm_einsum(per_channel=True)),
    ("group norm groups interleaved", testing.check_group_norm, (),
     more.group_norm_einsum(interleaved=True)),
    ("output maps dealt to groups in turn", testing.check_grouped_conv2d, (),
     more.grouped_conv_loops("in turn")),
    ("output maps dealt to groups in turn", testing.check_grouped_conv2d_backward, (),
     more.grouped_conv_backward_loops("in turn")),
    ("kernel flipped", testing.check_grouped_conv2d, (), more.grouped_conv_loops("flip")),
    ("bias not added", testing.check_grouped_conv2d, (), more.grouped_conv_loops("no bias")),
    ("missing rot180 in the input gradient", testing.check_grouped_conv2d_backward, (),
     more.grouped_conv_backward_loops("no rot180")),
    ("group norm dx, frozen statistics", testing.check_group_norm_backward, (),
     more.group_norm_backward_by_steps(frozen=True)),
    ("channels mixed across groups", testing.check_grouped_conv2d, (),
     more.grouped_conv_loops("mix")),
    ("channels mixed across groups", testing.check_grouped_conv2d_backward, (),
     more.grouped_conv_backward_loops("mix")),
    ("adaptive window end rounded down", testing.check_adaptive_avg_pool2d, (),
     more.adaptive_loops("avg", more.floor_end)),
    ("adaptive window end rounded down", testing.check_adaptive_max_pool2d, (),
     more.adaptive_loops("max", more.floor_end)),
    ("adaptive window end rounded down", testing.check_adaptive_pool_backward, ("avg",),
     more.adaptive_backward_loops("avg", more.floor_end)),
    ("adaptive window end rounded down", testing.check_adaptive_pool_backward, ("max",),
     more.adaptive_backward_loops("max", more.floor_end)),
    ("nearest index rounded, not floored", testing.check_upsample2d, (),
     more.upsample_loops(more.rounded_source)),
    ("nearest index rounded, not floored", testing.check_upsample2d_backward, (),
     more.upsample_backward_indexing(more.rounded_source)),
]
