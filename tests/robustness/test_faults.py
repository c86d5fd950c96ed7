"""Faults during work: interrupted saves, damaged files, interrupted or wrong downloads."""

import gzip
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import convnet
from convnet import layers as L
from convnet._archive import ModelFileError
from convnet.datasets import DatasetError, load_mnist


def small_model(seed=0):
    return convnet.Sequential(L.Conv2D(1, 2, 3, rng=seed), L.ReLU(), L.MaxPool2D(2),
                              L.Flatten(), L.Dense(8, 3, rng=seed + 1))


X = np.random.default_rng(5).normal(size=(4, 1, 6, 6))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A saved model, its bytes and its predictions."""
    path = tmp_path_factory.mktemp("checkpoint") / "model.npz"
    model = small_model()
    model.save(path)
    return path.read_bytes(), model.predict(X)


class FailingStream:
    """A file object that fails after ``limit`` bytes, like a full disk or a pulled plug."""

    def __init__(self, stream, limit):
        self.stream, self.limit, self.written = stream, limit, 0

    def write(self, data):
        if self.written + len(data) > self.limit:
            self.stream.write(bytes(data[:max(0, self.limit - self.written)]))
            raise OSError(28, "No space left on device")
        self.written += len(data)
        return self.stream.write(data)

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()


@settings(max_examples=25)
@given(fraction=st.floats(0.0, 1.0))
def test_a_save_interrupted_anywhere_keeps_the_previous_checkpoint(tmp_path_factory, checkpoint,
                                                                   fraction):
    import convnet._archive as archive
    folder = tmp_path_factory.mktemp("save")
    path = folder / "model.npz"
    previous, predictions = checkpoint
    path.write_bytes(previous)
    limit = int(fraction * len(previous))
    real_fdopen = os.fdopen

    def failing_fdopen(handle, mode="r", *args, **kwargs):
        return FailingStream(real_fdopen(handle, mode, *args, **kwargs), limit)

    other = small_model(seed=7)                      # different weights: a real overwrite
    archive.os.fdopen = failing_fdopen
    try:
        with pytest.raises(OSError, match="No space left"):
            other.save(path)
    finally:
        archive.os.fdopen = real_fdopen
    assert path.read_bytes() == previous
    assert sorted(p.name for p in folder.iterdir()) == ["model.npz"]   # no temporary left
    np.testing.assert_array_equal(convnet.load(path).predict(X), predictions)


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_save_failing_at_the_last_moment_keeps_the_previous_checkpoint(tmp_path, checkpoint,
                                                                         monkeypatch, step):
    import convnet._archive as archive
    previous, predictions = checkpoint
    path = tmp_path / "model.npz"
    path.write_bytes(previous)

    def fail(*args, **kwargs):
        raise OSError(5, f"{step} failed")

    monkeypatch.setattr(archive.os, step, fail)
    with pytest.raises(OSError, match=f"{step} failed"):
        small_model(seed=7).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == previous and len(list(tmp_path.iterdir())) == 1
    np.testing.assert_array_equal(convnet.load(path).predict(X), predictions)


@settings(max_examples=40)
@given(length=st.integers(0, 10 ** 6))
def test_a_truncated_file_is_refused(tmp_path_factory, checkpoint, length):
    data, _ = checkpoint
    path = tmp_path_factory.mktemp("truncated") / "model.npz"
    path.write_bytes(data[:length % len(data)])
    with pytest.raises(ModelFileError, match="^cannot load"):
        convnet.load(path)


@settings(max_examples=60)
@given(position=st.integers(0, 10 ** 6), bit=st.integers(0, 7))
def test_a_bit_flip_never_gives_a_different_model(tmp_path_factory, checkpoint, position, bit):
    data, predictions = checkpoint
    flipped = bytearray(data)
    flipped[position % len(data)] ^= 1 << bit
    path = tmp_path_factory.mktemp("flipped") / "model.npz"
    path.write_bytes(bytes(flipped))
    try:
        model = convnet.load(path)
    except ModelFileError:
        return                      # refused, with the library's error
    # a flip in bytes the format does not use (a zip timestamp, say) may be harmless:
    # then the model must be the original one, bit for bit
    np.testing.assert_array_equal(model.predict(X), predictions)


def test_foreign_and_pickled_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(3))
    with pytest.raises(ModelFileError, match="not a convnet model file"):
        convnet.load(foreign)
    pickled = tmp_path / "pickled.npz"
    description = (b'{"format": "convnet-model", "version": 1, "layers": [{"type": "ReLU", '
                   b'"config": {}}], "arrays": {"0.obj": {"shape": [1], "dtype": "float64", '
                   b'"sha256": "' + b"0" * 64 + b'"}}}')    # valid: the description is read first
    np.savez(pickled, __convnet__=np.frombuffer(description, np.uint8),
             **{"0.obj": np.array([{1: 2}], object)})
    with pytest.raises(ModelFileError, match="pickled objects, which are refused"):
        convnet.load(pickled)


# -- dataset downloads ----------------------------------------------------------------

def write_idx_gz(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def mirror(tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 4)):
        write_idx_gz(folder / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        write_idx_gz(folder / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))
    import hashlib
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    return folder, digests


def test_a_checksum_mismatch_leaves_no_file_a_later_load_would_trust(tmp_path, mirror):
    folder, digests = mirror
    root = tmp_path / "data"
    wrong = dict(digests, **{"train-labels-idx1-ubyte.gz": "0" * 64})
    with pytest.raises(DatasetError, match="checksum mismatch"):
        load_mnist(root, download=True, mirror=folder.as_uri() + "/", checksums=wrong)
    assert not (root / "train-labels-idx1-ubyte.gz").exists()
    assert not [p for p in root.iterdir() if p.name.endswith(".part")]
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        load_mnist(root)                      # nothing half-downloaded is trusted


def test_an_interrupted_download_leaves_no_file(tmp_path, mirror, monkeypatch):
    import convnet.datasets._download as mnist   # the one download path
    folder, digests = mirror
    root = tmp_path / "data"
    real_urlopen = mnist.urlopen

    class Interrupted:
        def __init__(self, response):
            self.response, self.calls = response, 0

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 1:
                raise ConnectionResetError("connection reset by peer")
            return self.response.read(16)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

    monkeypatch.setattr(mnist, "urlopen", lambda url, **kw: Interrupted(real_urlopen(url, **kw)))
    with pytest.raises(OSError, match="connection reset"):
        load_mnist(root, download=True, mirror=folder.as_uri() + "/", checksums=digests)
    assert [p.name for p in root.iterdir()] == []
    monkeypatch.undo()
    (x_train, _), (x_test, _) = load_mnist(root, download=True, mirror=folder.as_uri() + "/",
                                           checksums=digests)
    assert x_train.shape == (6, 1, 28, 28) and x_test.shape == (4, 1, 28, 28)
