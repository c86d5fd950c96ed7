"""Tests of the pictures of convnet.viz.metrics: Figures, PNG files, what the cells say."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import convnet  # noqa: E402
from convnet import layers as L  # noqa: E402
from convnet.metrics import confusion_matrix  # noqa: E402
from convnet.viz import plot_confusion_matrix, plot_misclassified  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def model_and_data(channels=3):
    model = convnet.Sequential(L.Flatten(), L.Dense(channels * 4, 3, rng=0, dtype=np.float64))
    x = np.random.default_rng(0).random((12, channels, 2, 2))
    return model, x, np.arange(12) % 3


def cell_texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_confusion_matrix_picture_from_a_model_or_a_matrix(tmp_path):
    model, x, y = model_and_data()
    cm = confusion_matrix(y, model.predict(x))
    fig = plot_confusion_matrix(model, x, y, classes=["a", "b", "c"], path=tmp_path / "cm.png")
    assert isinstance(fig, Figure)
    assert cell_texts(fig) == [str(c) for c in cm.counts.ravel()]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"
    again = plot_confusion_matrix(cm, normalize=True)
    assert cell_texts(again) == cell_texts(fig)


def test_misclassified_picture(tmp_path):
    model, x, y = model_and_data()
    wrong = int(np.sum(model.predict(x).argmax(axis=1) != y))
    fig = plot_misclassified(model, x, y, classes=["a", "b", "c"], max_images=4,
                             path=tmp_path / "wrong.png")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == min(wrong, 4) and wrong > 0
    assert "→" in shown[0].get_title()
    assert (tmp_path / "wrong.png").is_file()
    grey_model, grey_x, _ = model_and_data(channels=1)
    right = grey_model.predict(grey_x).argmax(axis=1)               # labels it gets right
    fig = plot_misclassified(grey_model, grey_x, right)
    assert "no misclassified images among 12" in fig.axes[0].texts[0].get_text()


@pytest.mark.parametrize("call, error, match", [
    (lambda m, x, y: plot_confusion_matrix(m, x), TypeError, "x must be images"),
    (lambda m, x, y: plot_confusion_matrix(m, x, y[:3]), ValueError, "y must be of shape"),
    (lambda m, x, y: plot_misclassified(m, x, y, classes=["a"]), ValueError, "classes must"),
    (lambda m, x, y: plot_misclassified("model", x, y), TypeError, "model must be"),
    (lambda m, x, y: plot_misclassified(m, x, y, max_images=0), ValueError, "max_images"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(*model_and_data())
