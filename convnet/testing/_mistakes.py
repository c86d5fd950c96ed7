"""What each classic mistake computes: the output a function making exactly that mistake returns.

Each function takes the case's arguments (the checker's names) and returns
``{output name: array}`` for the outputs the mistake changes, or ``None``
where the mistake changes nothing in this case (a flip of a symmetric
kernel, a wrong side of a symmetric padding).  They are written with the
library's correct functions and one deliberate change each, so that
:mod:`convnet.testing.catalogue` can ask "does this mistake reproduce the
student's output exactly?".
"""

from __future__ import annotations

import numpy as np

from .. import geometry
from ..functional import (avg_pool2d, avg_pool2d_backward, conv2d, conv2d_backward,
                          conv_transpose2d, correlate2d, max_pool2d, pad2d, rot180, softmax,
                          softmax_derivative, sum_pool2d)


def _pairs(padding, kernel, dilation=1, stride=1):
    return geometry.normalize_padding(padding, kernel_size=kernel, dilation=dilation,
                                      stride=stride)


def _single(flip):
    """correlate2d(x, k') with the kernel flipped when ``flip``: the two single-image operations."""
    def run(x, k, padding="valid", stride=1, dilation=1, **_):
        return correlate2d(x, rot180(k) if flip else k, padding, stride, dilation)
    return run


# -- kernel flips --------------------------------------------------------------------

def flipped_single(convolve):
    """correlate2d when convolve2d was asked, and the reverse."""
    def mistake(x, k, padding="valid", stride=1, dilation=1, **_):
        if np.array_equal(k, rot180(k)):
            return None
        return {"z": _single(not convolve)(x, k, padding, stride, dilation)}
    return mistake


def flipped_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, **_):
    if np.array_equal(w, rot180(w)):
        return None
    return {"z": conv2d(x, rot180(w), b, stride, padding, dilation)}


def flipped_transposed(x, w, b=None, stride=1, padding=0, output_padding=0, **_):
    if np.array_equal(w, rot180(w)):
        return None
    return {"z": conv_transpose2d(x, rot180(w), b, stride, padding, output_padding)}


# -- padding -----------------------------------------------------------------------

def _shifted_padding(change):
    """A single-image or batched forward with its padding pairs changed by ``change``."""
    def mistake(x, k=None, w=None, b=None, padding=0, stride=1, dilation=1, convolve=False, **_):
        kernel = (k if k is not None else w).shape[-2:]
        pairs = _pairs(padding, kernel, dilation, stride)
        wrong = change(pairs)
        if wrong is None or wrong == pairs:
            return None
        try:
            if k is not None:
                return {"z": _single(convolve)(x, k, wrong, stride, dilation)}
            return {"z": conv2d(x, w, b, stride, wrong, dilation)}
        except ValueError:          # the wrong padding leaves no output: an empty array
            sides = [(size + sum(p) - dilation * (n - 1) - 1) // stride + 1
                     for size, p, n in zip(np.shape(x)[-2:], wrong, kernel)]
            if min(sides) > 0:
                return None
            lead = () if k is not None else (np.shape(x)[0], w.shape[0])
            return {"z": np.zeros(lead + tuple(max(side, 0) for side in sides))}
    return mistake


def _swap(pairs):
    return tuple((after, before) for before, after in pairs)


def _widen(step):
    """Every side ``step`` wider (or narrower, never below zero)."""
    def change(pairs):
        return tuple((max(before + step, 0), max(after + step, 0)) for before, after in pairs)
    return change


padding_wrong_side = _shifted_padding(_swap)
padding_one_too_wide = _shifted_padding(_widen(1))
padding_one_too_narrow = _shifted_padding(_widen(-1))


# -- bias ------------------------------------------------------------------------------

def bias_not_added(x, w, b=None, stride=1, padding=0, dilation=1, **_):
    if b is None or not np.any(b):
        return None
    return {"z": conv2d(x, w, None, stride, padding, dilation)}


def _db(change):
    def mistake(dz, **_):
        return {"db": change(np.asarray(dz, dtype=np.float64))}
    return mistake


db_not_summed_over_batch = _db(lambda dz: dz.sum(axis=(2, 3)))          # (N, F)
db_not_summed_over_positions = _db(lambda dz: dz.sum(axis=0))            # (F, Ho, Wo)
db_summed_over_everything = _db(lambda dz: np.asarray(dz.sum()))         # a scalar
db_left_at_zero = _db(lambda dz: np.zeros(dz.shape[1]))


# -- the backward of a convolution --------------------------------------------------

def _backward(dz, x, w, stride=1, padding=0, dilation=1):
    return conv2d_backward(dz, x, w, stride, padding, dilation)


def no_rot180_in_dx(dz, x, w, stride=1, padding=0, dilation=1, **_):
    """dx from the full correlation with w itself: the backward of the kernel rot180(w)."""
    if np.array_equal(w, rot180(w)):
        return None
    return {"dx": _backward(dz, x, rot180(w), stride, padding, dilation)[0]}


def dz_not_dilated(dz, x, w, stride=1, padding=0, dilation=1, **_):
    """The stride-1 formulas applied to the strided dz: no zeros between its rows and columns."""
    step = stride if isinstance(stride, tuple) else (stride, stride)
    if step == (1, 1):
        return None
    d = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    (top, bottom), (left, right) = _pairs(padding, w.shape[-2:], dilation, stride)
    n, _, height, width = x.shape
    f, c, kh, kw = w.shape
    ho, wo = dz.shape[-2:]
    xp = np.zeros((n, c, max(height + top + bottom, (kh - 1) * d[0] + ho),
                   max(width + left + right, (kw - 1) * d[1] + wo)))
    xp[:, :, top:top + height, left:left + width] = x
    dxp, dw = np.zeros_like(xp), np.zeros(w.shape)
    for u in range(kh):
        for v in range(kw):
            rows, cols = slice(u * d[0], u * d[0] + ho), slice(v * d[1], v * d[1] + wo)
            dw[:, :, u, v] = np.einsum("nfij,ncij->fc", dz, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dz, w[:, :, u, v])
    return {"dx": dxp[:, :, top:top + height, left:left + width], "dw": dw}


def _dw(change):
    def mistake(dz, x, w, stride=1, padding=0, dilation=1, **_):
        wrong = change(_backward(dz, x, w, stride, padding, dilation)[1])
        return None if wrong is None else {"dw": wrong}
    return mistake


dw_channels_swapped = _dw(lambda dw: dw.transpose(1, 0, 2, 3))
dw_rows_and_columns_swapped = _dw(lambda dw: dw.transpose(0, 1, 3, 2))
dw_rotated = _dw(lambda dw: rot180(dw))


# -- pooling ------------------------------------------------------------------------------

def pool_across_channels(kind):
    """The window spans every channel: the maps are first reduced to one, then pooled."""
    def mistake(x, kernel_size, stride=None, padding=0, **_):
        if x.shape[1] == 1:
            return None
        merged = x.max(axis=1, keepdims=True) if kind == "max" else x.mean(axis=1, keepdims=True)
        pool = max_pool2d if kind == "max" else avg_pool2d
        return {"z": np.repeat(pool(merged, kernel_size, stride, padding), x.shape[1], axis=1)}
    return mistake


def avg_not_divided(x, kernel_size, stride=None, padding=0, **_):
    return {"z": sum_pool2d(x, kernel_size, stride, padding)}


def max_padded_with_zeros(x, kernel_size, stride=None, padding=0, **_):
    if padding == 0:
        return None
    return {"z": max_pool2d(pad2d(x, padding), kernel_size, stride, 0)}


def avg_backward_not_divided(dz, x, kernel_size, stride=None, padding=0, **_):
    size = np.prod(_size(kernel_size))
    return {"dx": avg_pool2d_backward(dz, x, kernel_size, stride, padding) * size}


def _size(kernel_size):
    return kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)


def max_backward_ties(choose):
    """The max-pool backward with ties routed by ``choose(mask) -> mask`` instead of the first."""
    def mistake(dz, x, kernel_size, stride=None, padding=0, **_):
        kh, kw = _size(kernel_size)
        sh, sw = _size(kernel_size if stride is None else stride)
        (top, _b), (left, _r) = _pairs(padding, (kh, kw))
        xp = pad2d(x, padding, value=-np.inf) if padding else np.asarray(x, dtype=np.float64)
        dxp = np.zeros(xp.shape)
        for i in range(dz.shape[2]):
            for j in range(dz.shape[3]):
                window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                mask = choose(window == window.max(axis=(2, 3), keepdims=True))
                dxp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += mask * dz[:, :, i:i + 1, j:j + 1]
        return {"dx": dxp[:, :, top:top + x.shape[2], left:left + x.shape[3]]}
    return mistake


def _last_only(mask):
    flat = mask.reshape(mask.shape[0], mask.shape[1], -1)
    last = flat.shape[2] - 1 - np.argmax(flat[:, :, ::-1], axis=2)
    chosen = np.zeros(flat.shape, dtype=bool)
    np.put_along_axis(chosen, last[:, :, None], True, axis=2)
    return chosen.reshape(mask.shape)


max_grad_to_every_tie = max_backward_ties(lambda mask: mask)
max_grad_to_last_tie = max_backward_ties(_last_only)


# -- activations ---------------------------------------------------------------------------

def relu_derivative_one_at_zero(x, **_):
    if not np.any(x == 0):
        return None
    return {"z": (x >= 0).astype(np.float64)}


def softmax_no_shift(x, **_):
    with np.errstate(all="ignore"):
        e = np.exp(x)
        naive = e / e.sum(axis=-1, keepdims=True)
    return None if np.allclose(naive, softmax(x), equal_nan=False) else {"z": naive}


def softmax_derivative_elementwise(x, **_):
    s = softmax(x)
    jacobian = softmax_derivative(x)
    return {"z": s * (1 - s)} if jacobian.shape != s.shape else None


def derivative_of_the_output(formula):
    """A derivative written in terms of the output (s(1 - s), 1 - t^2) applied to the input."""
    def mistake(x, **_):
        return {"z": formula(np.asarray(x, dtype=np.float64))}
    return mistake


# -- batch normalisation -------------------------------------------------------------------

def _normalised(x, axes, eps, ddof=0):
    m = np.prod([x.shape[a] for a in axes])
    if m - ddof <= 0:
        return None
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).sum(axis=axes, keepdims=True) / (m - ddof)
    return (x - mean) / np.sqrt(var + eps)


def _scaled(x_hat, gamma, beta):
    shape = (1, -1) + (1,) * (x_hat.ndim - 2)
    y = x_hat if gamma is None else x_hat * np.reshape(gamma, shape)
    return y if beta is None else y + np.reshape(beta, shape)


def _channel_axes(x):
    return (0, *range(2, np.ndim(x)))


def batch_norm_unbiased(x, gamma=None, beta=None, eps=1e-5, **_):
    x_hat = _normalised(np.asarray(x, dtype=float), _channel_axes(x), eps, ddof=1)
    return None if x_hat is None else {"z": _scaled(x_hat, gamma, beta)}


def batch_norm_per_position(x, gamma=None, beta=None, eps=1e-5, **_):
    """The (N, D) formula applied to maps: statistics over the batch only, per pixel."""
    if np.ndim(x) < 3 or np.prod(np.shape(x)[2:]) == 1:
        return None
    return {"z": _scaled(_normalised(np.asarray(x, dtype=float), (0,), eps), gamma, beta)}


def batch_norm_backward_frozen(dz, x, gamma=None, eps=1e-5, **_):
    """dx = gamma dz / sigma: the statistics treated as constants (the evaluation formula)."""
    axes = _channel_axes(x)
    sigma = np.sqrt(np.var(x, axis=axes, keepdims=True) + eps)
    scale = 1.0 if gamma is None else np.reshape(gamma, (1, -1) + (1,) * (np.ndim(x) - 2))
    return {"dx": scale * np.asarray(dz) / sigma}

