"""convnet.viz pictures of convnet.insight: Figures made without pyplot, PNGs of the stated size.

Nothing is registered with pyplot (``plt.get_fignums()`` stays empty), so a notebook shows the
returned figure once and nothing stays open.
"""

import struct

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
import matplotlib.image as mpimg           # noqa: E402
import matplotlib.pyplot as plt            # noqa: E402
from matplotlib.figure import Figure       # noqa: E402

from convnet import insight, viz           # noqa: E402
from convnet.datasets import make_shapes   # noqa: E402
from convnet.zoo import designed_squares_vs_diamonds  # noqa: E402


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def shapes():
    model = designed_squares_vs_diamonds()
    x, y = make_shapes(3, seed=3, dtype=np.float64)
    return model, x, y


def check_picture(fig, path, inches):
    assert isinstance(fig, Figure) and plt.get_fignums() == []      # pyplot knows nothing of it
    assert tuple(fig.get_size_inches()) == inches
    assert png_size(path) == (round(inches[0] * viz.DPI), round(inches[1] * viz.DPI))
    pixels = mpimg.imread(path)
    assert pixels[..., :3].std() > 0.05                             # not blank


def test_attribution_maps_are_drawn_over_their_images(shapes, tmp_path):
    model, x, y = shapes
    for name, maps in [("cam", insight.grad_cam(model, x, y)),
                       ("saliency", insight.saliency(model, x, y)),
                       ("occlusion", insight.occlusion(model, x, y, patch=3, stride=2))]:
        path = tmp_path / "sub" / f"{name}.png"
        fig = viz.plot_attributions(x, maps, titles=["a", "b", "c"], path=path)
        check_picture(fig, path, (5.75, 4.0))                       # 3 panels of 1.75 in + 0.5
    one = viz.plot_attributions(x[0], insight.grad_cam(model, x[0], y[0]))
    assert len(one.axes) == 3                                       # image, map, colour bar


def test_adversarial_pictures_show_three_rows(shapes, tmp_path):
    model, x, y = shapes
    result = insight.fgsm(model, x, y, 0.3, clip=(0, 1))
    path = tmp_path / "fgsm.png"
    fig = viz.plot_adversarial(x, result, titles=["square", "diamond"], max_images=2, path=path)
    check_picture(fig, path, (4.0, 5.25))
    assert fig.axes[0].get_title() == f"predicted: {['square', 'diamond'][y[0]]}"


def test_class_models_side_by_side(tmp_path):
    images = np.random.default_rng(0).normal(size=(3, 1, 8, 8))
    path = tmp_path / "classes.png"
    fig = viz.plot_class_models(images, titles=["0", "1", "2"], path=path)
    check_picture(fig, path, (5.25, 2.0))
    colour = viz.plot_class_models(np.random.default_rng(1).random((2, 3, 4, 4)))
    assert [ax.get_title() for ax in colour.axes] == ["class 0", "class 1"]


@pytest.mark.parametrize("call, words", [
    (lambda x, r: viz.plot_attributions(x, np.ones((2, 15, 15))), ["maps", "one map per image"]),
    (lambda x, r: viz.plot_attributions(x, np.ones((3, 15, 15)), titles="a"), ["titles"]),
    (lambda x, r: viz.plot_adversarial(x, x), ["result", "Adversarial"]),
    (lambda x, r: viz.plot_adversarial(x[:2], r), ["result", "(2, 1, 15, 15)"]),
    (lambda x, r: viz.plot_class_models(np.ones((2, 2, 4, 4))), ["images", "C = 1"]),
    (lambda x, r: viz.plot_class_models(np.ones((2, 1, 4, 4)), path="a.pdf"), ["path", ".png"]),
])
def test_bad_arguments_are_refused_before_drawing(shapes, call, words):
    model, x, y = shapes
    result = insight.fgsm(model, x, y, 0.1)
    with pytest.raises((TypeError, ValueError)) as info:
        call(x, result)
    assert all(word in str(info.value) for word in words), str(info.value)
