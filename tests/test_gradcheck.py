"""The gradient checker itself: it passes correct gradients and catches one wrong index."""

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.gradcheck import check_gradients, compare_gradients, numerical_gradient


def test_numerical_gradient_of_a_known_function():
    # f(x) = sum(x^3) has gradient 3 x^2
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored exactly


class WrongIndexConv2D(L.Conv2D):
    """A Conv2D whose weight gradient has two entries swapped: one wrong index."""

    def backward(self, dy):
        dx = super().backward(dy)
        g = self.grads["weight"]
        g[0, 0, 0, 0], g[0, 0, 0, 1] = g[0, 0, 0, 1], g[0, 0, 0, 0]
        return dx


def test_checker_catches_a_single_wrong_index():
    x = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
    good = check_gradients(L.Conv2D(1, 2, 3, rng=1), x)
    assert good.passed
    bad = check_gradients(WrongIndexConv2D(1, 2, 3, rng=1), x)
    assert not bad.passed
    assert bad["input"].passed and bad["bias"].passed and not bad["weight"].passed
    assert "FAIL" in str(bad)


def test_checker_catches_a_small_corruption():
    # One element off by 1e-4 of a gradient of order one: far above the
    # tolerance (1e-8 + 1e-6 |g|), far below what eyeballing would notice.
    x = np.random.default_rng(0).normal(size=(3, 4))
    layer = L.Dense(4, 2, rng=0, dtype=np.float64)
    layer.forward(x)
    layer.backward(np.ones((3, 2)))
    analytic = layer.grads["weight"].copy()
    numeric = numerical_gradient(
        lambda _: float(np.sum(layer.forward(x))), layer.params["weight"])
    assert compare_gradients("weight", analytic, numeric).passed
    analytic[1, 2] += 1e-4
    assert not compare_gradients("weight", analytic, numeric).passed


def test_report_prints_a_table():
    report = check_gradients(L.Dense(3, 2, rng=0, dtype=np.float64), np.ones((2, 3)))
    text = str(report)
    assert report.copied_from == "" and text.startswith("gradient check")
    assert text.splitlines()[1].split() == ["tensor", "shape", "max", "abs", "err", "max",
                                            "rel", "err", "result"]
    assert [line.split()[0] for line in text.splitlines()[2:5]] == ["input", "weight", "bias"]
    assert text.endswith("passed")


def test_a_float32_layer_is_checked_through_a_float64_copy_and_left_alone():
    layer = L.Dense(3, 2, rng=0)                           # float32, the default
    before = {name: value.copy() for name, value in layer.params.items()}
    report = check_gradients(layer, np.ones((2, 3)))
    assert report.passed and report.copied_from == "float32"
    assert str(report).splitlines()[0].startswith("checked a float64 copy of the float32 layer")
    for name, value in layer.params.items():
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, before[name])
    assert layer.grads == {} and layer.dtype == np.float32


def test_a_float32_model_with_running_statistics_is_checked_through_a_copy():
    model = convnet.Sequential(L.Conv2D(1, 2, 3, rng=0), L.BatchNorm2D(2), L.ReLU(),
                               L.Flatten(), L.Dense(8, 3, rng=1)).eval()
    model.layers[1].state["running_var"][...] = [0.5, 2.0]
    state = {name: value.copy() for name, value in model.state().items()}
    report = check_gradients(model, np.random.default_rng(0).normal(size=(2, 1, 4, 4)))
    assert report.passed and report.copied_from == "float32"
    assert {value.dtype for value in model.parameters().values()} == {np.dtype(np.float32)}
    for name, value in model.state().items():
        np.testing.assert_array_equal(value, state[name])
    assert model.gradients() == {}


def test_a_wrong_index_is_caught_through_the_float64_copy_too():
    x = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
    bad = check_gradients(WrongIndexConv2D(1, 2, 3, rng=1), x)
    assert bad.copied_from == "float32" and not bad["weight"].passed


def test_numerical_gradient_needs_float64():
    with pytest.raises(TypeError, match="x must be a float64 ndarray"):
        numerical_gradient(lambda v: 0.0, np.ones(3, np.float32))


class Scale:
    """Not a convnet layer: y = a * x with params / grads dicts and a dtype, as a user writes."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.params = {"a": np.array([1.5], dtype)}
        self.grads = {}

    def forward(self, x):
        self.x = np.asarray(x, self.dtype)
        return self.params["a"] * self.x

    def backward(self, dy):
        self.grads["a"] = np.array([np.sum(dy * self.x)])
        return dy * self.params["a"]


def test_an_object_with_params_and_grads_is_copied_to_float64_too():
    layer = Scale(np.float32)
    report = check_gradients(layer, np.random.default_rng(0).normal(size=(2, 3)))
    assert report.passed and report.copied_from == "float32"
    assert layer.params["a"].dtype == np.float32 and layer.grads == {}
