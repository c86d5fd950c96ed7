"""Tests of convnet.datasets: IDX files (read_idx), MNIST loading and download.

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

from convnet.datasets import DatasetError, load_mnist, read_idx
from convnet.datasets import _download as download_module
from convnet.datasets import mnist as mnist_module

MNIST_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


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
    (lambda a: a.update({MNIST_NAMES[3]: np.array([1, 2, 10], np.uint8)}), "labels 0..9"),
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
    real_urlopen = download_module.urlopen

    def counting_urlopen(address, *args, **kwargs):
        fetched.append(address.rsplit("/", 1)[-1])
        return real_urlopen(address, *args, **kwargs)

    monkeypatch.setattr(download_module, "urlopen", counting_urlopen)
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
    monkeypatch.setattr(download_module, "urlopen", lambda url, *args, **kwargs: response)
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


def test_read_idx_refuses_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(DatasetError, match="is not a regular file"):
        read_idx(tmp_path)                                       # a folder
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(DatasetError, match="is not a regular file"):
        read_idx(loop)
    if hasattr(os, "mkfifo"):
        pipe = tmp_path / "pipe"
        os.mkfifo(pipe)
        with pytest.raises(DatasetError, match="is not a regular file"):
            read_idx(pipe)                                       # opening it would block
    with pytest.raises(ValueError, match="path must be a file name without NUL"):
        read_idx(str(tmp_path / "a\0b"))


def test_a_zero_beside_huge_dimensions_is_held_to_the_budget(tmp_path):
    # No numbers, but NumPy multiplies the other dimensions and refuses their overflow.
    path = write(tmp_path / "f", bytes([0, 0, 8, 4]) + struct.pack(">4I", 0, *[2**32 - 1] * 3))
    with pytest.raises(DatasetError, match="\\(its non-zero dimensions\\), more than the "
                                           "memory budget"):
        read_idx(path)


def test_an_mnist_file_without_images_is_refused(tmp_path):
    arrays = tiny_mnist()
    arrays[MNIST_NAMES[0]] = np.zeros((5, 0, 0), np.uint8)       # 0x0 images
    write_mnist(tmp_path, arrays)
    with pytest.raises(DatasetError, match="holds no pixels: shape \\(5, 0, 0\\)"):
        load_mnist(tmp_path)


def test_the_float_images_are_held_to_the_memory_budget(tmp_path):
    import convnet

    arrays = tiny_mnist(n_train=40)                 # 31,360 bytes, 125,440 as float32
    write_mnist(tmp_path, arrays)
    before = convnet.get_memory_budget()
    convnet.set_memory_budget(100_000)
    try:
        with pytest.raises(DatasetError, match="31,360 pixels of .* would take .* as float32, "
                                               "more than the memory budget"):
            load_mnist(tmp_path)
    finally:
        convnet.set_memory_budget(before)
    check_mnist(load_mnist(tmp_path), arrays)       # within the budget: loads as before
