"""Tests of convnet.datasets: the generated shapes (make_shapes)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convnet.datasets import make_shapes


# ---------------------------------------------------------------------------
# make_shapes
# ---------------------------------------------------------------------------

def runs(image):
    """Which directions hold three ink pixels in a row, by plain slicing."""
    b = image.astype(bool)
    return {
        "horizontal": bool((b[:, :-2] & b[:, 1:-1] & b[:, 2:]).any()),
        "vertical": bool((b[:-2] & b[1:-1] & b[2:]).any()),
        "diagonal": bool((b[:-2, :-2] & b[1:-1, 1:-1] & b[2:, 2:]).any()),       # along (1, 1)
        "antidiagonal": bool((b[:-2, 2:] & b[1:-1, 1:-1] & b[2:, :-2]).any()),   # along (1, -1)
    }


def bounding_box(image):
    rows, cols = np.nonzero(image)
    return rows.min(), rows.max(), cols.min(), cols.max()


def expected_outline(kind, side):
    """The outline a shape of the given bounding box must be, written from its definition."""
    r = (side - 1) // 2
    i, j = np.mgrid[-r:r + 1, -r:r + 1]
    if kind == "square":
        return (abs(i) == r) | (abs(j) == r)
    if kind == "diamond":
        return abs(i) + abs(j) == r
    return (i == 0) | (j == 0)                                  # cross


def test_shapes_layout_dtype_and_binary():
    x, y = make_shapes(50, seed=0)
    assert x.shape == (50, 1, 15, 15) and x.dtype == np.float32
    assert y.shape == (50,) and y.dtype == np.int64
    assert set(np.unique(x)) == {0.0, 1.0}
    x64, y64 = make_shapes(50, size=9, classes=("cross", "circle"), seed=0, dtype=np.float64)
    assert x64.shape == (50, 1, 9, 9) and x64.dtype == np.float64
    assert set(np.unique(x64)) == {0.0, 1.0}


@pytest.mark.parametrize("n, classes, counts", [
    (10, ("square", "diamond"), [5, 5]),
    (11, ("square", "diamond", "cross"), [4, 4, 3]),
    (7, ("circle", "cross", "diamond", "square"), [2, 2, 2, 1]),
    (1, ("diamond",), [1]),
])
def test_shapes_labels_balanced(n, classes, counts):
    _, y = make_shapes(n, classes=classes, seed=3)
    assert sorted(np.bincount(y, minlength=len(classes)), reverse=True) == counts


def test_shapes_labels_shuffled():
    _, y = make_shapes(100, seed=4)
    assert not np.array_equal(y, np.sort(y))
    assert not np.array_equal(y, np.arange(100) % 2)


def test_shapes_deterministic_per_seed():
    a = make_shapes(30, classes=("square", "circle"), noise=0.05, seed=7)
    b = make_shapes(30, classes=("square", "circle"), noise=0.05,
                    seed=np.random.default_rng(7))
    c = make_shapes(30, classes=("square", "circle"), noise=0.05, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_shapes_do_not_touch_the_global_rng():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    make_shapes(5, seed=None)
    assert np.random.random() == before


@pytest.mark.parametrize("size", [5, 6, 15, 16, 28])
def test_squares_diamonds_crosses_are_complete_and_inside(size):
    classes = ("square", "diamond", "cross")
    x, y = make_shapes(300, size=size, classes=classes, seed=size)
    for image, label in zip(x[:, 0], y):
        top, bottom, left, right = bounding_box(image)
        side = bottom - top + 1
        assert side == right - left + 1 and side % 2 == 1 and side >= 5
        inside = np.zeros_like(image)
        inside[top:bottom + 1, left:right + 1] = expected_outline(classes[label], side)
        np.testing.assert_array_equal(image, inside)     # nothing clipped, nothing extra


def test_square_and_diamond_line_properties():
    # the property a hand-made detector relies on (Fig. 8.4): checked image by image
    for size in (5, 8, 15, 20):
        x, y = make_shapes(400, size=size, seed=100 + size)
        for image, label in zip(x[:, 0], y):
            found = runs(image)
            if label == 0:      # square
                assert found["horizontal"] and found["vertical"]
                assert not found["diagonal"] and not found["antidiagonal"]
            else:               # diamond
                assert found["diagonal"] and found["antidiagonal"]
                assert not found["horizontal"] and not found["vertical"]


@given(size=st.integers(5, 24), max_shift=st.one_of(st.none(), st.integers(0, 12)),
       seed=st.integers(0, 2**32 - 1))
def test_line_properties_for_any_size_shift_and_seed(size, max_shift, seed):
    x, y = make_shapes(20, size=size, max_shift=max_shift, seed=seed)
    for image, label in zip(x[:, 0], y):
        found = runs(image)
        straight = found["horizontal"] and found["vertical"]
        slanted = found["diagonal"] and found["antidiagonal"]
        assert (straight, slanted) == ((True, False) if label == 0 else (False, True))


def test_circles_are_closed_symmetric_rings_inside_the_image():
    x, _ = make_shapes(200, size=17, classes=("circle",), seed=5)
    for image in x[:, 0]:
        top, bottom, left, right = bounding_box(image)
        box = image[top:bottom + 1, left:right + 1]
        assert box.shape[0] == box.shape[1] and box.shape[0] % 2 == 1 and box.shape[0] >= 7
        np.testing.assert_array_equal(box, box.T)
        np.testing.assert_array_equal(box, box[::-1])
        np.testing.assert_array_equal(box, box[:, ::-1])
        # closed: background reachable from the border (4-neighbours) never reaches the centre
        outside = np.zeros(box.shape, bool)
        stack = [(i, j) for i in range(box.shape[0]) for j in (0, box.shape[1] - 1)]
        stack += [(i, j) for j in range(box.shape[1]) for i in (0, box.shape[0] - 1)]
        while stack:
            i, j = stack.pop()
            if 0 <= i < box.shape[0] and 0 <= j < box.shape[1] \
                    and not outside[i, j] and box[i, j] == 0:
                outside[i, j] = True
                stack += [(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)]
        centre = box.shape[0] // 2
        assert not outside[centre, centre] and box[centre, centre] == 0


@pytest.mark.parametrize("size, max_shift", [(15, 0), (15, 2), (16, 1), (28, 3)])
def test_max_shift_limits_the_centre(size, max_shift):
    x, _ = make_shapes(200, size=size, classes=("square", "diamond", "cross", "circle"),
                       max_shift=max_shift, seed=9)
    centres = []
    for image in x[:, 0]:
        top, bottom, left, right = bounding_box(image)
        centres.append(((top + bottom) // 2, (left + right) // 2))
    offsets = np.abs(np.array(centres) - size // 2)
    assert offsets.max() <= max_shift
    if max_shift > 0:
        assert offsets.max() == max_shift                     # the whole range is used


def test_noise_flips_about_the_requested_fraction():
    clean, y_clean = make_shapes(200, noise=0.0, seed=11)
    noisy, y_noisy = make_shapes(200, noise=0.1, seed=11)
    np.testing.assert_array_equal(y_clean, y_noisy)           # same shapes underneath
    assert abs((clean != noisy).mean() - 0.1) < 0.01          # 45,000 pixels: sd 0.0014
    inverted, _ = make_shapes(200, noise=1.0, seed=11)
    np.testing.assert_array_equal(inverted, 1 - clean)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(classes=("square", "triangle")), ValueError, r"classes\[1\] must be one of .*'circle'"),
    (dict(classes="square"), TypeError, "classes must be a tuple or list"),
    (dict(classes=()), ValueError, "non-empty"),
    (dict(classes=("square", "square")), ValueError, "without repeats"),
    (dict(size=4), ValueError, "size must be at least 5"),
    (dict(size=6, classes=("square", "circle")), ValueError, "size must be at least 7"),
    (dict(noise=1.5), ValueError, r"noise must be a number in \[0.0, 1.0\]"),
    (dict(noise=-0.1), ValueError, "noise must be"),
    (dict(max_shift=-1), ValueError, "max_shift must be an integer >= 0"),
    (dict(max_shift=1.5), TypeError, "max_shift must be an integer"),
    (dict(n=0), ValueError, "n must be an integer >= 1"),
    (dict(seed="x"), TypeError, "seed must be"),
    (dict(dtype=np.int32), ValueError, "dtype must be float32 or float64"),
])
def test_shapes_argument_errors(kwargs, error, match):
    kwargs.setdefault("n", 4)
    with pytest.raises(error, match=match):
        make_shapes(**kwargs)
