"""Adaptive pooling, global max pooling and nearest upsampling against PyTorch, every engine.

Float64 on both sides on drawn geometries: ragged adaptive windows, outputs
larger than the input, integer and non-integer upsampling factors (PyTorch
reads row ``floor(p / s)``, in float32), factors below 1, sizes instead of
factors.  Forward and backward agree to 1e-12.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import convnet
from convnet import functional as F, layers as L

ENGINES = ["plain", "fast", "reference"]
torch.set_num_threads(1)


def as_torch(a, grad=False):
    return torch.tensor(np.ascontiguousarray(a), dtype=torch.float64, requires_grad=grad)


def torch_pair(function, x, dz_seed, *args, **kwargs):
    """PyTorch's output, a drawn sensitivity and PyTorch's input gradient for it."""
    tx = as_torch(x, True)
    tz = function(tx, *args, **kwargs)
    dz = np.random.default_rng(dz_seed).standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    return tz.detach().numpy(), dz, tx.grad.numpy()


@st.composite
def adaptive_cases(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 9)),
             draw(st.integers(1, 9)))
    out = tuple(draw(st.one_of(st.integers(1, size + 2), st.none())) for size in shape[2:])
    return shape, out, draw(st.integers(0, 2 ** 16))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["avg", "max"])
@settings(max_examples=40, deadline=None)
@given(case=adaptive_cases())
def test_adaptive_pooling_and_its_gradient_match_pytorch(engine, kind, case):
    shape, out, seed = case
    x = np.random.default_rng(seed).standard_normal(shape)      # continuous: no ties
    function = getattr(torch.nn.functional, f"adaptive_{kind}_pool2d")
    tz, dz, tdx = torch_pair(function, x, seed + 1, out)
    with convnet.engine(engine):
        z = getattr(F, f"adaptive_{kind}_pool2d")(x, out)
        dx = getattr(F, f"adaptive_{kind}_pool2d_backward")(dz, x, out)
    np.testing.assert_allclose(z, tz, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tdx, rtol=1e-12, atol=1e-12)


def test_adaptive_max_pooling_ties_go_to_the_first_maximum_as_in_pytorch():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0, 3.0],
                    [3.0, 2.0, 1.0, 3.0, 3.0]]]])
    tz, dz, tdx = torch_pair(torch.nn.functional.adaptive_max_pool2d, x, 0, (1, 3))
    for engine in ENGINES:
        with convnet.engine(engine):
            np.testing.assert_array_equal(F.adaptive_max_pool2d_backward(dz, x, (1, 3)), tdx)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=20, deadline=None)
@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 7),
                       st.integers(1, 7)), seed=st.integers(0, 2 ** 16))
def test_global_max_pooling_matches_pytorch(engine, shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    tz, dz, tdx = torch_pair(lambda t: torch.amax(t, dim=(2, 3)), x, seed + 1)
    layer = L.GlobalMaxPool2D()
    with convnet.engine(engine):
        z = layer.forward(x)
        dx = layer.backward(dz)
    np.testing.assert_array_equal(z, tz)
    np.testing.assert_array_equal(dx, tdx)


FACTORS = st.one_of(st.integers(1, 4), st.sampled_from([0.5, 0.6, 0.75, 1.1, 1.3, 1.5, 1.7, 2.5]),
                    st.floats(0.25, 4.0))


@st.composite
def upsample_cases(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 8)),
             draw(st.integers(1, 8)))
    if draw(st.booleans()):
        scales = (draw(FACTORS), draw(FACTORS))
        if any(int(n * s) < 1 for n, s in zip(shape[2:], scales)):
            scales = (2, 3)
        return shape, dict(scale_factor=scales), draw(st.integers(0, 2 ** 16))
    size = (draw(st.integers(1, 17)), draw(st.integers(1, 17)))
    return shape, dict(size=size), draw(st.integers(0, 2 ** 16))


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=60, deadline=None)
@given(case=upsample_cases())
def test_nearest_upsampling_and_its_gradient_match_pytorch(engine, case):
    shape, how, seed = case
    x = np.random.default_rng(seed).standard_normal(shape)
    tz, dz, tdx = torch_pair(torch.nn.functional.interpolate, x, seed + 1, mode="nearest", **how)
    with convnet.engine(engine):
        z = F.upsample2d(x, **how)
        dx = F.upsample2d_backward(dz, x, **how)
    np.testing.assert_array_equal(z, tz)                      # copies: exactly equal
    np.testing.assert_allclose(dx, tdx, rtol=1e-12, atol=1e-12)


def test_the_upsample_layer_is_torch_nn_upsample():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4))
    for factor in (2, 1.7, (0.6, 2.5)):
        expected = torch.nn.Upsample(scale_factor=factor, mode="nearest")(as_torch(x)).numpy()
        np.testing.assert_array_equal(L.Upsample2D(factor).forward(x), expected)
    expected = torch.nn.Upsample(size=(7, 9), mode="nearest")(as_torch(x)).numpy()
    np.testing.assert_array_equal(L.Upsample2D(size=(7, 9)).forward(x), expected)
