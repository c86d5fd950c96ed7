"""BatchNorm1D, BatchNorm2D, GroupNorm: gradients, running statistics, modes, files, failed steps."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import convnet
from convnet import layers as L
from convnet.gradcheck import check_gradients
from convnet.losses import MSELoss
from convnet.model import DivergenceError
from convnet.optim import SGD

from .strategies import normal


def randomised(layer, seed):
    """The layer with γ and β drawn at random, so that a wrong path through them cannot hide."""
    for key, value in layer.params.items():
        value[...] = normal(seed + len(key), value.shape) + (1.0 if key == "weight" else 0.0)
    return layer


# -- gradients (float64, central differences) --------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.booleans(), st.booleans(),
       st.integers(0, 2 ** 16))
def test_batch_norm_2d_gradients_in_both_modes(n, c, size, affine, training, seed):
    n = max(n, 2) if size == 1 else n                     # training needs two values a channel
    layer = randomised(L.BatchNorm2D(c, affine=affine), seed)
    x = normal(seed + 1, (n, c, size, size + 1)) * 2 + 1
    if not training:                                      # running statistics of a few batches
        for step in range(3):
            layer.forward(normal(seed + 2 + step, x.shape) * 3 - 1)
        layer.eval()
    report = check_gradients(layer, x)
    assert report.passed, report


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(1, 4), st.sampled_from([None, 1, 3]), st.booleans(),
       st.integers(0, 2 ** 16))
def test_batch_norm_1d_gradients_with_and_without_a_length_axis(n, c, length, training, seed):
    layer = randomised(L.BatchNorm1D(c), seed)
    shape = (n, c) if length is None else (n, c, length)
    if not training:
        layer.forward(normal(seed + 2, shape) * 2 + 3)
        layer.eval()
    report = check_gradients(layer, normal(seed + 1, shape))
    assert report.passed, report


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2), st.sampled_from([(1, 4), (2, 4), (4, 4), (3, 6), (1, 1)]),
       st.integers(1, 3), st.booleans(), st.integers(0, 2 ** 16))
def test_group_norm_gradients_layer_instance_and_between(n, groups_channels, size, affine, seed):
    groups, channels = groups_channels
    if channels == groups and size == 1:
        size = 2                                   # one value per group is normalised to 0
    layer = randomised(L.GroupNorm(groups, channels, affine=affine), seed)
    report = check_gradients(layer, normal(seed + 1, (n, channels, size, size)))
    assert report.passed, report


# -- running statistics and modes ----------------------------------------------------------------

def test_running_statistics_follow_pytorch_s_rule_over_several_steps():
    layer = L.BatchNorm2D(3, momentum=0.2, dtype=np.float64)
    mean, var = np.zeros(3), np.ones(3)
    for step in range(4):
        x = normal(step, (4, 3, 2, 5)) * (step + 1) + step
        layer.forward(x)
        batch = x.transpose(1, 0, 2, 3).reshape(3, -1)
        mean = 0.8 * mean + 0.2 * batch.mean(axis=1)
        var = 0.8 * var + 0.2 * batch.var(axis=1, ddof=1)     # unbiased, m - 1 = 39
    np.testing.assert_allclose(layer.state["running_mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(layer.state["running_var"], var, rtol=1e-12)


def test_evaluation_mode_normalises_by_the_running_statistics_and_updates_nothing():
    layer = L.BatchNorm1D(2, eps=0.0)
    layer.state["running_mean"][...] = [1.0, -1.0]
    layer.state["running_var"][...] = [4.0, 0.25]
    layer.params["weight"][...] = [2.0, 1.0]
    x = np.array([[3.0, 0.0], [5.0, -1.5]])
    y = layer.eval().forward(x)
    # column 0: 2 * (x - 1) / 2 = (2, 4);  column 1: (x + 1) / 0.5 = (2, -1)
    np.testing.assert_allclose(y, [[2.0, 2.0], [4.0, -1.0]])
    np.testing.assert_array_equal(layer.state["running_mean"], [1.0, -1.0])


def test_inference_is_evaluation_mode_and_writes_nothing_to_the_layer():
    layer = L.BatchNorm2D(2)
    layer.forward(normal(0, (3, 2, 4, 4)) + 5)                 # running statistics move
    before = {key: value.copy() for key, value in layer.state.items()}
    kept = layer._cache
    x = normal(1, (2, 2, 4, 4))
    with convnet.inference():
        inferred = layer.forward(x)
    assert layer.training and layer._cache is kept
    for key, value in layer.state.items():
        np.testing.assert_array_equal(value, before[key])
    np.testing.assert_array_equal(inferred, layer.eval().forward(x))
    with pytest.raises(RuntimeError, match=r"no forward\(\) to go back through"):
        with convnet.inference():
            L.GroupNorm(1, 2).forward(x)
        L.GroupNorm(1, 2).backward(x)


def test_predict_uses_the_running_statistics_of_a_model_left_in_training_mode():
    model = convnet.Sequential(L.BatchNorm1D(2))
    model.layers[0].state["running_mean"][...] = [10.0, 20.0]
    out = model.predict(np.array([[10.0, 20.0]]))          # one sample: fine in evaluation
    np.testing.assert_allclose(out, [[0.0, 0.0]])
    assert model.layers[0].training


def test_one_value_per_channel_in_training_is_refused_by_the_layer():
    with pytest.raises(ValueError, match=r"^x must be more than 1 value per channel when "
                                         r"training"):
        L.BatchNorm2D(3).forward(np.ones((1, 3, 1, 1)))


# -- models: summary, files, dtypes, failed steps -----------------------------------------------

def normalised_model(dtype=np.float64):
    return convnet.Sequential(
        L.Conv2D(1, 4, 3, padding=1, rng=0, dtype=dtype), L.BatchNorm2D(4, dtype=dtype),
        L.ReLU(), L.GroupNorm(2, 4, dtype=dtype), L.GlobalAvgPool2D(),
        L.Dense(4, 3, rng=1, dtype=dtype), L.BatchNorm1D(3, momentum=0.3, dtype=dtype))


def trained(model, steps=3, dtype=np.float64):
    for step in range(steps):
        x = (normal(step, (6, 1, 5, 5)) * 2 + 1).astype(dtype)
        model.train_batch(x, np.arange(6) % 3, "cross_entropy", SGD(0.1))
    return model


def test_summary_counts_gamma_and_beta_but_not_the_running_statistics():
    summary = normalised_model().summary((1, 5, 5))
    # conv 4*9 + 4, BatchNorm2D 2*4, GroupNorm 2*4, dense 4*3 + 3, BatchNorm1D 2*3
    assert summary.total == 40 + 8 + 8 + 15 + 6
    assert [row[1] for row in summary.rows][1:3] == [(4, 5, 5), (4, 5, 5)]


def test_save_and_load_keep_the_running_statistics_and_the_predictions(tmp_path):
    model = trained(normalised_model(np.float32), dtype=np.float32)
    model.save(tmp_path / "model.npz")
    loaded = convnet.load(tmp_path / "model.npz")
    assert repr(loaded) == repr(model)
    for name, value in model.state().items():
        counted = name.endswith("num_batches_tracked")         # PyTorch's int64 count
        assert loaded.state()[name].dtype == (np.int64 if counted else np.float32)
        np.testing.assert_array_equal(loaded.state()[name], value)
    x = normal(9, (4, 1, 5, 5)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    trained(loaded, 1, np.float32)                 # loaded statistics are updated in place
    assert not np.array_equal(loaded.state()["1.running_mean"], model.state()["1.running_mean"])


def test_astype_converts_the_running_statistics():
    model = trained(normalised_model()).astype(np.float32)
    assert {value.dtype for name, value in model.state().items()
            if not name.endswith("num_batches_tracked")} == {np.dtype(np.float32)}
    assert model.state()["1.num_batches_tracked"].dtype == np.int64      # a count stays one
    assert model.predict(np.ones((2, 1, 5, 5), np.float32)).dtype == np.float32


def test_a_failed_step_restores_the_running_statistics():
    model = trained(normalised_model())
    before = {name: value.copy() for name, value in model.state().items()}
    parameters = {name: value.copy() for name, value in model.parameters().items()}
    x = normal(5, (6, 1, 5, 5)) * 3 + 2
    with pytest.raises(DivergenceError):            # the forward pass moved them first
        model.train_batch(x, np.full((6, 3), 1e200), MSELoss(), SGD(0.1))
    for name, value in model.state().items():
        np.testing.assert_array_equal(value, before[name])
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, parameters[name])


def test_the_plain_engine_trains_the_same_model_to_the_same_numbers():
    results = {}
    for engine in ("plain", "fast"):
        with convnet.engine(engine):
            results[engine] = trained(normalised_model())
    for name, value in results["fast"].state().items():
        np.testing.assert_allclose(value, results["plain"].state()[name], rtol=1e-10)


def test_layer_arguments_are_checked():
    with pytest.raises(ValueError, match=r"^num_channels must be divisible by num_groups = 3"):
        L.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"^x must be of shape \(N, C, H, W\) with C = 4"):
        L.BatchNorm2D(4).forward(np.ones((2, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"^input_shape must be a per-sample shape"):
        L.BatchNorm1D(4).output_shape((3,))
    with pytest.raises(ValueError, match=r"^momentum must be a number in \[0.0, 1.0\]"):
        L.BatchNorm2D(4, momentum=-0.1)


def test_bias_false_scales_without_a_shift_checks_its_gradients_and_saves(tmp_path):
    x = normal(3, (4, 3, 2, 2)) * 2 + 1
    layer = L.BatchNorm2D(3, dtype=np.float64, bias=False)
    layer.params["weight"][...] = [1.0, 2.0, -3.0]
    # x̂ over N, H, W per channel (biased variance), times γ and no β: Eq. N.1-N.3 with β = 0
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    expected = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) \
        * np.array([1.0, 2.0, -3.0])[:, None, None]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)
    assert set(layer.params) == {"weight"} and layer.config()["bias"] is False
    assert "bias" not in L.BatchNorm2D(3).config() and "bias" not in L.GroupNorm(1, 3).config()
    for each in (randomised(L.BatchNorm2D(3, bias=False), 4),
                 randomised(L.GroupNorm(3, 3, bias=False), 5)):
        report = check_gradients(each, x)
        assert report.passed, report
    model = convnet.Sequential(layer, L.GroupNorm(1, 3, dtype=np.float64, bias=False))
    model.save(tmp_path / "scales.npz")
    loaded = convnet.load(tmp_path / "scales.npz")
    assert repr(loaded) == repr(model) and set(loaded.parameters()) == {"0.weight", "1.weight"}
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    with pytest.raises(TypeError, match="^bias must be True or False"):
        L.GroupNorm(1, 3, bias="no")
