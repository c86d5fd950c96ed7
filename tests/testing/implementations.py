"""Students' implementations written differently from the library: loops, einsum, numpy.fft.

Each is correct, and each is written the way a course might: the loops as the
chapter's sums, einsum over a window view, the convolution theorem.  They
share nothing with convnet but ``geometry.normalize_padding`` (what a
padding word means).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convnet import geometry


def pairs(padding, kernel, dilation=1, stride=1):
    return geometry.normalize_padding(padding, kernel_size=kernel, dilation=dilation,
                                      stride=stride)


def pad_image(x, padding, kernel, dilation=1, stride=1, value=0.0):
    rows, cols = pairs(padding, kernel, dilation, stride)
    spec = [(0, 0)] * (np.ndim(x) - 2) + [rows, cols]
    return np.pad(np.asarray(x, dtype=float), spec, constant_values=value), rows, cols


def pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


# -- loops: one for per index of the sum ---------------------------------------------

def correlate_loops(x, k, padding="valid", stride=1, dilation=1):
    xp, _, _ = pad_image(x, padding, k.shape, dilation, stride)
    (s, _), (d, _) = pair(stride), pair(dilation)
    r, c = k.shape
    ho = (xp.shape[0] - d * (r - 1) - 1) // s + 1
    wo = (xp.shape[1] - d * (c - 1) - 1) // s + 1
    z = np.zeros((ho, wo))
    for m in range(ho):
        for n in range(wo):
            for i in range(r):
                for j in range(c):
                    z[m, n] += k[i, j] * xp[m * s + i * d, n * s + j * d]
    return z


def convolve_loops(x, k, padding="valid", stride=1, dilation=1):
    return correlate_loops(x, k[::-1, ::-1], padding, stride, dilation)


def conv2d_loops(x, w, b=None, stride=1, padding=0, dilation=1):
    xp, _, _ = pad_image(x, padding, w.shape[2:], dilation, stride)
    n, c, hp, wp = xp.shape
    f, _, kh, kw = w.shape
    ho, wo = (hp - dilation * (kh - 1) - 1) // stride + 1, (wp - dilation * (kw - 1) - 1) // stride + 1
    z = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            for u in range(kh):
                for v in range(kw):
                    pixel = xp[:, :, i * stride + u * dilation, j * stride + v * dilation]  # (N, C)
                    z[:, :, i, j] += pixel @ w[:, :, u, v].T
    return z if b is None else z + np.asarray(b)[None, :, None, None]


def conv2d_backward_loops(dz, x, w, stride=1, padding=0, dilation=1, forget_stride=False):
    xp, rows, cols = pad_image(x, padding, w.shape[2:], dilation, stride)
    step = 1 if forget_stride else stride
    dxp, dw = np.zeros_like(xp), np.zeros(w.shape)
    _, _, kh, kw = w.shape
    for i in range(dz.shape[2]):
        for j in range(dz.shape[3]):
            for u in range(kh):
                for v in range(kw):
                    r, c = i * step + u * dilation, j * step + v * dilation
                    dw[:, :, u, v] += dz[:, :, i, j].T @ xp[:, :, r, c]
                    dxp[:, :, r, c] += dz[:, :, i, j] @ w[:, :, u, v]
    dx = dxp[:, :, rows[0]:rows[0] + x.shape[2], cols[0]:cols[0] + x.shape[3]]
    return dx, dw, dz.sum(axis=(0, 2, 3))


def windows(x, kernel_size, stride=None, padding=0, value=0.0):
    """(N, C, Ho, Wo, k, k) windows of the padded input, by loops over the output."""
    s = kernel_size if stride is None else stride
    xp, _, _ = pad_image(x, padding, (kernel_size, kernel_size), value=value)
    ho = (xp.shape[2] - kernel_size) // s + 1
    wo = (xp.shape[3] - kernel_size) // s + 1
    out = np.zeros(x.shape[:2] + (ho, wo, kernel_size, kernel_size))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = xp[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size]
    return out, s


def max_pool_loops(x, kernel_size, stride=None, padding=0):
    return windows(x, kernel_size, stride, padding, -np.inf)[0].max(axis=(4, 5))


def avg_pool_loops(x, kernel_size, stride=None, padding=0):
    return windows(x, kernel_size, stride, padding)[0].mean(axis=(4, 5))


def pool_backward_loops(kind, choose=None):
    """dx by loops; ``choose(window) -> mask`` picks who receives a max window's dz."""
    def backward(dz, x, kernel_size, stride=None, padding=0):
        k = kernel_size
        s = k if stride is None else stride
        xp, rows, cols = pad_image(x, padding, (k, k), value=-np.inf if kind == "max" else 0.0)
        dxp = np.zeros(xp.shape)
        for n in range(x.shape[0]):
            for ch in range(x.shape[1]):
                for i in range(dz.shape[2]):
                    for j in range(dz.shape[3]):
                        window = xp[n, ch, i * s:i * s + k, j * s:j * s + k]
                        if kind == "avg":
                            share = np.full((k, k), 1.0 / (k * k))
                        elif choose is None:                 # the first maximum, row-major
                            share = np.zeros((k, k))
                            share[np.unravel_index(np.argmax(window), (k, k))] = 1.0
                        else:
                            share = choose(window)
                        dxp[n, ch, i * s:i * s + k, j * s:j * s + k] += share * dz[n, ch, i, j]
        return dxp[:, :, rows[0]:rows[0] + x.shape[2], cols[0]:cols[0] + x.shape[3]]
    return backward


# -- einsum over a window view -----------------------------------------------------------

def correlate_einsum(x, k, padding="valid", stride=1, dilation=1):
    xp, _, _ = pad_image(x, padding, k.shape, dilation, stride)
    r, c = k.shape
    view = sliding_window_view(xp, ((r - 1) * dilation + 1, (c - 1) * dilation + 1))
    view = view[::stride, ::stride, ::dilation, ::dilation]
    return np.einsum("mnij,ij->mn", view, k)


def conv2d_einsum(x, w, b=None, stride=1, padding=0, dilation=1):
    xp, _, _ = pad_image(x, padding, w.shape[2:], dilation, stride)
    kh, kw = w.shape[2:]
    view = sliding_window_view(xp, ((kh - 1) * dilation + 1, (kw - 1) * dilation + 1),
                               axis=(2, 3))[:, :, ::stride, ::stride, ::dilation, ::dilation]
    z = np.einsum("ncijuv,fcuv->nfij", view, w)
    return z if b is None else z + np.asarray(b)[None, :, None, None]


def conv2d_backward_einsum(dz, x, w, stride=1, padding=0, dilation=1):
    xp, rows, cols = pad_image(x, padding, w.shape[2:], dilation, stride)
    kh, kw = w.shape[2:]
    ho, wo = dz.shape[2:]
    dxp, dw = np.zeros_like(xp), np.zeros(w.shape)
    for u in range(kh):
        for v in range(kw):
            r = slice(u * dilation, u * dilation + (ho - 1) * stride + 1, stride)
            c = slice(v * dilation, v * dilation + (wo - 1) * stride + 1, stride)
            dw[:, :, u, v] = np.einsum("nfij,ncij->fc", dz, xp[:, :, r, c])
            dxp[:, :, r, c] += np.einsum("nfij,fc->ncij", dz, w[:, :, u, v])
    dx = dxp[:, :, rows[0]:rows[0] + x.shape[2], cols[0]:cols[0] + x.shape[3]]
    return dx, dw, np.einsum("nfij->f", dz)


def max_pool_einsum(x, kernel_size, stride=None, padding=0):
    s = kernel_size if stride is None else stride
    xp, _, _ = pad_image(x, padding, (kernel_size, kernel_size), value=-np.inf)
    view = sliding_window_view(xp, (kernel_size, kernel_size), axis=(2, 3))[:, :, ::s, ::s]
    return view.max(axis=(4, 5))


def avg_pool_einsum(x, kernel_size, stride=None, padding=0):
    s = kernel_size if stride is None else stride
    xp, _, _ = pad_image(x, padding, (kernel_size, kernel_size))
    view = sliding_window_view(xp, (kernel_size, kernel_size), axis=(2, 3))[:, :, ::s, ::s]
    return np.einsum("ncijuv->ncij", view) / kernel_size ** 2


# -- the convolution theorem: numpy.fft -------------------------------------------------

def _dilated(k, d):
    r, c = k.shape[-2:]
    out = np.zeros(k.shape[:-2] + ((r - 1) * d + 1, (c - 1) * d + 1))
    out[..., ::d, ::d] = k
    return out


def _fft_full_convolution(a, b):
    """Full linear convolution over the last two axes, broadcasting the rest."""
    shape = (a.shape[-2] + b.shape[-2] - 1, a.shape[-1] + b.shape[-1] - 1)
    return np.fft.irfft2(np.fft.rfft2(a, shape) * np.fft.rfft2(b, shape), shape)


def correlate_fft(x, k, padding="valid", stride=1, dilation=1):
    xp, _, _ = pad_image(x, padding, k.shape, dilation, stride)
    kd = _dilated(np.asarray(k, dtype=float), dilation)
    full = _fft_full_convolution(xp, kd[::-1, ::-1])           # correlation = flipped kernel
    r, c = kd.shape
    valid = full[r - 1:xp.shape[0], c - 1:xp.shape[1]]
    return valid[::stride, ::stride]


def convolve_fft(x, k, padding="valid", stride=1, dilation=1):
    return correlate_fft(x, np.asarray(k)[::-1, ::-1], padding, stride, dilation)


def conv2d_fft(x, w, b=None, stride=1, padding=0, dilation=1):
    xp, _, _ = pad_image(x, padding, w.shape[2:], dilation, stride)
    wd = _dilated(np.asarray(w, dtype=float), dilation)[:, :, ::-1, ::-1]   # (F, C, r, c)
    full = _fft_full_convolution(xp[:, None], wd[None]).sum(axis=2)        # (N, F, ., .)
    r, c = wd.shape[2:]
    z = full[:, :, r - 1:xp.shape[2]:stride, c - 1:xp.shape[3]:stride]
    return z if b is None else z + np.asarray(b)[None, :, None, None]


def conv2d_backward_fft(dz, x, w, stride=1, padding=0, dilation=1):
    xp, rows, cols = pad_image(x, padding, w.shape[2:], dilation, stride)
    wd = _dilated(np.asarray(w, dtype=float), dilation)                     # (F, C, r, c)
    r, c = wd.shape[2:]
    dzd = np.zeros(dz.shape[:2] + (xp.shape[2] - r + 1, xp.shape[3] - c + 1))
    dzd[:, :, ::stride, ::stride][:, :, :dz.shape[2], :dz.shape[3]] = dz    # dilate by stride
    dxp = _fft_full_convolution(dzd[:, :, None], wd[None]).sum(axis=1)      # (N, C, Hp, Wp)
    # dw: correlate the padded input with the dilated dz, keep the taps of the dilated kernel
    full = _fft_full_convolution(xp[:, None], dzd[:, :, None, ::-1, ::-1]).sum(axis=0)
    dwd = full[:, :, dzd.shape[2] - 1:xp.shape[2], dzd.shape[3] - 1:xp.shape[3]]
    dx = dxp[:, :, rows[0]:rows[0] + x.shape[2], cols[0]:cols[0] + x.shape[3]]
    return dx, dwd[:, :, ::dilation, ::dilation], dz.sum(axis=(0, 2, 3))


# -- the newer operations ------------------------------------------------------------------

def conv_transpose_loops(x, w, b=None, stride=1, padding=0, output_padding=0):
    """Each input pixel spreads x * w over its output window; then the padding is cut off."""
    n, c, height, width = x.shape
    _, f, kh, kw = w.shape
    full = np.zeros((n, f, (height - 1) * stride + kh + output_padding,
                     (width - 1) * stride + kw + output_padding))
    for i in range(height):
        for j in range(width):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,cfuv->nfuv", x[:, :, i, j], w)
    z = full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    return z if b is None else z + np.asarray(b)[None, :, None, None]


def _channels(x):
    return (0, *range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)


def batch_norm_einsum(x, gamma=None, beta=None, eps=1e-5):
    axes, shape = _channels(x)
    m = x.size // x.shape[1]
    mean = x.sum(axis=axes, keepdims=True) / m
    centred = x - mean
    flat = centred.reshape(x.shape[0], x.shape[1], -1)                    # (N, C, H*W)
    var = np.einsum("ncp,ncp->c", flat, flat).reshape(shape) / m
    y = centred / np.sqrt(var + eps)
    y = y if gamma is None else y * np.reshape(gamma, shape)
    return y if beta is None else y + np.reshape(beta, shape)


def batch_norm_backward_by_steps(dz, x, gamma=None, eps=1e-5):
    """The computational graph walked backwards, node by node (as CS231n's first version)."""
    axes, shape = _channels(x)
    m = x.size // x.shape[1]
    g = np.ones(shape) if gamma is None else np.reshape(gamma, shape)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred ** 2).mean(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(var + eps)
    x_hat = centred * inv
    dx_hat = dz * g
    dvar = np.sum(dx_hat * centred, axis=axes, keepdims=True) * -0.5 * inv ** 3
    dmean = -np.sum(dx_hat * inv, axis=axes, keepdims=True) - 2 * dvar * centred.mean(
        axis=axes, keepdims=True)
    dx = dx_hat * inv + dvar * 2 * centred / m + dmean / m
    return dx, np.sum(dz * x_hat, axis=axes), np.sum(dz, axis=axes)
