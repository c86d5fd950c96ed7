"""Layers: gradient checks over random configurations, initialisation, modes, errors."""

import re

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from convnet import layers as L
from convnet.layers import init
from convnet import reference
from convnet.gradcheck import check_gradients, numerical_gradient, compare_gradients

from .strategies import conv_configs, normal, pool_configs, pool_options, window_gap


@given(conv_configs(max_batch=2, max_channels=2, max_filters=2, extra=3),
       st.sampled_from(["tied", "untied", None]))
def test_conv2d_layer_gradients(cfg, bias):
    n, c, h, w = cfg["x_shape"]
    f, _, kh, kw = cfg["w_shape"]
    layer = L.Conv2D(c, f, (kh, kw), stride=cfg["stride"], padding=cfg["padding"],
                     dilation=cfg["dilation"], bias=bias, rng=cfg["seed"])
    if bias is not None:  # nonzero bias, so a wrong bias path cannot hide
        layer.forward(normal(0, cfg["x_shape"]))
        layer.params["bias"][...] = normal(cfg["seed"] + 5, layer.params["bias"].shape)
    report = check_gradients(layer, normal(cfg["seed"] + 1, cfg["x_shape"]))
    assert report.passed, report


@given(conv_configs(max_batch=2, max_channels=2, max_filters=2, extra=3))
def test_product_bias_conv2d_gradients(cfg):
    c, f, kernel = cfg["x_shape"][1], cfg["w_shape"][0], cfg["w_shape"][2:]
    layer = L.ProductBiasConv2D(c, f, kernel, stride=cfg["stride"], padding=cfg["padding"],
                                dilation=cfg["dilation"], rng=cfg["seed"])
    layer.params["bias"][...] = normal(cfg["seed"] + 5, f)
    report = check_gradients(layer, normal(cfg["seed"] + 1, cfg["x_shape"]))
    assert report.passed, report


@given(pool_configs(max_batch=2, max_channels=2, extra=3), st.sampled_from(["max", "avg"]))
def test_pool_layer_gradients(cfg, kind):
    x = normal(cfg["seed"], cfg["x_shape"])
    layer_class = L.MaxPool2D if kind == "max" else L.AvgPool2D
    layer = layer_class(**pool_options(cfg, kind))
    if kind == "max":  # the max is differentiable only away from ties
        assume(window_gap(x, cfg) > 1e-3)
    report = check_gradients(layer, x)
    assert report.passed, report


@given(st.integers(1, 3), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_dense_gradients(n, d_in, d_out, seed):
    layer = L.Dense(d_in, d_out, rng=seed)
    layer.params["bias"][...] = normal(seed + 1, d_out)
    assert check_gradients(layer, normal(seed + 2, (n, d_in))).passed


@pytest.mark.parametrize("layer", [L.ReLU(), L.LeakyReLU(0.1), L.Sigmoid(), L.Tanh(),
                                   L.Softmax(), L.Flatten("C"), L.Flatten("F"),
                                   L.GlobalAvgPool2D()], ids=repr)
@given(seed=st.integers(0, 2**32 - 1))
def test_parameterless_layer_gradients(layer, seed):
    x = normal(seed, (2, 3, 4, 5)) if not isinstance(layer, L.Softmax) else normal(seed, (3, 4))
    assume(np.min(np.abs(x)) > 1e-3)  # ReLU kinks
    report = check_gradients(layer, x)
    assert report.passed, report


def test_dropout_gradient_with_a_fixed_mask():
    x = normal(0, (4, 6))
    projection = normal(1, (4, 6))

    def loss(_):  # the same seed gives the same mask in every call
        return float(np.sum(projection * L.Dropout(0.3, rng=7).forward(x)))

    layer = L.Dropout(0.3, rng=7)
    layer.forward(x)
    check = compare_gradients("dx", layer.backward(projection), numerical_gradient(loss, x))
    assert check.passed, check


def test_dropout_is_inverted_and_identity_in_eval():
    layer = L.Dropout(0.25, rng=0)
    y = layer.forward(np.ones((200, 50)))
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.01       # 10,000 draws: 4.4 standard errors
    layer.eval()
    x = normal(1, (3, 3))
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(np.ones((3, 3))), np.ones((3, 3)))


def test_flatten_F_stacks_columns_as_eq_8_26():
    # two 2x3 maps; vec(A) = [columns of map 1, then columns of map 2]
    maps = np.arange(12.0).reshape(1, 2, 2, 3)
    expected = [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]
    np.testing.assert_array_equal(L.Flatten("F").forward(maps)[0], expected)
    np.testing.assert_array_equal(L.Flatten("C").forward(maps)[0], np.arange(12.0))
    layer = L.Flatten("F")
    layer.forward(maps)
    np.testing.assert_array_equal(layer.backward(np.array([expected], float)), maps)


def test_conv2d_layer_matches_reference_forward():
    layer = L.Conv2D(2, 3, (2, 3), stride=(2, 1), padding=((1, 0), (2, 1)), rng=0,
                     dtype=np.float64)
    layer.params["bias"][...] = [1.0, -2.0, 0.5]
    x = normal(5, (2, 2, 5, 6))
    np.testing.assert_allclose(layer.forward(x),
                               reference.conv2d(x, layer.params["weight"], layer.params["bias"],
                                                stride=(2, 1), padding=((1, 0), (2, 1))),
                               rtol=1e-12, atol=1e-12)


def test_untied_bias_from_first_forward_or_input_size():
    lazy = L.Conv2D(1, 2, 3, bias="untied", rng=0)
    assert "bias" not in lazy.params
    lazy.forward(np.zeros((1, 1, 6, 5)))
    assert lazy.params["bias"].shape == (2, 4, 3)
    eager = L.Conv2D(1, 2, 3, bias="untied", input_size=(6, 5), rng=0)
    assert eager.params["bias"].shape == (2, 4, 3)
    with pytest.raises(ValueError, match=r"x must be of spatial size 6x5 \(the untied bias"):
        eager.forward(np.zeros((1, 1, 7, 7)))


def test_he_and_glorot_initialisation_statistics():
    conv = L.Conv2D(16, 32, 3, init="he", rng=0)        # fan_in = 144
    std = conv.params["weight"].std()
    assert abs(std - np.sqrt(2 / 144)) < 0.05 * np.sqrt(2 / 144)
    dense = L.Dense(300, 100, init="glorot", rng=0)
    limit = np.sqrt(6 / 400)
    w = dense.params["weight"]
    assert w.max() <= limit and w.min() >= -limit and w.max() > 0.99 * limit


def test_same_seed_same_weights_and_no_global_state():
    state = np.random.get_state()[1].copy()
    a = L.Conv2D(3, 4, 3, rng=42).params["weight"]
    b = L.Conv2D(3, 4, 3, rng=42).params["weight"]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("piece", [1 << 20, 5])
def test_one_seed_gives_the_same_weights_in_every_dtype(monkeypatch, piece):
    # Drawn in float64 from the generator, scaled, then rounded: the oracle is the draw itself.
    monkeypatch.setattr(init, "_PIECE", piece)          # pieces continue one stream
    he = np.random.default_rng(42).standard_normal((4, 3, 3, 3)) * np.sqrt(2 / 27)
    limit = np.sqrt(6 / (7 + 5))
    glorot = np.random.default_rng(7).random((5, 7)) * (2 * limit) - limit
    for dtype in (np.float32, np.float64):
        conv = L.Conv2D(3, 4, 3, rng=42, dtype=dtype).params["weight"]
        dense = L.Dense(7, 5, init="glorot", rng=7, dtype=dtype).params["weight"]
        assert conv.dtype == dense.dtype == dtype
        np.testing.assert_array_equal(conv, he.astype(dtype))
        np.testing.assert_array_equal(dense, glorot.astype(dtype))


def test_reprs_show_configuration():
    assert repr(L.MaxPool2D(2)) == "MaxPool2D(kernel_size=(2, 2), stride=(2, 2), padding=0)"
    assert repr(L.Dense(4, 2)) == "Dense(in_features=4, out_features=2, bias=True)"
    assert repr(L.Dropout(0.5)) == "Dropout(p=0.5)"
    assert repr(L.Flatten("F")) == "Flatten(order='F')"
    assert repr(L.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(L.ProductBiasConv2D(1, 2, 3)).startswith("ProductBiasConv2D(in_channels=1")


def test_float32_layers_stay_float32():
    conv = L.Conv2D(1, 2, 3, rng=0, dtype="float32")
    y = conv.forward(np.ones((1, 1, 5, 5)))             # float64 data is cast down
    assert y.dtype == np.float32
    assert conv.backward(np.ones_like(y)).dtype == np.float32
    assert conv.grads["weight"].dtype == np.float32


def raises(error, message):
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def test_backward_before_forward_is_a_runtime_error():
    with raises(RuntimeError, "Conv2D.backward() has no forward() to go back through: run "
                              "forward on a batch first (each forward serves one backward; a "
                              "forward in convnet.inference() keeps nothing)"):
        L.Conv2D(1, 1, 2).backward(np.ones((1, 1, 1, 1)))
    with pytest.raises(RuntimeError, match=r"^ReLU.backward\(\) has no forward\(\)"):
        L.ReLU().backward(np.ones(3))
    layer = L.Conv2D(1, 1, 2)                       # a second backward needs a new forward
    layer.backward(layer.forward(np.ones((1, 1, 3, 3))))
    with pytest.raises(RuntimeError, match=r"^Conv2D.backward\(\) has no forward\(\)"):
        layer.backward(np.ones((1, 1, 2, 2)))


def test_dy_of_the_wrong_shape():
    layer = L.Conv2D(1, 2, 3, rng=0)
    layer.forward(np.zeros((2, 1, 5, 5)))
    with raises(ValueError, "dy must be of shape (2, 2, 3, 3) (the output of the last "
                            "Conv2D.forward); got shape (2, 2, 5, 5)"):
        layer.backward(np.zeros((2, 2, 5, 5)))


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_p_outside_range(p):
    with raises(ValueError, f"p must be a number in [0.0, 1.0); got {p!r} (float)"):
        L.Dropout(p)


def test_pytorchs_bias_booleans_mean_a_tied_bias_and_none():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 5))
    for flag, kind in ((True, "tied"), (False, None), (np.bool_(True), "tied")):
        layer = L.Conv2D(3, 2, 3, bias=flag, rng=0, dtype=np.float64)
        same = L.Conv2D(3, 2, 3, bias=kind, rng=0, dtype=np.float64)
        assert layer.bias == kind and layer.config() == same.config()
        assert layer.params.keys() == same.params.keys()
        assert np.array_equal(layer.forward(x), same.forward(x))
    with raises(TypeError, "bias must be one of 'tied', 'untied', None (or PyTorch's True, "
                           "False); got 1 (int)"):
        L.Conv2D(3, 1, 1, bias=1)


def test_wrong_channels_and_bias_option():
    with raises(ValueError, "x must be of shape (N, 3, H, W) for Conv2D(in_channels=3, "
                            "out_channels=1, kernel_size=(1, 1), stride=(1, 1), padding=0, "
                            "dilation=(1, 1), bias='tied'); got shape (1, 2, 4, 4)"):
        L.Conv2D(3, 1, 1).forward(np.zeros((1, 2, 4, 4)))
    with raises(ValueError, "bias must be one of 'tied', 'untied', None (or PyTorch's True, False); "
                            "got 'shared' (str)"):
        L.Conv2D(3, 1, 1, bias="shared")
