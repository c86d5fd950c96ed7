"""Tests of convnet.datasets.load_fashion_mnist: MNIST's files and checks, its own names and MD5s.

The IDX writers are MNIST's tests' (written from the format's description);
no test touches the network: the fetcher is replaced.
"""

import gzip
import hashlib
import io

import pytest

from convnet.datasets import FASHION_MNIST_CLASSES, DatasetError, load_fashion_mnist
from convnet.datasets import _download as download_module
from convnet.datasets import fashion_mnist as fashion_module
from .test_datasets_mnist import MNIST_NAMES, check_mnist, idx_bytes, tiny_mnist, write_mnist


def test_classes_and_published_digests():
    assert FASHION_MNIST_CLASSES == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    # the MD5s torchvision lists (torchvision/datasets/mnist.py, FashionMNIST.resources)
    assert fashion_module.FASHION_MNIST_MD5 == {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }


def test_local_files_need_no_network(tmp_path, monkeypatch):
    monkeypatch.setattr(download_module, "urlopen", lambda *a, **k: pytest.fail("downloaded"))
    arrays = tiny_mnist(seed=5)
    write_mnist(tmp_path, arrays)
    check_mnist(load_fashion_mnist(tmp_path, download=True), arrays)
    monkeypatch.setenv("CONVNET_DATA", str(tmp_path.parent))
    write_mnist(tmp_path.parent / "fashion-mnist", arrays, gz=(False,) * 4)
    check_mnist(load_fashion_mnist(), arrays)


def test_missing_files_name_the_folder_and_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST: 4 file") as caught:
        load_fashion_mnist(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message and "fashion-mnist.s3-website" in message
    assert all(f"{name}[.gz]" in message for name in MNIST_NAMES)


def fake_mirror(monkeypatch, arrays):
    files = {f"{name}.gz": gzip.compress(idx_bytes(array), mtime=0)
             for name, array in arrays.items()}
    fetched = []

    def fake_urlopen(url, timeout=None):
        fetched.append(url)
        return io.BytesIO(files[url.rsplit("/", 1)[-1]])

    monkeypatch.setattr(download_module, "urlopen", fake_urlopen)
    return files, fetched


def test_download_checks_md5(tmp_path, monkeypatch):
    arrays = tiny_mnist(seed=6)
    files, fetched = fake_mirror(monkeypatch, arrays)
    digests = {name: hashlib.md5(data).hexdigest() for name, data in files.items()}
    check_mnist(load_fashion_mnist(tmp_path / "f", download=True, checksums=digests), arrays)
    assert fetched == [fashion_module.FASHION_MNIST_MIRROR + f"{name}.gz" for name in MNIST_NAMES]
    with pytest.raises(DatasetError, match="expected MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d"):
        load_fashion_mnist(tmp_path / "g", download=True)        # the published digests
    assert list((tmp_path / "g").iterdir()) == []
