"""Tests of convnet.datasets: the bundled digits (load_digits)."""

import numpy as np
import pytest

from convnet.datasets import load_digits


# ---------------------------------------------------------------------------
# load_digits
# ---------------------------------------------------------------------------

def test_digits_shapes_dtypes_and_range():
    (x_train, y_train), (x_test, y_test) = load_digits()
    assert x_train.shape == (1347, 1, 8, 8) and x_test.shape == (450, 1, 8, 8)
    assert y_train.shape == (1347,) and y_test.shape == (450,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        np.testing.assert_array_equal(x * 16, np.round(x * 16))   # counts 0..16 over 16
    assert set(np.unique(np.concatenate([y_train, y_test]))) == set(range(10))


def test_digits_split_is_stratified_and_complete():
    (_, y_train), (_, y_test) = load_digits()
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), [45] * 10)
    # the 1,797 UCI test-file digits per class, as published
    totals = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    np.testing.assert_array_equal(totals, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_digits_are_fixed_and_fresh_copies():
    (a_train, b_train), (a_test, b_test) = load_digits(np.float64)
    assert a_train.dtype == np.float64
    a_train[...] = -1.0                                   # must not leak into the next call
    (c_train, d_train), (c_test, d_test) = load_digits("float64")
    assert c_train.min() == 0.0
    np.testing.assert_array_equal(b_train, d_train)
    np.testing.assert_array_equal(a_test, c_test)
    np.testing.assert_array_equal(b_test, d_test)
    (e_train, _), _ = load_digits(np.float32)
    np.testing.assert_array_equal(e_train, c_train.astype(np.float32))


def test_digits_file_loads_without_pickle():
    from pathlib import Path

    import convnet.datasets

    path = Path(convnet.datasets.__file__).parent / "data" / "digits.npz"
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["images", "labels", "test"]
        assert archive["images"].dtype == np.uint8 and archive["images"].max() == 16
        assert archive["test"].dtype == bool and archive["test"].sum() == 450


@pytest.mark.parametrize("dtype, error", [(np.int64, ValueError), (np.float16, ValueError),
                                          ("nonsense", TypeError), (None, TypeError)])
def test_digits_refuses_other_dtypes(dtype, error):
    with pytest.raises(error, match="dtype must be float32 or float64"):
        load_digits(dtype)
