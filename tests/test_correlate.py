"""The fast correlation / convolution against the loop reference and their algebra."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import convnet
from convnet import geometry, reference, theory
from convnet.functional import conv2d

from .strategies import conv_configs, normal

TIGHT = dict(rtol=1e-12, atol=1e-12)


@given(conv_configs())
def test_conv2d_equals_loop_reference(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    b = normal(cfg["seed"] + 2, cfg["w_shape"][:1])
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    fast = conv2d(x, w, b, **args)
    np.testing.assert_allclose(fast, reference.conv2d(x, w, b, **args), **TIGHT)


@given(conv_configs(max_batch=1, max_channels=1, max_filters=1))
def test_output_shape_equals_geometry(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    expected = geometry.output_size(cfg["x_shape"][2:], cfg["w_shape"][2:], **args)
    assert conv2d(x, w, **args).shape[2:] == tuple(expected)
    assert convnet.correlate2d(x[0, 0], w[0, 0], **args).shape == tuple(expected)


@given(conv_configs(max_batch=1, max_channels=1, max_filters=1))
def test_correlate2d_and_convolve2d_equal_loop_reference(cfg):
    x = normal(cfg["seed"], cfg["x_shape"][2:])
    k = normal(cfg["seed"] + 1, cfg["w_shape"][2:])
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    np.testing.assert_allclose(convnet.correlate2d(x, k, **args),
                               reference.correlate2d(x, k, **args), **TIGHT)
    np.testing.assert_allclose(convnet.convolve2d(x, k, **args),
                               reference.convolve2d(x, k, **args), **TIGHT)


@given(conv_configs(max_batch=1, max_channels=1, max_filters=1))
def test_convolve2d_is_correlate2d_with_rot180(cfg):
    x = normal(cfg["seed"], cfg["x_shape"][2:])
    k = normal(cfg["seed"] + 1, cfg["w_shape"][2:])
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    np.testing.assert_allclose(convnet.convolve2d(x, k, **args),
                               convnet.correlate2d(x, convnet.rot180(k), **args), **TIGHT)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6),
       st.integers(0, 2**32 - 1))
def test_full_convolution_is_commutative(h, w, r, c, seed):
    # Eq. 8.7: P * W = W * P, for the full convolution of any two images.
    a, b = normal(seed, (h, w)), normal(seed + 1, (r, c))
    np.testing.assert_allclose(convnet.convolve2d(a, b, padding="full"),
                               convnet.convolve2d(b, a, padding="full"), **TIGHT)


@given(st.integers(1, 3).map(lambda r: 2 * r + 1), st.integers(0, 3), st.integers(0, 3),
       st.integers(0, 2**32 - 1))
def test_translation_equivariance_away_from_borders(k, dy, dx, seed):
    # LMU 4-3: T(X) * K = T(X * K).  A shifted image gives a shifted output,
    # exactly, wherever neither output window touches the border.
    size = 12
    image = np.zeros((size + 3, size + 3))
    image[3:, 3:] = normal(seed, (size, size))
    kernel = normal(seed + 1, (k, k))
    shifted = np.roll(image, (dy, dx), axis=(0, 1))
    out, out_shifted = (convnet.convolve2d(im, kernel, padding="same") for im in (image, shifted))
    margin = k // 2
    inner = (slice(3 + margin + dy, size + 3 - margin), slice(3 + margin + dx, size + 3 - margin))
    source = (slice(3 + margin, size + 3 - margin - dy), slice(3 + margin, size + 3 - margin - dx))
    np.testing.assert_allclose(out_shifted[inner], out[source], **TIGHT)


@given(conv_configs(max_batch=1, max_channels=1, max_filters=1, extra=3),
       st.sampled_from(["C", "F"]))
def test_conv_matrix_times_vec_equals_correlation(cfg, order):
    x = normal(cfg["seed"], cfg["x_shape"][2:])
    k = normal(cfg["seed"] + 1, cfg["w_shape"][2:])
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    matrix = theory.conv_matrix(k, x.shape, order=order, **args)
    z = convnet.correlate2d(x, k, **args)
    np.testing.assert_allclose(matrix @ theory.vec(x, order), theory.vec(z, order), **TIGHT)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_odd_kernel_modes_have_scipy_geometry(mode):
    # scipy.signal.correlate2d(x, k, mode): valid (H-r+1), same (H), full (H+r-1);
    # 'same' is centred, i.e. the middle of the 'full' result.
    x = normal(7, (6, 5))
    k = normal(8, (3, 3))
    full = convnet.correlate2d(x, k, padding="full")
    out = convnet.correlate2d(x, k, padding=mode)
    expected = {"valid": full[2:-2, 2:-2], "same": full[1:-1, 1:-1], "full": full}[mode]
    np.testing.assert_allclose(out, expected, **TIGHT)


def test_same_padding_with_even_kernel_pads_bottom_right():
    # A 2x2 kernel needs one extra row and column; like PyTorch, it goes last.
    x = np.arange(1.0, 10.0).reshape(3, 3)
    out = convnet.correlate2d(x, np.ones((2, 2)), padding="same")
    np.testing.assert_array_equal(out, [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 3 + 6],
                                        [4 + 5 + 7 + 8, 5 + 6 + 8 + 9, 6 + 9],
                                        [7 + 8, 8 + 9, 9]])


def test_dilation_spreads_the_kernel():
    # dilation 2: the 2x2 kernel reads pixels two apart
    x = np.arange(25.0).reshape(5, 5)
    out = convnet.correlate2d(x, [[1, 0], [0, 1]], dilation=2)
    np.testing.assert_array_equal(out, x[:3, :3] + x[2:, 2:])


def test_untied_bias_adds_per_neuron():
    x = np.zeros((2, 1, 3, 3))
    w = np.zeros((2, 1, 2, 2))
    b = np.arange(8.0).reshape(2, 2, 2)
    out = conv2d(x, w, b)
    np.testing.assert_array_equal(out, np.broadcast_to(b, (2, 2, 2, 2)))


def test_float32_stays_float32_and_ints_become_float64():
    x32 = np.ones((1, 1, 4, 4), np.float32)
    w32 = np.ones((1, 1, 2, 2), np.float32)
    assert conv2d(x32, w32).dtype == np.float32
    assert convnet.correlate2d(np.ones((3, 3), int), np.ones((2, 2), int)).dtype == np.float64


def test_lists_are_accepted():
    np.testing.assert_array_equal(convnet.correlate2d([[1, 2], [3, 4]], [[1]]), [[1, 2], [3, 4]])


def test_nan_and_inf_propagate_like_numpy():
    x = np.zeros((5, 5))
    x[0, 0] = np.nan
    x[4, 4] = np.inf
    out = convnet.correlate2d(x, np.ones((3, 3)))
    assert np.isnan(out[0, 0]) and np.isinf(out[2, 2])
    assert np.isfinite(out[0, 2]) and np.isfinite(out[2, 0])


def test_pad2d_and_rot180():
    np.testing.assert_array_equal(convnet.pad2d(np.ones((1, 2)), ((1, 0), (0, 2)), value=-1),
                                  [[-1, -1, -1, -1], [1, 1, -1, -1]])
    np.testing.assert_array_equal(convnet.rot180(np.arange(6.0).reshape(1, 2, 3)),
                                  [[[5, 4, 3], [2, 1, 0]]])
