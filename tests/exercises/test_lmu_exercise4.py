"""LMU Deep Learning and AI, exercise 4: convolutional neural networks (seed 001)."""

import numpy as np

import convnet
from convnet.receptive_field import receptive_field
# Exercise 4-1: the printed 5x5 image and its kernels (shared with convnet.testing).
from convnet.testing.sheets import LMU_LAPLACE as LAPLACE, LMU_LAPLACE_OUT, LMU_X as X
from convnet.testing.sheets import LMU_SOBEL_HORIZONTAL as SOBEL_HORIZONTAL
from convnet.testing.sheets import LMU_SOBEL_HORIZONTAL_OUT, LMU_SOBEL_VERTICAL_OUT
from convnet.testing.sheets import LMU_SOBEL_VERTICAL as SOBEL_VERTICAL


def test_4_1a_sobel_vertical_worked_entries():
    y = convnet.correlate2d(X, SOBEL_VERTICAL)
    # Y_{1,1} = 1*5 + 0*2 + (-1)*5 + 2*7 + 0*5 + (-2)*7 + 1*5 + 0*2 + (-1)*5 = 0
    assert y[1, 1] == 0
    # The sheet prints Y_{0,0} = 1*5 + 0*5 + (-1)*2 + 2*5 + ... = 11, reading the
    # top-left pixel as 5; its own image has a 3 there, which gives
    # 1*3 + 0*5 + (-1)*2 + 2*5 + 0*5 + (-2)*2 + 1*7 + 0*7 + (-1)*5 = 9.
    assert y[0, 0] == 9
    with_five = X.copy()
    with_five[0, 0] = 5
    assert convnet.correlate2d(with_five, SOBEL_VERTICAL)[0, 0] == 11


def test_4_1a_sobel_vertical():
    # By hand: Y[i, j] = D[i, j] + 2 D[i+1, j] + D[i+2, j] with the column
    # differences D[r, j] = X[r, j] - X[r, j+2]:
    #   D = [[1, 0, -3], [3, 0, -3], [2, 0, -2], [3, 0, -3], [3, 0, -3]]
    expected = [[1 + 6 + 2, 0, -3 - 6 - 2],
                [3 + 4 + 3, 0, -3 - 4 - 3],
                [2 + 6 + 3, 0, -2 - 6 - 3]]
    np.testing.assert_array_equal(convnet.correlate2d(X, SOBEL_VERTICAL), expected)
    np.testing.assert_array_equal(LMU_SOBEL_VERTICAL_OUT, expected)


def test_4_1a_sobel_horizontal():
    # By hand: Y[i, j] = S[i, j] - S[i+2, j] with the smoothed rows
    # S[r, j] = X[r, j] + 2 X[r, j+1] + X[r, j+2]:
    #   S = [[15, 14, 17], [17, 14, 17], [26, 24, 26], [17, 14, 17], [17, 14, 17]]
    expected = [[15 - 26, 14 - 24, 17 - 26],
                [17 - 17, 14 - 14, 17 - 17],
                [26 - 17, 24 - 14, 26 - 17]]
    np.testing.assert_array_equal(convnet.correlate2d(X, SOBEL_HORIZONTAL), expected)
    np.testing.assert_array_equal(LMU_SOBEL_HORIZONTAL_OUT, expected)


def test_4_1a_laplace():
    # By hand: up + left + right + down - 4 * centre, e.g. at (1, 1) the centre
    # X[2, 2] = 5 has neighbours 2, 7, 7, 2: 18 - 20 = -2.
    expected = [[5 + 5 + 2 + 7 - 20, 2 + 5 + 5 + 5 - 8, 5 + 2 + 5 + 7 - 20],
                [5 + 7 + 5 + 5 - 28, 2 + 7 + 7 + 2 - 20, 5 + 5 + 7 + 5 - 28],
                [7 + 5 + 2 + 5 - 20, 5 + 5 + 5 + 2 - 8, 7 + 2 + 5 + 5 - 20]]
    assert expected == [[-1, 9, -1], [-6, -2, -6], [-1, 9, -1]]
    np.testing.assert_array_equal(convnet.correlate2d(X, LAPLACE), expected)
    np.testing.assert_array_equal(LMU_LAPLACE_OUT, expected)


def test_4_1a_convolution_flips_the_sign_of_sobel():
    # "using convolution instead of cross-correlation would lead to inversed signs"
    for kernel in (SOBEL_VERTICAL, SOBEL_HORIZONTAL):
        np.testing.assert_array_equal(convnet.convolve2d(X, kernel),
                                      -convnet.correlate2d(X, kernel))


def test_4_1b_sobel_is_separable():
    # [[1, 0, -1], [2, 0, -2], [1, 0, -1]] = [1, 2, 1]^T [1, 0, -1]:
    # smoothing down the columns, then a difference along the rows.
    smooth = np.array([[1.0], [2.0], [1.0]])
    difference = np.array([[1.0, 0.0, -1.0]])
    np.testing.assert_array_equal(smooth @ difference, SOBEL_VERTICAL)
    two_steps = convnet.correlate2d(convnet.correlate2d(X, smooth), difference)
    np.testing.assert_array_equal(two_steps, convnet.correlate2d(X, SOBEL_VERTICAL))


def test_4_2b_receptive_field_of_ten_same_layers():
    layers = [(5, 1, "same")] * 10
    field = receptive_field(layers)
    # Each layer adds (k - 1)/2 = 2 pixels on every side: 10 * 2 = 20.
    assert field.size == (41, 41)
    assert field.start == (-20, -20)
    # The image is 640 wide and 428 high; the top-right neuron is (row 0, col 639).
    region = field.region((0, 639), input_shape=(428, 640))
    assert region == ((0, 20), (619, 639))
    # The eye at x = 255, y = 210 is (row 210, col 255): not in the field.
    # (The sheet argues with 428 - 20 = 408 > 210, which is the bound for the
    # bottom row; for the top row the field ends at row 20.  Same answer.)
    assert not field.contains((0, 639), (210, 255), input_shape=(428, 640))
    # A neuron the eye does reach, for contrast: the one above it.
    assert field.contains((210, 255), (210, 255), input_shape=(428, 640))


def test_4_2a_derivative_of_output_with_respect_to_weight():
    # dY_ij / dW_uv = X_{i+u, j+v}, checked numerically on a random input.
    from convnet.functional import conv2d_backward
    from convnet.gradcheck import numerical_gradient

    rng = np.random.default_rng(42)
    d, k = 6, 3
    image = rng.normal(size=(d, d))
    weights = rng.normal(size=(k, k))
    for i, j in [(0, 0), (1, 2), (3, 3)]:
        numeric = numerical_gradient(
            lambda w: float(convnet.correlate2d(image, w)[i, j]), weights)
        np.testing.assert_allclose(numeric, image[i:i + k, j:j + k], rtol=1e-7, atol=1e-9)
        # the same through the library's backward: dz = one-hot at (i, j)
        dz = np.zeros((1, 1, d - k + 1, d - k + 1))
        dz[0, 0, i, j] = 1.0
        _, dw, _ = conv2d_backward(dz, image[None, None], weights[None, None])
        np.testing.assert_array_equal(dw[0, 0], image[i:i + k, j:j + k])
