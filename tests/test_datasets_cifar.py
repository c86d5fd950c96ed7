"""Tests of convnet.datasets.load_cifar10 on small archives written here in the official format.

The official batches hold 10,000 records each; the tests set the module's
``RECORDS_PER_BATCH`` to 3 so that an archive is a few KiB, and write every
record from its description (one label byte, then the 1,024 red, 1,024
green and 1,024 blue bytes, row by row), independently of the reader.  No
test touches the network: the fetcher is replaced.
"""

import gzip
import hashlib
import io
import tarfile

import numpy as np
import pytest

from convnet.datasets import CIFAR10_CLASSES, DatasetError, load_cifar10
from convnet.datasets import _download as download_module
from convnet.datasets import cifar as cifar_module

R = 3                                           # records per batch in these tests
BATCHES = [f"data_batch_{k}.bin" for k in range(1, 6)] + ["test_batch.bin"]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(cifar_module, "RECORDS_PER_BATCH", R)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(url, *args, **kwargs):
        raise AssertionError(f"a test tried to download {url}")
    monkeypatch.setattr(download_module, "urlopen", refuse)


def tiny_cifar(seed=0, records=R):
    """Images (records, 3, 32, 32) uint8 and labels (records,) for each batch file."""
    rng = np.random.default_rng(seed)
    return {name: (rng.integers(0, 256, (records, 3, 32, 32), dtype=np.uint8),
                   rng.integers(0, 10, records, dtype=np.uint8)) for name in BATCHES}


def batch_bytes(images, labels):
    """The official record layout, written from the format's description."""
    out = bytearray()
    for image, label in zip(images, labels):
        out.append(int(label))
        for channel in (0, 1, 2):                        # red, green, blue planes
            for row in range(32):
                out.extend(int(v) for v in image[channel, row])
    return bytes(out)


def add(tar, name, data=b"", kind=tarfile.REGTYPE, size=None, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if size is None else size
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def archive_bytes(batches, extra=(), skip=()):
    """A cifar-10-binary.tar.gz of ``batches`` (name -> bytes), with the folder and text files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        add(tar, "cifar-10-batches-bin", kind=tarfile.DIRTYPE)
        for name, data in batches.items():
            if name not in skip:
                add(tar, f"cifar-10-batches-bin/{name}", data)
        add(tar, "cifar-10-batches-bin/batches.meta.txt", "\n".join(CIFAR10_CLASSES).encode())
        add(tar, "cifar-10-batches-bin/readme.html", b"<meta HTTP-EQUIV=...>")
        for args in extra:
            add(tar, *args[:1], **args[1])
    return buffer.getvalue()


def encoded(arrays):
    return {name: batch_bytes(*pair) for name, pair in arrays.items()}


def check(result, arrays, dtype=np.float32):
    (x_train, y_train), (x_test, y_test) = result
    images = np.concatenate([arrays[name][0] for name in BATCHES[:5]])
    labels = np.concatenate([arrays[name][1] for name in BATCHES[:5]])
    assert x_train.shape == (5 * R, 3, 32, 32) and x_test.shape == (R, 3, 32, 32)
    assert x_train.dtype == x_test.dtype == dtype
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_allclose(x_train, images / 255.0, rtol=1e-6)
    np.testing.assert_allclose(x_test, arrays["test_batch.bin"][0] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_train, labels)
    np.testing.assert_array_equal(y_test, arrays["test_batch.bin"][1])
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0


def test_classes_are_the_publishers():
    assert CIFAR10_CLASSES == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                               "horse", "ship", "truck")
    # the MD5 on https://www.cs.toronto.edu/~kriz/cifar.html for the binary version
    assert cifar_module.CIFAR10_MD5 == {
        "cifar-10-binary.tar.gz": "c32a1d4ab5d03f1284b67883e8d87530"}


def test_one_record_by_hand(tmp_path):
    # label 7; red plane all 255, green 0 except pixel (row 1, col 2) = 51, blue 102
    record = bytearray([7]) + bytes([255]) * 1024 + bytes(1024) + bytes([102]) * 1024
    record[1 + 1024 + 1 * 32 + 2] = 51
    batches = {name: bytes(record) * R for name in BATCHES}
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(archive_bytes(batches))
    (x_train, y_train), _ = load_cifar10(tmp_path)
    assert y_train[0] == 7
    assert x_train[0, 0].min() == x_train[0, 0].max() == 1.0          # 255 / 255
    assert x_train[0, 1, 1, 2] == np.float32(51 / 255)                # 0.2
    assert x_train[0, 1].sum() == np.float32(51 / 255)
    assert x_train[0, 2, 31, 31] == np.float32(102 / 255)             # 0.4


def test_archive_and_extracted_folders(tmp_path):
    arrays = tiny_cifar()
    data = encoded(arrays)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(archive_bytes(data))
    check(load_cifar10(tmp_path), arrays)
    check(load_cifar10(str(tmp_path), dtype=np.float64), arrays, np.float64)
    for folder in (tmp_path / "x" / "cifar-10-batches-bin", tmp_path / "y"):
        folder.mkdir(parents=True)
        for name, content in data.items():
            (folder / name).write_bytes(content)
    check(load_cifar10(tmp_path / "x", download=True), arrays)   # present: no download
    check(load_cifar10(tmp_path / "y"), arrays)


def test_default_root_from_the_environment(tmp_path, monkeypatch):
    arrays = tiny_cifar(seed=1)
    (tmp_path / "cifar-10").mkdir()
    (tmp_path / "cifar-10" / "cifar-10-binary.tar.gz").write_bytes(archive_bytes(encoded(arrays)))
    monkeypatch.setenv("CONVNET_DATA", str(tmp_path))
    check(load_cifar10(), arrays)


def test_missing_files_say_where_and_which(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        load_cifar10(tmp_path / "nothing")
    message = str(caught.value)
    for fragment in (str(tmp_path / "nothing"), "cifar-10-binary.tar.gz", "cifar-10-batches-bin",
                     "download=True", "https://www.cs.toronto.edu/~kriz/"):
        assert fragment in message
    assert not (tmp_path / "nothing").exists()


class Response(io.BytesIO):
    """What urlopen returns, for a fetcher that serves ``data``."""


def serve(monkeypatch, data, fetched):
    def fake_urlopen(url, timeout=None):
        fetched.append(url)
        return Response(data)
    monkeypatch.setattr(download_module, "urlopen", fake_urlopen)


def test_download_checks_the_digest_then_reads(tmp_path, monkeypatch):
    arrays = tiny_cifar(seed=2)
    data = archive_bytes(encoded(arrays))
    fetched = []
    serve(monkeypatch, data, fetched)
    root = tmp_path / "data"
    digest = {"cifar-10-binary.tar.gz": hashlib.md5(data).hexdigest()}
    check(load_cifar10(root, download=True, mirror="https://example.org/c", checksums=digest),
          arrays)
    assert fetched == ["https://example.org/c/cifar-10-binary.tar.gz"]
    assert [p.name for p in root.iterdir()] == ["cifar-10-binary.tar.gz"]
    check(load_cifar10(root, download=True), arrays)                  # the local copy
    assert len(fetched) == 1


def test_a_digest_mismatch_keeps_nothing(tmp_path, monkeypatch):
    data = archive_bytes(encoded(tiny_cifar()))
    serve(monkeypatch, data, [])
    root = tmp_path / "data"
    with pytest.raises(DatasetError, match="checksum mismatch") as caught:
        load_cifar10(root, download=True)                 # the published MD5 cannot match
    assert "expected MD5 c32a1d4ab5d03f1284b67883e8d87530" in str(caught.value)
    assert hashlib.md5(data).hexdigest() in str(caught.value)
    assert list(root.iterdir()) == []


def write_archive(tmp_path, data):
    path = tmp_path / "cifar-10-binary.tar.gz"
    path.write_bytes(data)
    return path


GOOD = encoded(tiny_cifar())


@pytest.mark.parametrize("batches, extra, skip, problem", [
    (dict(GOOD, **{"data_batch_2.bin": GOOD["data_batch_2.bin"][:-3073]}), (), (),
     "'data_batch_2.bin' must be 3 records of 3,073 bytes \\(9,219 bytes\\); it has 6,146"),
    (dict(GOOD, **{"test_batch.bin": GOOD["test_batch.bin"] + b"\x00"}), (), (),
     "it has 9,220"),
    (GOOD, (), ("data_batch_4.bin",), "lacks data_batch_4.bin"),
    (dict(GOOD, **{"data_batch_1.bin": b"\x0a" + GOOD["data_batch_1.bin"][1:]}), (), (),
     "record 0 has label 10; labels are 0..9"),
    (GOOD, [("cifar-10-batches-bin/data_batch_1.bin", dict(data=GOOD["data_batch_1.bin"]))], (),
     "holds 'data_batch_1.bin' twice"),
    (GOOD, [("../evil.sh", dict(data=b"rm -rf"))], (), "not a plain path"),
    (GOOD, [("/etc/passwd", dict(data=b"x"))], (), "not a plain path"),
    (GOOD, [("big.bin", dict(data=bytes(2 ** 20 + 1)))], (), "larger than the 1,048,576"),
    (GOOD, [("cifar-10-batches-bin/data_batch_5.bin",
             dict(kind=tarfile.SYMTYPE, link="/etc/passwd"))], ("data_batch_5.bin",),
     "must be a regular file"),
    (GOOD, [(f"note{k}.txt", dict(data=b"x")) for k in range(60)], (), "more than 64 members"),
])
def test_archives_that_do_not_fit(tmp_path, batches, extra, skip, problem):
    path = write_archive(tmp_path, archive_bytes(batches, extra, skip))
    with pytest.raises(DatasetError, match=problem) as caught:
        load_cifar10(tmp_path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("damage", ["cut", "flip", "not gzip"])
def test_corrupt_and_truncated_archives(tmp_path, damage):
    data = bytearray(archive_bytes(GOOD))
    if damage == "cut":
        data = data[:len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data = b"PK\x03\x04 not a tar.gz at all"
    path = write_archive(tmp_path, bytes(data))
    with pytest.raises(DatasetError, match="not a readable .tar.gz|truncated|lacks") as caught:
        load_cifar10(tmp_path)
    assert str(path) in str(caught.value)


def test_an_extracted_batch_of_the_wrong_size_is_refused_before_reading(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    for name, content in GOOD.items():
        (folder / name).write_bytes(content[:-1] if name == "test_batch.bin" else content)
    with pytest.raises(DatasetError, match="'test_batch.bin' must be 3 records") as caught:
        load_cifar10(tmp_path)
    assert str(folder / "test_batch.bin") in str(caught.value)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(root=3), TypeError, "root must be"),
    (dict(download="yes"), TypeError, "download must be True or False"),
    (dict(mirror=None), TypeError, "mirror must be"),
    (dict(checksums={"cifar-10-python.tar.gz": "0" * 32}), ValueError, "checksums keys"),
    (dict(checksums={"cifar-10-binary.tar.gz": "xyz"}), ValueError, "64 hex digits"),
    (dict(dtype=np.uint8), ValueError, "dtype must be float32 or float64"),
])
def test_argument_errors(tmp_path, kwargs, error, match):
    kwargs.setdefault("root", tmp_path)
    with pytest.raises(error, match=match):
        load_cifar10(**kwargs)


def test_the_default_folder_without_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVNET_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as caught:
        load_cifar10()
    assert repr(str(tmp_path / ".convnet" / "datasets" / "cifar-10")) in str(caught.value)
    assert not (tmp_path / ".convnet").exists()                  # nothing created


def test_a_huge_long_name_header_is_refused_before_tarfile_reads_it(tmp_path):
    # A GNU long-name header declaring 512 MiB: tarfile would read it whole into memory.
    header = tarfile.TarInfo("././@LongLink")
    header.type, header.size = tarfile.GNUTYPE_LONGNAME, 1 << 29
    raw = header.tobuf(tarfile.GNU_FORMAT) + bytes(1 << 16)     # the rest never read
    path = write_archive(tmp_path, gzip.compress(raw))
    with pytest.raises(DatasetError, match="extended tar header .* of 536,870,912 bytes; "
                                           "at most 65,536") as caught:
        load_cifar10(tmp_path)
    assert str(path) in str(caught.value)


def test_an_archive_made_with_dot_slash_names_loads(tmp_path):
    # `tar czf x.tar.gz ./cifar-10-batches-bin` names every member "./cifar-10-batches-bin/..."
    arrays = tiny_cifar(seed=5)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        add(tar, ".", kind=tarfile.DIRTYPE)
        add(tar, "./cifar-10-batches-bin", kind=tarfile.DIRTYPE)
        for name, data in encoded(arrays).items():
            add(tar, f"./cifar-10-batches-bin/{name}", data)
    write_archive(tmp_path, buffer.getvalue())
    check(load_cifar10(tmp_path), arrays)


def test_a_download_that_never_ends_is_cut_off(tmp_path, monkeypatch):
    class Endless:
        def read(self, n):
            return bytes(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False
    monkeypatch.setattr(download_module, "urlopen", lambda url, timeout=None: Endless())
    monkeypatch.setattr(download_module, "MAX_DOWNLOAD", 1 << 20)
    root = tmp_path / "data"
    with pytest.raises(DatasetError, match="sends more than 1,048,576 bytes"):
        load_cifar10(root, download=True)
    assert list(root.iterdir()) == []                       # nothing left behind


@pytest.mark.parametrize("kwargs, match", [
    (dict(mirror=""), "mirror must be a URL starting https://"),
    (dict(mirror="example.org/cifar"), "mirror must be a URL starting"),
])
def test_mirror_must_be_a_url(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_cifar10(tmp_path, download=True, **kwargs)


def test_a_root_that_is_a_file_is_named(tmp_path):
    afile = tmp_path / "afile"
    afile.write_bytes(b"x")
    with pytest.raises(ValueError, match="root must be a folder .*which is a file"):
        load_cifar10(afile, download=True)
    with pytest.raises(ValueError, match="root must be a folder name without NUL characters"):
        load_cifar10(str(tmp_path) + "/a\0b")
