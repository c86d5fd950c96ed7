"""What the classic mistakes of adaptive pooling and nearest upsampling compute.

As :mod:`convnet.testing._mistakes`: each function takes the case's
arguments and returns ``{output name: array}``, the output a function
making exactly that mistake returns, or ``None`` where the mistake changes
nothing in this case.  Written as plain loops over the windows and the
copied pixels, with one deliberate change each.
"""

from __future__ import annotations

import math

import numpy as np


def _output_size(x, output_size):
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    return tuple(np.shape(x)[2 + axis] if s is None else int(s) for axis, s in enumerate(size))


def _floored_windows(inputs, outputs):
    """Rows [floor(i S/R), floor((i+1) S/R)): the end rounded down instead of up (Eq. R.1)."""
    return [(i * inputs // outputs, (i + 1) * inputs // outputs) for i in range(outputs)]


def _right_windows(inputs, outputs):
    return [(i * inputs // outputs, -(-(i + 1) * inputs // outputs)) for i in range(outputs)]


def _floored(x, output_size, empty_allowed):
    """Both axes' floored windows, or None when they are the right ones (or one is empty and
    ``empty_allowed`` is false: the max of nothing raises)."""
    ho, wo = _output_size(x, output_size)
    height, width = np.shape(x)[2:]
    rows, cols = _floored_windows(height, ho), _floored_windows(width, wo)
    if (rows, cols) == (_right_windows(height, ho), _right_windows(width, wo)):
        return None
    if not empty_allowed and any(start >= end for start, end in rows + cols):
        return None
    return rows, cols


def adaptive_end_floored(kind, backward=False):
    """Adaptive pooling (``kind`` "avg" or "max") over windows whose end is rounded down."""
    def mistake(x, output_size, dz=None, **_):
        x = np.asarray(x, dtype=np.float64)
        windows = _floored(x, output_size, empty_allowed=kind == "avg")
        if windows is None:
            return None
        rows, cols = windows
        out = np.zeros(x.shape[:2] + (len(rows), len(cols)))             # (N, C, Ho, Wo)
        dx = np.zeros(x.shape)                                             # (N, C, H, W)
        for i, (top, bottom) in enumerate(rows):
            for j, (left, right) in enumerate(cols):
                window = x[:, :, top:bottom, left:right]
                if kind == "avg":                      # an empty window: 0/0, nan
                    out[:, :, i, j] = window.sum(axis=(2, 3)) / window[0, 0].size
                    if backward and window.size:
                        dx[:, :, top:bottom, left:right] += (dz[:, :, i:i + 1, j:j + 1]
                                                             / window[0, 0].size)
                    continue
                out[:, :, i, j] = window.max(axis=(2, 3))
                if backward:
                    flat = window.reshape(window.shape[:2] + (-1,)).argmax(axis=2)
                    u, v = np.unravel_index(flat, window.shape[2:])
                    n, c = np.indices(flat.shape)
                    dx[n, c, top + u, left + v] += dz[:, :, i, j]
        return {"dx": dx} if backward else {"z": out}
    return mistake


def _factors(scale_factor):
    return tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2


def _rounded_sources(inputs, factor):
    """Output p reads round(p / s) (half up) instead of floor(p / s) (Eq. R.6)."""
    outputs = math.floor(inputs * factor)
    wrong = [min(math.floor(p / factor + 0.5), inputs - 1) for p in range(outputs)]
    right = [min(math.floor(p / factor), inputs - 1) for p in range(outputs)]
    return np.array(wrong), wrong != right


def nearest_rounded(backward=False):
    """Nearest upsampling (or its backward) reading the rounded index, not the floored one."""
    def mistake(x, scale_factor, dz=None, **_):
        x = np.asarray(x, dtype=np.float64)
        (rows, moved_rows), (cols, moved_cols) = (
            _rounded_sources(size, factor) for size, factor in zip(x.shape[2:],
                                                                 _factors(scale_factor)))
        if not (moved_rows or moved_cols):
            return None
        if not backward:
            return {"z": x[:, :, rows][:, :, :, cols]}                     # (N, C, Ho, Wo)
        dx = np.zeros(x.shape)
        for p, u in enumerate(rows):
            for q, v in enumerate(cols):
                dx[:, :, u, v] += dz[:, :, p, q]
        return {"dx": dx}
    return mistake
