"""Geometry: output sizes, padding forms and the kernel solver."""

import pytest
from hypothesis import given, strategies as st

from convnet import geometry


def test_padding_forms_normalise():
    assert geometry.normalize_padding("valid") == ((0, 0), (0, 0))
    assert geometry.normalize_padding(2) == ((2, 2), (2, 2))
    assert geometry.normalize_padding((1, 3)) == ((1, 1), (3, 3))
    assert geometry.normalize_padding(((0, 1), (2, 3))) == ((0, 1), (2, 3))
    assert geometry.normalize_padding("same", kernel_size=(3, 4)) == ((1, 1), (1, 2))
    assert geometry.normalize_padding("full", kernel_size=3, dilation=2) == ((4, 4), (4, 4))


def test_same_and_full_padding():
    assert geometry.same_padding(5) == ((2, 2), (2, 2))
    assert geometry.same_padding(2) == ((0, 1), (0, 1))
    assert geometry.same_padding(3, dilation=2) == ((2, 2), (2, 2))
    assert geometry.full_padding((2, 3)) == ((1, 1), (2, 2))


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3),
       st.integers(1, 3))
def test_output_size_formula(n, k, s, p, d):
    expected = (n + 2 * p - d * (k - 1) - 1) // s + 1
    if expected < 1:
        with pytest.raises(ValueError, match="does not fit"):
            geometry.output_size(n, k, s, p, d)
    else:
        assert geometry.output_size(n, k, s, p, d) == expected


def test_output_size_pairs_and_asymmetric_padding():
    assert geometry.output_size((28, 20), (5, 3)) == (24, 18)
    assert geometry.output_size(10, 3, padding=((1, 0), (0, 0))) == (9, 8)


@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 4), st.integers(0, 3))
def test_kernel_size_for_inverts_output_size(n_in, n_out, s, p):
    if n_in + 2 * p - s * (n_out - 1) < 1:
        with pytest.raises(ValueError, match="n_out must be reachable"):
            geometry.kernel_size_for(n_in, n_out, s, p)
        return
    k = geometry.kernel_size_for(n_in, n_out, s, p)
    assert geometry.output_size(n_in, k, s, p) == n_out
    # and the windows end exactly on the last padded row
    assert (n_in + 2 * p - k) % s == 0


def test_kernel_that_does_not_fit_names_every_number():
    with pytest.raises(ValueError, match=r"^kernel 5x5 does not fit input 3x3 with padding 0 "
                                         r"\(output would be -1x-1\)$"):
        geometry.output_size(3, 5)
    with pytest.raises(ValueError, match=r"kernel 3x3 \(dilation 2x2 makes it 5x5\) does not fit"):
        geometry.output_size(4, 3, dilation=2)
