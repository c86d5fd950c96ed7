"""Numerical extremes: logits of ±1e4 in float32 and float64, against high-precision values.

The reference values come from Python's ``decimal`` module at 60 digits, an
independent oracle that neither overflows nor underflows at these sizes.
"""

import math
import warnings
from decimal import Decimal, getcontext

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.functional import (log_softmax, sigmoid, sigmoid_derivative, softmax,
                                softmax_backward, tanh, tanh_derivative)
from convnet.losses import SoftmaxCrossEntropy
from convnet.model import DivergenceError
from convnet.optim import SGD

getcontext().prec = 60
DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 2e-6, np.float64: 1e-13}
EXTREME_ROWS = [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4 - 1, 0.0], [50.0, -50.0, 0.5],
                [0.0, 0.0, 0.0], [-1e4, 1e4, 3.0]]
SCALARS = [-1e4, -745.0, -88.0, -50.0, -1.0, 0.0, 1e-8, 1.0, 50.0, 88.0, 745.0, 1e4]


def exact_softmax(row):
    exps = [Decimal(v).exp() for v in row]
    total = sum(exps)
    return [float(e / total) for e in exps]


def exact_log_softmax(row):
    exps = [Decimal(v).exp() for v in row]
    log_total = sum(exps).ln()
    return [float(Decimal(v) - log_total) for v in row]


def close(got, exact, dtype):
    # relative where the exact value is representable, absolute near the underflow limit
    tiny = float(np.finfo(dtype).tiny)
    return abs(got - exact) <= RTOL[dtype] * abs(exact) + 2 * tiny


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", EXTREME_ROWS)
def test_softmax_and_log_softmax(row, dtype):
    x = np.array(row, dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, log_s = softmax(x), log_softmax(x)
    assert s.dtype == dtype and np.all(np.isfinite(s)) and np.all(np.isfinite(log_s))
    for got, exact in zip(s, exact_softmax(row)):
        assert close(float(got), exact, dtype), (got, exact)
    for got, exact in zip(log_s, exact_log_softmax(row)):
        assert abs(float(got) - exact) <= RTOL[dtype] * max(1.0, abs(exact)), (got, exact)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", SCALARS)
def test_sigmoid_and_tanh(value, dtype):
    x = np.array([value], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, t = sigmoid(x)[0], tanh(x)[0]
        ds, dt = sigmoid_derivative(x)[0], tanh_derivative(x)[0]
    d = Decimal(float(x[0]))          # the value as stored in this precision
    exact_s = float(1 / (1 + (-d).exp()))
    exact_t = float(((2 * d).exp() - 1) / ((2 * d).exp() + 1)) if abs(d) < 400 else math.copysign(1.0, value)
    assert close(float(s), exact_s, dtype), (s, exact_s)
    assert close(float(t), exact_t, dtype), (t, exact_t)
    assert np.isfinite(ds) and np.isfinite(dt) and ds >= 0 and dt >= 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", EXTREME_ROWS)
def test_cross_entropy_and_its_gradient(row, dtype):
    logits = np.array([row], dtype=dtype)
    for label in range(3):
        loss = SoftmaxCrossEntropy()
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = loss.forward(logits, [label])
            grad = loss.backward()
        exact = -exact_log_softmax(row)[label]
        assert math.isfinite(value) and abs(value - exact) <= RTOL[dtype] * max(1.0, abs(exact))
        exact_grad = np.array(exact_softmax(row)) - np.eye(3)[label]
        assert grad.dtype == dtype and np.all(np.isfinite(grad))
        np.testing.assert_allclose(grad[0], exact_grad, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_backward_stays_finite(dtype):
    y = softmax(np.array(EXTREME_ROWS, dtype=dtype))
    dy = np.full_like(y, 1e4)
    assert np.all(np.isfinite(softmax_backward(dy, y)))


@pytest.mark.parametrize("engine", ["fast", "plain"])
def test_a_step_that_overflows_raises_divergence_and_no_numpy_warning(engine):
    # Finite but huge weights: 1e10 * 1e300 overflows float64 in the forward product, the
    # scores become inf and the loss NaN.  The DivergenceError says so; NumPy's overflow
    # and invalid-value warnings from inside the step would only repeat it, less clearly.
    model = convnet.Sequential(L.Conv2D(1, 2, 3, rng=0, dtype=np.float64), L.Flatten(),
                               L.Dense(8, 3, rng=1, dtype=np.float64))
    model.layers[2].params["weight"][...] = 1e300
    before = {k: v.copy() for k, v in model.parameters().items()}
    x = np.full((2, 1, 4, 4), 1e10)
    with convnet.engine(engine), warnings.catch_warnings():
        warnings.simplefilter("error")                     # any warning fails the test
        with pytest.raises(DivergenceError, match=r"^the loss became nan$"):
            model.train_batch(x, np.array([0, 2]), SoftmaxCrossEntropy(), SGD(0.1))
    assert all(np.array_equal(v, before[k]) for k, v in model.parameters().items())


def test_a_diverging_learning_rate_stops_training_with_the_parameters_intact():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 1, 6, 6)) * 1e3
    y = rng.normal(size=(32, 2)) * 1e3
    model = convnet.Sequential(L.Conv2D(1, 2, 3, rng=0), L.Flatten(), L.Dense(32, 2, rng=1))
    states = [{k: v.copy() for k, v in model.parameters().items()}]   # after each step

    class Recording(SGD):
        def step(self, model):
            super().step(model)
            states.append({k: v.copy() for k, v in model.parameters().items()})

    with pytest.raises(DivergenceError, match=r"^training stopped at epoch \d+, batch \d+: "):
        model.fit(x, y, epochs=100, batch_size=8, loss="mse", optimizer=Recording(1e3),
                  verbose=False, seed=0)
    params = model.parameters()
    assert all(np.all(np.isfinite(v)) for v in params.values())
    # the parameters are those after the last step that left them finite
    good = [state for state in states if all(np.all(np.isfinite(v)) for v in state.values())]
    assert all(np.array_equal(params[k], good[-1][k]) for k in params)
