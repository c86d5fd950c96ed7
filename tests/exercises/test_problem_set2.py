"""Hertie School Deep Learning, problem set 2 (seed 002)."""

import numpy as np
import pytest

import convnet
from convnet import geometry
from convnet.functional import avg_pool2d, conv2d, max_pool2d, sigmoid
# The sheet's numbers (one copy, shared with convnet.testing).
from convnet.testing.sheets import HERTIE_A13 as A13, HERTIE_IMAGE as IMAGE, HERTIE_K13 as K13
from convnet.testing.sheets import HERTIE_X13 as X13, HERTIE_Z13 as Z13


def test_1_1a_identity_kernel():
    identity = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)
    # stride 1 and one pixel of zero padding: same size, every pixel unchanged
    np.testing.assert_array_equal(convnet.correlate2d(IMAGE, identity, padding=1), IMAGE)


def test_1_1b_blur_kernel():
    blur = np.full((4, 4), 1 / 16)
    out = convnet.correlate2d(IMAGE, blur)
    assert out.shape == (2, 2)
    # each output is the mean of a 4x4 block: top-left block of 1..25 is
    # rows 1-4 / 6-9 / 11-14 / 16-19, mean (1+19)/2 = 10
    np.testing.assert_allclose(out, [[10, 11], [15, 16]], rtol=1e-15)
    # a constant image is left unchanged (the weights sum to one)
    np.testing.assert_allclose(convnet.correlate2d(np.full((6, 6), 7.0), blur),
                               np.full((3, 3), 7.0), rtol=1e-15)


def test_1_1c_sobel_vertical_edge_detector():
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    step = np.array([[0, 0, 1, 1]] * 3, dtype=float)  # dark left, bright right
    # window columns (0, 0, 1): -1*0 + 1*(1+2+1) = 4; columns (0, 1, 1): 4 as well
    np.testing.assert_array_equal(convnet.correlate2d(step, sobel), [[4, 4]])
    flat = np.ones((3, 3))
    np.testing.assert_array_equal(convnet.correlate2d(flat, sobel), [[0]])


def test_1_2_1_learned_kernel_detects_dark_above_bright():
    k = np.array([[-0.89, -0.92, -0.90], [0.01, 0.02, 0.005], [0.90, 0.92, 0.89]])
    dark_above = np.array([[0.0] * 3, [0.0] * 3, [1.0] * 3, [1.0] * 3])
    # window rows (0, 0, 1): bottom row of weights sums to 2.71;
    # rows (0, 1, 1): 0.035 + 2.71 = 2.745
    np.testing.assert_allclose(convnet.correlate2d(dark_above, k), [[2.71], [2.745]],
                               rtol=1e-12)
    # bright above dark gives negative values instead: rows (1, 1, 0) give
    # -2.71 + 0.035 = -2.675, rows (1, 0, 0) give -2.71
    np.testing.assert_allclose(convnet.correlate2d(dark_above[::-1], k),
                               [[-2.675], [-2.71]], rtol=1e-12)


# Problem 1.3: X13, K13 and the printed Z13, A13 come from convnet.testing.sheets.


def test_1_3_padded_input():
    padded = np.zeros((6, 6))
    padded[1:5, 1:5] = X13
    np.testing.assert_array_equal(convnet.pad2d(X13, 1), padded)
    assert geometry.output_size(4, 3, padding=1) == 4  # (4 - 3 + 2*1)/1 + 1


def test_1_3_flipped_kernel():
    np.testing.assert_array_equal(convnet.rot180(K13), [[0, 2, 0], [1, 1, 2], [0, 2, 0]])


def test_1_3_convolution():
    # The sheet convolves (flips the kernel), with one pixel of zero padding.
    np.testing.assert_array_equal(convnet.convolve2d(X13, K13, padding="same"), Z13)
    # Worked positions: (0, 0) -> 0 and (0, 1) -> 2
    z = convnet.correlate2d(X13, convnet.rot180(K13), padding=1)
    assert (z[0, 0], z[0, 1]) == (0, 2)


def test_1_3_sigmoid():
    a = sigmoid(Z13)
    np.testing.assert_array_equal(np.round(a, 4), A13)
    for value, printed in [(0, 0.5), (2, 0.8808), (2.5, 0.9241), (4, 0.9820),
                           (5, 0.9933), (5.5, 0.9959), (7.5, 0.9994)]:
        assert round(float(sigmoid(np.array([value]))[0]), 4) == printed


def test_1_3_max_pooling():
    pooled = max_pool2d(sigmoid(Z13)[None, None], 2, stride=2)[0, 0]
    np.testing.assert_array_equal(np.round(pooled, 4), [[0.9820, 0.9933], [0.9994, 0.9959]])


def test_1_4_average_pooling_as_convolution():
    x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    expected = [[3.5, 5.5], [11.5, 13.5]]
    np.testing.assert_array_equal(avg_pool2d(x, 2)[0, 0], expected)
    quarter = np.full((1, 1, 2, 2), 0.25)
    np.testing.assert_array_equal(conv2d(x, quarter, stride=2)[0, 0], expected)


ALEXNET = [  # (name, kind, out_channels, kernel, stride, padding, printed (C, H, W))
    ("Conv1", "conv", 96, 11, 4, 0, (96, 55, 55)),
    ("Pool1", "pool", None, 3, 2, 0, (96, 27, 27)),
    ("Conv2", "conv", 256, 5, 1, 2, (256, 27, 27)),
    ("Pool2", "pool", None, 3, 2, 0, (256, 13, 13)),
    ("Conv3", "conv", 384, 3, 1, 1, (384, 13, 13)),
    ("Conv4", "conv", 384, 3, 1, 1, (384, 13, 13)),
    ("Conv5", "conv", 256, 3, 1, 1, (256, 13, 13)),
    ("Pool3", "pool", None, 3, 2, 0, (256, 6, 6)),
]


def test_1_5_alexnet_shape_table():
    channels, size = 3, 227
    for name, kind, out_channels, kernel, stride, padding, printed in ALEXNET:
        size = geometry.output_size(size, kernel, stride=stride, padding=padding)
        channels = out_channels if kind == "conv" else channels
        assert (channels, size, size) == printed, name
    assert channels * size * size == 9216  # Flatten


@pytest.mark.parametrize("n, k, s, p, expected", [
    (227, 11, 4, 0, 55), (55, 3, 2, 0, 27), (27, 5, 1, 2, 27), (27, 3, 2, 0, 13),
    (13, 3, 1, 1, 13), (13, 3, 2, 0, 6)])
def test_1_5_output_formula_rows(n, k, s, p, expected):
    # output = floor((input + 2P - K)/S) + 1, each printed row of the table
    assert (n + 2 * p - k) // s + 1 == expected
    assert geometry.output_size(n, k, stride=s, padding=p) == expected
