"""Grouped convolution, padding modes and the transposed convolution against PyTorch.

Every engine, float64 on both sides, on drawn geometries: groups (depthwise
included) against ``torch.nn.functional.conv2d``; each padding mode against
``torch.nn.Conv2d(..., padding_mode=...)`` and ``torch.nn.functional.pad``;
``conv_transpose2d`` (output_padding, groups, dilation) against
``torch.nn.functional.conv_transpose2d``; forward and backward.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import convnet
from convnet import functional as F, layers as L

from ..strategies import grouped_conv_configs, transposed_configs

ENGINES = ["plain", "fast", "reference"]
torch.set_num_threads(1)


def as_torch(a, grad=False):
    return torch.tensor(np.ascontiguousarray(a), dtype=torch.float64, requires_grad=grad)


def close(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(cfg=grouped_conv_configs(modes=("zeros",)))
def test_grouped_conv2d_matches_pytorch(engine, cfg):
    rng = np.random.default_rng(cfg["seed"])
    x, w = rng.standard_normal(cfg["x_shape"]), rng.standard_normal(cfg["w_shape"])
    b = rng.standard_normal(cfg["w_shape"][0])
    (top, bottom), (left, right) = cfg["padding"]
    geometry = (cfg["stride"], 0, cfg["dilation"], cfg["groups"])
    tx, tw, tb = as_torch(x, True), as_torch(w, True), as_torch(b, True)
    padded = torch.nn.functional.pad(tx, (left, right, top, bottom))   # asymmetric padding
    tz = torch.nn.functional.conv2d(padded, tw, tb, *geometry)
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                groups=cfg["groups"])
    with convnet.engine(engine):
        z = F.conv2d(x, w, b, **args)
        dx, dw, db = F.conv2d_backward(dz, x, w, **args)
    for ours, theirs in ((z, tz), (dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
        close(ours, theirs)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(cfg=grouped_conv_configs(modes=("reflect", "replicate", "circular")))
def test_each_padding_mode_matches_pytorchs_conv2d_layer(engine, cfg):
    # nn.Conv2d pads with F.pad(mode) and convolves unpadded; its padding is symmetric,
    # so the wider of the drawn sides is used on both (within the mode's bound as well).
    top, left = max(cfg["padding"][0]), max(cfg["padding"][1])
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal(cfg["x_shape"])
    f, per_group, kh, kw = cfg["w_shape"]
    module = torch.nn.Conv2d(per_group * cfg["groups"], f, (kh, kw), cfg["stride"], (top, left),
                             cfg["dilation"], cfg["groups"], True, cfg["padding_mode"],
                             dtype=torch.float64)
    tx = as_torch(x, True)
    tz = module(tx)
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    w, b = module.weight.detach().numpy(), module.bias.detach().numpy()
    args = dict(stride=cfg["stride"], padding=(top, left), dilation=cfg["dilation"],
                groups=cfg["groups"], padding_mode=cfg["padding_mode"])
    with convnet.engine(engine):
        z = F.conv2d(x, w, b, **args)
        dx, dw, db = F.conv2d_backward(dz, x, w, **args)
    for ours, theirs in ((z, tz), (dx, tx.grad), (dw, module.weight.grad),
                         (db, module.bias.grad)):
        close(ours, theirs)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad2d_matches_pytorchs_pad_on_every_legal_width(engine, mode):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 3, 4))
    limit = {"reflect": (2, 3), "circular": (3, 4)}.get(mode, (4, 4))
    for sides in np.ndindex(limit[0] + 1, limit[0] + 1, limit[1] + 1, limit[1] + 1):
        top, bottom, left, right = map(int, sides)
        tx = as_torch(x, True)
        tz = torch.nn.functional.pad(tx, (left, right, top, bottom), mode=mode)
        dz = rng.standard_normal(tuple(tz.shape))
        tz.backward(as_torch(dz))
        pads = ((top, bottom), (left, right))
        with convnet.engine(engine):
            close(F.pad2d(x, pads, mode=mode), tz)
            close(F.pad2d_backward(dz, x, pads, mode=mode), tx.grad)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(cfg=transposed_configs())
def test_conv_transpose2d_and_its_gradients_match_pytorch(engine, cfg):
    rng = np.random.default_rng(cfg["seed"])
    x, w = rng.standard_normal(cfg["x_shape"]), rng.standard_normal(cfg["w_shape"])
    b = rng.standard_normal(cfg["w_shape"][1] * cfg["groups"])
    geometry = (cfg["stride"], cfg["padding"], cfg["output_padding"], cfg["groups"],
                cfg["dilation"])                       # PyTorch's order
    tx, tw, tb = as_torch(x, True), as_torch(w, True), as_torch(b, True)
    tz = torch.nn.functional.conv_transpose2d(tx, tw, tb, *geometry)
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    with convnet.engine(engine):
        z = F.conv_transpose2d(x, w, b, *geometry)
        dx, dw, db = F.conv_transpose2d_backward(dz, x, w, *geometry)
    for ours, theirs in ((z, tz), (dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
        close(ours, theirs)


def test_the_layers_give_pytorchs_numbers_with_pytorchs_weights():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 7, 6))
    pairs = [(L.Conv2D(4, 8, 3, stride=2, padding=2, groups=4, padding_mode="circular",
                       rng=0, dtype=np.float64),
              torch.nn.Conv2d(4, 8, 3, 2, 2, groups=4, padding_mode="circular",
                              dtype=torch.float64)),
             (L.ConvTranspose2D(4, 6, 4, stride=2, padding=1, output_padding=1, groups=2,
                                dilation=1, rng=0, dtype=np.float64),
              torch.nn.ConvTranspose2d(4, 6, 4, 2, 1, 1, groups=2, dtype=torch.float64))]
    for ours, theirs in pairs:
        ours.params["weight"][...] = theirs.weight.detach().numpy()
        ours.params["bias"][...] = theirs.bias.detach().numpy()
        tx = as_torch(x, True)
        tz = theirs(tx)
        dz = rng.standard_normal(tuple(tz.shape))
        tz.backward(as_torch(dz))
        close(ours.forward(x), tz)
        close(ours.backward(dz), tx.grad)
        close(ours.grads["weight"], theirs.weight.grad)
        close(ours.grads["bias"], theirs.bias.grad)


@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_takes_pytorchs_bias_argument_as_pytorch_does(bias):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 6, 6))
    ours = L.Conv2D(3, 5, 3, padding=1, bias=bias, rng=0, dtype=np.float64)
    theirs = torch.nn.Conv2d(3, 5, 3, padding=1, bias=bias, dtype=torch.float64)
    assert sorted(ours.params) == sorted(name for name, _ in theirs.named_parameters())
    for name, value in theirs.named_parameters():
        ours.params[name][...] = value.detach().numpy()
    close(ours.forward(x), theirs(as_torch(x)))
