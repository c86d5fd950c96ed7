"""What the classic mistakes of group normalisation and grouped convolution compute.

As :mod:`convnet.testing._mistakes`: each takes the case's arguments and
returns ``{output name: array}`` or ``None`` where the mistake changes
nothing in this case; written with the library's correct functions and one
deliberate change each.
"""

from __future__ import annotations

import numpy as np

from ..functional import conv2d, conv2d_backward, rot180


def group_norm_per_channel(x, num_groups, gamma=None, beta=None, eps=1e-5, **_):
    """Statistics per channel (instance norm) where the group's C/G channels share them."""
    x = np.asarray(x, dtype=np.float64)
    if num_groups == x.shape[1]:
        return None
    flat = x.reshape(x.shape[0], x.shape[1], -1)                            # (N, C, H*W)
    x_hat = (flat - flat.mean(axis=2, keepdims=True)) / np.sqrt(flat.var(axis=2, keepdims=True)
                                                                + eps)
    return {"z": _affine(x_hat.reshape(x.shape), gamma, beta)}


def group_norm_interleaved(x, num_groups, gamma=None, beta=None, eps=1e-5, **_):
    """Channel c in group c % G: the reshape (N, C/G, G, ...) where (N, G, C/G, ...) belongs."""
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape[:2]
    if num_groups in (1, c):
        return None
    dealt = x.reshape(n, c // num_groups, num_groups, -1)                  # (N, C/G, G, H*W)
    x_hat = (dealt - dealt.mean(axis=(1, 3), keepdims=True)) / np.sqrt(
        dealt.var(axis=(1, 3), keepdims=True) + eps)
    return {"z": _affine(x_hat.reshape(x.shape), gamma, beta)}


def _affine(x_hat, gamma, beta):
    shape = (1, x_hat.shape[1]) + (1,) * (x_hat.ndim - 2)
    y = x_hat * (1.0 if gamma is None else np.reshape(gamma, shape))
    return y if beta is None else y + np.reshape(beta, shape)


def group_norm_backward_frozen(dz, x, num_groups, gamma=None, eps=1e-5, **_):
    """dx = gamma dz / sigma: each group's mean and variance treated as constants."""
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape[:2]
    per_group = x.reshape(n, num_groups, -1)                                # (N, G, C/G*H*W)
    sigma = np.sqrt(per_group.var(axis=2, keepdims=True) + eps)
    dx = (np.asarray(dz, dtype=np.float64).reshape(per_group.shape) / sigma).reshape(x.shape)
    scale = 1.0 if gamma is None else np.reshape(gamma, (1, c) + (1,) * (x.ndim - 2))
    return {"dx": scale * dx}


def _tiled(w, groups):
    """The kernel repeated for every group: (F, C/G, kh, kw) -> (F, C, kh, kw)."""
    return np.tile(np.asarray(w, dtype=np.float64), (1, groups, 1, 1))


def grouped_conv_mixed(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, **_):
    """Every output map reads every input map (w repeated over the groups)."""
    if groups == 1:
        return None
    return {"z": conv2d(x, _tiled(w, groups), b, stride, padding, dilation)}


def grouped_conv_backward_mixed(dz, x, w, stride=1, padding=0, dilation=1, groups=1, **_):
    """The backward of that forward: dx from every output map, dw summed over the groups."""
    if groups == 1:
        return None
    dx, dw, _ = conv2d_backward(dz, x, _tiled(w, groups), stride, padding, dilation)
    f, cg = np.shape(w)[:2]
    return {"dx": dx, "dw": dw.reshape(f, groups, cg, *dw.shape[2:]).sum(axis=1)}


def _dealt_in_turn(w, groups):
    """Output maps sorted by h % G (stable): the order that puts the student's groups in blocks."""
    f = np.shape(w)[0]
    if groups == 1 or f == groups:                  # one output map per group: the same
        return None
    order = np.argsort(np.arange(f) % groups, kind="stable")
    return order, np.argsort(order)


def grouped_conv_in_turn(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, **_):
    """Output map h in group h % G (dealt like cards) where the groups are blocks h // (F/G)."""
    orders = _dealt_in_turn(w, groups)
    if orders is None:
        return None
    order, back = orders
    b = None if b is None else np.asarray(b)[order]
    z = conv2d(x, np.asarray(w)[order], b, stride, padding, dilation, groups)
    return {"z": z[:, back]}


def grouped_conv_backward_in_turn(dz, x, w, stride=1, padding=0, dilation=1, groups=1, **_):
    orders = _dealt_in_turn(w, groups)
    if orders is None:
        return None
    order, back = orders
    dx, dw, _ = conv2d_backward(np.asarray(dz)[:, order], x, np.asarray(w)[order], stride,
                                padding, dilation, groups=groups)
    return {"dx": dx, "dw": dw[back]}


# -- the ungrouped convolution's entries, with groups -----------------------------------------

def grouped_flipped(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, **_):
    if np.array_equal(w, rot180(w)):
        return None
    return {"z": conv2d(x, rot180(w), b, stride, padding, dilation, groups)}


def grouped_bias_not_added(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, **_):
    if b is None or not np.any(b):
        return None
    return {"z": conv2d(x, w, None, stride, padding, dilation, groups)}


def grouped_no_rot180_in_dx(dz, x, w, stride=1, padding=0, dilation=1, groups=1, **_):
    if np.array_equal(w, rot180(w)):
        return None
    return {"dx": conv2d_backward(dz, x, rot180(w), stride, padding, dilation,
                                  groups=groups)[0]}
