"""Grouped and depthwise convolution, padding modes, transposed convolution: every engine agrees.

reference == plain == fast under hypothesis (groups, depthwise, padding modes
with their widest legal padding, strides, dilations, output_padding, float32
and float64, ties, inf and NaN), with and without the saved record; then
worked examples whose numbers are computed by hand in the comments, and the
identities the docs state: a transposed convolution's forward pass is the
convolution's input gradient, its backward the convolution's forward pass.
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import convnet
from convnet import functional as F, geometry
from convnet.functional import engines

from .strategies import grouped_conv_configs, transposed_configs
from .test_engines import (DTYPES, SPECIALS, assert_same, conv2d_agrees_in_every_engine, data,
                           in_every_engine)

ENGINES = engines.ENGINES


def conv_args(cfg):
    return dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                groups=cfg["groups"], padding_mode=cfg["padding_mode"])


@given(grouped_conv_configs(), st.sampled_from(["tied", "untied", None]), DTYPES, SPECIALS)
def test_grouped_and_padded_conv2d_agree_in_every_engine(cfg, bias, dtype, special):
    conv2d_agrees_in_every_engine(cfg, conv_args(cfg), bias, dtype, special, slack=4)


@given(transposed_configs(), st.booleans(), DTYPES, SPECIALS)
def test_conv_transpose2d_agrees_in_every_engine(cfg, bias, dtype, special):
    args = dict(stride=cfg["stride"], padding=cfg["padding"],
                output_padding=cfg["output_padding"], groups=cfg["groups"],
                dilation=cfg["dilation"])
    x = data(cfg["seed"], cfg["x_shape"], dtype, special)
    w = data(cfg["seed"] + 1, cfg["w_shape"], dtype)
    b = data(cfg["seed"] + 2, (cfg["w_shape"][1] * cfg["groups"],), dtype) if bias else None
    out_hw = geometry.transposed_shape2d(x.shape[2:], w.shape[2:], cfg["stride"],
                                         cfg["padding"], cfg["output_padding"], cfg["dilation"])
    dz = data(cfg["seed"] + 3, (x.shape[0], len(b) if bias else w.shape[1] * cfg["groups"],
                                *out_hw), dtype)

    def run():
        z, saved = F.conv_transpose2d(x, w, b, **args, return_saved=True)
        with_record = F.conv_transpose2d_backward(dz, x, w, **args, bias=bias, saved=saved)
        without_dx = F.conv_transpose2d_backward(dz, x, w, **args, bias=bias,
                                                 input_gradient=False)
        return z, with_record, without_dx

    results = in_every_engine(run)
    scale = np.prod(cfg["w_shape"]) * cfg["x_shape"][0] * np.prod(out_hw)
    z0, grads0, _ = results["reference"]
    for z, grads, without_dx in results.values():
        assert z.shape == (x.shape[0], w.shape[1] * cfg["groups"], *out_hw)
        assert_same(z, z0, dtype, scale)
        for got, expected in zip(grads, grads0):
            assert_same(got, expected, dtype, scale)
        assert without_dx[0] is None
        assert_same(without_dx[1], grads0[1], dtype, scale)


@given(st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       st.tuples(*[st.integers(0, 4)] * 4), st.integers(1, 5), st.integers(1, 5), DTYPES,
       st.integers(0, 2**32 - 1))
def test_pad2d_and_its_backward_agree_in_every_engine(mode, sides, h, w, dtype, seed):
    bound = {"reflect": (h - 1, w - 1), "circular": (h, w)}.get(mode, (4, 4))
    pads = ((min(sides[0], bound[0]), min(sides[1], bound[0])),
            (min(sides[2], bound[1]), min(sides[3], bound[1])))
    x = data(seed, (2, 3, h, w), dtype)
    dz = data(seed + 1, (2, 3, h + sum(pads[0]), w + sum(pads[1])), dtype)
    results = in_every_engine(lambda: (F.pad2d(x, pads, mode=mode),
                                       F.pad2d_backward(dz, x, pads, mode=mode)))
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert_same(a, b, dtype, 9)


# -- worked examples, by hand --------------------------------------------------------------

def test_groups_keep_the_maps_apart():
    # Two input maps, two groups, one output map each: map 0 sees only input 0.
    # x0 = [[1, 2], [3, 4]], x1 = [[10, 20], [30, 40]]; a 2x2 kernel of ones per group.
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]], [[10.0, 20.0], [30.0, 40.0]]]])
    w = np.ones((2, 1, 2, 2))
    for name in ENGINES:
        with convnet.engine(name):
            z = F.conv2d(x, w, groups=2)
            np.testing.assert_array_equal(z.reshape(-1), [10.0, 100.0])   # 1+2+3+4; 10+..+40
            dx, dw, db = F.conv2d_backward(np.array([[[[1.0]], [[2.0]]]]), x, w, groups=2)
            np.testing.assert_array_equal(dx[0, 0], np.ones((2, 2)))       # dz0 * w0
            np.testing.assert_array_equal(dx[0, 1], np.full((2, 2), 2.0))  # dz1 * w1
            np.testing.assert_array_equal(dw[:, 0], [x[0, 0], 2 * x[0, 1]])  # dz_g * x_g
            np.testing.assert_array_equal(db, [1.0, 2.0])


def test_a_depthwise_multiplier_gives_each_map_several_kernels():
    # groups = C = 2, F = 4: maps 0 and 1 read input 0, maps 2 and 3 input 1 (1x1 kernels).
    x = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    w = np.array([1.0, -1.0, 10.0, 0.5]).reshape(4, 1, 1, 1)
    expected = np.array([[1, 2], [-1, -2], [30, 40], [1.5, 2.0]])
    for name in ENGINES:
        with convnet.engine(name):
            np.testing.assert_array_equal(F.conv2d(x, w, groups=2)[0, :, 0], expected)
            dx = F.conv2d_backward(np.ones((1, 4, 1, 2)), x, w, groups=2)[0]
            np.testing.assert_array_equal(dx[0, :, 0], [[0, 0], [10.5, 10.5]])   # 1-1; 10+0.5


@pytest.mark.parametrize("mode, row", [
    ("reflect", [3, 2, 1, 2, 3, 2, 1]),     # mirrored about the edge pixels 1 and 3
    ("replicate", [1, 1, 1, 2, 3, 3, 3]),   # the edge pixels repeated
    ("circular", [2, 3, 1, 2, 3, 1, 2]),    # the row wrapped around
])
def test_padding_modes_by_hand_and_their_gradients(mode, row):
    # Folding a gradient of ones back counts the copies of each pixel in the padded row.
    counts = {"reflect": [2, 3, 2], "replicate": [3, 1, 3], "circular": [2, 3, 2]}[mode]
    x = np.array([[1.0, 2.0, 3.0]])
    for name in ENGINES:
        with convnet.engine(name):
            np.testing.assert_array_equal(F.pad2d(x, (0, 2), mode=mode)[0], row)
            np.testing.assert_array_equal(F.pad2d_backward(np.ones((1, 7)), x, (0, 2),
                                                           mode=mode)[0], counts)


def test_corners_take_the_pixel_their_row_and_column_name():
    # reflect by 1 on [[1, 2], [3, 4]]: the corner above-left mirrors to (1, 1), i.e. 4.
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = {"reflect": [[4, 3, 4, 3], [2, 1, 2, 1], [4, 3, 4, 3], [2, 1, 2, 1]],
                "replicate": [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]],
                "circular": [[4, 3, 4, 3], [2, 1, 2, 1], [4, 3, 4, 3], [2, 1, 2, 1]]}
    for name in ENGINES:
        with convnet.engine(name):
            for mode, padded in expected.items():
                np.testing.assert_array_equal(F.pad2d(x, 1, mode=mode), padded)


def test_a_convolution_with_a_padding_mode_is_one_on_the_padded_input():
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.arange(9.0).reshape(1, 1, 3, 3) - 4
    dz = np.arange(12.0).reshape(1, 1, 3, 4) - 5
    for name in ENGINES:
        with convnet.engine(name):
            for mode, pad_mode in (("reflect", "reflect"), ("circular", "circular")):
                padded = F.pad2d(x, 1, mode=pad_mode)
                z = F.conv2d(x, w, padding=1, padding_mode=mode)
                np.testing.assert_allclose(z, F.conv2d(padded, w), rtol=1e-14)
                dx = F.conv2d_backward(dz, x, w, padding=1, padding_mode=mode)[0]
                dxp = F.conv2d_backward(dz, padded, w)[0]                # chain rule
                np.testing.assert_allclose(dx, F.pad2d_backward(dxp, x, 1, mode=pad_mode),
                                           rtol=1e-14)


def test_transposed_convolution_by_hand_with_output_padding():
    # x = [[1, 2]] (1x2), kernel [[1], [10]] (2x1), stride 2, output_padding (1, 0):
    # each pixel pastes [1, 10] down its column, rows 0-1; row 2 (the output padding)
    # gets the bias only.  Output (1-1)*2 + 2 + 1 = 3 rows, (2-1)*2 + 1 = 3 columns.
    x = np.array([[[[1.0, 2.0]]]])
    w = np.array([[[[1.0], [10.0]]]])
    expected = np.array([[1, 0, 2], [10, 0, 20], [0, 0, 0]]) + 0.5
    for name in ENGINES:
        with convnet.engine(name):
            z = F.conv_transpose2d(x, w, [0.5], stride=2, output_padding=(1, 0))
            np.testing.assert_array_equal(z[0, 0], expected)
            dz = np.arange(9.0).reshape(1, 1, 3, 3)       # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
            dx, dw, db = F.conv_transpose2d_backward(dz, x, w, stride=2, output_padding=(1, 0))
            np.testing.assert_array_equal(dx[0, 0], [[30.0, 52.0]])  # 0 + 10*3; 2 + 10*5
            np.testing.assert_array_equal(dw[0, 0], [[4.0], [13.0]])  # 1*0 + 2*2; 1*3 + 2*5
            assert db[0] == 36.0                                     # 0 + 1 + ... + 8


@given(transposed_configs(), st.integers(0, 2**32 - 1))
def test_the_transposed_convolution_is_the_convolutions_backward_pass(cfg, seed):
    # Eq. T.1-T.3 as identities between the public functions, in every engine.
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                groups=cfg["groups"])
    x = data(seed, cfg["x_shape"], np.float64)
    w = data(seed + 1, cfg["w_shape"], np.float64)
    for name in ENGINES:
        with convnet.engine(name):
            z = F.conv_transpose2d(x, w, output_padding=cfg["output_padding"], **args)
            dz = data(seed + 2, z.shape, np.float64)
            dx, dw, _ = F.conv_transpose2d_backward(dz, x, w, output_padding=cfg[
                "output_padding"], **args)
            convolved = F.conv2d(dz, w, **args)                         # Eq. T.2
            h, wid = x.shape[2:]
            np.testing.assert_allclose(dx, convolved[:, :, :h, :wid], rtol=1e-12, atol=1e-12)
            if convolved.shape[2:] == x.shape[2:]:                      # no windows in the
                da, dlw, _ = F.conv2d_backward(x, dz, w, **args)        # output padding
                np.testing.assert_allclose(z, da, rtol=1e-12, atol=1e-12)        # Eq. T.1
                np.testing.assert_allclose(dw, dlw, rtol=1e-12, atol=1e-12)      # Eq. T.3


def test_records_of_the_new_operations_serve_one_backward_of_their_own_arguments():
    x, w = np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))
    for name in ENGINES:
        with convnet.engine(name):
            z, saved = F.conv_transpose2d(x, w, return_saved=True)
            assert repr(saved) == f"<Saved by the {name} engine's conv_transpose2d, unused>"
            with pytest.raises(ValueError, match=r"^saved must be the record of a forward pass"):
                F.conv_transpose2d_backward(np.ones((1, 1, 6, 6)), x, w, stride=2, saved=saved)
            F.conv_transpose2d_backward(np.ones_like(z), x, w, saved=saved)
            with pytest.raises(ValueError, match=r"^saved was already used"):
                F.conv_transpose2d_backward(np.ones_like(z), x, w, saved=saved)
            z, saved = F.conv2d(x, w.reshape(2, 1, 2, 2), groups=2, padding=1,
                                padding_mode="replicate", return_saved=True)
            with pytest.raises(ValueError, match=r"groups 2\); got one made for .*groups 2, "
                                                 r"padding_mode 'replicate'$"):
                F.conv2d_backward(np.ones_like(z), x, w, groups=2, padding=1, saved=saved)
            assert F.conv2d_backward(np.ones_like(z), x, w, groups=2, padding=1,
                                     padding_mode="replicate", saved=saved)[0].shape == x.shape


def test_clear_errors_for_groups_padding_modes_and_output_padding():
    x = np.ones((1, 4, 5, 5))
    with pytest.raises(ValueError, match=r"^groups must be a divisor of the 4 input channel"):
        F.conv2d(x, np.ones((3, 4, 3, 3)), groups=3)
    with pytest.raises(ValueError, match=r"^groups must be a divisor of the 6 output map"):
        F.conv2d(x, np.ones((6, 1, 3, 3)), groups=4)
    with pytest.raises(ValueError, match=r"^w must be of shape \(F, 2, kh, kw\) to match the 4 "
                                         r"input channel\(s\) of x \(1, 4, 5, 5\) in 2 groups"):
        F.conv2d(x, np.ones((2, 4, 3, 3)), groups=2)
    with pytest.raises(ValueError, match=r"^padding must be at most 4 rows on each side with "
                                         r"padding_mode='reflect'.*; got 5$"):
        F.conv2d(x, np.ones((1, 4, 3, 3)), padding=5, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"^padding_mode must be one of 'zeros', 'reflect', "
                                         r"'replicate', 'circular'; got 'constant'"):
        F.conv2d(x, np.ones((1, 4, 3, 3)), padding_mode="constant")
    with pytest.raises(ValueError, match=r"^output_padding must be smaller than the stride or "
                                         r"the dilation"):
        F.conv_transpose2d(x, np.ones((4, 1, 3, 3)), stride=2, output_padding=2)
    with pytest.raises(TypeError, match=r"^padding must be an amount"):
        F.conv_transpose2d(x, np.ones((4, 1, 3, 3)), padding="same")
    with pytest.raises(ValueError, match=r"^value must be 0 \(the default\) with mode='reflect'"):
        F.pad2d(x, 1, value=1.0, mode="reflect")
