"""The hypothesis strategies the checkers draw their cases from (imported when a check runs).

Values are small integers (-3..3) stored as float64: sums of products stay
exact, so a report shows numbers one can redo by hand, and pooling windows
hold ties.  Sizes are small (a few pixels) and shrink towards the smallest
that fits.

An array's values come from a seed that hypothesis draws (one choice per
array, not one per element): shrinking then spends its calls on the sizes,
strides and paddings and stays quick; the checker afterwards sets to zero
every value that the failure does not need (``_core.simplify``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .. import geometry


def values(shape, low=-3, high=3):
    return st.integers(0, 2 ** 16 - 1).map(
        lambda seed: np.random.default_rng(seed).integers(low, high + 1, shape).astype(np.float64))


def _fitting(draw, kernel, dilation, pairs, extra=4):
    """An input side length for which the kernel fits the padded input."""
    span = dilation * (kernel - 1) + 1
    least = max(1, span - sum(pairs))
    return draw(st.integers(least, least + extra))


def _window(draw, taken, most_stride, most_padding, extra):
    """A convolution's kernel (kh, kw), stride, padding, dilation and an input (H, W) it fits.

    Arguments the function does not take (``taken``) stay at their defaults.
    """
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.integers(1, most_stride)) if "stride" in taken else 1
    padding = draw(st.integers(0, most_padding)) if "padding" in taken else 0
    dilation = draw(st.integers(1, 2)) if "dilation" in taken else 1
    height = _fitting(draw, kh, dilation, (padding, padding), extra=extra)
    width = _fitting(draw, kw, dilation, (padding, padding), extra=extra)
    return (kh, kw), stride, padding, dilation, (height, width)


@st.composite
def single(draw, taken):
    """x (H, W), k (r, c) and the padding, stride, dilation the function takes."""
    r, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    form = draw(st.sampled_from(["valid", "same", "full", "int"] if "padding" in taken
                                else ["valid"]))
    stride = draw(st.integers(1, 3)) if "stride" in taken and form != "same" else 1
    dilation = draw(st.integers(1, 2)) if "dilation" in taken else 1
    padding = draw(st.integers(0, 2)) if form == "int" else form
    rows, cols = geometry.normalize_padding(padding, kernel_size=(r, c), dilation=dilation,
                                            stride=stride)
    height, width = _fitting(draw, r, dilation, rows), _fitting(draw, c, dilation, cols)
    return dict(x=draw(values((height, width))), k=draw(values((r, c))), padding=padding,
                stride=stride, dilation=dilation)


@st.composite
def batch(draw, taken, backward=False):
    """x (N, C, H, W), w (F, C, kh, kw), b (F,) or None, stride, padding, dilation (ints)."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel, stride, padding, dilation, hw = _window(draw, taken, 3, 2, extra=3)
    case = dict(x=draw(values((n, c, *hw))), w=draw(values((f, c, *kernel))))
    if backward:
        out = geometry.output_shape2d(hw, kernel, stride, padding, dilation)
        case = dict(dz=draw(values((n, f, *out))), **case)
    else:
        case["b"] = draw(st.none() | values((f,))) if "b" in taken else None
    return dict(case, stride=stride, padding=padding, dilation=dilation)


@st.composite
def pool(draw, taken, backward=False, low=-3, high=3):
    """x (N, C, H, W), kernel_size, stride, padding (ints; padding at most half the window)."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kernel = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3)) if "stride" in taken else kernel
    padding = draw(st.integers(0, kernel // 2)) if "padding" in taken else 0
    height = _fitting(draw, kernel, 1, (padding, padding), extra=3)
    width = _fitting(draw, kernel, 1, (padding, padding), extra=3)
    case = dict(x=draw(values((n, c, height, width), low, high)), kernel_size=kernel,
                stride=stride, padding=padding)
    if backward:
        out = geometry.output_shape2d((height, width), kernel, stride, padding)
        case = dict(dz=draw(values((n, c, *out))), **case)
    return case


def elementwise(taken, large=False):
    """x of shape (rows, K): small integers, halves, and (``large``) values near +-1000."""
    numbers = st.integers(-4, 4).map(float) | st.sampled_from([0.5, -0.5, 2.5])
    if large:
        numbers = numbers | st.sampled_from([1000.0, -1000.0, 800.0])
    shape = st.tuples(st.integers(1, 3), st.integers(1, 4))
    return shape.flatmap(lambda s: st.lists(numbers, min_size=s[0] * s[1],
                                            max_size=s[0] * s[1]).map(
        lambda v: dict(x=np.array(v, dtype=np.float64).reshape(s))))


@st.composite
def transposed(draw, taken):
    """x (N, C_in, H, W), w (C_in, C_out, kh, kw), b, stride, padding, output_padding (ints)."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    height, width = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3)) if "stride" in taken else 1
    extra = draw(st.integers(0, stride - 1)) if "output_padding" in taken else 0
    most = min((height - 1) * stride + kh - 1 + extra, (width - 1) * stride + kw - 1 + extra) // 2
    padding = min(draw(st.integers(0, 2)), most) if "padding" in taken else 0
    return dict(x=draw(values((n, c, height, width))), w=draw(values((c, f, kh, kw))),
                b=draw(st.none() | values((f,))) if "b" in taken else None,
                stride=stride, padding=padding, output_padding=extra)


@st.composite
def normalised(draw, taken, backward=False):
    """x (N, C) or (N, C, H, W) with at least two values per channel, gamma, beta (C,)."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = draw(st.sampled_from([(), (1, 2), (2, 2), (2, 3)]))
    if n * int(np.prod(spatial)) < 2:
        n = 2
    shape = (n, c, *spatial)
    case = dict(x=draw(values(shape)),
                gamma=draw(values((c,), 1, 3)) if "gamma" in taken else None)
    if backward:
        case = dict(dz=draw(values(shape)), **case)
    else:
        case["beta"] = draw(values((c,))) if "beta" in taken else None
    return dict(case, eps=1e-5)


@st.composite
def grouped(draw, taken, backward=False):
    """``batch``'s case with ``groups`` G: C = G*Cg maps in, F = G*Fg out, w (F, Cg, kh, kw)."""
    groups = draw(st.integers(1, 3))
    n, cg, fg = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel, stride, padding, dilation, hw = _window(draw, taken, 2, 1, extra=2)
    case = dict(x=draw(values((n, groups * cg, *hw))),
                w=draw(values((groups * fg, cg, *kernel))))
    if backward:
        out = geometry.output_shape2d(hw, kernel, stride, padding, dilation)
        case = dict(dz=draw(values((n, groups * fg, *out))), **case)
    else:
        case["b"] = draw(st.none() | values((groups * fg,))) if "b" in taken else None
    return dict(case, stride=stride, padding=padding, dilation=dilation, groups=groups)


@st.composite
def adaptive(draw, taken, backward=False, low=-3, high=3):
    """x (N, C, H, W) and output_size (Ho, Wo), each at most the input's (windows not empty)."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    size = (draw(st.integers(1, height)), draw(st.integers(1, width)))
    case = dict(x=draw(values((n, c, height, width), low, high)), output_size=size)
    if backward:
        case = dict(dz=draw(values((n, c) + size)), **case)
    return case


# Factors whose reading index floor(p / s) float32 (PyTorch) and exact arithmetic agree on.
SCALE_FACTORS = (1, 2, 3, 0.5, 1.5, 2.5)


@st.composite
def upsampled(draw, taken, backward=False):
    """x (N, C, H, W) and scale_factor, one number or a (rows, columns) pair from SCALE_FACTORS."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    factors = st.sampled_from(SCALE_FACTORS)
    factor = draw(factors | st.tuples(factors, factors))
    pair = factor if isinstance(factor, tuple) else (factor, factor)
    least = [2 if f < 1 else 1 for f in pair]                 # at least one output pixel
    height, width = (draw(st.integers(low, low + 3)) for low in least)
    case = dict(x=draw(values((n, c, height, width))), scale_factor=factor)
    if backward:
        out = (int(np.floor(height * pair[0])), int(np.floor(width * pair[1])))
        case = dict(dz=draw(values((n, c) + out)), **case)
    return case


@st.composite
def group_normalised(draw, taken, backward=False):
    """x (N, C, ...) with C = G * (maps per group), num_groups G, gamma, beta (C,)."""
    groups, per_group = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    c, n = groups * per_group, draw(st.integers(1, 2))
    spatial = draw(st.sampled_from([(1, 2), (2, 2), (2, 3)] + [()] * (per_group > 1)))
    shape = (n, c, *spatial)                     # at least two values per group
    case = dict(x=draw(values(shape)), num_groups=groups,
                gamma=draw(values((c,), 1, 3)) if "gamma" in taken else None)
    if backward:
        case = dict(dz=draw(values(shape)), **case)
    else:
        case["beta"] = draw(values((c,))) if "beta" in taken else None
    return dict(case, eps=1e-5)
