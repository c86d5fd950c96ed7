"""Batch norm and group norm, the functions: worked examples, reference == plain == fast, errors.

The worked examples are small enough to do by hand (the arithmetic is in the
comments).  The loops of ``convnet.reference`` follow the computational graph
(Eq. N.9-N.12 of docs/backprop.md), the other two engines the simplified
Eq. N.13, so their agreement checks the simplification as well.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import convnet
from convnet import functional as F

from .test_engines import assert_same, in_every_engine

DTYPES = st.sampled_from([np.float64, np.float32])


# -- worked examples -------------------------------------------------------------------------

def test_two_samples_of_one_feature_by_hand():
    x = np.array([[1.0], [3.0]])            # mean 2, biased variance ((1-2)^2 + (3-2)^2)/2 = 1
    for engine in convnet.functional.ENGINES:
        with convnet.engine(engine):
            running_mean, running_var = np.array([0.5]), np.array([2.0])
            y = F.batch_norm(x, [3.0], [1.0], running_mean, running_var, momentum=0.25,
                             eps=0.0)
            np.testing.assert_allclose(y, [[-2.0], [4.0]])    # 3 * (-1) + 1, 3 * 1 + 1
            # 0.75 * 0.5 + 0.25 * 2;  0.75 * 2 + 0.25 * 2 (unbiased: 2 / (2 - 1) = 2)
            np.testing.assert_allclose(running_mean, [0.875])
            np.testing.assert_allclose(running_var, [2.0])


def test_a_feature_map_by_hand_in_training_and_in_evaluation():
    # One channel, two 1x2 maps: the values 0, 2, 4, 6; mean 3, variance (9+1+1+9)/4 = 5.
    x = np.array([0.0, 2.0, 4.0, 6.0]).reshape(2, 1, 1, 2)
    expected = (x - 3.0) / np.sqrt(5.0)
    # Evaluation with running mean 1 and variance 4: (x - 1) / 2.
    for engine in convnet.functional.ENGINES:
        with convnet.engine(engine):
            np.testing.assert_allclose(F.batch_norm(x, eps=0.0), expected, rtol=1e-14)
            np.testing.assert_allclose(
                F.batch_norm(x, running_mean=[1.0], running_var=[4.0], training=False,
                             eps=0.0).ravel(), [-0.5, 0.5, 1.5, 2.5])


def test_backward_by_hand():
    # x = 1, 1, 3, 3: mean 2, variance 1, x_hat = -1, -1, 1, 1, sigma = 1, m = 4.
    # dz = 1, 0, 0, 0: sum dz = 1, sum dz x_hat = -1, and with gamma = 2 (Eq. N.13)
    # dx = (gamma / (m sigma)) (m dz - sum dz - x_hat sum dz x_hat) = (2/4) (4 dz - 1 + x_hat)
    #    = 0.5 * (2, -2, 0, 0) = (1, -1, 0, 0).
    x = np.array([1.0, 1.0, 3.0, 3.0]).reshape(4, 1)
    dz = np.array([1.0, 0.0, 0.0, 0.0]).reshape(4, 1)
    for engine in convnet.functional.ENGINES:
        with convnet.engine(engine):
            dx, dgamma, dbeta = F.batch_norm_backward(dz, x, [2.0], [0.0], eps=0.0)
            np.testing.assert_allclose(dx.ravel(), [1.0, -1.0, 0.0, 0.0], atol=1e-15)
            np.testing.assert_allclose(dgamma, [-1.0])     # sum dz x_hat
            np.testing.assert_allclose(dbeta, [1.0])       # sum dz
            # Evaluation with running variance 4: dx = gamma dz / 2 (Eq. N.14).
            dx, _, _ = F.batch_norm_backward(dz, x, [2.0], [0.0], [0.0], [4.0],
                                             training=False, eps=0.0)
            np.testing.assert_allclose(dx.ravel(), [1.0, 0.0, 0.0, 0.0])


def test_group_norm_covers_layer_norm_and_instance_norm_by_hand():
    # One sample, two channels of two positions: channel 0 = (0, 2), channel 1 = (4, 6).
    x = np.array([[[0.0, 2.0], [4.0, 6.0]]])
    for engine in convnet.functional.ENGINES:
        with convnet.engine(engine):
            layer_norm = F.group_norm(x, 1, eps=0.0)       # mean 3, variance 5 over all four
            np.testing.assert_allclose(layer_norm, (x - 3.0) / np.sqrt(5.0), rtol=1e-14)
            instance = F.group_norm(x, 2, eps=0.0)         # each channel: -1, 1
            np.testing.assert_allclose(instance, [[[-1.0, 1.0], [-1.0, 1.0]]])


def test_without_gamma_and_beta_the_gradients_of_them_are_none():
    x, dz = np.arange(6.0).reshape(3, 2), np.ones((3, 2))
    for engine in convnet.functional.ENGINES:
        with convnet.engine(engine):
            dx, dgamma, dbeta = F.batch_norm_backward(dz, x)
            assert dgamma is None and dbeta is None
            # dz = 1 everywhere moves every output alike, and y has mean 0: dx = 0.
            np.testing.assert_allclose(dx, 0.0, atol=1e-12)
            _, dgamma, dbeta = F.batch_norm_backward(dz, x, None, [0.0, 0.0])
            assert dgamma is None and dbeta.shape == (2,)


# -- the three engines agree -----------------------------------------------------------------

@st.composite
def norm_cases(draw, training=None):
    ndim = draw(st.integers(2, 4))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(ndim - 2))
    training = draw(st.booleans()) if training is None else training
    if training and n * int(np.prod(spatial)) == 1:
        n = 2                                       # training needs two values per channel
    return dict(shape=(n, c, *spatial), training=training,
                layout=draw(st.sampled_from(["C", "channels first", "strided",
                                             "channels first, strided"])),
                gamma=draw(st.booleans()), beta=draw(st.booleans()),
                eps=draw(st.sampled_from([1e-5, 1e-3, 0.5])),
                momentum=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
                groups=draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0])),
                data=draw(st.sampled_from(["normal", "ties", "far", "nan"])),
                seed=draw(st.integers(0, 2 ** 32 - 1)))


def laid_out(a, layout):
    """The same values stored channels first and/or as a strided view with gaps, or C-ordered."""
    first = layout.startswith("channels first") and a.ndim > 2
    shape = list(a.shape)
    if layout.endswith("strided"):
        shape[-1] *= 2
    if first:
        shape[0], shape[1] = shape[1], shape[0]
    stored = np.zeros(shape, a.dtype)                       # C-ordered, maybe channels first
    view = stored.swapaxes(0, 1) if first else stored
    view = view[..., ::2] if layout.endswith("strided") else view
    view[...] = a
    return view


def case_arrays(case, dtype):
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(size=case["shape"])
    if case["data"] == "ties":
        x = np.round(x * 2) / 2
    elif case["data"] == "far":                     # mean far from 0 against the spread
        x = x + 30.0
    elif case["data"] == "nan":
        x.reshape(-1)[rng.integers(x.size)] = np.nan
    c = case["shape"][1]
    gamma = rng.normal(size=c).astype(dtype) if case["gamma"] else None
    beta = rng.normal(size=c).astype(dtype) if case["beta"] else None
    dz = rng.normal(size=case["shape"]).astype(dtype)
    return laid_out(x.astype(dtype), case["layout"]), gamma, beta, laid_out(dz, case["layout"])


def assert_all_same(results, dtype, scales):
    for name, got in results.items():
        for value, expected, scale in zip(got, results["reference"], scales):
            assert_same(value, expected, dtype, scale)


@settings(max_examples=60, deadline=None)
@given(norm_cases(), DTYPES)
def test_batch_norm_agrees_in_every_engine(case, dtype):
    x, gamma, beta, dz = case_arrays(case, dtype)
    c, m = x.shape[1], x.size // x.shape[1]
    rng = np.random.default_rng(case["seed"] + 1)
    start = (rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2.0, size=c).astype(dtype))
    options = dict(training=case["training"], eps=case["eps"])

    def run():
        running_mean, running_var = start[0].copy(), start[1].copy()
        y, saved = F.batch_norm(x, gamma, beta, running_mean, running_var,
                                momentum=case["momentum"], return_saved=True, **options)
        grads = F.batch_norm_backward(dz, x, gamma, beta, running_mean, running_var,
                                      saved=saved, **options)
        again = F.batch_norm_backward(dz, x, gamma, beta, running_mean, running_var,
                                      input_gradient=False, **options)
        return (y, running_mean, running_var, *grads, *again)

    big = 10 * (1 + np.abs(gamma).max() if gamma is not None else 2) / np.sqrt(case["eps"])
    scales = [10, 100, 1000, big, m * 10, m * 10, None, m * 10, m * 10]
    assert_all_same(in_every_engine(run), dtype, scales)


@settings(max_examples=60, deadline=None)
@given(norm_cases(training=True), DTYPES)
def test_group_norm_agrees_in_every_engine(case, dtype):
    x, gamma, beta, dz = case_arrays(case, dtype)
    groups, eps, m = case["groups"], case["eps"], x.shape[0] * x.size // x.shape[1]
    assume(x.size > groups)                     # refused with one value in the only group

    def run():
        y, saved = F.group_norm(x, groups, gamma, beta, eps, return_saved=True)
        grads = F.group_norm_backward(dz, x, groups, gamma, beta, eps, saved=saved)
        again = F.group_norm_backward(dz, x, groups, gamma, beta, eps)
        return (y, *grads, *again)

    big = 10 * (1 + np.abs(gamma).max() if gamma is not None else 2) / np.sqrt(eps)
    assert_all_same(in_every_engine(run), dtype, [10, big, m * 10, m * 10] * 2)


def test_the_fast_engine_is_accurate_far_from_zero():
    # Mean 1e4, spread 1: the one-pass variance E[x^2] - mu^2 would cancel 8 digits.
    rng = np.random.default_rng(0)
    x = (1e4 + rng.normal(size=(8, 3, 16, 16))).astype(np.float32)
    exact = (x.astype(np.float64) - x.mean(axis=(0, 2, 3), dtype=np.float64, keepdims=True)) \
        / x.astype(np.float64).std(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(F.batch_norm(x, eps=0.0), exact, atol=2e-3)
    dz = rng.normal(size=x.shape).astype(np.float32)
    with convnet.engine("plain"):
        expected = F.batch_norm_backward(dz.astype(np.float64), x.astype(np.float64), np.ones(3))
    got = F.batch_norm_backward(dz, x, np.ones(3, np.float32))
    np.testing.assert_allclose(got[0], expected[0], atol=2e-3)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-3, atol=0.5)


# -- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", convnet.functional.ENGINES)
def test_refusals_name_the_argument_and_the_rule(engine):
    x = np.ones((2, 3, 2, 2))
    with convnet.engine(engine):
        with pytest.raises(ValueError, match=r"^x must be more than 1 value per channel when "
                                             r"training .*; got shape \(1, 3, 1, 1\)$"):
            F.batch_norm(np.ones((1, 3, 1, 1)))
        F.batch_norm(np.ones((1, 3, 1, 1)), running_mean=np.zeros(3), running_var=np.ones(3),
                     training=False)                          # evaluation: one value is fine
        with pytest.raises(ValueError, match=r"^running_mean must be an array of shape \(3,\) "
                                             r"in evaluation mode"):
            F.batch_norm(x, training=False)
        with pytest.raises(ValueError, match=r"^running_var must be an array when "
                                             r"running_mean is given"):
            F.batch_norm(x, running_mean=np.zeros(3))
        with pytest.raises(TypeError, match=r"^running_mean must be a float32 or float64 "
                                            r"ndarray \(training mode updates it in place\)"):
            F.batch_norm(x, running_mean=[0.0] * 3, running_var=np.ones(3))
        frozen = np.zeros(3)
        frozen.flags.writeable = False
        with pytest.raises(ValueError, match=r"^running_mean must be writable"):
            F.batch_norm(x, running_mean=frozen, running_var=np.ones(3))
        with pytest.raises(ValueError, match=r"^gamma must be of shape \(3,\)"):
            F.batch_norm(x, np.ones(2))
        with pytest.raises(ValueError, match=r"^momentum must be a number in \[0.0, 1.0\]"):
            F.batch_norm(x, momentum=1.5)
        with pytest.raises(ValueError, match=r"^num_groups must be a divisor of the 3 channels"):
            F.group_norm(x, 2)
        with pytest.raises(ValueError, match=r"^dz must be of shape \(2, 3, 2, 2\)"):
            F.batch_norm_backward(np.ones((2, 3, 2, 1)), x)


def test_a_record_serves_the_forward_it_came_from():
    x = np.random.default_rng(0).normal(size=(4, 2, 3))
    for engine in convnet.functional.ENGINES:
        with convnet.engine(engine):
            _, saved = F.batch_norm(x, return_saved=True)
            with pytest.raises(ValueError, match=r"^saved must be the record of a forward pass "
                                                 r"on these arguments \(x \(4, 2, 3\), "
                                                 r"training=False, eps=1e-05\); got one made "
                                                 r"for x \(4, 2, 3\), training=True"):
                F.batch_norm_backward(x, x, running_mean=np.zeros(2), running_var=np.ones(2),
                                      training=False, saved=saved)
            _, saved = F.group_norm(x, 2, return_saved=True)
            with pytest.raises(ValueError, match=r"^saved must be a record of batch_norm"):
                F.batch_norm_backward(x, x, saved=saved)


@pytest.mark.parametrize("engine", ["plain", "fast"])
def test_float32_statistics_of_two_close_values_far_from_zero(engine):
    # Two values near 30 a hundredth apart per channel (batch norm) or per group (group
    # norm): a float32 mean rounds by 2e-6, which cost x̂ and dx three digits (0.4 % of dx,
    # found by hypothesis).  The oracle is the float64 computation of the same float32 data.
    rng = np.random.default_rng(3)
    x = (30 + 0.01 * rng.normal(size=(2, 4))).astype(np.float32)
    dz = rng.normal(size=(2, 4)).astype(np.float32)
    x64, dz64 = x.astype(np.float64), dz.astype(np.float64)
    cases = [(lambda a, d: F.batch_norm_backward(d, a)[0], lambda a: F.batch_norm(a)),
             (lambda a, d: F.group_norm_backward(d.reshape(4, 2), a.reshape(4, 2), 1)[0],
              lambda a: F.group_norm(a.reshape(4, 2), 1))]          # one group of two values
    for backward, forward in cases:
        with convnet.engine("reference"):
            dx_exact, y_exact = backward(x64, dz64), forward(x64)
        with convnet.engine(engine):
            dx, y = backward(x, dz), forward(x)
        assert dx.dtype == y.dtype == np.float32
        np.testing.assert_allclose(y, y_exact, rtol=0, atol=1e-5)
        np.testing.assert_allclose(dx, dx_exact, rtol=0, atol=1e-5 * np.abs(dx_exact).max())
