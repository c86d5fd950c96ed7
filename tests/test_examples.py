"""Every example script runs in the suite, shortened where it trains."""

import gzip
import importlib.util
import runpy
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_example(name, argv=()):
    """Load examples/<name> and call its main(argv), as ``python examples/<name>`` would."""
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="example")
    return namespace["main"](list(argv))


def check_pictures(folder, names, out):
    """With matplotlib: one PNG per name in ``folder`` and one line saying so; without: a notice."""
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib is not installed" in out
        assert not folder.exists()
        return
    assert f"wrote {len(names)} pictures to {folder}/" in out
    assert sorted(path.name for path in folder.iterdir()) == sorted(f"{n}.png" for n in names)
    for name in names:
        assert (folder / f"{name}.png").read_bytes()[:8] == PNG_MAGIC


def test_worked_convolution(capsys):
    run_example("worked_convolution.py")
    out = capsys.readouterr().out
    assert "[[   23     8    -8   -23]" in out                  # A_valid
    assert "[[   23     8     0]\n [   23     8     0]]" in out  # P_same


def test_train_digits_short_run(capsys, tmp_path):
    folder = tmp_path / "pictures"
    accuracy = run_example("train_digits.py", ["--epochs", "8", "--out", str(folder)])
    out = capsys.readouterr().out
    assert "1347 training and 450 test images" in out
    assert accuracy >= 0.93                  # the full 40-epoch run is in the README
    check_pictures(folder, ["history", "kernels", "feature_maps"], out)


def test_squares_vs_diamonds(capsys, tmp_path):
    folder = tmp_path / "pictures"
    designed, trained = run_example("squares_vs_diamonds.py",
                                    ["--epochs", "20", "--out", str(folder)])
    assert designed == 1.0                   # E8.10: designed, not trained, and perfect
    assert trained >= 0.95
    out = capsys.readouterr().out
    assert "accuracy on 500 new shapes: 100.0%" in out
    check_pictures(folder, ["designed_kernels", "trained_kernels", "designed_maps_square",
                            "designed_maps_diamond"], out)


def test_squares_vs_diamonds_without_matplotlib(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # as if not installed
    designed, _ = run_example("squares_vs_diamonds.py",
                              ["--epochs", "1", "--out", str(tmp_path / "pictures")])
    assert designed == 1.0
    out = capsys.readouterr().out
    assert "matplotlib is not installed: no pictures" in out
    assert not (tmp_path / "pictures").exists()


def test_edge_detection_without_matplotlib(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # as if not installed
    run_example("edge_detection.py", ["--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "[[  9   0 -11]\n [ 10   0 -10]\n [ 11   0 -11]]" in out   # LMU 4-1, Sobel
    assert "matplotlib is not installed" in out
    assert list(tmp_path.iterdir()) == []


def test_edge_detection_writes_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    written = run_example("edge_detection.py", ["--out", str(tmp_path)])
    assert len(written) == 5
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def tiny_mnist(folder, seed=0):
    """A 28x28 MNIST look-alike: digit k is a bright bar at row 2k."""
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", 200), ("t10k", 60)):
        labels = rng.integers(0, 10, size=n)
        images = rng.integers(0, 30, size=(n, 28, 28))
        for i, label in enumerate(labels):
            images[i, 2 * label + 4:2 * label + 6, 4:24] = 255
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)


def test_lenet_mnist_on_a_tiny_local_copy(capsys, tmp_path):
    tiny_mnist(tmp_path)
    accuracy = run_example("lenet_mnist.py", ["--data", str(tmp_path), "--epochs", "3"])
    out = capsys.readouterr().out
    assert "MNIST: 200 training and 60 test images" in out and "test accuracy" in out
    assert accuracy > 0.5


def test_lenet_mnist_without_data_exits_with_a_message(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        run_example("lenet_mnist.py", ["--data", str(tmp_path / "nothing")])
    message = str(exit_info.value.code)
    assert "4 file(s) missing" in message and "--download" in message


def test_compare_optimizers_on_a_few_digits(capsys, tmp_path):
    out_path = tmp_path / "plots" / "loss.png"
    losses = run_example("compare_optimizers.py", ["--epochs", "3", "--n", "160",
                                                   "--out", str(out_path)])
    assert list(losses) == ["SGD", "SGD + momentum", "RMSprop", "AdaGrad", "Adam"]
    for name, values in losses.items():
        assert len(values) == 3 and values[-1] < values[0], name    # every one learns
    out = capsys.readouterr().out
    assert "160 training images, 3 epochs" in out
    if importlib.util.find_spec("matplotlib") is not None:
        assert out_path.read_bytes()[:8] == PNG_MAGIC and f"wrote {out_path}" in out


def test_compare_optimizers_without_matplotlib(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # as if not installed
    run_example("compare_optimizers.py", ["--epochs", "1", "--n", "40",
                                          "--out", str(tmp_path / "loss.png")])
    assert "matplotlib is not installed: no plot" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
