"""Backward functions of the default (fast) engine: == loop reference == central differences.

Every engine against the others: tests/test_engines.py; the fast engine's internal methods,
each forced: tests/fast/.
"""

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from convnet import reference
from convnet.functional import (avg_pool2d, avg_pool2d_backward, conv2d, conv2d_backward,
                                max_pool2d, max_pool2d_backward)
from convnet.gradcheck import compare_gradients, numerical_gradient

from .strategies import conv_configs, normal, pool_configs, pool_options, window_gap

TIGHT = dict(rtol=1e-12, atol=1e-12)
BIAS_KINDS = ["tied", None, "untied"]


def conv_args(cfg):
    return dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])


@given(conv_configs(), st.sampled_from(["tied", "untied", None]))
def test_conv2d_backward_equals_loop_reference(cfg, bias):
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    z = conv2d(x, w, **conv_args(cfg))
    dz = normal(cfg["seed"] + 2, z.shape)
    fast = conv2d_backward(dz, x, w, bias=bias, **conv_args(cfg))
    slow = reference.conv2d_backward(dz, x, w, bias=bias, **conv_args(cfg))
    for got, expected in zip(fast, slow):
        if expected is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, expected, **TIGHT)


@given(conv_configs(max_batch=2, max_channels=2, max_filters=2, extra=3))
def test_conv2d_backward_equals_central_differences(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    b = normal(cfg["seed"] + 2, cfg["w_shape"][:1])
    args = conv_args(cfg)
    projection = normal(cfg["seed"] + 3, conv2d(x, w, b, **args).shape)

    def loss(_):
        return float(np.sum(projection * conv2d(x, w, b, **args)))

    dx, dw, db = conv2d_backward(projection, x, w, bias="tied", **args)
    for name, analytic, array in (("dx", dx, x), ("dw", dw, w), ("db", db, b)):
        check = compare_gradients(name, analytic, numerical_gradient(loss, array))
        assert check.passed, check


def test_strided_forward_leaves_skipped_inputs_without_gradient():
    # 6 columns, kernel 2, stride 3: windows at columns 0-1 and 3-4; column 2
    # and 5 are never read, so their gradient must be exactly zero.
    x = np.ones((1, 1, 1, 6))
    w = np.ones((1, 1, 1, 2))
    dx, _, _ = conv2d_backward(np.ones((1, 1, 1, 2)), x, w, stride=3)
    np.testing.assert_array_equal(dx[0, 0, 0], [1, 1, 0, 1, 1, 0])


def test_asymmetric_padding_backward():
    x = normal(3, (1, 2, 4, 5))
    w = normal(4, (3, 2, 3, 2))
    pads = ((2, 0), (0, 1))
    dz = normal(5, conv2d(x, w, padding=pads).shape)
    for got, expected in zip(conv2d_backward(dz, x, w, padding=pads),
                             reference.conv2d_backward(dz, x, w, padding=pads)):
        np.testing.assert_allclose(got, expected, **TIGHT)


@given(pool_configs())
def test_max_pool_backward_equals_loop_reference(cfg):
    x, args = normal(cfg["seed"], cfg["x_shape"]), pool_options(cfg, "max")
    dz = normal(cfg["seed"] + 1, max_pool2d(x, **args).shape)
    np.testing.assert_allclose(max_pool2d_backward(dz, x, **args),
                               reference.max_pool2d_backward(dz, x, **args), **TIGHT)


@given(pool_configs())
def test_avg_pool_backward_equals_loop_reference(cfg):
    x, args = normal(cfg["seed"], cfg["x_shape"]), pool_options(cfg, "avg")
    dz = normal(cfg["seed"] + 1, avg_pool2d(x, **args).shape)
    np.testing.assert_allclose(avg_pool2d_backward(dz, x, **args),
                               reference.avg_pool2d_backward(dz, x, **args), **TIGHT)


@given(pool_configs(max_batch=2, max_channels=2, extra=3))
def test_pool_backward_equals_central_differences(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    assume(window_gap(x, cfg) > 1e-3)   # max is differentiable away from ties
    for forward, backward, kind in ((max_pool2d, max_pool2d_backward, "max"),
                                    (avg_pool2d, avg_pool2d_backward, "avg")):
        args = pool_options(cfg, kind)
        projection = normal(cfg["seed"] + 1, forward(x, **args).shape)
        numeric = numerical_gradient(lambda _: float(np.sum(projection * forward(x, **args))), x)
        check = compare_gradients("dx", backward(projection, x, **args), numeric)
        assert check.passed, (forward.__name__, check)


def test_max_pool_ties_go_to_the_first_maximum():
    x = np.array([[[[2.0, 2.0, 1.0, 1.0],
                    [2.0, 0.0, 1.0, 1.0],
                    [5.0, 0.0, 5.0, 0.0],
                    [0.0, 5.0, 0.0, 5.0]]]])
    # every window has a tie; row-major order picks its top-left candidate
    dx = max_pool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 2, 0],
                                             [0, 0, 0, 0],
                                             [3, 0, 4, 0],
                                             [0, 0, 0, 0]])


def test_max_pool_overlapping_windows_accumulate():
    # 3x3 input, 2x2 windows at stride 1: the centre 9 is the maximum of all four
    x = np.array([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]])
    dz = np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])
    dx = max_pool2d_backward(dz, x, 2, stride=1)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0], [0, 1111, 0], [0, 0, 0]])


def test_avg_pool_overlap_and_padding_backward():
    # 2x2 input, 2x2 windows, stride 1, padding 1: each pixel lies in 4 windows
    # and receives 1/4 of each window's sensitivity
    dz = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    dx = avg_pool2d_backward(dz, np.zeros((1, 1, 2, 2)), 2, stride=1, padding=1)
    np.testing.assert_array_equal(dx[0, 0], [[(1 + 2 + 4 + 5) / 4, (2 + 3 + 5 + 6) / 4],
                                             [(4 + 5 + 7 + 8) / 4, (5 + 6 + 8 + 9) / 4]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_keeps_dtype(dtype):
    x = np.ones((1, 1, 4, 4), dtype)
    w = np.ones((1, 1, 2, 2), dtype)
    dz = np.ones((1, 1, 3, 3), dtype)
    assert all(g.dtype == dtype for g in conv2d_backward(dz, x, w))
    assert max_pool2d_backward(np.ones((1, 1, 2, 2), dtype), x, 2).dtype == dtype


@pytest.mark.parametrize("stride", [None, 1])
def test_max_pool_nan_goes_to_the_first_nan_in_fast_and_reference(stride):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    dz_shape = max_pool2d(x, 2, stride).shape
    dz = np.arange(1.0, 1.0 + np.prod(dz_shape)).reshape(dz_shape)
    fast = max_pool2d_backward(dz, x, 2, stride)
    np.testing.assert_array_equal(fast, reference.max_pool2d_backward(dz, x, 2, stride))
    if stride is None:  # one window holds both NaNs: the first, (0, 1), takes it all
        assert fast[0, 0, 0, 1] == dz[0, 0, 0, 0] and fast[0, 0, 1, 0] == 0


def test_inf_in_the_input_keeps_weight_gradients_exact():
    # With inf in the first column of row 1, weight (0, 1) never reads it (it reads
    # columns >= 1) so its gradient is finite; the other weights' are inf or nan.
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 0] = np.inf
    w = np.ones((1, 1, 2, 2))
    dz = np.ones((1, 1, 3, 3))
    with np.errstate(invalid="ignore"):
        fast = conv2d_backward(dz, x, w)[1]
        slow = reference.conv2d_backward(dz, x, w)[1]
    np.testing.assert_array_equal(fast, slow)
    assert np.isfinite(fast[0, 0, 0, 1]) and np.isfinite(fast[0, 0, 1, 1])


def test_inf_in_a_weight_keeps_input_gradients_exact():
    # Found in review: 0 * inf in the wide columns and in the gather's padding.
    cases = [(np.ones((1, 1, 3, 5)), np.ones((4, 1, 1, 3)), (0, 0, 0, 2), 0),
             (np.ones((1, 3, 3, 3)), np.ones((1, 3, 3, 3)), (0, 0, 0, 0), 1)]
    for x, w, where, padding in cases:
        w[where] = np.inf
        dz = np.ones(conv2d(np.zeros_like(x), np.zeros_like(w), padding=padding).shape)
        with np.errstate(invalid="ignore"):
            fast = conv2d_backward(dz, x, w, padding=padding)[0]
            slow = reference.conv2d_backward(dz, x, w, padding=padding)[0]
        np.testing.assert_array_equal(fast, slow)


def test_max_pool_padding_never_takes_the_gradient():
    # Found in review: with every real pixel at -inf, the padding tied with them.
    x = np.full((1, 1, 2, 2), -np.inf)
    dz = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    expected = [[1.0, 2.0], [3.0, 4.0]]          # each corner window's only real pixel
    np.testing.assert_array_equal(max_pool2d_backward(dz, x, 2, padding=1)[0, 0], expected)
    np.testing.assert_array_equal(reference.max_pool2d_backward(dz, x, 2, padding=1)[0, 0],
                                  expected)


def test_reference_max_pool_treats_nan_as_the_maximum_anywhere_in_the_window():
    x = np.array([[[[1.0, np.nan], [0.0, 0.0]]]])
    assert np.isnan(reference.max_pool2d(x, 2)[0, 0, 0, 0])
    assert np.isnan(max_pool2d(x, 2)[0, 0, 0, 0])


@pytest.mark.parametrize("padding, sizes", [
    (0, [(6, 8), (10, 4)]),     # N*Ho*Wp equal (4*8 = 8*4): the wide sensitivities
    (1, [(4, 6), (6, 4)]),      # padded 6x8 and 8x6: the padded input's zero border
])
@pytest.mark.parametrize("bias", BIAS_KINDS[:2])
def test_a_layer_called_again_with_another_size_of_the_same_count_stays_exact(padding, sizes,
                                                                              bias):
    # Work buffers are reused by a layer; one that holds as many numbers but
    # in another arrangement must not bring the last call's numbers along
    # where zeros are expected.
    from convnet.layers import Conv2D
    layer = Conv2D(1, 2, 3, padding=padding, bias=bias, rng=0, dtype=np.float64)
    for seed, hw in enumerate(sizes):
        x = normal(seed, (1, 1, *hw))
        z = layer.forward(x)
        dz = normal(seed + 10, z.shape)
        dx = layer.backward(dz)
        w = layer.params["weight"]
        b = layer.params.get("bias")
        np.testing.assert_allclose(z, reference.conv2d(x, w, b, padding=padding), **TIGHT)
        expected = reference.conv2d_backward(dz, x, w, padding=padding, bias=bias)
        np.testing.assert_allclose(dx, expected[0], **TIGHT)
        np.testing.assert_allclose(layer.grads["weight"], expected[1], **TIGHT)
        if bias:
            np.testing.assert_allclose(layer.grads["bias"], expected[2], **TIGHT)
