"""convnet.viz: every picture is a valid PNG of the promised size and not blank.

Also: arguments are checked with the library's wording, and without
matplotlib importing the module still works while drawing raises an
ImportError that names the extra to install.
"""

import ast
import importlib
import inspect
import pkgutil
import struct
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")                      # before pyplot is imported: files only, no windows
import matplotlib.image as mpimg           # noqa: E402
import matplotlib.pyplot as plt            # noqa: E402

import convnet                             # noqa: E402
from convnet import viz                    # noqa: E402
from convnet.layers import (Conv2D, Dense, Dropout, Flatten, MaxPool2D,  # noqa: E402
                            ReLU)
from convnet.model import History          # noqa: E402
from convnet.theory import conv_matrix     # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Every picture is built without pyplot: none is open before or after any test here."""
    assert plt.get_fignums() == []
    yield
    assert plt.get_fignums() == []


def png_size(path):
    """(width, height) from the PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])     # the first chunk must be IHDR
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def check_png(fig, path):
    """The file is a PNG of exactly the figure's size in pixels, and not blank."""
    assert isinstance(fig, matplotlib.figure.Figure)
    width, height = png_size(path)
    inches = fig.get_size_inches()
    expected = inches * viz.DPI
    assert np.array_equal(expected, np.round(expected))   # whole pixels, no rounding
    assert (width, height) == (int(expected[0]), int(expected[1]))
    pixels = mpimg.imread(path)                            # (height, width, RGB(A)) in [0, 1]
    assert pixels.shape[:2] == (height, width)
    assert pixels.std() > 0
    levels = np.rint(pixels * 255).astype(np.uint32)       # one integer per colour
    packed = sum(levels[..., i] << (8 * i) for i in range(levels.shape[-1]))
    assert len(np.unique(packed)) > 2                      # more than background and one ink


def small_model():
    return convnet.Sequential(Conv2D(1, 3, 3, rng=0), ReLU(), MaxPool2D(2), Flatten(),
                              Dense(3 * 3 * 3, 4, rng=0))   # 1x8x8 -> 3x6x6 -> 3x3x3 -> 4


def short_history(accuracy=True, validation=True):
    history = History(epoch=[1, 2, 3], loss=[1.2, 0.7, 0.4], time=[0.1] * 3)
    history.accuracy = [0.5, 0.7, 0.9] if accuracy else [None] * 3
    if validation:
        history.val_loss = [1.3, 0.8, 0.6]
        history.val_accuracy = [0.4, 0.6, 0.8] if accuracy else [None] * 3
    return history


# -- the five pictures ----------------------------------------------------------

def test_plot_kernels_png(tmp_path):
    path = tmp_path / "new" / "folder" / "kernels.png"      # parents are created
    layer = Conv2D(2, 3, 3, rng=0)
    fig = viz.plot_kernels(layer, path)
    check_png(fig, path)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[:2] == ["map 0, channel 0", "map 0, channel 1"]
    assert len(titles) == 3 * 2                             # F x C kernels
    image = fig.axes[0].images[0]
    low, high = image.get_clim()
    assert low == -high == -np.abs(layer.params["weight"]).max()   # symmetric about 0


def test_plot_kernels_one_channel_folds_into_a_square_grid(tmp_path):
    path = tmp_path / "kernels.png"
    fig = viz.plot_kernels(Conv2D(1, 16, 5, rng=0), path)    # 16 x 1 kernels: 4 x 4, not a strip
    check_png(fig, path)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == [f"map {f}" for f in range(16)]
    rows = {round(ax.get_position().y0, 3) for ax in shown}
    columns = {round(ax.get_position().x0, 3) for ax in shown}
    assert len(rows) == len(columns) == 4
    width, height = png_size(path)
    assert 0.75 <= width / height <= 1.5                    # near square
    fig = viz.plot_kernels(Conv2D(3, 1, 3, rng=0))          # one map, three channels: 2 x 2
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["channel 0", "channel 1",
                                                                "channel 2"]


def test_plot_kernels_many_kernels_as_one_image(tmp_path):
    path = tmp_path / "mosaic.png"
    fig = viz.plot_kernels(Conv2D(8, 9, 3, rng=0), path)   # 72 kernels > GRID_LIMIT
    check_png(fig, path)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 1
    assert images[0].images[0].get_array().shape == (9 * 4 - 1, 8 * 4 - 1)   # 1-pixel gaps


def test_plot_feature_maps_png(tmp_path):
    path = tmp_path / "maps.png"
    model = small_model()
    x = np.random.default_rng(0).random((1, 8, 8))
    fig = viz.plot_feature_maps(model, x, path)
    check_png(fig, path)
    # input (1 map) + Conv2D, ReLU, MaxPool2D (3 maps each) + one bar chart,
    # and a colour bar for each of the four rows of maps
    assert len([ax for ax in fig.axes if ax.images]) == 1 + 3 * 3
    assert len(fig.axes) == 1 + 3 * 3 + 4 + 1
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert labels == ["input\n1 x 8 x 8", "0 Conv2D\n3 x 6 x 6", "1 ReLU\n3 x 6 x 6",
                      "2 MaxPool2D\n3 x 3 x 3", "4 Dense\n4"]
    assert len(fig.axes[-1].patches) == 4                   # one bar per output unit


def test_plot_feature_maps_rows_have_colour_bars_of_their_own_scale():
    x = np.random.default_rng(0).random((1, 8, 8))
    fig = viz.plot_feature_maps(small_model(), x)
    bars = [ax for ax in fig.axes if ax.collections and not ax.images and not ax.patches]
    assert len(bars) == 4                                   # input, Conv2D, ReLU, MaxPool2D
    image_rows = [ax for ax in fig.axes if ax.images]
    assert image_rows[0].images[0].get_clim() == (x.min(), x.max())   # the input's own scale


def test_plot_feature_maps_max_maps_and_batch_of_one():
    fig = viz.plot_feature_maps(small_model(), np.ones((1, 1, 8, 8)), max_maps=2)
    assert len([ax for ax in fig.axes if ax.images]) == 1 + 3 * 2
    assert "0 Conv2D\n3 x 6 x 6\n(first 2)" in [ax.get_ylabel() for ax in fig.axes]


class TrainingSpy(ReLU):
    """A ReLU that records the training flag it saw in forward."""

    def forward(self, x):
        self.seen = self.training
        return super().forward(x)


def test_plot_feature_maps_uses_evaluation_mode_and_restores_flags():
    spy = TrainingSpy()
    model = convnet.Sequential(Conv2D(1, 2, 3, rng=0), spy, Dropout(0.5, rng=0), Flatten(),
                               Dense(2 * 6 * 6, 3, rng=0))
    model.train()
    model.layers[0].eval()                                   # a mixed state, kept as it was
    viz.plot_feature_maps(model, np.ones((1, 8, 8)))
    assert spy.seen is False
    assert [layer.training for layer in model.layers] == [False, True, True, True, True]


def test_plot_history_png(tmp_path):
    path = tmp_path / "history.png"
    fig = viz.plot_history(short_history(), path)
    check_png(fig, path)
    loss_ax, accuracy_ax = fig.axes
    assert loss_ax.get_xlabel() == accuracy_ax.get_xlabel() == "epoch"
    for ax in (loss_ax, accuracy_ax):
        styles = [line.get_linestyle() for line in ax.get_lines()]
        assert styles == ["-", "--"]                         # validation dashed


def test_plot_history_without_accuracy_or_validation():
    fig = viz.plot_history(short_history(accuracy=False, validation=False))
    loss_ax, accuracy_ax = fig.axes
    assert len(loss_ax.get_lines()) == 1 and not accuracy_ax.get_lines()
    assert "no accuracy" in accuracy_ax.texts[0].get_text()


def test_plot_receptive_field_png(tmp_path):
    path = tmp_path / "field.png"
    # LMU sheet 4-2(b): ten 5x5 "same" layers, a 41x41 field; in the corner 21x21 on the image
    fig = viz.plot_receptive_field([(5, 1, "same")] * 10, (0, 0), (64, 64), path)
    check_png(fig, path)
    title = fig.axes[0].get_title()
    assert "41x41" in title and "rows 0-20, columns 0-20" in title


def test_plot_receptive_field_accepts_layer_objects_and_generators():
    layers = [Conv2D(1, 1, 3, padding=1, rng=0), MaxPool2D(2), Conv2D(1, 1, 3, padding=1, rng=0)]
    fig = viz.plot_receptive_field(iter(layers), (0, 1), (12, 12))
    # field 8x8 starting at (-3, -3); pixel (0, 1) is 2 columns on: rows -3..4, cols -1..6
    assert "8x8" in fig.axes[0].get_title()
    assert "rows 0-4, columns 0-6" in fig.axes[0].get_title()


def test_plot_conv_matrix_png(tmp_path):
    path = tmp_path / "matrix.png"
    fig = viz.plot_conv_matrix([[1, 3], [2, 4]], (3, 3), order="F", path=path)   # Eq. 8.12
    check_png(fig, path)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "input pixel (vec index)"
    assert ax.get_ylabel() == "output pixel"
    matrix = conv_matrix([[1, 3], [2, 4]], (3, 3), order="F")
    taps = ax.images[0].get_array()
    assert np.array_equal(taps > 0, matrix != 0)            # white exactly where M is 0
    # every weight keeps one colour: tap t is k[(t - 1) // 2, (t - 1) % 2], row by row
    assert {(int(t), v) for t, v in zip(taps[taps > 0], matrix[matrix != 0])} == {
        (1, 1.0), (2, 3.0), (3, 2.0), (4, 4.0)}
    annotations = sorted(float(text.get_text()) for text in ax.texts)
    assert annotations == sorted(matrix[matrix != 0])


def test_plot_conv_matrix_keeps_zero_weights_coloured_and_large_ones_unannotated():
    sobel = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    fig = viz.plot_conv_matrix(sobel, (8, 8), padding=1)    # M is 64 x 64: no numbers
    ax = fig.axes[0]
    assert not ax.texts
    assert (ax.images[0].get_array() > 0).sum() > (conv_matrix(sobel, (8, 8), padding=1) != 0).sum()


def test_same_shapes_give_the_same_pixel_size(tmp_path):
    first = viz.plot_kernels(Conv2D(2, 3, 3, rng=0), tmp_path / "a.png")
    second = viz.plot_kernels(Conv2D(2, 3, 3, rng=1), tmp_path / "b.png")
    assert png_size(tmp_path / "a.png") == png_size(tmp_path / "b.png")
    assert np.array_equal(first.get_size_inches(), second.get_size_inches())


def test_without_path_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig = viz.plot_history(short_history())
    assert isinstance(fig, matplotlib.figure.Figure)
    assert list(tmp_path.iterdir()) == []


# -- no global state: nothing left open, nothing shown twice ------------------------

def every_picture():
    """One call of each viz function; returns the figures."""
    return [viz.plot_kernels(Conv2D(1, 4, 3, rng=0)),
            viz.plot_feature_maps(small_model(), np.ones((1, 8, 8))),
            viz.plot_history(short_history()),
            viz.plot_receptive_field([(3, 1, 1)], (0, 0), (5, 5)),
            viz.plot_conv_matrix([[1, 2], [3, 4]], (3, 3))]


def test_pictures_are_figures_unknown_to_pyplot():
    for fig in every_picture():
        assert isinstance(fig, matplotlib.figure.Figure)
        assert plt.get_fignums() == []                       # not registered with pyplot
        png = fig._repr_png_()                               # how a notebook shows it, once
        assert png[:8] == PNG_MAGIC
        assert struct.unpack(">II", png[16:24]) == tuple(int(v) for v in
                                                         fig.get_size_inches() * viz.DPI)


def test_twenty_five_saves_raise_no_warning(tmp_path):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                       # matplotlib warns beyond 20 open
        for i in range(25):                                  # the smallest picture, for speed
            viz.plot_conv_matrix([[1.0]], (2, 2), path=tmp_path / f"matrix{i}.png")
    assert len(list(tmp_path.iterdir())) == 25
    assert plt.get_fignums() == []


def test_pictures_survive_pickling():
    import pickle
    fig = pickle.loads(pickle.dumps(viz.plot_history(short_history())))
    assert fig._repr_png_()[:8] == PNG_MAGIC


# -- argument errors, in the library's wording ------------------------------------

@pytest.mark.parametrize("call, error, start", [
    (lambda: viz.plot_kernels(ReLU()), TypeError, "layer must be"),
    (lambda: viz.plot_kernels(MaxPool2D(2)), TypeError, "layer must be"),
    (lambda: viz.plot_kernels(Dense(3, 2, rng=0)), ValueError, "layer.params['weight'] must be"),
    (lambda: viz.plot_feature_maps([ReLU()], np.ones((1, 8, 8))), TypeError, "model must be"),
    (lambda: viz.plot_feature_maps(small_model(), np.ones((2, 1, 8, 8))), ValueError,
     "x must be one sample"),
    (lambda: viz.plot_feature_maps(small_model(), np.ones((8, 8))), ValueError, "x must be"),
    (lambda: viz.plot_feature_maps(small_model(), np.ones((1, 8, 8)), max_maps=0), ValueError,
     "max_maps must be"),
    (lambda: viz.plot_history({"loss": [1.0]}), TypeError, "history must be"),
    (lambda: viz.plot_history(History()), ValueError, "history must be"),
    (lambda: viz.plot_receptive_field("conv", (0, 0), (8, 8)), TypeError, "layers must be"),
    (lambda: viz.plot_receptive_field([(3,)], (2, 0), (4, 4)), ValueError,
     "output_pixel must be a pixel of the 2x2 output"),
    (lambda: viz.plot_receptive_field([(3,)], (0, 0), (4, 0)), ValueError, "input_shape must be"),
    (lambda: viz.plot_conv_matrix("abc", (3, 3)), TypeError, "k must be"),
    (lambda: viz.plot_conv_matrix([[1, 2]], (3, 3), order="G"), ValueError, "order must be"),
    (lambda: viz.plot_history(short_history(), path=3), TypeError, "path must be"),
    (lambda: viz.plot_history(short_history(), path="curves.pdf"), ValueError, "path must be"),
])
def test_argument_errors_name_the_argument(call, error, start):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(start)
    assert "; got " in str(info.value)


# -- without matplotlib --------------------------------------------------------------

@pytest.fixture
def no_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)          # as if not installed
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)


@pytest.mark.parametrize("call", [
    lambda: viz.plot_kernels(Conv2D(1, 2, 3, rng=0)),
    lambda: viz.plot_feature_maps(small_model(), np.ones((1, 8, 8))),
    lambda: viz.plot_history(short_history()),
    lambda: viz.plot_receptive_field([(3, 1, 1)], (0, 0), (5, 5)),
    lambda: viz.plot_conv_matrix([[1, 2], [3, 4]], (3, 3)),
], ids=["kernels", "feature_maps", "history", "receptive_field", "conv_matrix"])
def test_without_matplotlib_drawing_says_what_to_install(no_matplotlib, call):
    with pytest.raises(ImportError, match=r'pip install "convnet\[plot\]"'):
        call()


def test_without_matplotlib_arguments_are_still_checked_first(no_matplotlib):
    with pytest.raises(TypeError, match="^layer must be"):
        viz.plot_kernels(ReLU())


def test_importing_viz_does_not_need_matplotlib(no_matplotlib):
    reloaded = importlib.reload(viz)                   # runs the module's top level again
    assert callable(reloaded.plot_kernels)


def test_viz_imports_matplotlib_only_inside_functions():
    modules = [viz] + [importlib.import_module(f"{viz.__name__}.{info.name}")
                       for info in pkgutil.iter_modules(viz.__path__)]   # the package's modules
    for module in modules:
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:                         # the module's top level only
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("matplotlib") for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("matplotlib")
