"""Students' implementations of the newer operations, written differently from the library.

Loops over windows and copied pixels, einsum over groups: correct unless a
planted change (an argument of the builder) makes the classic mistake.
Nothing here imports convnet.
"""

import math

import numpy as np


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# -- adaptive pooling: one window per output pixel, found by Eq. R.1 -------------------------

def _ceil_end(i, inputs, outputs):
    return math.ceil((i + 1) * inputs / outputs)


def floor_end(i, inputs, outputs):                  # the planted slip
    return (i + 1) * inputs // outputs


def _windows(inputs, outputs, end):
    return [(math.floor(i * inputs / outputs), end(i, inputs, outputs)) for i in range(outputs)]


def adaptive_loops(kind, end=_ceil_end):
    """Adaptive pooling by loops over the output pixels (``kind`` "avg" or "max")."""
    def forward(x, output_size):
        (ho, wo), (height, width) = _pair(output_size), x.shape[2:]
        z = np.zeros(x.shape[:2] + (ho, wo))
        for i, (top, bottom) in enumerate(_windows(height, ho, end)):
            for j, (left, right) in enumerate(_windows(width, wo, end)):
                window = x[:, :, top:bottom, left:right]
                z[:, :, i, j] = window.max(axis=(2, 3)) if kind == "max" else \
                    window.sum(axis=(2, 3)) / ((bottom - top) * (right - left))
        return z
    return forward


def adaptive_backward_loops(kind, end=_ceil_end):
    def backward(dz, x, output_size):
        (ho, wo), (height, width) = _pair(output_size), x.shape[2:]
        dx = np.zeros(x.shape)
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                for i, (top, bottom) in enumerate(_windows(height, ho, end)):
                    for j, (left, right) in enumerate(_windows(width, wo, end)):
                        window = x[n, c, top:bottom, left:right]
                        if kind == "avg":
                            dx[n, c, top:bottom, left:right] += dz[n, c, i, j] / window.size
                        else:                          # the first maximum, row-major
                            u, v = np.unravel_index(np.argmax(window), window.shape)
                            dx[n, c, top + u, left + v] += dz[n, c, i, j]
        return dx
    return backward


# -- nearest upsampling: output pixel p reads source(p) -----------------------------------

def _floor_source(p, factor, inputs):
    return min(math.floor(p / factor), inputs - 1)


def rounded_source(p, factor, inputs):              # the planted slip: "nearest" = rounded
    return min(int(p / factor + 0.5), inputs - 1)


def _sources(inputs, factor, source):
    return [source(p, factor, inputs) for p in range(math.floor(inputs * factor))]


def upsample_loops(source=_floor_source):
    def forward(x, scale_factor):
        (sr, sc), (height, width) = _pair(scale_factor), x.shape[2:]
        rows, cols = _sources(height, sr, source), _sources(width, sc, source)
        z = np.zeros(x.shape[:2] + (len(rows), len(cols)))
        for p, u in enumerate(rows):
            for q, v in enumerate(cols):
                z[:, :, p, q] = x[:, :, u, v]
        return z
    return forward


def upsample_backward_indexing(source=_floor_source):
    """Scatter-add with np.add.at over the index lists."""
    def backward(dz, x, scale_factor):
        (sr, sc), (height, width) = _pair(scale_factor), x.shape[2:]
        rows = np.array(_sources(height, sr, source), dtype=int)
        cols = np.array(_sources(width, sc, source), dtype=int)
        dx = np.zeros(x.shape)
        np.add.at(dx, (slice(None), slice(None), rows[:, None], cols[None, :]), dz)
        return dx
    return backward


# -- group norm: einsum over (N, G, C/G, positions) ---------------------------------------

def _grouped(x, num_groups):
    return x.reshape(x.shape[0], num_groups, x.shape[1] // num_groups, -1)   # (N, G, Cg, P)


def _per_channel(v, x):
    return np.reshape(v, (1, -1) + (1,) * (x.ndim - 2))


def group_norm_einsum(per_channel=False, interleaved=False):
    """Planted slips: ``per_channel``, statistics over each channel's positions only;
    ``interleaved``, channel c in group c % G (the reshape (N, C/G, G) for (N, G, C/G))."""
    def forward(x, num_groups, gamma=None, beta=None, eps=1e-5):
        if interleaved:                          # (N, C/G, G, P) -> (N, G, C/G, P)
            g = x.reshape(x.shape[0], x.shape[1] // num_groups, num_groups, -1)
            g = g.transpose(0, 2, 1, 3)
        else:
            g = _grouped(x, x.shape[1] if per_channel else num_groups)
        m = g.shape[2] * g.shape[3]
        mean = np.einsum("ngcp->ng", g)[:, :, None, None] / m
        centred = g - mean
        var = np.einsum("ngcp,ngcp->ng", centred, centred)[:, :, None, None] / m
        y = centred / np.sqrt(var + eps)
        y = (y.transpose(0, 2, 1, 3) if interleaved else y).reshape(x.shape)
        y = y if gamma is None else y * _per_channel(gamma, x)
        return y if beta is None else y + _per_channel(beta, x)
    return forward


def group_norm_backward_by_steps(frozen=False):
    """The graph walked backwards node by node; ``frozen``: the planted slip (dx = g dz / σ)."""
    def backward(dz, x, num_groups, gamma=None, eps=1e-5):
        gamma = np.ones(x.shape[1]) if gamma is None else gamma
        g = _grouped(x, num_groups)
        m = g.shape[2] * g.shape[3]
        centred = g - g.mean(axis=(2, 3), keepdims=True)
        inv = 1 / np.sqrt((centred ** 2).mean(axis=(2, 3), keepdims=True) + eps)
        x_hat = (centred * inv).reshape(x.shape)
        dx_hat = _grouped(dz * _per_channel(gamma, x), num_groups)
        if frozen:
            dx = dx_hat * inv
        else:
            dvar = np.sum(dx_hat * centred, axis=(2, 3), keepdims=True) * -0.5 * inv ** 3
            dmean = -np.sum(dx_hat * inv, axis=(2, 3), keepdims=True)
            dx = dx_hat * inv + dvar * 2 * centred / m + dmean / m
        axes = (0, *range(2, x.ndim))
        return dx.reshape(x.shape), np.sum(dz * x_hat, axis=axes), np.sum(dz, axis=axes)
    return backward


# -- grouped convolution: loops over groups, einsum inside ---------------------------------

def _input_maps(h, f, c, cg, groups, slip):
    """The input maps output map h reads; ``slip`` plants a mistake: "mix" (all of them) or
    "in turn" (output maps dealt to the groups like cards, h % G, not in blocks)."""
    if slip == "mix":
        return list(range(c))
    group = h % groups if slip == "in turn" else h // (f // groups)
    return list(range(group * cg, (group + 1) * cg))


def grouped_conv_loops(slip=None):
    """``slip`` also: "flip" (the kernel rotated), "no bias"."""
    def forward(x, w, b, stride, padding, dilation, groups):
        w = w[:, :, ::-1, ::-1] if slip == "flip" else w
        b = None if slip == "no bias" else b
        xp = np.pad(x, ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2))
        f, cg, kh, kw = w.shape
        ho = (xp.shape[2] - dilation * (kh - 1) - 1) // stride + 1
        wo = (xp.shape[3] - dilation * (kw - 1) - 1) // stride + 1
        z = np.zeros((x.shape[0], f, ho, wo))
        for h in range(f):
            for l in _input_maps(h, f, x.shape[1], cg, groups, slip):
                for u in range(kh):
                    for v in range(kw):
                        rows = slice(u * dilation, u * dilation + (ho - 1) * stride + 1, stride)
                        cols = slice(v * dilation, v * dilation + (wo - 1) * stride + 1, stride)
                        z[:, h] += w[h, l % cg, u, v] * xp[:, l, rows, cols]
        return z if b is None else z + np.asarray(b)[None, :, None, None]
    return forward


def grouped_conv_backward_loops(slip=None):
    """``slip`` also: "no rot180" (dx through the rotated kernel, i.e. w itself in Eq. G.3)."""
    def backward(dz, x, w, stride, padding, dilation, groups):
        kernel = w[:, :, ::-1, ::-1] if slip == "no rot180" else w      # the one dx uses
        xp = np.pad(x, ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2))
        f, cg, kh, kw = w.shape
        ho, wo = dz.shape[2:]
        dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
        for h in range(f):
            for l in _input_maps(h, f, x.shape[1], cg, groups, slip):
                for u in range(kh):
                    for v in range(kw):
                        rows = slice(u * dilation, u * dilation + (ho - 1) * stride + 1, stride)
                        cols = slice(v * dilation, v * dilation + (wo - 1) * stride + 1, stride)
                        dw[h, l % cg, u, v] += np.sum(dz[:, h] * xp[:, l, rows, cols])
                        dxp[:, l, rows, cols] += dz[:, h] * kernel[h, l % cg, u, v]
        dx = dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
        return dx, dw, dz.sum(axis=(0, 2, 3))
    return backward
