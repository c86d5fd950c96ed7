"""conv2d and pooling, forward and backward, against torch.nn.functional on drawn geometries.

Every engine of convnet, float64 on both sides, so that a wrong index shows
as an O(1) difference while summation order stays below 1e-10.  Paddings
include ones wider than the kernel (PyTorch accepts any for convolution,
at most half the window for pooling).
"""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

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
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))          # max pooling only
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 9))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 9))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    options = dict(ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                   divisor_override=draw(st.one_of(st.none(), st.integers(1, 5))),
                   dilation=(dh, dw))
    return shape, (kh, kw), (sh, sw), (ph, pw), options, draw(st.integers(0, 2 ** 16))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["max", "avg"])
@settings(max_examples=40, deadline=None)
@given(case=pool_cases())
def test_pooling_and_its_gradient_match_pytorch(engine, kind, case):
    # ceil_mode for both, dilation for max pooling; count_include_pad and divisor_override
    # for average pooling, whose divisor with ceil_mode counts the padding but not what
    # lies beyond it.
    shape, kernel, stride, padding, options, seed = case
    if kind == "max":
        options = dict(dilation=options["dilation"], ceil_mode=options["ceil_mode"])
    else:
        del options["dilation"]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)               # continuous: no ties between maxima
    tx = as_torch(x, True)
    torch_pool = torch.nn.functional.max_pool2d if kind == "max" else \
        torch.nn.functional.avg_pool2d
    tz = torch_pool(tx, kernel, stride, padding, **options)
    # a dilated window may hold padding only: -inf, and PyTorch's gradient then lands on a
    # pixel outside the window; ours goes nowhere (see max_pool2d_backward)
    assume(not torch.isinf(tz).any())
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(as_torch(dz))
    forward = F.max_pool2d if kind == "max" else F.avg_pool2d
    backward = F.max_pool2d_backward if kind == "max" else F.avg_pool2d_backward
    with convnet.engine(engine):
        z = forward(x, kernel, stride, padding, **options)
        dx = backward(dz, x, kernel, stride, padding, **options)
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


@pytest.mark.parametrize("engine", ENGINES)
def test_ceil_mode_windows_hanging_over_the_padding_as_in_pytorch(engine):
    # 6x6, kernel 3, stride 2, padding 1: ceil((6 + 2 - 3)/2) + 1 = 4 windows per axis,
    # starting at padded rows 0, 2, 4, 6; the last holds padded rows 6, 7 (input row 5
    # and the bottom padding) and row 8 beyond it.  Average pooling divides it by the
    # 2 x 2 = 4 positions on the padded input in the corner, and by 1 (x[5, 5] alone)
    # without count_include_pad.
    x = np.random.default_rng(7).standard_normal((1, 2, 6, 6))
    for kind, options in (("max", {}), ("avg", {}), ("avg", dict(count_include_pad=False))):
        tx = as_torch(x, True)
        tz = getattr(torch.nn.functional, f"{kind}_pool2d")(tx, 3, 2, 1, ceil_mode=True,
                                                            **options)
        tz.backward(torch.ones_like(tz))
        with convnet.engine(engine):
            z = getattr(F, f"{kind}_pool2d")(x, 3, 2, 1, ceil_mode=True, **options)
            dx = getattr(F, f"{kind}_pool2d_backward")(np.ones(z.shape), x, 3, 2, 1,
                                                       ceil_mode=True, **options)
        assert z.shape == (1, 2, 4, 4)
        np.testing.assert_allclose(z, tz.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 2, 1, True)[0, 0, 3, 3],
                               x[0, 0, 5, 5] / 4, rtol=1e-12)
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 2, 1, True, False)[0, 0, 3, 3],
                               x[0, 0, 5, 5], rtol=1e-12)


def test_divisor_override_zero_is_refused_as_by_pytorch():
    with pytest.raises(RuntimeError):
        torch.nn.functional.avg_pool2d(torch.ones(1, 1, 2, 2), 2, divisor_override=0)
    with pytest.raises(ValueError, match="^divisor_override must be an integer >= 1; got 0"):
        F.avg_pool2d(np.ones((1, 1, 2, 2)), 2, divisor_override=0)
