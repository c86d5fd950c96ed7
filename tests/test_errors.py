"""Bad input at the public entry points: the type and the whole message are pinned."""

import re

import numpy as np
import pytest

import convnet
from convnet import geometry, reference, theory
from convnet.functional import avg_pool2d, conv2d, max_pool2d
from convnet.receptive_field import receptive_field

X2 = np.ones((3, 3))
X4 = np.ones((1, 3, 5, 5))
W4 = np.ones((2, 3, 3, 3))


def raises(error, message):
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def test_wrong_ndim():
    with raises(ValueError, "x must be a 2-D array (H, W); got shape (3,)"):
        convnet.correlate2d(np.ones(3), X2)
    with raises(ValueError, "x must be a 4-D array (N, C, H, W); got shape (3, 5, 5)"):
        conv2d(np.ones((3, 5, 5)), W4)
    with raises(ValueError, "w must be a 4-D array (F, C/groups, kh, kw); got shape (3, 3)"):
        conv2d(X4, np.ones((3, 3)))


def test_mismatched_channels():
    with raises(ValueError, "w must be of shape (F, 3, kh, kw) to match the 3 input channel(s) "
                            "of x (1, 3, 5, 5); got shape (2, 1, 3, 3)"):
        conv2d(X4, np.ones((2, 1, 3, 3)))


def test_bias_of_wrong_shape():
    with raises(ValueError, "b must be of shape (2,) for a tied bias or (2, 3, 3) for an "
                            "untied bias; got shape (3,)"):
        conv2d(X4, W4, b=np.ones(3))


def test_kernel_larger_than_padded_input():
    with raises(ValueError, "kernel 5x5 does not fit input 3x3 with padding 0 "
                            "(output would be -1x-1)"):
        convnet.correlate2d(X2, np.ones((5, 5)))
    with raises(ValueError, "kernel 4x4 does not fit input 2x2 with padding 0 "
                            "(output would be 0x0)"):
        max_pool2d(np.ones((1, 1, 2, 2)), 4, padding=0, stride=2)


@pytest.mark.parametrize("name", ["stride", "dilation"])
@pytest.mark.parametrize("value", [0, -1])
def test_stride_and_dilation_below_one(name, value):
    with raises(ValueError, f"{name} must be an integer >= 1; got {value} (int)"):
        convnet.correlate2d(X2, X2, **{name: value})


def test_float_stride_is_a_type_error():
    with raises(TypeError, "stride must be an integer; got 1.5 (float)"):
        conv2d(X4, W4, stride=1.5)


def test_unknown_padding_string():
    with raises(ValueError, "padding must be one of 'valid', 'same', 'full'; got 'sam' (str)"):
        convnet.correlate2d(X2, X2, padding="sam")


def test_negative_excessive_and_huge_padding():
    with raises(ValueError, "padding must be an integer >= 0; got -1 (int)"):
        convnet.correlate2d(X2, X2, padding=-1)
    # Convolution takes any padding, as PyTorch does (3 > d*(k-1) = 2 here); pooling keeps
    # PyTorch's bound of half the window; a padded input beyond the memory budget is refused
    # before anything is allocated: (3 + 2e9)^2 = 4e18 + 12e9 + 9 float64s, 27.8 EiB.
    assert convnet.correlate2d(X2, X2, padding=3).shape == (7, 7)
    with raises(ValueError, "padding must be at most 1 rows on each side (half the kernel size, "
                            "so that every window holds a real pixel); got 2"):
        max_pool2d(X4, 3, padding=2)
    with raises(ValueError, "padding must be small enough to keep the padded input (N x C x Hp x "
                            "Wp) within the memory budget of 4.0 GiB (convnet.set_memory_budget); "
                            "got 27.8 EiB"):
        convnet.correlate2d(X2, X2, padding=10 ** 9)


def test_same_padding_needs_stride_one():
    with raises(ValueError, "padding must be an explicit amount when the stride is not 1 "
                            "('same' needs stride 1, as in PyTorch); got 'same' with stride 2"):
        convnet.correlate2d(X2, X2, padding="same", stride=2)


@pytest.mark.parametrize("bad, dtype", [
    (np.ones((3, 3), complex), "complex128"),
    (np.array([["a", "b"], ["c", "d"]]), "<U1"),
    (np.ones((3, 3), bool), "bool"),
    (np.array([[object()]]), "object"),
])
def test_non_numeric_dtypes(bad, dtype):
    with raises(TypeError, f"x must be a real numeric array; got dtype {dtype}"):
        convnet.correlate2d(bad, [[1.0]])


def test_none_and_ragged():
    with raises(TypeError, "k must be a real numeric array; got None"):
        convnet.correlate2d(X2, None)
    with pytest.raises(ValueError, match="^x must be a rectangular real numeric array"):
        convnet.correlate2d([[1, 2], [3]], [[1]])


def test_empty_arrays():
    with raises(ValueError, "x must be a non-empty array; got shape (1, 1, 0, 4)"):
        avg_pool2d(np.ones((1, 1, 0, 4)), 2)


def test_reference_and_theory_validate_the_same_way():
    with raises(ValueError, "kernel 5x5 does not fit input 3x3 with padding 0 "
                            "(output would be -1x-1)"):
        reference.correlate2d(X2, np.ones((5, 5)))
    with raises(ValueError, "order must be one of 'C', 'F'; got 'K' (str)"):
        theory.conv_matrix(X2, (4, 4), order="K")


def test_geometry_errors():
    with raises(ValueError, "n_out must be reachable from n_in=5 with stride 1 and padding 0 "
                            "(at most 5); got 9 (int)"):
        geometry.kernel_size_for(5, 9)
    with raises(TypeError, "layers[1] must be a tuple (kernel, stride=1, padding=0, dilation=1), "
                           "a dict or a layer; got 'conv' (str)"):
        receptive_field([(3,), "conv"])
