"""Goodfellow et al., chapter 9: theoretical exercises, week 12 (seed 000).

One test per exercise part; the expected values are the sheet's own numbers.
"""

import numpy as np
import pytest

import convnet
from convnet import geometry
from convnet.functional import max_pool2d, relu
# Exercise 3: the 4x6 image and the vertical-edge kernel, origin in the middle, and the
# sheet's printed answers (one copy of the numbers, shared with convnet.testing).
from convnet.testing.sheets import GOODFELLOW_DETECTOR as Y_SAME, GOODFELLOW_FULL as A_FULL
from convnet.testing.sheets import GOODFELLOW_K as K, GOODFELLOW_POOLED as P_SAME
from convnet.testing.sheets import GOODFELLOW_SAME as A_SAME, GOODFELLOW_VALID as A_VALID
from convnet.testing.sheets import GOODFELLOW_X as X


def test_ex1a_convolution_is_correlation_with_flipped_kernel():
    # "a convolution is a correlation with a flipped kernel"
    np.testing.assert_array_equal(convnet.convolve2d(X, K),
                                  convnet.correlate2d(X, convnet.rot180(K)))
    # "If the kernel is symmetric, convolution is the same as correlation."
    symmetric = np.array([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(convnet.convolve2d(X, symmetric),
                                  convnet.correlate2d(X, symmetric))
    # ... and for this antisymmetric kernel the two differ by a sign.
    np.testing.assert_array_equal(convnet.convolve2d(X, K), -convnet.correlate2d(X, K))


def test_ex3a_valid():
    np.testing.assert_array_equal(convnet.correlate2d(X, K, padding="valid"), A_VALID)


def test_ex3a_valid_sums_of_products():
    # The sheet's Eq. (1.1): each output is -1*(left column) + 0*(middle) + 1*(right).
    windows = [X[0:3, 0:3], X[0:3, 1:4], X[0:3, 2:5], X[0:3, 3:6]]
    written = [-1 * (1 + 1 + 1) + 0 * (6 + 6 + 6) + 1 * (6 + 10 + 10),
               -1 * (6 + 6 + 6) + 0 * (6 + 10 + 10) + 1 * (6 + 10 + 10),
               -1 * (6 + 10 + 10) + 0 * (6 + 10 + 10) + 1 * (6 + 6 + 6),
               -1 * (6 + 10 + 10) + 0 * (6 + 6 + 6) + 1 * (1 + 1 + 1)]
    assert written == [23, 8, -8, -23]
    for window, value in zip(windows, written):
        assert np.sum(window * K) == value


def test_ex3a_same_padded_input():
    x_tilde = np.zeros((6, 8))
    x_tilde[1:5, 1:7] = X
    np.testing.assert_array_equal(convnet.pad2d(X, "same", kernel_size=3), x_tilde)
    np.testing.assert_array_equal(convnet.pad2d(X, 1), x_tilde)


def test_ex3a_same():
    np.testing.assert_array_equal(convnet.correlate2d(X, K, padding="same"), A_SAME)


def test_ex3a_full():
    # "two rows/columns of zeros have to be added on all sides"
    assert geometry.full_padding(3) == ((2, 2), (2, 2))
    np.testing.assert_array_equal(convnet.correlate2d(X, K, padding="full"), A_FULL)


def test_ex3b_detector_stage():
    a_same = convnet.correlate2d(X, K, padding="same")
    np.testing.assert_array_equal(relu(a_same), Y_SAME)


def test_ex3b_pooling_stage():
    y = np.asarray(Y_SAME, dtype=float)[None, None]  # (1, 1, 4, 6)
    np.testing.assert_array_equal(max_pool2d(y, 2)[0, 0], P_SAME)


def test_ex4a_kernel_size():
    # 512 - 2(w - 1)/2 = 504  =>  w = 9
    assert geometry.kernel_size_for(512, 504) == 9
    assert geometry.output_size(512, 9) == 504


def test_ex4b_pooled_size():
    assert geometry.output_size(504, 2, stride=2) == 252


def test_ex4c_pooled_depth():
    # Pooling acts on each of the 12 feature maps separately: depth stays 12.
    maps = np.random.default_rng(0).normal(size=(1, 12, 8, 8))
    assert max_pool2d(maps, 2).shape == (1, 12, 4, 4)


def test_ex4d_second_layer_size():
    assert geometry.output_size(252, 3) == 250


def test_ex4e_flattened_length():
    side = geometry.output_size(geometry.output_size(252, 3), 2, stride=2)
    assert side == 125
    assert 6 * side * side == 93_750


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_ex3a_matches_loop_reference(mode):
    np.testing.assert_array_equal(convnet.reference.correlate2d(X, K, padding=mode),
                                  convnet.correlate2d(X, K, padding=mode))
