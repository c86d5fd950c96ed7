"""Adaptive pooling, global max pooling and nearest upsampling: worked examples, engines, layers.

The worked examples are computed by hand in the comments (the window rule
``[floor(i*H/Ho), ceil((i+1)*H/Ho))`` and PyTorch's nearest rule
``min(floor(p / s), H - 1)``); the engines are held equal to the loops under
hypothesis, with ties, inf and NaN in the data, ragged windows and windows
that are ordinary pooling windows (the fast engine's shortcut); the layers'
gradients are checked against central differences in float64.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import convnet
from convnet import functional as F, layers as L
from convnet.gradcheck import check_gradients

from .test_engines import DTYPES, SPECIALS, assert_same, data, in_every_engine

ENGINES = ["reference", "plain", "fast"]


# -- worked examples ---------------------------------------------------------------------------

def test_adaptive_windows_of_five_pixels_to_three_by_hand():
    # H = 5, Ho = 3: windows [0, 2), [1, 4), [3, 5): floor(0), floor(5/3) = 1, floor(10/3) = 3
    # to ceil(5/3) = 2, ceil(10/3) = 4, 5.  Pixel 1 is in windows 0 and 1, pixel 3 in 1 and 2.
    x = np.array([[[[4.0, 8.0, 1.0, 6.0, 2.0]]]])
    for name in ENGINES:
        with convnet.engine(name):
            np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (1, 3))[0, 0, 0],
                                       [6.0, 5.0, 4.0])          # 12/2, 15/3, 8/2
            np.testing.assert_array_equal(F.adaptive_max_pool2d(x, (1, 3))[0, 0, 0],
                                          [8.0, 8.0, 6.0])
            dz = np.array([[[[6.0, 3.0, 2.0]]]])
            np.testing.assert_allclose(F.adaptive_avg_pool2d_backward(dz, x, (1, 3))[0, 0, 0],
                                       [3.0, 4.0, 1.0, 2.0, 1.0])   # 6/2; 6/2 + 3/3; 3/3; ...
            np.testing.assert_array_equal(                          # pixel 1 wins twice: 6 + 3
                F.adaptive_max_pool2d_backward(dz, x, (1, 3))[0, 0, 0], [0, 9.0, 0, 2.0, 0])


def test_adaptive_pooling_whose_windows_are_one_window_is_ordinary_pooling():
    # 8 -> 4: windows [2i, 2i + 2), kernel 2 stride 2;  4 -> 3: [0, 2), [1, 3), [2, 4),
    # kernel 2 stride 1;  7 -> 1: the whole map (global pooling).
    x = data(0, (2, 3, 8, 4), np.float64)
    for name in ENGINES:
        with convnet.engine(name):
            np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (4, 3)),
                                       F.avg_pool2d(x, (2, 2), (2, 1)), rtol=1e-12)
            np.testing.assert_array_equal(F.adaptive_max_pool2d(x, (4, 3)),
                                          F.max_pool2d(x, (2, 2), (2, 1)))
            np.testing.assert_array_equal(F.adaptive_max_pool2d(x, 1)[..., 0, 0],
                                          x.max(axis=(2, 3)))
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 8, 2)     # None keeps H


def test_more_outputs_than_pixels_repeat_them():
    # H = 2, Ho = 3: windows [0, 1), [0, 2), [1, 2) (floor(2/3) = 0, ceil(4/3) = 2).
    x = np.array([[[[1.0], [3.0]]]])
    for name in ENGINES:
        with convnet.engine(name):
            np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (3, 1))[0, 0, :, 0], [1, 2, 3])
            np.testing.assert_allclose(F.adaptive_avg_pool2d_backward(
                np.ones((1, 1, 3, 1)), x, (3, 1))[0, 0, :, 0], [1.5, 1.5])   # 1 + 1/2 each


def test_nearest_upsampling_by_a_non_integer_factor_follows_pytorch():
    # H = 5, s = 1.7: Ho = floor(8.5) = 8; row p reads floor(p / 1.7): 0, 0, 1, 1, 2, 2, 3, 4
    # (p = 5: 2.94 -> 2, where floor(p * H / Ho) = floor(3.125) would read 3).
    x = np.arange(5.0).reshape(1, 1, 5, 1)
    for name in ENGINES:
        with convnet.engine(name):
            z = F.upsample2d(x, (1.7, 1))
            np.testing.assert_array_equal(z[0, 0, :, 0], [0, 0, 1, 1, 2, 2, 3, 4])
            by_size = F.upsample2d(x, size=(8, 1))                   # floor(p * 5/8)
            np.testing.assert_array_equal(by_size[0, 0, :, 0], [0, 0, 1, 1, 2, 3, 3, 4])
            dx = F.upsample2d_backward(np.ones((1, 1, 8, 1)), x, (1.7, 1))
            np.testing.assert_array_equal(dx[0, 0, :, 0], [2, 2, 2, 1, 1])     # copies of each
            same = F.upsample2d(x, (1.1, 1))          # floor(5.5) = 5 rows: PyTorch copies them
            np.testing.assert_array_equal(same, x)
            down = F.upsample2d(x, (0.5, 1))          # 2 rows read floor(p / 0.5) = 0, 2
            np.testing.assert_array_equal(down[0, 0, :, 0], [0, 2])
            np.testing.assert_array_equal(                 # rows 1, 3, 4 were not copied
                F.upsample2d_backward(np.ones((1, 1, 2, 1)), x, (0.5, 1))[0, 0, :, 0],
                [1, 0, 1, 0, 0])


def test_the_arguments_are_refused_with_their_rule():
    x = np.ones((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"^scale_factor must be given, or size, but not both"):
        F.upsample2d(x, 2, size=8)
    with pytest.raises(ValueError, match=r"^scale_factor must be given, or size, but not both"):
        F.upsample2d(x)
    with pytest.raises(ValueError, match=r"^scale_factor must be large enough for an output of "
                                         r"at least 1x1 from 4x4"):
        F.upsample2d(x, 0.2)
    with pytest.raises(ValueError, match=r"^mode must be one of 'nearest'; got 'bilinear'"):
        F.upsample2d(x, 2, "bilinear")
    with pytest.raises(ValueError, match=r"^output_size must be an integer >= 1"):
        F.adaptive_avg_pool2d(x, (0, 2))
    with pytest.raises(ValueError, match=r"^dz must be of shape \(1, 1, 2, 2\) \(the output of "
                                         r"adaptive_max_pool2d"):
        F.adaptive_max_pool2d_backward(np.ones((1, 1, 3, 3)), x, 2)


# -- the engines agree -------------------------------------------------------------------------

@st.composite
def adaptive_cases(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 9)),
             draw(st.integers(1, 9)))
    out = tuple(draw(st.one_of(st.integers(1, size + 3), st.sampled_from([size, None])))
                for size in shape[2:])
    return shape, out, draw(st.integers(0, 2 ** 32 - 1))


@settings(max_examples=60, deadline=None)
@given(adaptive_cases(), DTYPES, SPECIALS, st.sampled_from(["avg", "max"]))
def test_adaptive_pooling_agrees_in_every_engine(case, dtype, special, kind):
    shape, out, seed = case
    x = data(seed, shape, dtype, special)
    size = tuple(s if o is None else o for s, o in zip(shape[2:], out))
    dz = data(seed + 1, (*shape[:2], *size), dtype)
    forward, backward = (getattr(F, f"adaptive_{kind}_pool2d"),
                         getattr(F, f"adaptive_{kind}_pool2d_backward"))

    def run():
        z, saved = forward(x, out, return_saved=True)
        return z, backward(dz, x, out, saved=saved), backward(dz, x, out)

    results = in_every_engine(run)
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert_same(a, b, dtype, 9 * 9)


@st.composite
def upsample_cases(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 6)),
             draw(st.integers(1, 6)))
    factor = st.one_of(st.integers(1, 3), st.sampled_from([0.5, 0.75, 1.1, 1.5, 1.7, 2.5]),
                       st.floats(0.3, 3.5))
    if draw(st.booleans()):
        scales = (draw(factor), draw(factor))
        assume(all(math.floor(n * s) >= 1 for n, s in zip(shape[2:], scales)))
        return shape, dict(scale_factor=scales), draw(st.integers(0, 2 ** 32 - 1))
    size = (draw(st.integers(1, 13)), draw(st.integers(1, 13)))
    return shape, dict(size=size), draw(st.integers(0, 2 ** 32 - 1))


@settings(max_examples=60, deadline=None)
@given(upsample_cases(), DTYPES, SPECIALS)
def test_upsampling_agrees_in_every_engine(case, dtype, special):
    shape, how, seed = case
    x = data(seed, shape, dtype, special)
    out = F.upsample2d(x, **how).shape
    dz = data(seed + 1, out, dtype, special)

    def run():
        z, saved = F.upsample2d(x, **how, return_saved=True)
        return z, F.upsample2d_backward(dz, x, **how, saved=saved), \
            F.upsample2d_backward(dz, x, **how)

    results = in_every_engine(run)
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert_same(a, b, dtype, 16)


# -- the layers --------------------------------------------------------------------------------

LAYERS = {
    "GlobalMaxPool2D": (L.GlobalMaxPool2D, (2, 3, 5, 4)),
    "AdaptiveAvgPool2D": (lambda: L.AdaptiveAvgPool2D((3, 2)), (2, 3, 7, 5)),
    "AdaptiveMaxPool2D": (lambda: L.AdaptiveMaxPool2D((3, None)), (2, 3, 7, 5)),
    "Upsample2D": (lambda: L.Upsample2D((1.5, 2)), (2, 3, 3, 4)),
    "Upsample2D size": (lambda: L.Upsample2D(size=(5, 7)), (2, 3, 3, 4)),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(LAYERS))
def test_every_new_layer_passes_a_float64_gradient_check(name, engine):
    make, shape = LAYERS[name]
    x = np.random.default_rng(4).permutation(np.prod(shape)).reshape(shape) / 7.0  # no ties
    with convnet.engine(engine):
        report = check_gradients(make(), x)
    assert report.passed, str(report)


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_new_layer_says_its_output_shape_and_config(name):
    make, shape = LAYERS[name]
    layer = make()
    assert layer.forward(np.ones(shape)).shape[1:] == layer.output_shape(shape[1:])
    assert layer.num_parameters() == 0 and eval(f"L.{layer!r}").config() == layer.config()


def test_global_max_pooling_is_the_maximum_of_each_map_and_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 1, 8, 8))
    y = (x.max(axis=(1, 2, 3)) > 2.0).astype(int)
    model = convnet.Sequential(L.Conv2D(1, 4, 3, padding=1, rng=0), L.ReLU(), L.GlobalMaxPool2D(),
                               L.Dense(4, 2, rng=1))
    before = model.evaluate(x, y)[0]
    model.fit(x, y, epochs=20, batch_size=8, loss="cross_entropy",
              optimizer=convnet.optim.SGD(0.1), seed=0, verbose=False)
    assert model.evaluate(x, y)[0] < before
    np.testing.assert_array_equal(L.GlobalMaxPool2D().forward(x), x.max(axis=(2, 3)))
