"""Chapter 8, Convolution: worked results, solved problems and exercises (seed 003)."""

import numpy as np

import convnet
from convnet import geometry, theory


def test_eq8_12_weight_sharing_matrix():
    # 3x3 image, 2x2 kernel, column stacking: every row holds the same weights.
    w11, w12, w21, w22 = 1.0, 3.0, 2.0, 4.0
    kernel = np.array([[w11, w12], [w21, w22]])
    expected = [[w11, w21, 0, w12, w22, 0, 0, 0, 0],
                [0, w11, w21, 0, w12, w22, 0, 0, 0],
                [0, 0, 0, w11, w21, 0, w12, w22, 0],
                [0, 0, 0, 0, w11, w21, 0, w12, w22]]
    np.testing.assert_array_equal(theory.conv_matrix(kernel, (3, 3), order="F"), expected)
    p = np.arange(1.0, 10.0).reshape(3, 3)
    z = convnet.correlate2d(p, kernel)
    np.testing.assert_array_equal(np.asarray(expected) @ p.flatten("F"), z.flatten("F"))


def test_eq8_14_fig8_2_output_size():
    # 3x3 image and 2x2 kernel: S = R - r + 1 = 2
    assert geometry.output_size(3, 2) == 2


def test_eq8_18_fig8_3_stride_two():
    # 4x4 image, 2x2 kernel, stride 2: 2x2 output
    assert geometry.output_size(4, 2, stride=2) == 2
    z = convnet.correlate2d(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), stride=2)
    np.testing.assert_array_equal(z, [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7],
                                      [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]])


def test_fig8_8_max_pooling_15_to_5():
    assert geometry.output_size(15, 3, stride=3) == 5
    x = np.zeros((1, 1, 15, 15))
    assert convnet.functional.max_pool2d(x, 3).shape == (1, 1, 5, 5)


# P8.1: the kernel of the figure, with i to the right and j upward.  As a
# matrix (rows top to bottom = j = 2, 1, 0) it reads:
P81_KERNEL = np.array([[7.0, 8, 9], [4, 5, 6], [1, 2, 3]])


def test_P8_1_convolution_kernel_is_flipped():
    # After flipping left-right and top-bottom, the figure shows rows
    # (3 2 1), (6 5 4), (9 8 7): the 180-degree rotation.
    np.testing.assert_array_equal(convnet.rot180(P81_KERNEL), [[3, 2, 1], [6, 5, 4], [9, 8, 7]])
    image = np.random.default_rng(81).normal(size=(6, 7))
    for mode in ("valid", "same", "full"):
        np.testing.assert_allclose(
            convnet.convolve2d(image, P81_KERNEL, padding=mode),
            convnet.correlate2d(image, convnet.rot180(P81_KERNEL), padding=mode), rtol=1e-14)


def _shift_right_up(image):
    out = np.zeros_like(image)
    out[:-1, 1:] = image[1:, :-1]   # content moves one column right, one row up
    return out


def test_P8_2_impulse_response_of_a_shift():
    response = theory.impulse_response(_shift_right_up, (3, 3))
    # The impulse sits at the centre; its image moves up and to the right.
    np.testing.assert_array_equal(response, [[0, 0, 1], [0, 0, 0], [0, 0, 0]])
    # The book's 2x2 kernel is the block holding the origin (bottom-left of the
    # block) and the response.  (Its text says "one pixel to the left", but the
    # kernel it prints, and the problem statement, mean to the right.)
    np.testing.assert_array_equal(response[0:2, 1:3], [[0, 1], [0, 0]])


def test_E8_4_the_kernel_shifts_the_image():
    image = np.array([[0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0],
                      [0, 0, 1, 0, 0],
                      [0, 1, 1, 0, 0],
                      [0, 0, 0, 0, 0]], dtype=float)
    shifted = np.array([[0, 0, 0, 0, 0],
                        [0, 0, 0, 1, 0],
                        [0, 0, 1, 1, 0],
                        [0, 0, 0, 0, 0],
                        [0, 0, 0, 0, 0]], dtype=float)
    kernel = theory.impulse_response(_shift_right_up, (3, 3))
    np.testing.assert_array_equal(convnet.convolve2d(image, kernel, padding="same"), shifted)
    np.testing.assert_array_equal(_shift_right_up(image), shifted)


def test_E8_7_i_output_size():
    assert geometry.output_size(15, 3, stride=2, padding=1) == 8


def test_E8_7_ii_padding_for_same_size():
    assert geometry.same_padding(3) == ((1, 1), (1, 1))
    assert geometry.output_size(15, 3, stride=1, padding=1) == 15
