"""Activations and their derivatives: values, derivative = finite difference, extremes."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from convnet.functional import activations as act

PAIRS = [
    (act.relu, act.relu_derivative),
    (act.leaky_relu, act.leaky_relu_derivative),
    (act.sigmoid, act.sigmoid_derivative),
    (act.tanh, act.tanh_derivative),
]


@pytest.mark.parametrize("f, derivative", PAIRS, ids=lambda p: getattr(p, "__name__", ""))
@given(st.lists(st.floats(-8, 8).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=20))
def test_derivative_matches_central_difference(f, derivative, values):
    n = np.array(values)
    eps = 1e-6
    numeric = (f(n + eps) - f(n - eps)) / (2 * eps)
    np.testing.assert_allclose(derivative(n), numeric, rtol=1e-6, atol=1e-8)


def test_relu_and_leaky_values():
    np.testing.assert_array_equal(act.relu([-1.0, 0.0, 2.0]), [0, 0, 2])
    np.testing.assert_array_equal(act.leaky_relu([-1.0, 2.0], 0.2), [-0.2, 2])
    np.testing.assert_array_equal(act.leaky_relu_derivative([-1.0, 2.0], 0.2), [0.2, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_tanh_at_extremes(dtype):
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = act.sigmoid(x)
        t = act.tanh(x)
    assert s.dtype == dtype and np.all(np.isfinite(s)) and np.all(np.isfinite(t))
    for value, got in zip(x, s):
        exact = 1 / (1 + math.exp(-value)) if value > -700 else 0.0
        assert got == pytest.approx(exact, rel=1e-6, abs=1e-30)
    np.testing.assert_array_equal(t[[0, -1]], [-1, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_at_extremes(dtype):
    x = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = act.softmax(x)
        log_s = act.log_softmax(x)
    assert s.dtype == dtype
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(log_s[0], [0, -1e4, -2e4], rtol=1e-6)
    np.testing.assert_allclose(log_s[1], [-math.log(3)] * 3, rtol=1e-6)


def test_softmax_values_by_hand():
    e = [math.exp(1), math.exp(2), math.exp(3)]
    np.testing.assert_allclose(act.softmax([1.0, 2.0, 3.0]), [v / sum(e) for v in e], rtol=1e-14)


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_softmax_jacobian_matches_central_difference(k, seed):
    x = np.random.default_rng(seed).normal(size=k)
    eps = 1e-6
    numeric = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = eps
        numeric[:, j] = (act.softmax(x + step) - act.softmax(x - step)) / (2 * eps)
    np.testing.assert_allclose(act.softmax_derivative(x), numeric, rtol=1e-6, atol=1e-9)
    dy = np.random.default_rng(seed + 1).normal(size=k)
    np.testing.assert_allclose(act.softmax_backward(dy, x),
                               act.softmax_derivative(x).T @ dy, rtol=1e-12, atol=1e-14)


def test_softmax_axis():
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_allclose(act.softmax(x, axis=0).sum(axis=0), [1, 1], rtol=1e-15)
    with pytest.raises(ValueError, match=r"axis must be in \[-2, 1\]"):
        act.softmax(x, axis=2)
