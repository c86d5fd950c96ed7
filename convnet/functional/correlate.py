"""Cross-correlation and convolution, forward beside backward.

Layout: ``x`` is (N, C, H, W), the weights ``w`` are (F, C, kh, kw), the output
``z`` is (N, F, Ho, Wo).  Single images (H, W) go through :func:`correlate2d`
and :func:`convolve2d`, which are the batched code with N = C = F = 1.

Following the chapter (and every deep-learning framework), the operation a
convolution layer computes is the *cross-correlation* of Eq. 8.9 / 8.20; true
convolution (Eq. 8.8) is the cross-correlation with the kernel rotated by 180
degrees (Solved Problem P8.1).

This module validates and documents; the computation, as matrix products, is
in :mod:`convnet.functional._conv_forward` and
:mod:`convnet.functional._conv_backward` (see ``docs/performance.md``).
"""

from __future__ import annotations

import numpy as np

from .._validate import element_budget, fail, real_array, real_number, same_shape
from ..geometry import conv_window, normalize_padding
from ._conv_backward import conv2d_backward_cols
from ._conv_forward import conv2d_forward, input_columns
from ._im2col import Workspace, pad

__all__ = [
    "rot180",
    "pad2d",
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv2d_backward",
]

BIAS_MODES = ("tied", "untied", None)


def rot180(k):
    """Rotate the last two axes of ``k`` by 180 degrees (flip rows and columns).

    ``rot180(k)[..., i, j] == k[..., r-1-i, c-1-j]`` for an r x c kernel: the
    flip that turns a correlation kernel into a convolution kernel (P8.1) and
    that appears in the input gradient of Eq. 8.45.

    Parameters
    ----------
    k : array_like of shape (..., r, c)

    Returns
    -------
    ndarray of the same shape (a new array).

    Examples
    --------
    >>> rot180([[1, 2], [3, 4]])
    array([[4., 3.],
           [2., 1.]])
    """
    k = real_array(k, "k", ndim=range(2, 33), layout="(..., rows, cols)")
    return k[..., ::-1, ::-1].copy()


def pad2d(x, padding, value=0.0, kernel_size=None):
    """Pad the last two axes of ``x`` (rows and columns) with a constant.

    Parameters
    ----------
    x : array_like of shape (..., H, W)
    padding : int, (ph, pw), ((top, bottom), (left, right)) or str
        ``"same"`` and ``"full"`` need ``kernel_size``.
    value : float, default 0.0
        The fill value (zero padding in the chapter, Eq. 8.16).
    kernel_size : int or (int, int), optional

    Returns
    -------
    ndarray of shape (..., H + top + bottom, W + left + right)

    Examples
    --------
    >>> pad2d([[1, 2], [3, 4]], 1)
    array([[0., 0., 0., 0.],
           [0., 1., 2., 0.],
           [0., 3., 4., 0.],
           [0., 0., 0., 0.]])
    >>> pad2d([[1, 2]], ((0, 1), (0, 0)))
    array([[1., 2.],
           [0., 0.]])
    """
    x = real_array(x, "x", ndim=range(2, 33), layout="(..., H, W)")
    pads = normalize_padding(padding, kernel_size)
    (top, bottom), (left, right) = pads
    element_budget(int(np.prod(x.shape[:-2], dtype=object))
                   * (x.shape[-2] + top + bottom) * (x.shape[-1] + left + right),
                   "padding", "the padded array")
    fill = x.dtype.type(real_number(value, "value", finite=False))   # -inf pads for max pooling
    return pad(x, pads, fill).copy()


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------

def _common_dtype(*arrays):
    dtype = np.result_type(*[a for a in arrays if a is not None])
    return tuple(None if a is None else a.astype(dtype, copy=False) for a in arrays)


def _check_conv_inputs(x, w, stride, padding, dilation):
    x = real_array(x, "x", ndim=4)
    w = real_array(w, "w", ndim=4, layout="(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        fail("w", f"of shape (F, {x.shape[1]}, kh, kw) to match the {x.shape[1]} input "
             f"channel(s) of x {x.shape}", w, given=f"shape {w.shape}")
    window = conv_window(x.shape[2:], w.shape[2:], stride, padding, dilation)
    return x, w, window


def _check_bias(b, f: int, out_hw):
    if b is None:
        return None
    b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
    if b.shape not in ((f,), (f, *out_hw)):
        fail("b", f"of shape ({f},) for a tied bias or {(f, *out_hw)} for an untied bias",
             b, given=f"shape {b.shape}")
    return b


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Batched multi-channel 2-D cross-correlation, the convolution layer's weight function.

    Computes Eq. 8.20 for every sample and feature map::

        z[n, h, i, j] = sum_l sum_u sum_v w[h, l, u, v] * a[n, l, i*s + u*d, j*s + v*d] (+ b)

    where ``a`` is ``x`` after padding.  Same semantics as
    ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    w : array_like of shape (F, C, kh, kw)
    b : array_like of shape (F,) or (F, Ho, Wo), optional
        Tied bias (one per feature map, Fig. 8.9) or untied bias (one per
        output neuron, Fig. 8.1).
    stride, dilation : int or (int, int), default 1
    padding : str, int, pair or pair of pairs, default 0
        Any form of :func:`convnet.geometry.normalize_padding`; at most
        ``d*(k-1)`` on each side.

    Returns
    -------
    z : ndarray of shape (N, F, Ho, Wo)
        float32 if every input is float32, else float64.

    Shape
    -----
    ``Ho = floor((H + top + bottom - d*(kh - 1) - 1) / s) + 1`` (Eq. 8.18),
    likewise ``Wo`` (Eq. 8.19).

    Raises
    ------
    ValueError
        Wrong ndim, channel mismatch, bias of the wrong shape, a kernel that
        does not fit the padded input, stride or dilation < 1.
    TypeError
        Non-numeric, boolean or complex data.

    Notes
    -----
    The input is gathered into one matrix, every receptive field (im2col)
    or only the kernel's rows where that moves fewer numbers, and a single
    BLAS call multiplies it by the weights (``docs/performance.md``).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.ones((1, 1, 2, 2))
    >>> conv2d(x, w, b=[0.5])
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])
    """
    x, w, window = _check_conv_inputs(x, w, stride, padding, dilation)
    b = _check_bias(b, w.shape[0], window.out)
    x, w, b = _common_dtype(x, w, b)
    z, _ = conv2d_forward(x, w, b, window)
    return np.ascontiguousarray(z)


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied"):
    """Gradients of :func:`conv2d` with respect to its input, weights and bias.

    Parameters
    ----------
    dz : array_like of shape (N, F, Ho, Wo)
        dN = dLZ, the sensitivity at the layer's net input (Eq. 8.35: the
        summation net input passes it through unchanged).
    x, w, stride, padding, dilation
        As given to :func:`conv2d`.
    bias : {"tied", "untied", None}, default "tied"
        Which bias the forward pass used (decides the shape of ``db``).

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
        dA, the full cross-correlation of dLZ with the 180-degree rotated
        kernels, summed over the output maps (Eq. 8.44-8.45).
    dw : ndarray of shape (F, C, kh, kw)
        dLW = dLZ ⊗ A, the cross-correlation of the sensitivities with the
        input (Eq. 8.47-8.48).
    db : ndarray of shape (F,) or (F, Ho, Wo), or None
        Sum of dN over batch and positions for a tied bias (Eq. 8.36-8.37),
        over the batch only for an untied bias, None without bias.

    Notes
    -----
    *Stride.*  Eq. 8.44 is written for stride 1.  A strided forward pass is
    the stride-1 pass with only every s-th window kept, so dLZ is first
    "dilated": ``s - 1`` zeros are put between its rows and columns, and the
    rows of the input that the stride skips end up with zero gradient.

    *Dilation.*  The rotated kernel is applied with the same dilation.

    *Padding.*  The gradient is computed for the padded input and the
    padding is cropped off: padded zeros are constants, not inputs.

    *Erratum.*  Eq. 8.39-8.44 print the sum over feature maps as
    ``sum_{h=1}^{H^n}`` and Eq. 8.45 as ``sum_{l=1}^{H^n}``; the sum runs over
    the *output* maps ``h = 1..H^m`` of layer m, each of which was computed
    from input map ``l``.

    Examples
    --------
    For one 3x3 input, a 2x2 kernel and dz of ones, dx counts how many
    windows cover each pixel weighted by the kernel:

    >>> x = np.zeros((1, 1, 3, 3)); w = np.ones((1, 1, 2, 2))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> db
    array([4.])
    """
    x, w, window = _check_conv_inputs(x, w, stride, padding, dilation)
    if bias not in BIAS_MODES:
        fail("bias", "one of 'tied', 'untied', None", bias,
             error=TypeError if not isinstance(bias, str) else ValueError)
    dz = real_array(dz, "dz", ndim=4, layout="(N, F, Ho, Wo)")
    same_shape(dz, "dz", (x.shape[0], w.shape[0], *window.out), "the output of conv2d(x, w)")
    dz, x, w = _common_dtype(dz, x, w)
    workspace = Workspace()
    cols = input_columns(x, window, workspace, bias == "tied", w.shape)  # as the forward made it
    dx, dw, db = conv2d_backward_cols(dz, cols, w, x.shape, window, bias, workspace)
    return np.ascontiguousarray(dx), dw, db


def _check_single(x, k, stride, padding, dilation):
    x = real_array(x, "x", ndim=2)
    k = real_array(k, "k", ndim=2, layout="(rows, cols)")
    window = conv_window(x.shape, k.shape, stride, padding, dilation)
    return x, k, window


def correlate2d(x, k, padding="valid", stride=1, dilation=1):
    """2-D cross-correlation of one image with one kernel (Eq. 8.9, 8.13).

    ``z[m, n] = sum_i sum_j k[i, j] * x_p[m*s + i*d, n*s + j*d]`` with ``x_p``
    the padded image; the kernel slides over the image without being flipped.
    This is what convolution layers compute.

    Parameters
    ----------
    x : array_like of shape (H, W)
    k : array_like of shape (r, c)
    padding : {"valid", "same", "full"}, int, pair or pair of pairs
        ``"valid"``: only positions where the kernel lies inside the image
        (Eq. 8.14-8.15).  ``"same"``: output as large as the input; for an
        even kernel the extra zero row/column goes to the bottom/right, as
        with PyTorch's ``padding="same"`` (SciPy centres even kernels the
        other way).  ``"full"``: every pixel meets every weight.
    stride, dilation : int or (int, int), default 1

    Returns
    -------
    ndarray of shape (Ho, Wo)

    Shape
    -----
    ``Ho = floor((H + top + bottom - d*(r - 1) - 1) / s) + 1``, likewise ``Wo``.

    Raises
    ------
    ValueError, TypeError
        See :func:`conv2d`.

    Examples
    --------
    >>> correlate2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[-4., -4.],
           [-4., -4.]])
    """
    x, k, window = _check_single(x, k, stride, padding, dilation)
    x, k = _common_dtype(x, k)
    z, _ = conv2d_forward(x[None, None], k[None, None], None, window)
    return np.ascontiguousarray(z[0, 0])


def convolve2d(x, k, padding="valid", stride=1, dilation=1):
    """2-D convolution of one image with one kernel (Eq. 8.8): the kernel is flipped.

    Equal to ``correlate2d(x, rot180(k), ...)`` (Solved Problem P8.1).  For odd
    kernels and stride 1 this matches ``scipy.signal.convolve2d`` in all
    three modes.

    Parameters, Returns, Raises
        As :func:`correlate2d`.

    Shape
    -----
    As :func:`correlate2d`.

    Examples
    --------
    The flip is visible with an impulse: convolution copies the kernel,
    correlation copies it rotated.

    >>> impulse = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    >>> convolve2d(impulse, [[1, 2], [3, 4]], padding="full")[1:3, 1:3]
    array([[1., 2.],
           [3., 4.]])
    >>> correlate2d(impulse, [[1, 2], [3, 4]], padding="full")[1:3, 1:3]
    array([[4., 3.],
           [2., 1.]])
    """
    x, k, window = _check_single(x, k, stride, padding, dilation)
    x, k = _common_dtype(x, k)
    flipped = np.ascontiguousarray(k[::-1, ::-1])[None, None]      # rot180, Eq. 8.8 vs 8.9
    z, _ = conv2d_forward(x[None, None], flipped, None, window)
    return np.ascontiguousarray(z[0, 0])
