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


# --- Backpropagation (Eq. 8.27-8.53, P8.3-P8.4, E8.8-E8.9) -----------------

def _reduce(a, r, c):
    """The chapter's reducing operator: sum over each r x c block (Eq. 8.22 without w)."""
    h, w = a.shape
    return a.reshape(h // r, r, w // c, c).sum(axis=(1, 3))


def _expand(a, r, c):
    """The chapter's expanding operator ⊠: each element becomes an r x c block."""
    return np.kron(a, np.ones((r, c)))


def test_P8_3_average_pooling_backpropagates_by_expanding():
    from convnet.functional import avg_pool2d_backward
    from convnet.gradcheck import numerical_gradient
    rng = np.random.default_rng(83)
    a = rng.normal(size=(6, 4))
    dlz = rng.normal(size=(3, 2))
    lw = 1 / 4                                      # w of Eq. 8.22 for 2x2 averaging
    expected = lw * _expand(dlz, 2, 2)              # dA = lw ⊠ dLZ
    got = avg_pool2d_backward(dlz[None, None], a[None, None], 2)[0, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    numeric = numerical_gradient(lambda x: float(np.sum(dlz * lw * _reduce(x, 2, 2))), a)
    np.testing.assert_allclose(numeric, expected, rtol=1e-7, atol=1e-10)


def test_P8_4_average_pooling_weight_gradient_by_reducing():
    from convnet.functional import avg_pool2d
    from convnet.gradcheck import numerical_gradient
    rng = np.random.default_rng(84)
    a = rng.normal(size=(6, 4))
    dlz = rng.normal(size=(3, 2))
    # dlw = ⊞_{Sr,Sc}(dLZ ∘ (⊞_{r,c} A)): reduce A, multiply, reduce to a scalar
    expected = np.sum(dlz * _reduce(a, 2, 2))
    lw = np.array([0.25])
    numeric = numerical_gradient(lambda w: float(np.sum(dlz * w[0] * _reduce(a, 2, 2))), lw)
    assert abs(numeric[0] - expected) <= 1e-8 * max(1.0, abs(expected))
    from convnet.functional import pool_weight_gradient, sum_pool2d
    np.testing.assert_allclose(sum_pool2d(a[None, None], 2)[0, 0], _reduce(a, 2, 2), rtol=1e-15)
    np.testing.assert_allclose(pool_weight_gradient(dlz[None, None], a[None, None], 2),
                               [expected], rtol=1e-13)
    # and the library's fixed-weight pooling is the lw = 1/4 case of the same layer
    np.testing.assert_allclose(avg_pool2d(a[None, None], 2)[0, 0], 0.25 * _reduce(a, 2, 2),
                               rtol=1e-15)


def test_E8_8_max_pooling_routes_the_gradient_to_each_maximum():
    from convnet.functional import max_pool2d_backward
    # dA has dLZ at the position of each window's maximum and zeros elsewhere.
    from convnet.testing.sheets import CHAPTER8_E88_A as a, CHAPTER8_E88_DZ as dlz
    from convnet.testing.sheets import CHAPTER8_E88_DA as expected
    # the maxima: 7 (top left), 9 (top right), 8 (bottom left), 6 (bottom right)
    np.testing.assert_array_equal(expected, [[0, 10, 0, 0], [0, 0, 20, 0],
                                             [30, 0, 0, 40], [0, 0, 0, 0]])
    np.testing.assert_array_equal(max_pool2d_backward(dlz[None, None], a[None, None], 2)[0, 0],
                                  expected)


def test_E8_9_product_net_input_both_paths():
    from convnet.functional.net_input import product_net_input, product_net_input_backward
    from convnet.gradcheck import numerical_gradient
    # By hand: n = b * lz with b = 2, lz = [[1, -3]], dn = [[5, 7]]:
    #   dN -> dLZ:  b * dn = [[10, 14]]
    #   dN -> db:   sum dn * lz = 5*1 + 7*(-3) = -16
    lz = np.array([[[[1.0, -3.0]]]])
    dn = np.array([[[[5.0, 7.0]]]])
    dlz, db = product_net_input_backward(dn, lz, np.array([2.0]))
    np.testing.assert_array_equal(dlz, [[[[10.0, 14.0]]]])
    np.testing.assert_array_equal(db, [-16.0])
    # and against central differences on random data with three maps
    rng = np.random.default_rng(89)
    lz, dn, b = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 4, 4)), rng.normal(size=3)
    dlz, db = product_net_input_backward(dn, lz, b)
    objective = lambda _: float(np.sum(dn * product_net_input(lz, b)))  # noqa: E731
    np.testing.assert_allclose(dlz, numerical_gradient(objective, lz), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(db, numerical_gradient(objective, b), rtol=1e-7, atol=1e-9)


def test_E8_9_layer_with_product_bias():
    from convnet.gradcheck import check_gradients
    from convnet.layers import ProductBiasConv2D
    layer = ProductBiasConv2D(2, 3, 3, padding=1, rng=9)
    layer.params["bias"][...] = [0.5, -2.0, 3.0]
    report = check_gradients(layer, np.random.default_rng(10).normal(size=(2, 2, 5, 5)))
    assert report.passed, report


def test_eq8_36_tied_bias_gradient_is_a_sum_over_the_map():
    from convnet.functional import conv2d_backward
    dn = np.arange(8.0).reshape(1, 2, 2, 2)
    _, _, db = conv2d_backward(dn, np.zeros((1, 1, 3, 3)), np.zeros((2, 1, 2, 2)))
    np.testing.assert_array_equal(db, [0 + 1 + 2 + 3, 4 + 5 + 6 + 7])


def test_eq8_45_input_gradient_is_full_correlation_with_rot180():
    # Single map, stride 1: dA = rot180(W) ⊗ dLZ with full padding.
    from convnet.functional import conv2d_backward
    rng = np.random.default_rng(45)
    a, w = rng.normal(size=(5, 6)), rng.normal(size=(3, 2))
    dlz = rng.normal(size=(3, 5))
    dx, dw, _ = conv2d_backward(dlz[None, None], a[None, None], w[None, None])
    np.testing.assert_allclose(
        dx[0, 0], convnet.correlate2d(dlz, convnet.rot180(w), padding="full"), rtol=1e-12)
    # Eq. 8.48: dLW = dLZ ⊗ A
    np.testing.assert_allclose(dw[0, 0], convnet.correlate2d(a, dlz), rtol=1e-12)
