"""Pooling: fast against loop reference, the average-pooling-as-convolution identity."""

import numpy as np
from hypothesis import given, strategies as st

import convnet
from convnet import functional as F, geometry, layers as L, reference
from convnet.functional import avg_pool2d, conv2d, max_pool2d

from .strategies import normal, pool_configs, pool_options

TIGHT = dict(rtol=1e-12, atol=1e-12)


@given(pool_configs())
def test_max_pool2d_equals_loop_reference(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    args = pool_options(cfg, "max")
    np.testing.assert_array_equal(max_pool2d(x, **args), reference.max_pool2d(x, **args))


@given(pool_configs())
def test_avg_pool2d_equals_loop_reference(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    args = pool_options(cfg, "avg")
    np.testing.assert_allclose(avg_pool2d(x, **args), reference.avg_pool2d(x, **args), **TIGHT)


@given(pool_configs())
def test_pool_output_shape_equals_geometry(cfg):
    x = normal(cfg["seed"], cfg["x_shape"])
    stride = cfg["kernel_size"] if cfg["stride"] is None else cfg["stride"]
    expected = geometry.output_size(cfg["x_shape"][2:], cfg["kernel_size"], stride=stride,
                                    padding=cfg["padding"], ceil_mode=cfg["ceil_mode"])
    for pool in (max_pool2d, avg_pool2d):
        out = pool(x, cfg["kernel_size"], cfg["stride"], cfg["padding"],
                   ceil_mode=cfg["ceil_mode"])
        assert out.shape == (*cfg["x_shape"][:2], *expected)
    dilated = geometry.output_size(cfg["x_shape"][2:], cfg["kernel_size"], stride=stride,
                                   padding=cfg["padding"], dilation=cfg["dilation"],
                                   ceil_mode=cfg["ceil_mode"])
    out = max_pool2d(x, **pool_options(cfg, "max"))
    assert out.shape == (*cfg["x_shape"][:2], *dilated)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 2**32 - 1))
def test_2x2_average_pooling_is_a_convolution(n, c, half_h, half_w, seed):
    # Problem set 1.4: kernel 1/4 everywhere, stride 2.  Channel by channel,
    # which for conv2d is a (C, C, 2, 2) weight that is 1/4 on the diagonal.
    x = normal(seed, (n, c, 2 * half_h, 2 * half_w))
    quarter = np.zeros((c, c, 2, 2))
    quarter[np.arange(c), np.arange(c)] = 0.25
    np.testing.assert_allclose(avg_pool2d(x, 2), conv2d(x, quarter, stride=2), **TIGHT)


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 1, 2, 2))
    out = max_pool2d(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(out, -np.ones((1, 1, 3, 3)))


def test_avg_pool_padding_counts_in_the_mean():
    x = np.ones((1, 1, 2, 2))
    out = avg_pool2d(x, 2, stride=1, padding=1)
    # corner windows hold 1 real pixel of 4, edges 2, the centre 4
    np.testing.assert_array_equal(out[0, 0], [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]])


def test_overlapping_max_pool():
    x = np.array([[1.0, 5, 2], [3, 4, 6], [0, 8, 7]])[None, None]
    np.testing.assert_array_equal(max_pool2d(x, 2, stride=1)[0, 0], [[5, 6], [8, 8]])


def test_max_pool_propagates_nan():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = np.nan
    out = max_pool2d(x, 2)
    assert np.isnan(out[0, 0, 0, 0]) and np.all(out[0, 0].ravel()[1:] == 0)


def test_float32_pooling_stays_float32():
    x = np.ones((1, 1, 4, 4), np.float32)
    assert max_pool2d(x, 2).dtype == np.float32 and avg_pool2d(x, 2).dtype == np.float32


# -- the shortcut for tiling windows without ties -----------------------------------

@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 9), st.integers(1, 9),
       st.sampled_from([1, 2, 3]), st.sampled_from([1, 2, 3]), st.booleans(),
       st.integers(0, 2**16))
def test_tiled_max_pool_backward_with_and_without_ties_equals_loops(n, c, h, w, kh, kw, relu,
                                                                    seed):
    # Random floats have no ties (the shortcut runs); after a ReLU many windows
    # hold only zeros (the shortcut must step aside for the first-maximum rule).
    from convnet.functional import max_pool2d_backward
    kh, kw = min(kh, h), min(kw, w)
    x = normal(seed, (n, c, h, w))
    if relu:
        x = np.maximum(x, 0.0)
    dz = normal(seed + 1, max_pool2d(x, (kh, kw)).shape)
    np.testing.assert_array_equal(max_pool2d_backward(dz, x, (kh, kw)),
                                  reference.max_pool2d_backward(dz, x, (kh, kw)))


def test_tie_shortcut_is_not_fooled_by_a_nan_window_beside_a_tied_one():
    # A NaN window has no maximum equal to z and a tied window has two: the
    # counts balance, so NaN has to be ruled out before counting.
    from convnet.functional import max_pool2d_backward
    x = np.array([[[[np.nan, 1.0, 5.0, 5.0], [0.0, 2.0, 1.0, 0.0]]]])
    dz = np.array([[[[10.0, 20.0]]]])
    dx = max_pool2d_backward(dz, x, 2)
    np.testing.assert_array_equal(dx, [[[[10.0, 0, 20.0, 0], [0, 0, 0, 0]]]])
    np.testing.assert_array_equal(dx, reference.max_pool2d_backward(dz, x, 2))


# -- tiling windows run in batch chunks of about 1 MiB (convnet.functional.pool._chunks) --

def test_tiled_pooling_in_many_chunks_equals_sample_by_sample():
    # 2 x 129 x 97 float64 is about 196 KiB per sample: 5 samples per chunk, so 13
    # samples make three chunks, the last one short.  Odd sizes leave a row and
    # a column outside the last whole 2 x 2 window; the ReLU makes ties.  Each
    # sample alone is one chunk, checked against the loops elsewhere.
    from convnet.functional import avg_pool2d_backward, max_pool2d_backward
    x = np.maximum(normal(7, (13, 2, 129, 97)), 0.0)
    x[4, 1, 10, 10] = np.nan
    dz = normal(8, (13, 2, 64, 48))
    whole = [max_pool2d(x, 2), max_pool2d_backward(dz, x, 2),
             avg_pool2d(x, 2), avg_pool2d_backward(dz, x, 2)]
    for k in range(13):
        one = [max_pool2d(x[k:k + 1], 2), max_pool2d_backward(dz[k:k + 1], x[k:k + 1], 2),
               avg_pool2d(x[k:k + 1], 2), avg_pool2d_backward(dz[k:k + 1], x[k:k + 1], 2)]
        for got, expected in zip(whole, one):
            np.testing.assert_array_equal(got[k:k + 1], expected)


def test_tiled_max_pool_of_a_large_batch_equals_window_maxima():
    # An independent oracle for the two-stage max: NumPy's max over each
    # window of the reshaped input (3 x 2 windows, several chunks).
    x = normal(9, (40, 3, 60, 64))
    expected = x.reshape(40, 3, 20, 3, 32, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(max_pool2d(x, (3, 2)), expected)


def test_max_pool_backward_gives_losers_exact_zeros_when_dz_is_infinite():
    # dz * hit would put inf * 0 = NaN on every losing pixel; only the winner
    # of each window may see the inf.  Tiling and overlapping windows (where a
    # pixel collects several windows' dz, summed in another order than the loops).
    from convnet.functional import max_pool2d_backward
    x = normal(3, (2, 2, 6, 6))
    dz = normal(4, (2, 2, 3, 3))
    dz[0, 1, 1, 2], dz[1, 0, 0, 0] = np.inf, -np.inf
    for args in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        dz_args = dz if args["kernel_size"] == 2 else normal(5, (2, 2, 6, 6))
        if args["kernel_size"] == 3:
            dz_args[0, 0, 2, 2] = np.inf
        got = max_pool2d_backward(dz_args, x, **args)
        np.testing.assert_allclose(got, reference.max_pool2d_backward(dz_args, x, **args), **TIGHT)
        assert np.isnan(got).sum() == 0 and np.isinf(got).sum() >= 1


# -- ceil_mode, count_include_pad, divisor_override (PyTorch's options) ---------------

ENGINES = ("reference", "plain", "fast")


def test_ceil_mode_worked_example_5x5_by_2x2_windows():
    # H = W = 5, k = 2, s = 2, p = 0.  Floor: floor((5 - 2)/2) + 1 = 1 + 1 = 2 windows per
    # axis, at rows 0-1 and 2-3; row 4 is never read.  Ceil: ceil(3/2) + 1 = 2 + 1 = 3; the
    # third window starts at (3 - 1)*2 = 4 < H + p = 5, inside the input, so it stays and
    # holds row 4 alone (row 5 does not exist).  x[i, j] = 5i + j:
    #   max of the last window of row 0: x[0:2, 4] = 4, 9        -> 9
    #   corner window: x[4, 4] = 24 alone                       -> 24
    #   mean of the last window of row 0: (4 + 9)/2 = 6.5 (two pixels on the input; the
    #   positions beyond it count neither in the sum nor in the divisor)
    #   mean of the bottom-left window: (20 + 21)/2 = 20.5;  corner: 24/1 = 24
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    for engine in ENGINES:
        with convnet.engine(engine):
            assert max_pool2d(x, 2).shape == (1, 1, 2, 2)
            np.testing.assert_array_equal(max_pool2d(x, 2, ceil_mode=True)[0, 0],
                                          [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
            np.testing.assert_array_equal(avg_pool2d(x, 2, ceil_mode=True)[0, 0],
                                          [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]])
            # backward of the mean: a window of 2 pixels sends half its dz to each
            dx = F.avg_pool2d_backward(np.ones((1, 1, 3, 3)), x, 2, ceil_mode=True)[0, 0]
            np.testing.assert_array_equal(dx[4], [0.5, 0.5, 0.5, 0.5, 1.0])
            # the maximum's backward: each window's dz to its largest pixel
            dm = F.max_pool2d_backward(np.ones((1, 1, 3, 3)), x, 2, ceil_mode=True)[0, 0]
            assert dm[4, 4] == 1 and dm[1, 4] == 1 and dm.sum() == 9


def test_ceil_mode_drops_a_last_window_that_would_start_in_the_padding():
    # H = 4, k = 2, s = 3, p = 1: ceil((4 + 2 - 2)/3) + 1 = ceil(4/3) + 1 = 3, but the third
    # window would start at padded row (3 - 1)*3 = 6 >= H + p = 5, in the bottom padding:
    # it is dropped (PyTorch's rule), leaving 2.
    assert geometry.output_size(4, 2, stride=3, padding=1, ceil_mode=True) == 2
    assert max_pool2d(np.ones((1, 1, 4, 4)), 2, 3, 1, ceil_mode=True).shape == (1, 1, 2, 2)


def test_count_include_pad_and_divisor_override():
    # 2x2 of ones, k = 2, s = 1, p = 1 (3x3 windows of the padded 4x4): a corner window holds
    # 1 pixel of its 4 positions, an edge window 2, the centre 4.
    x = np.ones((1, 1, 2, 2))
    for engine in ENGINES:
        with convnet.engine(engine):
            np.testing.assert_array_equal(avg_pool2d(x, 2, 1, 1)[0, 0],        # sum / 4
                                          [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]])
            np.testing.assert_array_equal(avg_pool2d(x, 2, 1, 1, count_include_pad=False),
                                          np.ones((1, 1, 3, 3)))             # sum / pixels
            np.testing.assert_array_equal(avg_pool2d(x, 2, 1, 1, divisor_override=2)[0, 0],
                                          [[0.5, 1, 0.5], [1, 2, 1], [0.5, 1, 0.5]])  # sum / 2


def test_pooling_layers_with_the_options_save_load_and_describe_themselves(tmp_path):
    model = convnet.Sequential(
        L.MaxPool2D(2, ceil_mode=True),
        L.AvgPool2D(3, 2, 1, ceil_mode=True, count_include_pad=False, divisor_override=2),
        L.AvgPool2D(2))
    # the defaults are left out of the file: a file written before the options existed
    # holds exactly these keys, and loads with the defaults
    assert model.layers[2].config() == dict(kernel_size=(2, 2), stride=(2, 2), padding=0)
    assert repr(L.AvgPool2D(**model.layers[2].config())) == repr(L.AvgPool2D(2))
    assert model.layers[0].output_shape((1, 7, 7)) == (1, 4, 4)        # ceil(5/2) + 1 = 4
    assert model.layers[1].output_shape((1, 4, 4)) == (1, 3, 3)        # ceil(3/2) + 1 = 3
    x = normal(3, (2, 1, 7, 7))
    model.save(tmp_path / "pools.npz")
    loaded = convnet.load(tmp_path / "pools.npz")
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    np.testing.assert_array_equal(loaded.forward(x), model.forward(x))


def test_dilated_max_pool_worked_example():
    # x[i, j] = 5i + j on 5x5, k = 2, d = 2, s = 1: each window reads pixels (i, j), (i, j+2),
    # (i+2, j), (i+2, j+2); its maximum is the last, 5(i+2) + j+2.  Size:
    # floor((5 - 2·(2 - 1) - 1)/1) + 1 = 3 per axis.
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    for engine in ENGINES:
        with convnet.engine(engine):
            np.testing.assert_array_equal(max_pool2d(x, 2, 1, dilation=2)[0, 0],
                                          [[12, 13, 14], [17, 18, 19], [22, 23, 24]])
            dx = F.max_pool2d_backward(np.ones((1, 1, 3, 3)), x, 2, 1, dilation=2)[0, 0]
            np.testing.assert_array_equal(dx[2:, 2:], np.ones((3, 3)))    # each wins once
            assert dx.sum() == 9
            # a 1-wide input padded by 1 column on each side, k = 2, d = 2: the one window
            # reads padded columns 0 and 2, both padding, and steps over the pixel in
            # column 1: -inf, and no gradient
            one = np.ones((1, 1, 1, 1))
            assert max_pool2d(one, (1, 2), padding=(0, 1), dilation=2)[0, 0, 0, 0] == -np.inf
            assert F.max_pool2d_backward(one, one, (1, 2), padding=(0, 1),
                                         dilation=2)[0, 0, 0, 0] == 0
