"""Losses: values by hand, gradients by central differences, targets validated."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

from convnet.gradcheck import check_loss_gradient
from convnet.losses import MSELoss, SoftmaxCrossEntropy, one_hot


def test_cross_entropy_by_hand():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    # sample 0, label 2: -log(e^3 / (e + e^2 + e^3)); sample 1, label 0: log 3
    expected = (-math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3)))
                + math.log(3)) / 2
    loss = SoftmaxCrossEntropy()
    assert loss.forward(logits, [2, 0]) == pytest.approx(expected, rel=1e-14)
    p0 = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(loss.backward(),
                               [(p0 - [0, 0, 1]) / 2, (np.full(3, 1 / 3) - [1, 0, 0]) / 2],
                               rtol=1e-14)


def test_one_hot_and_labels_agree():
    logits = np.random.default_rng(0).normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    a, b = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    assert a.forward(logits, labels) == pytest.approx(b.forward(logits, one_hot(labels, 4)),
                                                      rel=1e-15)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_extreme_logits(dtype):
    logits = np.array([[1e4, 0.0], [0.0, 1e4], [-1e4, 1e4]], dtype=dtype)
    loss = SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.forward(logits, [0, 0, 1])
        grad = loss.backward()
    assert value == pytest.approx(1e4 / 3, rel=1e-6)   # only sample 1 is wrong, by 1e4
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    np.testing.assert_allclose(grad, [[0, 0], [-1 / 3, 1 / 3], [0, 0]], atol=1e-7)


@given(st.integers(1, 5), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_cross_entropy_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 3
    labels = rng.integers(0, k, size=n)
    report = check_loss_gradient(SoftmaxCrossEntropy(), logits, labels)
    assert report.passed, report
    soft = rng.dirichlet(np.ones(k), size=n)
    assert check_loss_gradient(SoftmaxCrossEntropy(), logits, soft).passed


@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_mse_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    assert check_loss_gradient(MSELoss(), rng.normal(size=(n, k)),
                               rng.normal(size=(n, k))).passed


def test_mse_by_hand_and_labels():
    loss = MSELoss()
    # prediction [[0.5, 0.5]], label 1 -> target [0, 1]: (0.25 + 0.25) / 2
    assert loss.forward(np.array([[0.5, 0.5]]), np.array([1])) == 0.25
    np.testing.assert_array_equal(loss.backward(), [[0.5, -0.5]])


def raises(error, message):
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def test_labels_out_of_range():
    with raises(ValueError, "target must be class labels in [0, 2]; got 3 at index 1"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    with raises(ValueError, "target must be class labels in [0, 2]; got -1 at index 0"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [-1, 0])


def test_bad_targets():
    with raises(ValueError, "target must be of shape (2,) (one label per sample); got shape (3,)"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [0, 1, 2])
    with raises(ValueError, "target must be whole-number class labels; got non-integer values"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [0.5, 1.0])
    with pytest.raises(ValueError, match="^target must be rows that are probability"):
        SoftmaxCrossEntropy().forward(np.zeros((1, 2)), [[1.0, 1.0]])
    with pytest.raises(TypeError, match="^target must be integer class labels"):
        SoftmaxCrossEntropy().forward(np.zeros((1, 2)), np.array(["a"]))


def test_loss_backward_before_forward():
    with raises(RuntimeError, "SoftmaxCrossEntropy.backward() was called before forward()"):
        SoftmaxCrossEntropy().backward()


def test_mse_float_targets_are_regression_targets_not_labels():
    # Found in review: float (N,) targets were one-hot encoded.
    assert MSELoss().forward(np.zeros((2, 1)), np.array([0.0, 0.0])) == 0.0
    assert MSELoss().forward(np.zeros((2, 1)), np.array([1.0, 3.0])) == 5.0   # (1 + 9) / 2


def test_cross_entropy_with_rows_and_logits_beyond_the_float_range():
    # Found in review: 0 * log p with log p = -inf gave NaN.
    logits = np.array([[3e38, -3e38]], np.float32)
    loss = SoftmaxCrossEntropy()
    assert loss.forward(logits, np.array([[1.0, 0.0]])) == 0.0
    np.testing.assert_array_equal(loss.backward(), [[0.0, 0.0]])


def test_label_smoothing_and_class_weights_by_hand():
    # Logits (0, 0) give p = (1/2, 1/2), log p = -log 2 for both classes; label 1.
    z, log2 = np.array([[0.0, 0.0]]), math.log(2)
    # Smoothing 0.2 over K = 2: target (0.1, 0.9); loss -(0.1 + 0.9)(-log 2) = log 2;
    # gradient p - target = (0.5 - 0.1, 0.5 - 0.9) = (0.4, -0.4).
    loss = SoftmaxCrossEntropy(label_smoothing=0.2)
    assert loss.forward(z, np.array([1])) == pytest.approx(log2, abs=1e-15)
    np.testing.assert_allclose(loss.backward(), [[0.4, -0.4]], atol=1e-15)
    # Weights (1, 3), labels (1, 0) on two such rows: terms 3 log 2 and 1 log 2 over the
    # labels' total weight 3 + 1 = 4 ("mean", as PyTorch): log 2; with "sum": 4 log 2.
    z2 = np.zeros((2, 2))
    for reduction, expected, divisor in (("mean", log2, 4), ("sum", 4 * log2, 1)):
        loss = SoftmaxCrossEntropy(weight=[1.0, 3.0], reduction=reduction)
        assert loss.forward(z2, np.array([1, 0])) == pytest.approx(expected, abs=1e-15)
        # row 0 (label 1, weight 3): 3 (p - onehot) = (1.5, -1.5); row 1: (-0.5, 0.5)
        np.testing.assert_allclose(loss.backward(), np.array([[1.5, -1.5], [-0.5, 0.5]]) / divisor,
                                   atol=1e-15)


@given(st.integers(1, 5), st.integers(2, 6), st.integers(0, 2**32 - 1),
       st.sampled_from([0.0, 0.1, 1.0]), st.booleans(), st.sampled_from(["mean", "sum"]))
def test_cross_entropy_gradient_with_every_option(n, k, seed, smoothing, weighted, reduction):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 3
    weight = rng.uniform(0.1, 2.0, size=k) if weighted else None
    options = dict(weight=weight, reduction=reduction, label_smoothing=smoothing)
    labels = rng.integers(0, k, size=n)
    assert check_loss_gradient(SoftmaxCrossEntropy(**options), logits, labels).passed
    soft = rng.dirichlet(np.ones(k), size=n)
    assert check_loss_gradient(SoftmaxCrossEntropy(**options), logits, soft).passed


def test_cross_entropy_options_are_checked():
    with pytest.raises(ValueError, match=r"^reduction must be one of .*; got 'none'"):
        SoftmaxCrossEntropy(reduction="none")
    with pytest.raises(ValueError, match=r"^label_smoothing must be a number in \[0.0, 1.0\]"):
        SoftmaxCrossEntropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"^weight must be non-negative class weights"):
        SoftmaxCrossEntropy(weight=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"^weight must be one weight per class, shape \(3,\)"):
        SoftmaxCrossEntropy(weight=[1.0, 2.0]).forward(np.zeros((2, 3)), np.array([0, 1]))
    assert repr(SoftmaxCrossEntropy(label_smoothing=0.1)) == \
        "SoftmaxCrossEntropy(label_smoothing=0.1)"


def test_mse_sum_by_hand():
    # (1 - 0)^2 + (3 - 1)^2 = 5; gradient 2 (y - t) = (2, 4)
    loss = MSELoss(reduction="sum")
    assert loss.forward(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]])) == 5.0
    np.testing.assert_array_equal(loss.backward(), [[2.0, 4.0]])
    assert repr(loss) == "MSELoss(reduction='sum')" and repr(MSELoss()) == "MSELoss()"
    with pytest.raises(ValueError, match=r"^reduction must be one of .*; got 'none'"):
        MSELoss(reduction="none")
