"""Conv2D with groups and padding modes, ConvTranspose2D: gradients, shapes, saving, errors."""

import numpy as np
import pytest
from hypothesis import given

import convnet
from convnet import layers as L
from convnet.gradcheck import check_gradients

from .strategies import grouped_conv_configs, normal, transposed_configs


@pytest.mark.parametrize("layer_class", [L.Conv2D, L.ProductBiasConv2D])
@given(cfg=grouped_conv_configs())
def test_grouped_conv2d_layer_gradients_with_every_padding_mode(layer_class, cfg):
    c, (f, _, kh, kw) = cfg["x_shape"][1], cfg["w_shape"]
    layer = layer_class(c, f, (kh, kw), stride=cfg["stride"], padding=cfg["padding"],
                        dilation=cfg["dilation"], groups=cfg["groups"],
                        padding_mode=cfg["padding_mode"], rng=cfg["seed"])
    layer.params["bias"][...] = normal(cfg["seed"] + 5, f)     # nonzero: a wrong path shows
    report = check_gradients(layer, normal(cfg["seed"] + 1, cfg["x_shape"]))
    assert report.passed, report


@given(transposed_configs())
def test_conv_transpose2d_layer_gradients(cfg):
    c_in, c_out = cfg["w_shape"][0], cfg["w_shape"][1] * cfg["groups"]
    layer = L.ConvTranspose2D(c_in, c_out, cfg["w_shape"][2:], stride=cfg["stride"],
                              padding=cfg["padding"], output_padding=cfg["output_padding"],
                              dilation=cfg["dilation"], groups=cfg["groups"], rng=cfg["seed"])
    layer.params["bias"][...] = normal(cfg["seed"] + 5, c_out)
    report = check_gradients(layer, normal(cfg["seed"] + 1, cfg["x_shape"]))
    assert report.passed, report
    assert [check.name for check in report.checks] == ["input", "weight", "bias"]


def test_conv_transpose2d_without_bias_has_one_parameter_and_no_bias_gradient():
    layer = L.ConvTranspose2D(2, 3, 2, stride=2, bias=False, rng=0)
    assert list(layer.params) == ["weight"]
    report = check_gradients(layer, normal(1, (2, 2, 3, 3)))
    assert report.passed and [check.name for check in report.checks] == ["input", "weight"]


def test_weights_have_pytorchs_shapes_and_fans():
    grouped = L.Conv2D(6, 9, 3, groups=3, rng=0)
    assert grouped.params["weight"].shape == (9, 2, 3, 3)        # (F, C/groups, kh, kw)
    transposed = L.ConvTranspose2D(6, 9, 3, groups=3, rng=0)
    assert transposed.params["weight"].shape == (6, 3, 3, 3)     # (C_in, C_out/groups, kh, kw)
    # He: std = sqrt(2 / fan_in), fan_in = weight.shape[1] * kh * kw (as torch.nn.init).
    big = L.Conv2D(64, 64, 3, groups=64, rng=0)                   # fan_in = 9
    assert abs(big.params["weight"].std() - np.sqrt(2 / 9)) < 0.05


def test_output_shapes_and_the_summary():
    model = convnet.Sequential(
        L.Conv2D(3, 12, 3, padding=1, padding_mode="reflect", rng=0), L.ReLU(),
        L.Conv2D(12, 12, 3, stride=2, padding=1, groups=12, rng=1),           # depthwise
        L.Conv2D(12, 8, 1, rng=2),                                            # pointwise
        L.ConvTranspose2D(8, 4, 3, stride=2, padding=1, output_padding=1, rng=3))
    summary = model.summary((3, 16, 16))
    assert [shape for _, shape, _ in summary.rows] == [
        (3, 16, 16), (12, 16, 16), (12, 16, 16), (12, 8, 8), (8, 8, 8), (4, 16, 16)]
    # 12*3*9 + 12; 12*1*9 + 12 (depthwise); 8*12 + 8; 8*4*9 + 4
    assert summary.total == 336 + 120 + 104 + 292
    x = normal(0, (2, 3, 16, 16))
    assert model.predict(x).shape == (2, 4, 16, 16)


def test_new_layers_and_options_survive_save_and_load(tmp_path):
    model = convnet.Sequential(
        L.Conv2D(2, 4, 3, padding=(1, 2), padding_mode="circular", groups=2, rng=1,
                 dtype=np.float32), L.ReLU(),
        L.Conv2D(4, 8, 3, padding=1, groups=4, padding_mode="replicate", rng=2,
                 dtype=np.float32),
        L.ProductBiasConv2D(8, 4, 1, groups=2, padding=1, padding_mode="reflect", rng=3,
                            dtype=np.float32),
        L.ConvTranspose2D(4, 6, 3, stride=2, padding=1, output_padding=1, dilation=1, groups=2,
                          rng=4, dtype=np.float32),
        L.ConvTranspose2D(6, 2, 2, stride=(1, 2), padding=((0, 1), (1, 0)), dilation=2,
                          output_padding=(1, 1), bias=False, rng=5, dtype=np.float32))
    path = tmp_path / "convs.npz"
    model.save(path)
    loaded = convnet.load(path)
    assert repr(loaded) == repr(model)
    x = np.random.default_rng(0).normal(size=(3, 2, 5, 6)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize("make, message", [
    (lambda: L.Conv2D(4, 6, 3, groups=4), r"^groups must be a divisor of out_channels = 6"),
    (lambda: L.Conv2D(3, 6, 3, groups=2), r"^groups must be a divisor of in_channels = 3"),
    (lambda: L.Conv2D(3, 6, 3, padding_mode="constant"), r"^padding_mode must be one of"),
    (lambda: L.ConvTranspose2D(4, 4, 3, stride=2, output_padding=2),
     r"^output_padding must be smaller than the stride or the dilation"),
    (lambda: L.ConvTranspose2D(4, 4, 3, padding="same"), r"^padding must be an amount"),
    (lambda: L.ConvTranspose2D(4, 4, 3, bias="tied"), r"^bias must be True or False"),
])
def test_bad_options_are_refused_when_the_layer_is_made(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_reflect_padding_as_wide_as_the_input_is_refused_by_shape_and_forward():
    layer = L.Conv2D(1, 1, 3, padding=3, padding_mode="reflect", rng=0)
    with pytest.raises(ValueError, match=r"^padding must be at most 2 rows on each side with "
                                         r"padding_mode='reflect'"):
        layer.output_shape((1, 3, 3))
    with pytest.raises(ValueError, match=r"^padding must be at most 2 rows"):
        layer.forward(np.ones((1, 1, 3, 3)))
    assert layer.output_shape((1, 4, 4)) == (1, 8, 8)


def test_the_shapes_explanation_counts_grouped_weights():
    from convnet import explain
    e = explain.summary([(L.Conv2D, dict(out_channels=8, kernel_size=3, groups=4))], (4, 8, 8))
    assert e.result.total == 8 * 1 * 3 * 3 + 8                   # F·C/G·kh·kw + F = 80
    assert "8·1·3·3 + 8 = 80" in e.text() and "G=4" in e.text()


def test_receptive_fields_refuse_a_transposed_convolution():
    from convnet.receptive_field import receptive_field
    with pytest.raises(TypeError, match=r"^layers\[1\] must be a convolution or pooling layer"):
        receptive_field([L.Conv2D(1, 1, 3, rng=0), L.ConvTranspose2D(1, 1, 2, stride=2, rng=0)])
