"""examples/train_cifar10.py on a tiny CIFAR-10 look-alike in the official binary layout."""

import runpy

import numpy as np
import pytest

import convnet
from convnet.datasets import cifar as cifar_module, load_cifar10

from .test_examples import EXAMPLES, run_example

standardised = runpy.run_path(str(EXAMPLES / "train_cifar10.py"),
                              run_name="example")["standardised"]

RECORDS = 64                                    # per batch file here (10,000 in the real ones)


def tiny_cifar(folder, seed=0):
    """Six batch files of 1-byte labels and 3,072 pixel bytes; class k is bright in row band k."""
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{k}.bin" for k in range(1, 6)] + ["test_batch.bin"]
    for name in names:
        labels = rng.integers(0, 10, RECORDS, dtype=np.uint8)
        images = rng.integers(0, 60, (RECORDS, 3, 32, 32), dtype=np.uint8)
        for image, label in zip(images, labels):
            image[:, 3 * label:3 * label + 3, :] = 250
        records = np.concatenate([labels[:, None], images.reshape(RECORDS, -1)], axis=1)
        (folder / name).write_bytes(records.tobytes())   # label, red, green, blue planes


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setattr(cifar_module, "RECORDS_PER_BATCH", RECORDS)
    folder = tmp_path / "cifar"
    folder.mkdir()
    tiny_cifar(folder)
    return folder


def test_trains_checkpoints_and_resumes(data, tmp_path, capsys):
    out = tmp_path / "run"
    common = ["--data", str(data), "--out", str(out), "--limit", "192", "--batch-size", "32"]
    accuracy = run_example("train_cifar10.py", common + ["--epochs", "2"])
    printed = capsys.readouterr().out
    assert "CIFAR-10: 192 training images (a tenth held out) and 64 test images" in printed
    assert "test accuracy" in printed and "airplane" in printed
    # The best epoch's weights are both the returned model's (EarlyStopping restores them)
    # and the checkpoint's: its predictions on the standardised test images, counted here,
    # give the accuracy the example reported.
    (x_train, _), (x_test, y_test) = load_cifar10(data)
    _, x_test = standardised(x_train[:192], x_test)
    saved = convnet.load(out / "checkpoint.npz")
    hits = int(np.sum(saved.predict(x_test).argmax(axis=1) == y_test))
    assert accuracy == hits / 64
    run_example("train_cifar10.py", common + ["--epochs", "3", "--resume"])
    printed = capsys.readouterr().out
    assert "resumed after epoch" in printed and "after 3 epochs" in printed


def test_without_data_exits_with_a_message(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        run_example("train_cifar10.py", ["--data", str(tmp_path / "nothing")])
    assert "--download" in str(exit_info.value.code)
