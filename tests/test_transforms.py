"""Tests of convnet.transforms: hand-listed outcomes, their frequencies, seeds, dtypes.

A random transform is checked by applying it to many copies of one small
image: every output must be one of the outcomes listed by hand, and each
outcome must turn up about as often as the documented distribution says
(bounds of about five standard deviations, so a correct transform fails
with negligible probability for any seed).
"""

import numpy as np
import pytest

from convnet.transforms import (Compose, Normalize, RandomCrop, RandomHorizontalFlip,
                                RandomShift)

IMAGE = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])          # (1, 1, 2, 2)

# The image padded by one zero on every side:
#   0 0 0 0
#   0 1 2 0
#   0 3 4 0
#   0 0 0 0
# and its nine 2x2 windows, by top-left corner (row, col).
CROPS_PADDED_1 = {
    (0, 0): [[0, 0], [0, 1]], (0, 1): [[0, 0], [1, 2]], (0, 2): [[0, 0], [2, 0]],
    (1, 0): [[0, 1], [0, 3]], (1, 1): [[1, 2], [3, 4]], (1, 2): [[2, 0], [4, 0]],
    (2, 0): [[0, 3], [0, 0]], (2, 1): [[3, 4], [0, 0]], (2, 2): [[4, 0], [0, 0]],
}


def outcome_counts(outputs, outcomes):
    """How often each listed outcome occurs; fails on an output that is not listed."""
    counts = dict.fromkeys(outcomes, 0)
    for image in outputs:
        matches = [key for key, value in outcomes.items() if np.array_equal(image, value)]
        assert len(matches) == 1, f"unexpected output {image.tolist()}"
        counts[matches[0]] += 1
    return counts


def assert_uniform(counts, n):
    expected = n / len(counts)
    spread = 5 * np.sqrt(expected)
    for key, count in counts.items():
        assert abs(count - expected) < spread, (key, count, expected)


def test_random_crop_gives_each_of_the_nine_windows_equally_often():
    n = 4500
    x = np.repeat(IMAGE, n, axis=0)
    out = RandomCrop(2, padding=1)(x, np.random.default_rng(0))
    assert out.shape == (n, 1, 2, 2)
    assert_uniform(outcome_counts(out[:, 0], CROPS_PADDED_1), n)


def test_random_crop_without_padding_and_a_rectangular_size():
    # 2x3 image, windows of 1x2: rows 0..1, cols 0..1, four places
    x = np.repeat(np.array([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]]), 2000, axis=0)
    outcomes = {(0, 0): [[1, 2]], (0, 1): [[2, 3]], (1, 0): [[4, 5]], (1, 1): [[5, 6]]}
    out = RandomCrop((1, 2))(x, np.random.default_rng(1))
    assert_uniform(outcome_counts(out[:, 0], outcomes), 2000)


def test_random_crop_channels_move_together():
    x = np.concatenate([IMAGE, 10 * IMAGE], axis=1)                 # (1, 2, 2, 2)
    out = RandomCrop(2, padding=1)(np.repeat(x, 50, axis=0), 3)
    np.testing.assert_array_equal(out[:, 1], 10 * out[:, 0])


def shifted(image, dy, dx):
    """``image`` (H, W) moved down by dy and right by dx, zeros coming in (by slicing)."""
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def test_random_shift_moves_by_each_amount_equally_often():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    outcomes = {(dy, dx): shifted(image, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    assert outcomes[(1, 1)].tolist() == [[0, 0, 0], [0, 1, 2], [0, 4, 5]]    # by hand
    x = np.repeat(image[None, None], 4500, axis=0)
    out = RandomShift(1)(x, np.random.default_rng(2))
    assert out.shape == x.shape
    assert_uniform(outcome_counts(out[:, 0], outcomes), 4500)
    np.testing.assert_array_equal(RandomShift(0)(x, 0), x)


def test_random_horizontal_flip_rate():
    x = np.repeat(np.array([[[[1.0, 2.0, 3.0]]]]), 4000, axis=0)
    outcomes = {"kept": [[1, 2, 3]], "flipped": [[3, 2, 1]]}
    counts = outcome_counts(RandomHorizontalFlip()(x, np.random.default_rng(4))[:, 0], outcomes)
    assert_uniform(counts, 4000)
    counts = outcome_counts(RandomHorizontalFlip(p=0.1)(x, np.random.default_rng(5))[:, 0],
                            outcomes)
    assert abs(counts["flipped"] - 400) < 5 * np.sqrt(4000 * 0.1 * 0.9)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(x, 0), x)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x, 0), x[..., ::-1])


def test_normalize_by_hand():
    x = np.array([[[[0.0, 1.0]], [[0.5, 0.75]]]], np.float32)     # (1, 2, 1, 2)
    out = Normalize(mean=[0.5, 0.5], std=[0.5, 0.25])(x, None)
    # channel 0: (0 - .5)/.5 = -1, (1 - .5)/.5 = 1; channel 1: 0/.25 = 0, .25/.25 = 1
    np.testing.assert_array_equal(out, [[[[-1.0, 1.0]], [[0.0, 1.0]]]])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(Normalize(0.5, 0.5)(x, None)[0, 1], [[0.0, 0.5]])
    with pytest.raises(ValueError, match="mean must be one number or one per channel of x"):
        Normalize([0.1, 0.2, 0.3], 1.0)(x, None)


ALL = [RandomCrop(3, padding=2), RandomShift(2), RandomHorizontalFlip(),
       Normalize([0.4, 0.5], [0.2, 0.3]), Compose(RandomCrop(4, 1), RandomHorizontalFlip())]


@pytest.mark.parametrize("transform", ALL, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_input_untouched_new_array(transform, dtype):
    x = np.random.default_rng(6).random((5, 2, 4, 4)).astype(dtype)
    before = x.copy()
    out = transform(x, np.random.default_rng(7))
    assert out.dtype == dtype
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)
    out[...] = 0                                                      # writable


@pytest.mark.parametrize("transform", ALL, ids=repr)
def test_same_seed_same_result(transform):
    x = np.random.default_rng(8).random((16, 2, 4, 4)).astype(np.float32)
    first = transform(x, np.random.default_rng(9))
    np.testing.assert_array_equal(first, transform(x, np.random.default_rng(9)))
    np.testing.assert_array_equal(first, transform(x, 9))               # an int seed
    if not isinstance(transform, Normalize):
        assert not np.array_equal(first, transform(x, np.random.default_rng(10)))


def test_compose_applies_in_order_with_one_generator():
    x = np.random.default_rng(11).random((8, 1, 5, 5))
    crop, flip = RandomCrop(3, padding=1), RandomHorizontalFlip()
    rng = np.random.default_rng(12)
    expected = flip(crop(x, rng), rng)
    np.testing.assert_array_equal(Compose(crop, flip)(x, np.random.default_rng(12)), expected)
    np.testing.assert_array_equal(Compose([crop, flip])(x, np.random.default_rng(12)), expected)
    assert Compose()(x, 0) is not x


@pytest.mark.parametrize("make, call, error, match", [
    (lambda: RandomCrop(5, padding=1), dict(x=np.zeros((1, 1, 2, 2))), ValueError,
     "size must be at most the padded image \\(4x4"),
    (lambda: RandomCrop(2), dict(x=np.zeros((2, 2))), ValueError, "x must be a 4-D array"),
    (lambda: RandomHorizontalFlip(), dict(rng="seed"), TypeError, "rng must be"),
    (lambda: Normalize(0.0, [1.0, 2.0]), dict(x=np.zeros((1, 3, 2, 2))), ValueError,
     "std must be one number or one per channel"),
])
def test_call_errors(make, call, error, match):
    arguments = dict(x=np.zeros((1, 1, 2, 2)), rng=0)
    arguments.update(call)
    with pytest.raises(error, match=match):
        make()(arguments["x"], arguments["rng"])
