"""conv2d and pooling, forward and backward, against torch.nn.functional on drawn geometries.

Every engine of convnet, float64 on both sides, so that a wrong index shows
as an O(1) difference while summation order stays below 1e-10.  Paddings
include ones wider than the kernel (PyTorch accepts any for convolution,
at most half the window for pooling).
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import convnet
from convnet import functional as F

ENGINES = ["plain", "fast", "reference"]
torch.set_num_threads(1)


def as_torch(a, grad=False):
    return torch.tensor(np.ascontiguousarray(a), dtype=torch.float64, requires_grad=grad)


@st.composite
def conv_cases(draw):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 7))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 7))
    seed = draw(st.integers(0, 2 ** 16))
    return (n, c, h, w), (f, c, kh, kw), (sh, sw), (ph, pw), (dh, dw), seed


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(case=conv_cases())
def test_conv2d_and_its_gradients_match_pytorch(engine, case):
    x_shape, w_shape, stride, padding, dilation, seed = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    tx, tw, tb = as_torch(x, True), as_torch(w, True), as_torch(b, True)
    tz = torch.nn.functional.conv2d(tx, tw, tb, stride, padding, dilation)
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    with convnet.engine(engine):
        z = F.conv2d(x, w, b, stride, padding, dilation)
        dx, dw, db = F.conv2d_backward(dz, x, w, stride, padding, dilation)
    np.testing.assert_allclose(z, tz.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-10)


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 7))
    w = draw(st.integers(max(1, kw - 2 * pw), 7))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    return shape, (kh, kw), (sh, sw), (ph, pw), draw(st.integers(0, 2 ** 16))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["max", "avg"])
@settings(max_examples=40, deadline=None)
@given(case=pool_cases())
def test_pooling_and_its_gradient_match_pytorch(engine, kind, case):
    # PyTorch's defaults: ceil_mode=False; average pooling counts the padded zeros
    # (count_include_pad=True), as Eq. 8.22 with w = 1/(kh*kw) does.
    shape, kernel, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)               # continuous: no ties between maxima
    tx = as_torch(x, True)
    torch_pool = torch.nn.functional.max_pool2d if kind == "max" else \
        torch.nn.functional.avg_pool2d
    tz = torch_pool(tx, kernel, stride, padding)
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    forward = F.max_pool2d if kind == "max" else F.avg_pool2d
    backward = F.max_pool2d_backward if kind == "max" else F.avg_pool2d_backward
    with convnet.engine(engine):
        z = forward(x, kernel, stride, padding)
        dx = backward(dz, x, kernel, stride, padding)
    np.testing.assert_allclose(z, tz.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_max_pooling_ties_go_to_the_first_maximum_in_reading_order_as_in_pytorch():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0],
                    [3.0, 2.0, 1.0, 3.0]]]])
    tx = as_torch(x, True)
    torch.nn.functional.max_pool2d(tx, 2).backward(torch.ones(1, 1, 1, 2, dtype=torch.float64))
    for engine in ENGINES:
        with convnet.engine(engine):
            dx = F.max_pool2d_backward(np.ones((1, 1, 1, 2)), x, 2)
        np.testing.assert_array_equal(dx, tx.grad.numpy())
