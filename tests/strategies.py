"""Hypothesis strategies for valid window-operation configurations.

Every strategy draws sizes first and data last (from a seeded Generator), so
shrinking works on the geometry and failures replay exactly.
"""

import numpy as np
from hypothesis import strategies as st

from convnet.geometry import normalize_padding
from convnet.window import pool_window


def normal(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@st.composite
def paddings(draw, kernel, dilation, stride, beyond=2):
    """Any accepted padding form, up to ``beyond`` past the full padding d*(k-1) per side.

    Padding wider than the kernel's reach is legal, as in PyTorch: its outputs
    see only zeros (and the bias).
    """
    limit = [d * (k - 1) + beyond for k, d in zip(kernel, dilation)]
    forms = ["int", "pair", "pairs", "valid", "full"]
    if stride == (1, 1):
        forms.append("same")
    form = draw(st.sampled_from(forms))
    if form in ("valid", "same", "full"):
        return form
    if form == "int":
        return draw(st.integers(0, min(limit)))
    if form == "pair":
        return (draw(st.integers(0, limit[0])), draw(st.integers(0, limit[1])))
    return ((draw(st.integers(0, limit[0])), draw(st.integers(0, limit[0]))),
            (draw(st.integers(0, limit[1])), draw(st.integers(0, limit[1]))))


@st.composite
def conv_configs(draw, max_batch=2, max_channels=3, max_filters=3, max_kernel=4,
                 max_stride=3, max_dilation=2, extra=5):
    """A dict with x_shape, w_shape, stride, padding, dilation and a data seed."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    dilation = (draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation)))
    padding = draw(paddings(kernel, dilation, stride))
    pads = normalize_padding(padding, kernel, dilation, stride)
    size = []
    for axis in range(2):
        reach = dilation[axis] * (kernel[axis] - 1) + 1 - sum(pads[axis])
        low = max(1, reach)
        size.append(draw(st.integers(low, low + extra)))
    n = draw(st.integers(1, max_batch))
    c = draw(st.integers(1, max_channels))
    f = draw(st.integers(1, max_filters))
    return dict(x_shape=(n, c, *size), w_shape=(f, c, *kernel), stride=stride,
                padding=padding, dilation=dilation, seed=draw(st.integers(0, 2**32 - 1)))


@st.composite
def pool_configs(draw, max_batch=2, max_channels=3, max_kernel=4, max_stride=4, extra=5):
    """A dict with x_shape, kernel_size, stride (maybe None), padding and a seed."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, max_stride),
                                                 st.integers(1, max_stride))))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = draw(st.sampled_from([(1, 1), (1, 1), (2, 1), (2, 3)]))   # max pooling's
    span = [dilation[a] * (kernel[a] - 1) + 1 for a in range(2)]
    size = [max(1, span[a] - 2 * padding[a]) + draw(st.integers(0, extra)) for a in range(2)]
    n = draw(st.integers(1, max_batch))
    c = draw(st.integers(1, max_channels))
    return dict(x_shape=(n, c, *size), kernel_size=kernel, stride=stride, padding=padding,
                dilation=dilation,
                ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                divisor_override=draw(st.one_of(st.none(), st.integers(1, 9))),
                seed=draw(st.integers(0, 2**32 - 1)))


def pool_options(cfg, kind="max"):
    """The arguments of ``max_pool2d`` (kind "max") or ``avg_pool2d`` ("avg") that ``cfg`` drew.

    ``kind`` "sum" gives those of ``sum_pool2d`` and ``pool_weight_gradient`` (no ceil_mode).
    """
    args = dict(kernel_size=cfg["kernel_size"], stride=cfg["stride"], padding=cfg["padding"])
    if kind == "max":
        args["dilation"] = cfg["dilation"]
    if kind != "sum":
        args["ceil_mode"] = cfg["ceil_mode"]
    if kind == "avg":
        args.update(count_include_pad=cfg["count_include_pad"],
                    divisor_override=cfg["divisor_override"])
    return args


def window_gap(x, cfg):
    """Smallest gap between the two largest values of any max pooling window (ceil_mode's too)."""
    window = pool_window(x.shape[2:], cfg["kernel_size"], cfg["stride"], cfg["padding"],
                         cfg.get("ceil_mode", False), cfg.get("dilation", 1))
    (top, bottom), (left, right) = window.reach()
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=-np.inf)
    taps = np.stack([xp[(..., *window.tap(i, j))] for i, j in window.offsets()])
    if taps.shape[0] < 2:
        return np.inf
    top2 = np.sort(taps, axis=0)[-2:]
    if np.isneginf(top2[1]).any():      # a dilated window of padding only: -inf, no derivative
        return 0.0
    gap = top2[1] - top2[0]
    return np.min(gap[np.isfinite(gap)], initial=np.inf)


@st.composite
def grouped_conv_configs(draw, modes=("zeros", "reflect", "replicate", "circular"),
                         max_groups=3, max_kernel=3, max_stride=3, max_dilation=2):
    """A conv2d geometry with groups and a padding mode, its padding within the mode's bounds.

    A dict with x_shape, w_shape (F, C/groups, kh, kw), stride, padding
    ((top, bottom), (left, right)), dilation, groups, padding_mode and seed.
    One input map per group (depthwise) is drawn often.
    """
    mode = draw(st.sampled_from(modes))
    groups = draw(st.integers(1, max_groups))
    per_group, maps_per_group = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    dilation = (draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation)))
    size, pads = [], []
    for axis in range(2):
        reach = dilation[axis] * (kernel[axis] - 1) + 1
        n = draw(st.integers(1, 6))
        bound = {"reflect": n - 1, "circular": n}.get(mode, reach + 1)
        before, after = draw(st.integers(0, bound)), draw(st.integers(0, bound))
        size.append(max(n, reach - before - after))
        pads.append((before, after))
    c = groups * per_group
    return dict(x_shape=(draw(st.integers(1, 2)), c, *size),
                w_shape=(groups * maps_per_group, per_group, *kernel), stride=stride,
                padding=tuple(pads), dilation=dilation, groups=groups, padding_mode=mode,
                seed=draw(st.integers(0, 2**32 - 1)))


@st.composite
def transposed_configs(draw, max_groups=2, max_kernel=4, max_stride=3, max_dilation=2):
    """A conv_transpose2d geometry: x_shape, w_shape (C_in, C_out/groups, kh, kw), stride,
    padding (a pair), output_padding, groups, dilation, seed; the output at least 1x1."""
    groups = draw(st.integers(1, max_groups))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    dilation = (draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation)))
    extra = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size, padding = [], []
    for axis in range(2):
        n = draw(st.integers(1, 4))
        full = (n - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + extra[axis] + 1
        padding.append(draw(st.integers(0, (full - 1) // 2)))      # the output stays >= 1
        size.append(n)
    return dict(x_shape=(draw(st.integers(1, 2)), c_in, *size),
                w_shape=(c_in, c_out // groups, *kernel), stride=stride, padding=tuple(padding),
                output_padding=extra, groups=groups, dilation=dilation,
                seed=draw(st.integers(0, 2**32 - 1)))
