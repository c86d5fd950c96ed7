"""Optimizer steps against updates computed by hand (plain Python floats)."""

import math

import numpy as np
import pytest

from convnet.layers import Dense
from convnet.optim import SGD, Adam


def one_weight(value=1.0):
    layer = Dense(1, 1, bias=False, rng=0, dtype=np.float64)
    layer.params["weight"][...] = value
    return layer


def run(optimizer, grads, start=1.0):
    layer = one_weight(start)
    values = []
    for g in grads:
        layer.grads["weight"] = np.array([[g]])
        optimizer.step(layer)
        values.append(float(layer.params["weight"][0, 0]))
    return values


def test_plain_sgd():
    # p = 1 - 0.1 * 0.5 = 0.95, then 0.95 - 0.1 * (-2) = 1.15
    assert run(SGD(lr=0.1), [0.5, -2.0]) == pytest.approx([0.95, 1.15], abs=1e-15)


def test_sgd_momentum():
    # v1 = 1, p1 = 1 - 0.1*1 = 0.9; v2 = 0.9*1 + 1 = 1.9, p2 = 0.9 - 0.19 = 0.71
    assert run(SGD(lr=0.1, momentum=0.9), [1.0, 1.0]) == pytest.approx([0.9, 0.71], abs=1e-15)


def test_sgd_nesterov():
    # v1 = 1, step g + 0.9 v1 = 1.9 -> p1 = 0.81
    # v2 = 1.9, step 1 + 0.9*1.9 = 2.71 -> p2 = 0.81 - 0.271 = 0.539
    assert run(SGD(lr=0.1, momentum=0.9, nesterov=True), [1.0, 1.0]) == \
        pytest.approx([0.81, 0.539], abs=1e-15)


def test_sgd_weight_decay():
    # g' = 1 + 0.1 * 1 = 1.1 -> p = 1 - 0.11 = 0.89
    assert run(SGD(lr=0.1, weight_decay=0.1), [1.0]) == pytest.approx([0.89], abs=1e-15)


def test_adam_two_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate([0.5, -1.0], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        expected.append(p)
    # first step: m_hat = 0.5, v_hat = 0.25 -> p = 1 - 0.1 * 0.5 / 0.5 = 0.9 (up to eps)
    assert expected[0] == pytest.approx(0.9, abs=1e-8)
    assert run(Adam(lr=lr), [0.5, -1.0]) == pytest.approx(expected, rel=1e-14)


def test_state_is_kept_per_parameter_name():
    layer = Dense(1, 1, rng=0, dtype=np.float64)
    layer.params["weight"][...] = 1.0
    opt = SGD(lr=0.1, momentum=0.5)
    layer.grads = {"weight": np.array([[1.0]]), "bias": np.array([2.0])}
    opt.step(layer)
    opt.step(layer)
    assert set(opt.state) == {"weight", "bias"}
    np.testing.assert_allclose(opt.state["bias"]["velocity"], [3.0])   # 0.5*2 + 2


def test_float32_parameters_stay_float32():
    layer = Dense(2, 2, rng=0, dtype=np.float32)
    layer.grads = {"weight": np.ones((2, 2)), "bias": np.ones(2)}
    Adam().step(layer)
    assert layer.params["weight"].dtype == np.float32


def test_missing_gradient_and_bad_options():
    with pytest.raises(RuntimeError, match="no gradient for parameter 'weight'"):
        SGD(lr=0.1).step(Dense(1, 1, rng=0))
    with pytest.raises(ValueError, match=r"^lr must be a number in \(0.0, inf\]; got 0 \(int\)$"):
        SGD(lr=0)
    with pytest.raises(ValueError, match="nesterov must be False when momentum is 0"):
        SGD(lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam(betas=0.9)
