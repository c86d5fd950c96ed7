"""Tests of convnet.datasets: bundled digits, IDX/MNIST loading and download, shapes.

No test touches the network: downloads come from ``file://`` mirrors of
small IDX files that the tests write themselves, with their own checksums.
"""

import gzip
import hashlib
import os
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convnet.datasets import DatasetError, load_digits, load_mnist, make_shapes, read_idx
from convnet.datasets import mnist as mnist_module

MNIST_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


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


# ---------------------------------------------------------------------------
# read_idx
# ---------------------------------------------------------------------------

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
             np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(array):
    """IDX encoding written from the format's description, independently of the library."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data):
    path.write_bytes(data)
    return path


@given(shape=st.lists(st.integers(0, 4), min_size=1, max_size=3),
       dtype=st.sampled_from(sorted(IDX_CODES, key=str)),
       compress=st.booleans(), seed=st.integers(0, 2**16))
def test_idx_round_trip(tmp_path_factory, shape, dtype, compress, seed):
    rng = np.random.default_rng(seed)
    array = (rng.normal(size=shape) * 100).astype(dtype)
    data = idx_bytes(array)
    path = tmp_path_factory.mktemp("idx") / "file-idx"      # no ".gz": found by magic bytes
    write(path, gzip.compress(data) if compress else data)
    result = read_idx(path)
    assert result.dtype == dtype and result.dtype.isnative and result.shape == tuple(shape)
    np.testing.assert_array_equal(result, array)
    result[...] = 0                                            # writable


def test_idx_mnist_like_files_raw_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = write(tmp_path / "images-idx3-ubyte", idx_bytes(images))
    assert raw.read_bytes()[:4] == b"\x00\x00\x08\x03"
    packed = write(tmp_path / "images-idx3-ubyte.gz", gzip.compress(idx_bytes(images)))
    named_gz_but_raw = write(tmp_path / "raw.gz", idx_bytes(images))
    for path in (raw, packed, str(packed), named_gz_but_raw):
        np.testing.assert_array_equal(read_idx(path), images)


@pytest.mark.parametrize("data, problem", [
    (b"\x00\x00\x08", "truncated"),                                   # not even a magic number
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "wrong magic number"),  # first byte not zero
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "wrong magic number"),  # unknown type code
    (b"\x00\x00\x08\x00", "wrong magic number"),                      # zero dimensions
    (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", "truncated header"),
    (idx_bytes(np.zeros((4, 5), np.uint8))[:-3], "truncated"),
    (idx_bytes(np.zeros((4, 5), np.uint8)) + b"junk", "4 unexpected trailing byte"),
    (idx_bytes(np.zeros(3, np.int32))[:-1], "truncated"),
])
def test_idx_errors_name_the_file_and_the_problem(tmp_path, data, problem):
    for path in (write(tmp_path / "bad-file", data),
                 write(tmp_path / "bad-file-gz", gzip.compress(data))):
        with pytest.raises(DatasetError, match=problem) as caught:
            read_idx(path)
        assert str(path) in str(caught.value)
        assert isinstance(caught.value, ValueError)


def test_idx_corrupt_gzip(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    cut = write(tmp_path / "cut.gz", packed[:-10])
    damaged = bytearray(packed)
    damaged[20] ^= 0xFF
    flipped = write(tmp_path / "flipped.gz", bytes(damaged))
    for path in (cut, flipped):
        with pytest.raises(DatasetError, match="corrupt gzip") as caught:
            read_idx(path)
        assert str(path) in str(caught.value)


def test_idx_missing_file_and_bad_path_type(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing")
    with pytest.raises(TypeError, match="path must be"):
        read_idx(3)


# ---------------------------------------------------------------------------
# load_mnist from local files
# ---------------------------------------------------------------------------

def tiny_mnist(seed=0, n_train=5, n_test=3):
    """Four small MNIST-shaped arrays by file name."""
    rng = np.random.default_rng(seed)
    return {
        MNIST_NAMES[0]: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        MNIST_NAMES[1]: rng.integers(0, 10, n_train, dtype=np.uint8),
        MNIST_NAMES[2]: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        MNIST_NAMES[3]: rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_mnist(folder, arrays, gz=(True, False, True, False)):
    folder.mkdir(parents=True, exist_ok=True)
    for (name, array), packed in zip(arrays.items(), gz):
        data = idx_bytes(array)
        if packed:
            write(folder / f"{name}.gz", gzip.compress(data, mtime=0))
        else:
            write(folder / name, data)


def check_mnist(result, arrays, dtype=np.float32):
    (x_train, y_train), (x_test, y_test) = result
    images_train, labels_train, images_test, labels_test = arrays.values()
    assert x_train.shape == (len(labels_train), 1, 28, 28)
    assert x_test.shape == (len(labels_test), 1, 28, 28)
    assert x_train.dtype == x_test.dtype == dtype
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_allclose(x_train[:, 0], images_train / 255.0, rtol=1e-6)
    np.testing.assert_allclose(x_test[:, 0], images_test / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_train, labels_train)
    np.testing.assert_array_equal(y_test, labels_test)


@pytest.mark.parametrize("gz", [(True,) * 4, (False,) * 4, (True, False, False, True)])
def test_load_mnist_reads_raw_and_gzip_files(tmp_path, gz):
    arrays = tiny_mnist()
    write_mnist(tmp_path, arrays, gz)
    check_mnist(load_mnist(tmp_path), arrays)
    check_mnist(load_mnist(str(tmp_path), dtype=np.float64), arrays, np.float64)


@pytest.mark.parametrize("change, problem", [
    (lambda a: a.update({MNIST_NAMES[1]: a[MNIST_NAMES[1]][:4]}), "5 images in .* but 4 labels"),
    (lambda a: a.update({MNIST_NAMES[3]: np.array([1, 2, 10], np.uint8)}), "digits 0..9"),
    (lambda a: a.update({MNIST_NAMES[2]: a[MNIST_NAMES[2]][:, 0]}), "3-D uint8"),
    (lambda a: a.update({MNIST_NAMES[1]: a[MNIST_NAMES[1]].astype(np.int32)}), "1-D uint8"),
    (lambda a: a.update({MNIST_NAMES[2]: a[MNIST_NAMES[2]][:, :20, :20]}), "28x28 but test"),
])
def test_load_mnist_refuses_files_that_do_not_fit(tmp_path, change, problem):
    arrays = tiny_mnist()
    change(arrays)
    write_mnist(tmp_path, arrays)
    with pytest.raises(DatasetError, match=problem) as caught:
        load_mnist(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_load_mnist_reports_a_broken_file_by_name(tmp_path):
    write_mnist(tmp_path, tiny_mnist())
    broken = tmp_path / MNIST_NAMES[1]
    broken.write_bytes(broken.read_bytes() + b"\x00")
    with pytest.raises(DatasetError, match="trailing") as caught:
        load_mnist(tmp_path)
    assert str(broken) in str(caught.value)


def test_missing_files_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="4 file.*download=True") as caught:
        load_mnist(tmp_path / "not-there")
    assert all(name in str(caught.value) for name in MNIST_NAMES)
    arrays = tiny_mnist()
    del arrays[MNIST_NAMES[2]]
    write_mnist(tmp_path, arrays, gz=(True, False, True))
    with pytest.raises(FileNotFoundError, match="1 file") as caught:
        load_mnist(tmp_path)
    message = str(caught.value)
    assert MNIST_NAMES[2] in message and MNIST_NAMES[0] not in message
    assert not (tmp_path / "not-there").exists()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(root=3), TypeError, "root must be"),
    (dict(download="yes"), TypeError, "download must be True or False"),
    (dict(mirror=None), TypeError, "mirror must be"),
    (dict(checksums=["abc"]), TypeError, "checksums must be"),
    (dict(checksums={"train-images-idx3-ubyte": "0" * 64}), ValueError, "checksums keys"),
    (dict(checksums={"t10k-labels-idx1-ubyte.gz": "xyz"}), ValueError, "64 hex digits"),
    (dict(dtype=np.int32), ValueError, "dtype must be float32 or float64"),
])
def test_load_mnist_argument_errors(tmp_path, kwargs, error, match):
    kwargs.setdefault("root", tmp_path)
    with pytest.raises(error, match=match):
        load_mnist(**kwargs)


# ---------------------------------------------------------------------------
# load_mnist downloads (file:// mirrors only)
# ---------------------------------------------------------------------------

def make_mirror(folder, arrays):
    """Write the .gz files of ``arrays`` into ``folder``; return (URL, checksums)."""
    write_mnist(folder, arrays, gz=(True,) * 4)
    checksums = {f"{name}.gz": hashlib.sha256((folder / f"{name}.gz").read_bytes()).hexdigest()
                 for name in arrays}
    return folder.as_uri() + "/", checksums


def test_download_from_file_mirror(tmp_path):
    arrays = tiny_mnist(seed=1)
    url, checksums = make_mirror(tmp_path / "mirror", arrays)
    root = tmp_path / "data" / "mnist"                       # created by the download
    check_mnist(load_mnist(root, download=True, mirror=url, checksums=checksums), arrays)
    assert sorted(os.listdir(root)) == sorted(f"{name}.gz" for name in MNIST_NAMES)
    # a second call reads the local copies, even with a mirror that no longer exists
    check_mnist(load_mnist(root, download=True, mirror=url + "gone/", checksums=checksums),
                arrays)


def test_download_fetches_only_missing_files(tmp_path, monkeypatch):
    arrays = tiny_mnist(seed=2)
    url, checksums = make_mirror(tmp_path / "mirror", arrays)
    root = tmp_path / "root"
    write_mnist(root, {MNIST_NAMES[0]: arrays[MNIST_NAMES[0]]}, gz=(False,))
    fetched = []
    real_urlopen = mnist_module.urlopen

    def counting_urlopen(address, *args, **kwargs):
        fetched.append(address.rsplit("/", 1)[-1])
        return real_urlopen(address, *args, **kwargs)

    monkeypatch.setattr(mnist_module, "urlopen", counting_urlopen)
    upper = {name: digest.upper() for name, digest in checksums.items()}
    check_mnist(load_mnist(root, download=True, mirror=url.rstrip("/"), checksums=upper), arrays)
    assert fetched == [f"{name}.gz" for name in MNIST_NAMES[1:]]


def test_checksum_mismatch_leaves_no_file(tmp_path):
    url, _ = make_mirror(tmp_path / "mirror", tiny_mnist())
    root = tmp_path / "root"
    # the standard digests cannot match the self-written files
    with pytest.raises(DatasetError, match="checksum mismatch") as caught:
        load_mnist(root, download=True, mirror=url)
    message = str(caught.value)
    expected = mnist_module.SHA256["train-images-idx3-ubyte.gz"]
    actual = hashlib.sha256((tmp_path / "mirror" / "train-images-idx3-ubyte.gz")
                            .read_bytes()).hexdigest()
    assert "train-images-idx3-ubyte.gz" in message and expected in message and actual in message
    assert os.listdir(root) == []


class BrokenResponse:
    """A response whose stream breaks after the first chunk."""

    def __init__(self):
        self.calls = 0

    def read(self, size=-1):
        self.calls += 1
        if self.calls == 1:
            return b"\x1f\x8b" + b"\x00" * 100
        raise OSError("connection reset by peer")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_interrupted_download_leaves_no_file(tmp_path, monkeypatch):
    response = BrokenResponse()
    monkeypatch.setattr(mnist_module, "urlopen", lambda url, *args, **kwargs: response)
    root = tmp_path / "root"
    with pytest.raises(OSError, match="connection reset"):
        load_mnist(root, download=True, mirror="https://example.invalid/mnist/")
    assert response.calls == 2
    assert os.listdir(root) == []


def test_unreachable_mirror_leaves_no_file(tmp_path):
    root = tmp_path / "root"
    with pytest.raises(OSError):
        load_mnist(root, download=True, mirror=(tmp_path / "no-mirror").as_uri())
    assert os.listdir(root) == []


def test_default_digests_are_the_standard_ones():
    # the published SHA-256 of the four standard MNIST .gz files
    assert mnist_module.SHA256 == {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }


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
