"""Hostile IDX files: a gzip bomb behind a small header, shapes over the budget, truncation.

``read_idx`` reads the header, checks the declared size, then reads exactly
the declared bytes and at most 4,096 more; the tests bound the memory traced
by ``tracemalloc`` while a file is refused.  No test measures time.
"""

import gzip

import numpy as np
import pytest

from convnet.datasets import DatasetError, read_idx
from .hostile_files import deflate_bomb, gzip_bytes, idx_header, peak_of


def refused(path, *fragments, peak=2.0):
    error, mebibytes = peak_of(lambda: read_idx(path))
    assert isinstance(error, DatasetError), repr(error)
    for fragment in (str(path),) + fragments:
        assert fragment in str(error), str(error)
    assert mebibytes < peak, f"{mebibytes:.1f} MiB traced while refusing: {error}"


def test_a_gzip_bomb_after_the_declared_data(tmp_path):
    labels = idx_header(0x08, (10,)) + bytes(range(10))
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip_bytes(*deflate_bomb(labels, 1024)))         # 1 GiB of zeros behind
    assert path.stat().st_size < 2 ** 21
    refused(path, "at least 4,096 unexpected trailing byte(s) after the 10 bytes of data of "
                  "shape (10,)")


def test_a_second_gzip_member_of_trailing_data(tmp_path):
    labels = idx_header(0x08, (3,)) + b"\x07\x02\x01"
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(labels) + gzip.compress(b"junk"))
    refused(path, "4 unexpected trailing byte(s)")
    path.write_bytes(gzip.compress(labels) + b"not gzip")
    refused(path, "corrupt gzip data")


def test_more_dimensions_than_numpy_allows(tmp_path):
    path = tmp_path / "deep-idx"
    path.write_bytes(idx_header(0x08, (1,) * 65) + b"\x07")
    refused(path, "declares 65 dimensions, more than the 64 a NumPy array can have")


@pytest.mark.parametrize("compress", [False, True])
def test_a_shape_over_the_memory_budget(tmp_path, compress):
    header = idx_header(0x0E, (65536, 65536, 2))
    path = tmp_path / "huge-idx"
    path.write_bytes(gzip.compress(header) if compress else header)
    # 2**33 float64 numbers (type code 0x0E) = 64 GiB
    refused(path, "shape (65536, 65536, 2) of float64 would take 64.0 GiB, more than the "
                  "memory budget of 4.0 GiB (convnet.set_memory_budget)")


def test_a_raw_file_too_short_for_its_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "short-idx"
    path.write_bytes(idx_header(0x0E, (16384, 16384)) + bytes(16))     # 2 GiB declared
    refused(path, "truncated, shape (16384, 16384) needs 2147483648 bytes of data but only 16 "
                  "follow the header")


def test_reading_streams_into_the_array(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (1000, 32, 32), dtype=np.uint8)
    data = idx_header(0x08, images.shape) + images.tobytes()
    for path, content in ((tmp_path / "raw-idx", data),
                          (tmp_path / "packed-idx", gzip.compress(data, compresslevel=1))):
        path.write_bytes(content)
        result, mebibytes = peak_of(lambda: read_idx(path))
        np.testing.assert_array_equal(result, images)
        assert mebibytes < images.nbytes / 2 ** 20 + 0.5       # the array and 256 KiB pieces


def test_a_big_endian_file_comes_back_native_and_writable(tmp_path):
    values = np.arange(6, dtype=np.int32).reshape(2, 3)
    path = tmp_path / "ints-idx.gz"
    path.write_bytes(gzip.compress(idx_header(0x0C, (2, 3)) + values.astype(">i4").tobytes()))
    result = read_idx(path)
    assert result.dtype.isnative and result.flags.writeable
    np.testing.assert_array_equal(result, values)
