"""Theory helpers: the weight-sharing matrix and impulse responses."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import convnet
from convnet import theory


def test_conv_matrix_rows_share_weights():
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    m = theory.conv_matrix(k, (4, 4))
    assert m.shape == (9, 16)
    for row in m:  # every row holds exactly the four weights
        assert sorted(row[row != 0]) == [1, 2, 3, 4]


def test_conv_matrix_with_stride_and_padding():
    k = np.ones((3, 3))
    m = theory.conv_matrix(k, (4, 4), padding=1, stride=2)
    x = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(m @ x.ravel(),
                                  convnet.correlate2d(x, k, padding=1, stride=2).ravel())


def test_vec_and_unvec_round_trip():
    a = np.arange(6.0).reshape(2, 3)
    for order in ("C", "F"):
        np.testing.assert_array_equal(theory.unvec(theory.vec(a, order), (2, 3), order), a)
    np.testing.assert_array_equal(theory.vec(a, "F"), [0, 3, 1, 4, 2, 5])


@given(st.integers(0, 2**32 - 1))
def test_any_convolution_is_recovered_by_its_impulse_response(seed):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(3, 3))

    def transform(image):
        return convnet.convolve2d(image, kernel, padding="same")

    np.testing.assert_allclose(theory.impulse_response(transform, (5, 5))[1:4, 1:4], kernel,
                               rtol=1e-14)
    x = rng.normal(size=(6, 6))
    np.testing.assert_allclose(
        convnet.convolve2d(x, theory.impulse_response(transform), padding="same"),
        transform(x), rtol=1e-12, atol=1e-12)


def test_impulse_response_rejects_bad_transforms():
    with pytest.raises(TypeError, match="transform must be a callable"):
        theory.impulse_response(42)
    with pytest.raises(ValueError, match=r"transform must be a callable that returns an array of the "
                                         r"input's shape \(3, 3\); got shape \(2, 2\)"):
        theory.impulse_response(lambda image: image[:2, :2])
