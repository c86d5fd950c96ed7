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

Layout: ``x`` and ``dx`` (N, C, H, W); ``w`` and ``dw`` (F, C, kh, kw);
``z`` and ``dz`` (N, F, Ho, Wo).
"""

from __future__ import annotations

import numpy as np

from ..._checks import (Saved, conv_args, conv_backward_args, conv_key, kernel_arg, pad_args,
                       saved_contents, single_args)
from .windows import crop, pad, padded_zeros, receptive_fields

__all__ = ["rot180", "pad2d", "im2col", "conv2d", "conv2d_backward", "conv_input_gradient",
           "dilate", "correlate2d", "convolve2d"]

ENGINE = "plain"


def rot180(k):
    """The kernel rotated by 180 degrees: ``rot180(k)[..., i, j] = k[..., r-1-i, c-1-j]`` (P8.1)."""
    k = kernel_arg(k)
    return k[..., ::-1, ::-1].copy()


def pad2d(x, padding, value=0.0, kernel_size=None):
    """``x`` surrounded by rows and columns of ``value`` (zero padding: Eq. 8.16)."""
    x, pads, fill = pad_args(x, padding, value, kernel_size)
    return pad(x, pads, fill)


def im2col(x: np.ndarray, window) -> np.ndarray:
    """Every receptive field of ``x`` as one column: a (C*kh*kw, N*Ho*Wo) matrix.

    Row ``(c, i, j)`` holds, for every sample and output position, the pixel
    that kernel weight ``w[:, c, i, j]`` multiplies there.
    """
    n, c = x.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.out
    fields = receptive_fields(pad(x, window.pads), window)           # (N, C, Ho, Wo, kh, kw)
    return fields.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * ho * wo)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, *, return_saved=False):
    """Eq. 8.20-8.21: im2col, then one product with every kernel as a row."""
    x, w, b, window = conv_args(x, w, b, stride, padding, dilation, return_saved)
    n, (f, c, kh, kw), (ho, wo) = x.shape[0], w.shape, window.out
    cols = im2col(x, window)                                          # (C*kh*kw, N*Ho*Wo)
    z = w.reshape(f, c * kh * kw) @ cols                              # (F, N*Ho*Wo), Eq. 8.20
    z = z.reshape(f, n, ho, wo).transpose(1, 0, 2, 3)                 # (N, F, Ho, Wo)
    if b is not None:                                                 # N = LZ + b, Eq. 8.32
        z = z + (b[:, None, None] if b.ndim == 1 else b)      # tied (F,) or untied (F, Ho, Wo)
    if return_saved:
        return z, Saved(ENGINE, "conv2d", conv_key(x, w, window), cols)
    return z


def _ways(x_shape, w_shape, window, input_gradient: bool) -> tuple:
    """For the memory budget: dA is a full correlation (``convnet._checks.conv_arrays``)."""
    return ("full correlation",) if input_gradient else ()


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied", *, saved=None,
                    input_gradient=True):
    """The three gradients of a convolution layer: dA (Eq. 8.45), dLW (Eq. 8.48), db (Eq. 8.36)."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, bias,
                                          input_gradient, _ways)
    cols = None if saved is None else saved_contents(saved, "conv2d", ENGINE,
                                                     conv_key(x, w, window))
    if cols is None or cols.dtype != x.dtype:
        cols = im2col(x, window)                                      # (C*kh*kw, N*Ho*Wo)
    f = w.shape[0]
    dz2 = dz.transpose(1, 0, 2, 3).reshape(f, -1)                     # (F, N*Ho*Wo): a row per map
    dw = (dz2 @ cols.T).reshape(w.shape)                              # Eq. 8.48: dLW = dLZ ⊗ A
    db = None
    if bias == "tied":
        db = dz.sum(axis=(0, 2, 3))                                   # (F,), Eq. 8.36
    elif bias == "untied":
        db = dz.sum(axis=0)                                           # (F, Ho, Wo): one per neuron
    dx = conv_input_gradient(dz, w, x.shape, window) if input_gradient else None
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
    off: padded zeros are constants, not inputs.
    """
    kernels = rot180(w).transpose(1, 0, 2, 3)     # (C, F, kh, kw): sum over the maps h (erratum 1)
    reached = conv2d(dilate(dz, window.stride), kernels, padding="full",
                     dilation=window.dilation)                        # Eq. 8.45: (N, C, Hr, Wr)
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
