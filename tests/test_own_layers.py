"""Layers of one's own: the Layer protocol, summaries that name the layer at fault, register_layer."""

import numpy as np
import pytest

import convnet
from convnet import _registry
from convnet.gradcheck import check_gradients
from convnet.layers import Conv2D, Dense, Flatten, Layer, ReLU


class ChannelScale(Layer):
    """y[n, c] = g[c]·x[n, c]: one trained gain per channel (a user's layer)."""

    def __init__(self, channels, dtype=np.float64):
        super().__init__()
        self.channels = channels
        self.params["weight"] = np.ones(channels, dtype=dtype)

    def config(self):
        return {"channels": self.channels}

    def forward(self, x):
        self._keep(x)
        return x * self.params["weight"][None, :, None, None]

    def backward(self, dy):
        x = self._saved()
        self.grads["weight"] = (dy * x).sum(axis=(0, 2, 3))
        return dy * self.params["weight"][None, :, None, None]

    def output_shape(self, input_shape):
        return tuple(input_shape)


class NoShape(ChannelScale):
    output_shape = Layer.output_shape          # as a user who did not write one


@pytest.fixture
def registry(monkeypatch):
    """A registry of its own for the test: registrations do not leak into other tests."""
    monkeypatch.setattr(_registry, "_REGISTERED", {})


def _model(middle):
    return convnet.Sequential(Conv2D(1, 2, 3, rng=0, dtype=np.float64), middle, ReLU(),
                              Flatten(), Dense(2 * 4 * 4, 3, rng=0, dtype=np.float64))


def test_summary_names_the_layer_without_output_shape_not_the_next_one():
    with pytest.raises(NotImplementedError, match=r"layer 1, NoShape: NoShape does not define "
                                                  r"output_shape"):
        _model(NoShape(2)).summary((1, 6, 6))


def test_a_users_layer_with_output_shape_gets_its_summary_row():
    rows = _model(ChannelScale(2)).summary((1, 6, 6)).rows
    # input, Conv2D (2·9 + 2 = 20), ChannelScale (2 gains), ReLU, Flatten, Dense (32·3 + 3)
    assert [count for _, _, count in rows] == [0, 20, 2, 0, 0, 99]
    assert rows[2][0] == "1 ChannelScale" and rows[2][1] == (2, 4, 4)


def test_a_users_layer_passes_the_gradient_check_inside_sequential():
    layer = ChannelScale(2)
    layer.params["weight"][:] = [0.5, -2.0]
    x = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
    assert check_gradients(_model(layer), x).passed


def test_load_of_an_unregistered_layer_says_how_to_register_it(tmp_path, registry):
    path = tmp_path / "model.npz"
    _model(ChannelScale(2)).save(path)
    with pytest.raises(convnet.ModelFileError,
                       match=r"unknown layer type 'ChannelScale'.*convnet\.register_layer"
                             r"\(ChannelScale\)"):
        convnet.load(path)


def test_registered_layer_is_rebuilt_by_load(tmp_path, registry):
    assert convnet.register_layer(ChannelScale) is ChannelScale
    model = _model(ChannelScale(2))
    model.layers[1].params["weight"][:] = [0.25, 3.0]
    path = tmp_path / "model.npz"
    model.save(path)
    again = convnet.load(path)
    assert type(again.layers[1]) is ChannelScale
    np.testing.assert_array_equal(again.layers[1].params["weight"], [0.25, 3.0])
    x = np.random.default_rng(1).normal(size=(2, 1, 6, 6))
    np.testing.assert_array_equal(again.forward(x), model.forward(x))


def test_registering_again_under_the_same_name_replaces_the_class(registry):
    first = type("Gain", (ChannelScale,), {})
    second = type("Gain", (ChannelScale,), {})
    convnet.register_layer(first)
    convnet.register_layer(second)
    assert _registry.registered_layers() == {"Gain": second}


def test_register_layer_refuses_what_a_file_could_not_name(registry):
    with pytest.raises(TypeError, match="cls must be a subclass of convnet.layers.Layer"):
        convnet.register_layer(ChannelScale(2))
    clash = type("Conv2D", (ChannelScale,), {})
    with pytest.raises(ValueError, match="cls must be a class whose name is not that of a "
                                         "library layer"):
        convnet.register_layer(clash)
    assert convnet.register_layer(Conv2D) is Conv2D         # the library's own: nothing to do
    assert _registry.registered_layers() == {}
