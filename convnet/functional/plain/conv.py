"""The plain tier's convolution: im2col and one matrix product, the backward as the book derives it.

This is how frameworks compute a convolution layer, written to be read next
to the chapter:

* forward (Eq. 8.20): gather every receptive field into a column (im2col),
  then one matrix product with the kernels as rows;
* dLW = dLZ ⊗ A (Eq. 8.48): one matrix product of the sensitivities with the
  same columns;
* db (Eq. 8.36): a sum;
* dA = rot180(LW) ⊗ dLZ (Eq. 8.45): a *full* correlation of the
  sensitivities (spread out by the stride) with the rotated kernels, done by
  this tier's own :func:`conv2d`.

With ``groups`` the channels are split into groups and each output map
reads its own group's input maps only (Eq. G.1): the one product becomes one
product per group, a stacked ``matmul``.  A ``padding_mode`` other than
zeros pads the input with copies of its pixels first (Eq. P.1,
:mod:`convnet.functional.plain.padding`) and folds the gradient back
(Eq. P.2), as PyTorch's ``Conv2d`` does.

Layout: ``x`` and ``dx`` (N, C, H, W); ``w`` and ``dw`` (F, C, kh, kw);
``z`` and ``dz`` (N, F, Ho, Wo).
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved, kernel_arg, saved_contents
from ..._checks_conv import conv_args, conv_backward_args, conv_key, single_args
from .padding import copy_pad, fold
from .windows import crop, pad, padded_zeros, receptive_fields

__all__ = ["rot180", "im2col", "conv2d", "conv2d_backward", "conv_input_gradient",
           "weight_gradient", "dilate", "correlate2d", "convolve2d", "read_input"]

ENGINE = "plain"


def rot180(k):
    """The kernel rotated by 180 degrees: ``rot180(k)[..., i, j] = k[..., r-1-i, c-1-j]`` (P8.1)."""
    k = kernel_arg(k)
    return k[..., ::-1, ::-1].copy()


def im2col(x: np.ndarray, window) -> np.ndarray:
    """Every receptive field of ``x`` as one column: a (C*kh*kw, N*Ho*Wo) matrix.

    Row ``(c, i, j)`` holds, for every sample and output position, the pixel
    that kernel weight ``w[:, c, i, j]`` multiplies there.
    """
    n, c = x.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.out
    fields = receptive_fields(pad(x, window.pads), window)           # (N, C, Ho, Wo, kh, kw)
    return fields.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * ho * wo)


def read_input(x: np.ndarray, window):
    """``(x, window)`` as the convolution reads them: padded with copies (Eq. P.1) unless zeros."""
    if window.padding_mode == "zeros":
        return x, window
    return copy_pad(x, window.pads, window.padding_mode), window.on_padded_input()


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, padding_mode="zeros",
           return_saved=False):
    """Eq. 8.20-8.21: im2col, then one product with every kernel as a row (per group, Eq. G.1)."""
    x, w, b, window = conv_args(x, w, b, stride, padding, dilation, groups, padding_mode,
                                return_saved)
    key = conv_key(x, w, window)
    source, inner = read_input(x, window)
    n, g, (f, c, kh, kw), (ho, wo) = x.shape[0], window.groups, w.shape, window.out  # c = C/G
    cols = im2col(source, inner)                                      # (C*kh*kw, N*Ho*Wo)
    z = w.reshape(g, f // g, c * kh * kw) @ cols.reshape(g, c * kh * kw, -1)   # Eq. 8.20, G.1
    z = z.reshape(f, n, ho, wo).transpose(1, 0, 2, 3)                 # (N, F, Ho, Wo)
    if b is not None:                                                 # N = LZ + b, Eq. 8.32
        z = z + (b[:, None, None] if b.ndim == 1 else b)      # tied (F,) or untied (F, Ho, Wo)
    if return_saved:
        return z, Saved(ENGINE, "conv2d", key, cols)
    return z


def _ways(x_shape, w_shape, window, input_gradient: bool) -> tuple:
    """For the memory budget: dA is a full correlation (``convnet._checks_conv.conv_arrays``)."""
    return ("full correlation",) if input_gradient else ()


def weight_gradient(dz: np.ndarray, cols: np.ndarray, w_shape, groups: int) -> np.ndarray:
    """Eq. 8.48, dLW = dLZ ⊗ A, as one product per group with the im2col matrix (Eq. G.2)."""
    f, c, kh, kw = w_shape
    dz2 = dz.transpose(1, 0, 2, 3).reshape(groups, f // groups, -1)  # (G, F/G, N*Ho*Wo)
    group_cols = cols.reshape(groups, c * kh * kw, -1)                # (G, C/G*kh*kw, N*Ho*Wo)
    return (dz2 @ group_cols.transpose(0, 2, 1)).reshape(w_shape)    # Eq. 8.48: dLZ ⊗ A


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied", groups=1, *,
                    padding_mode="zeros", saved=None, input_gradient=True):
    """The three gradients of a convolution layer: dA (Eq. 8.45), dLW (Eq. 8.48), db (Eq. 8.36)."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, bias, groups,
                                          padding_mode, input_gradient, _ways)
    cols = None if saved is None else saved_contents(saved, "conv2d", ENGINE,
                                                     conv_key(x, w, window))
    source, inner = read_input(x, window)                             # Eq. P.1 with a mode
    if cols is None or cols.dtype != x.dtype:
        cols = im2col(source, inner)                                  # (C*kh*kw, N*Ho*Wo)
    dw = weight_gradient(dz, cols, w.shape, window.groups)            # Eq. 8.48
    db = None
    if bias == "tied":
        db = dz.sum(axis=(0, 2, 3))                                   # (F,), Eq. 8.36
    elif bias == "untied":
        db = dz.sum(axis=0)                                           # (F, Ho, Wo): one per neuron
    dx = None
    if input_gradient:
        dx = conv_input_gradient(dz, w, source.shape, inner)          # Eq. 8.45
        if source is not x:
            dx = fold(dx, x.shape, window.pads, window.padding_mode)  # Eq. P.2
    return dx, dw, db


def dilate(dz: np.ndarray, stride) -> np.ndarray:
    """``dz`` with ``s - 1`` zeros between neighbours: windows a stride s skipped have dLZ = 0."""
    n, f, ho, wo = dz.shape
    sh, sw = stride
    spread = np.zeros((n, f, (ho - 1) * sh + 1, (wo - 1) * sw + 1), dz.dtype)
    spread[:, :, ::sh, ::sw] = dz
    return spread


def conv_input_gradient(dz: np.ndarray, w: np.ndarray, x_shape, window) -> np.ndarray:
    """Eq. 8.44-8.45: dA = rot180(LW) ⊗ dLZ, a full correlation, summed over the output maps.

    The full correlation of the spread-out sensitivities gives the gradient
    of every padded-input pixel that some window read; pixels beyond the
    last window (the stride's remainder) get zero, and the padding is cut
    off: padded zeros are constants, not inputs.  With groups, each input
    map's gradient sums over the output maps of its group only (Eq. G.3).
    """
    g, (f, c, kh, kw) = window.groups, w.shape
    kernels = rot180(w).reshape(g, f // g, c, kh, kw).transpose(0, 2, 1, 3, 4)  # sum over maps h
    kernels = kernels.reshape(g * c, f // g, kh, kw)  # (C, F/G, kh, kw), erratum 1; Eq. G.3
    reached = conv2d(dilate(dz, window.stride), kernels, padding="full",
                     dilation=window.dilation, groups=g)              # Eq. 8.45: (N, C, Hr, Wr)
    dxp = padded_zeros(x_shape, window.pads, dz.dtype)               # (N, C, Hp, Wp)
    dxp[:, :, :reached.shape[2], :reached.shape[3]] = reached
    return crop(dxp, window.pads)                                     # (N, C, H, W)


def correlate2d(x, k, padding="valid", stride=1, dilation=1):
    """Eq. 8.9 / 8.13 for one image: :func:`conv2d` with one sample, one map in and out."""
    x, k, window = single_args(x, k, padding, stride, dilation)
    return conv2d(x[None, None], k[None, None], None, window.stride, window.pads,
                  window.dilation)[0, 0]


def convolve2d(x, k, padding="valid", stride=1, dilation=1):
    """Eq. 8.8: correlation with the kernel rotated by 180 degrees (P8.1)."""
    x, k, window = single_args(x, k, padding, stride, dilation)
    return correlate2d(x, rot180(k), window.pads, window.stride, window.dilation)
