"""Backward functions: fast == loop reference == central differences."""

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from convnet import reference
from convnet.functional import (avg_pool2d, avg_pool2d_backward, conv2d, conv2d_backward,
                                max_pool2d, max_pool2d_backward)
from convnet.gradcheck import compare_gradients, numerical_gradient

from .strategies import conv_configs, normal, pool_configs, window_gap

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


def pool_args(cfg):
    return dict(kernel_size=cfg["kernel_size"], stride=cfg["stride"], padding=cfg["padding"])


@given(pool_configs())
def test_max_pool_backward_equals_loop_reference(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    dz = normal(cfg["seed"] + 1, max_pool2d(x, **pool_args(cfg)).shape)
    np.testing.assert_allclose(max_pool2d_backward(dz, x, **pool_args(cfg)),
                               reference.max_pool2d_backward(dz, x, **pool_args(cfg)), **TIGHT)


@given(pool_configs())
def test_avg_pool_backward_equals_loop_reference(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    dz = normal(cfg["seed"] + 1, avg_pool2d(x, **pool_args(cfg)).shape)
    np.testing.assert_allclose(avg_pool2d_backward(dz, x, **pool_args(cfg)),
                               reference.avg_pool2d_backward(dz, x, **pool_args(cfg)), **TIGHT)


@given(pool_configs(max_batch=2, max_channels=2, extra=3))
def test_pool_backward_equals_central_differences(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    assume(window_gap(x, cfg) > 1e-3)   # max is differentiable away from ties
    for forward, backward in ((max_pool2d, max_pool2d_backward),
                              (avg_pool2d, avg_pool2d_backward)):
        projection = normal(cfg["seed"] + 1, forward(x, **pool_args(cfg)).shape)
        numeric = numerical_gradient(
            lambda _: float(np.sum(projection * forward(x, **pool_args(cfg)))), x)
        check = compare_gradients("dx", backward(projection, x, **pool_args(cfg)), numeric)
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


@given(conv_configs())
def test_every_input_gradient_method_equals_the_loop_reference(cfg):
    # The fast path picks gather (Eq. 8.45, any stride via dilation), scatter
    # (col2im) or rows (Eq. 8.45 split by kernel axis, stride 1) by a rule;
    # each must be right on every configuration.
    from convnet.functional._conv_backward import (input_gradient_gather, input_gradient_rows,
                                                   input_gradient_scatter, sensitivity_matrix,
                                                   wide_sensitivities)
    from convnet.geometry import conv_window
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    window = conv_window(x.shape[2:], w.shape[2:], **conv_args(cfg))
    dz = normal(cfg["seed"] + 2, (x.shape[0], w.shape[0], *window.out))
    expected = reference.conv2d_backward(dz, x, w, bias=None, **conv_args(cfg))[0]
    np.testing.assert_allclose(input_gradient_gather(dz, w, x.shape, window), expected, **TIGHT)
    for wide in ((False, True) if window.stride == (1, 1) else (False,)):
        dz2 = wide_sensitivities(dz, window)[0] if wide else sensitivity_matrix(dz)
        np.testing.assert_allclose(input_gradient_scatter(dz2, w, x.shape, window, wide=wide),
                                   expected, **TIGHT)
    if window.stride == (1, 1):
        dz2, guarded = wide_sensitivities(dz, window)
        np.testing.assert_allclose(input_gradient_rows(dz2, guarded, w, x.shape, window),
                                   expected, **TIGHT)


@pytest.mark.parametrize("w_shape, x_shape, padding, expected", [
    ((16, 6, 5, 5), (64, 6, 14, 14), 0, "rows"),      # LeNet's second layer (case b)
    ((32, 32, 3, 3), (64, 32, 32, 32), 1, "rows"),    # as many maps out as in (case c)
    ((8, 64, 3, 3), (64, 64, 16, 16), 1, "gather"),   # many maps narrowed into few
    ((32, 4, 3, 3), (64, 4, 16, 16), 1, "scatter"),   # few maps widened into many
])
def test_input_gradient_rule_by_numbers_moved(w_shape, x_shape, padding, expected):
    # Hand count for case b (outputs = N*Ho*Wp = 64*10*14, inputs = N*H*(W+4) = 64*14*18):
    # gather (2*16*25 + 6) * 16128, scatter 4*6*25 * 8960, rows (2*16*5 + 4*6*5) * 8960.
    from convnet.functional._conv_backward import input_gradient_method
    from convnet.geometry import conv_window
    window = conv_window(x_shape[2:], w_shape[2:], 1, padding)
    assert input_gradient_method(w_shape, x_shape, window) == expected


def test_strided_layers_never_pick_rows():
    from convnet.functional._conv_backward import input_gradient_method
    from convnet.geometry import conv_window
    window = conv_window((64, 64), (3, 3), 2, 1)       # case d
    assert input_gradient_method((16, 3, 3, 3), (32, 3, 64, 64), window, wide=False) == "scatter"


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


def test_the_ones_row_is_used_only_where_input_columns_put_it():
    # with_ones must find the row of ones right after the columns or give None,
    # never a buffer of some other shape.
    from convnet.functional._im2col import Workspace
    from convnet.functional._conv_forward import input_columns, with_ones
    from convnet.geometry import conv_window
    x = normal(0, (2, 3, 6, 6))
    window = conv_window((6, 6), (3, 3), 1, 1)
    workspace = Workspace()
    cols = input_columns(x, window, workspace, ones=True)
    matrix = with_ones(cols, workspace)
    np.testing.assert_array_equal(matrix[:-1], cols.reshape(27, -1))
    np.testing.assert_array_equal(matrix[-1], 1.0)
    assert with_ones(input_columns(x, window, workspace), workspace) is None
    assert with_ones(cols, Workspace()) is None


@given(conv_configs(), st.sampled_from(["im2col", "rows"]), st.sampled_from(BIAS_KINDS))
def test_both_forward_methods_and_their_gradients_equal_the_loop_reference(cfg, method, bias):
    # The forward product is formed by im2col or by kernel rows (forward_method);
    # the backward pass then starts from different matrices.  Each way must give
    # z, dx, dw and db of the loops on every configuration.
    from unittest import mock

    from convnet.functional import _conv_forward
    from convnet.functional._conv_backward import conv2d_backward_cols
    from convnet.functional._conv_forward import conv2d_forward
    from convnet.geometry import conv_window
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    window = conv_window(x.shape[2:], w.shape[2:], **conv_args(cfg))
    b = {"tied": normal(cfg["seed"] + 3, (w.shape[0],)), None: None,
         "untied": normal(cfg["seed"] + 3, (w.shape[0], *window.out))}[bias]
    dz = normal(cfg["seed"] + 2, (x.shape[0], w.shape[0], *window.out))
    with mock.patch.object(_conv_forward, "forward_method", return_value=method):
        z, cols = conv2d_forward(x, w, b, window)
        dx, dw, db = conv2d_backward_cols(dz, cols, w, x.shape, window, bias)
    np.testing.assert_allclose(z, reference.conv2d(x, w, b, **conv_args(cfg)), **TIGHT)
    expected = reference.conv2d_backward(dz, x, w, bias=bias, **conv_args(cfg))
    for got, want in zip((dx, dw, db), expected):
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, **TIGHT)


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
    layer = Conv2D(1, 2, 3, padding=padding, bias=bias, rng=0)
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


@pytest.mark.parametrize("w_shape, expected", [
    ((32, 32, 3, 3), "rows"),     # case c: 3*32*3*3 + 32 = 896 against 288 + 96 + 192 = 576
    ((16, 6, 5, 5), "rows"),      # LeNet's second layer: 466 against 90 + 80 + 192 = 362
    ((6, 1, 5, 5), "im2col"),     # LeNet's first layer: 81 against 15 + 30 + 72 = 117
    ((32, 3, 5, 5), "im2col"),    # widening 3 -> 32 maps: 257 against 45 + 160 + 384 = 589
])
def test_forward_rule_by_numbers_moved(w_shape, expected):
    from convnet.functional._conv_forward import forward_method
    from convnet.geometry import conv_window
    window = conv_window((14, 14), w_shape[2:], 1, 1)
    assert forward_method(w_shape, window, wide=True) == expected
    assert forward_method(w_shape, window, wide=False) == "im2col"


def test_blas_rows_rounds_up_to_a_multiple_of_four_except_one():
    from convnet.functional._conv_forward import blas_rows
    assert [blas_rows(r) for r in (1, 2, 3, 4, 5, 6, 8, 30, 32)] == [1, 4, 4, 4, 8, 8, 8, 32, 32]


def test_kernel_rows_continue_into_the_ones_row_and_zero_rows():
    # The weight gradient by rows multiplies with cols[:, :, 0]; after the
    # ones row of a tied bias the matrix continues with zero rows up to a
    # multiple of 4, and without that row it is the plain strided slice.
    from convnet.functional._im2col import Workspace
    from convnet.functional._conv_forward import input_columns, kernel_rows
    from convnet.geometry import conv_window
    x = normal(1, (2, 2, 7, 7))
    window = conv_window((7, 7), (3, 3), 1, 1)
    workspace = Workspace()
    cols = input_columns(x, window, workspace, ones=True)     # C*kh = 6 rows, then 1, then 1 zero
    rows = kernel_rows(cols, workspace)
    assert rows.shape == (8, cols.shape[3] * cols.shape[4])          # (rows, N*Ho*Wp)
    np.testing.assert_array_equal(rows[:6], cols[:, :, 0].reshape(6, -1))
    np.testing.assert_array_equal(rows[6], 1.0)
    np.testing.assert_array_equal(rows[7], 0.0)
    np.testing.assert_array_equal(kernel_rows(cols), cols[:, :, 0].reshape(6, -1))
