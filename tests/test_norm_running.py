"""BatchNorm's count of batches, ``momentum=None`` and ``track_running_stats=False`` (no PyTorch).

The expected numbers are computed here from the data with NumPy (batch means
and unbiased variances, their plain average), never read from the layer.
"""

import numpy as np
import pytest

import convnet
from convnet import layers as L, zoo
from convnet._archive import write_archive
from convnet._serialize import describe
from convnet.gradcheck import check_gradients
from convnet.losses import MSELoss
from convnet.model import DivergenceError
from convnet.optim import SGD

from .strategies import normal

F64 = dict(dtype=np.float64)
COUNT = "num_batches_tracked"


def batches(shape, count=3):
    return [normal(k, shape) * (k + 1) + 2 * k for k in range(count)]


def per_channel(x):
    """Each channel's mean and unbiased variance over N and the positions (axis 1 kept)."""
    values = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)
    return values.mean(axis=1), values.var(axis=1, ddof=1)


@pytest.mark.parametrize("cls, shape", [(L.BatchNorm2D, (4, 3, 2, 5)), (L.BatchNorm1D, (6, 3)),
                                        (L.BatchNorm1D, (2, 3, 4))])
def test_momentum_none_averages_the_batches_plainly(cls, shape):
    layer = cls(3, momentum=None, **F64)
    data = batches(shape)
    for x in data:
        layer.forward(x)
    means, variances = zip(*(per_channel(x) for x in data))
    # after batch k the factor is 1/k: 1 (the batch itself), 1/2, 1/3 -> the plain average
    np.testing.assert_allclose(layer.state["running_mean"], np.mean(means, axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.state["running_var"], np.mean(variances, axis=0),
                               rtol=1e-12)
    assert layer.state[COUNT] == 3 and layer.state[COUNT].dtype == np.int64
    assert layer.state[COUNT].shape == ()


def test_a_worked_example_of_the_cumulative_average():
    layer = L.BatchNorm1D(1, momentum=None, **F64)
    layer.forward(np.array([[1.0], [3.0]]))       # mean 2, unbiased variance 2: taken whole
    layer.forward(np.array([[5.0], [9.0]]))       # mean 7, variance 8: (2 + 7) / 2, (2 + 8) / 2
    np.testing.assert_allclose(layer.state["running_mean"], [4.5])
    np.testing.assert_allclose(layer.state["running_var"], [5.0])


def test_only_a_training_forward_counts():
    layer = L.BatchNorm2D(3, **F64)
    x = normal(0, (2, 3, 2, 2))
    layer.forward(x)
    layer.forward(x)
    with convnet.inference():                     # the running statistics, nothing counted
        layer.forward(x)
    layer.eval().forward(x)
    assert layer.state[COUNT] == 2
    mean, var = per_channel(x)                    # momentum 0.1, twice: 1 - 0.9^2 = 0.19
    np.testing.assert_allclose(layer.state["running_mean"], 0.19 * mean, rtol=1e-12)
    np.testing.assert_allclose(layer.state["running_var"], 0.81 + 0.19 * var, rtol=1e-12)


@pytest.mark.parametrize("cls, shape", [(L.BatchNorm2D, (4, 3, 2, 5)), (L.BatchNorm1D, (6, 3))])
def test_without_running_statistics_the_batch_normalises_in_both_modes(cls, shape):
    layer = cls(3, track_running_stats=False, eps=0.0, **F64)
    assert layer.state == {}
    x = batches(shape, 1)[0]
    values = np.moveaxis(x, 1, 0).reshape(3, -1)
    mean, var = values.mean(axis=1), values.var(axis=1)          # the biased one normalises
    expected = (x - mean.reshape(1, 3, *[1] * (x.ndim - 2))) / \
        np.sqrt(var).reshape(1, 3, *[1] * (x.ndim - 2))
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.eval().forward(x), expected, rtol=1e-12, atol=1e-12)
    with convnet.inference():
        np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)
    assert layer.state == {}
    assert "track_running_stats=False" in repr(layer)


def test_gradients_without_running_statistics_in_evaluation_mode():
    layer = L.BatchNorm2D(2, track_running_stats=False, momentum=None).eval()
    for key, value in layer.params.items():
        value[...] = normal(len(key), value.shape) + 1
    report = check_gradients(layer, normal(3, (3, 2, 2, 3)))     # the batch's statistics' terms
    assert report.passed, report


def model(momentum=None, track=True):
    return convnet.Sequential(
        L.Conv2D(1, 2, 3, rng=0, **F64), L.BatchNorm2D(2, momentum=momentum, **F64),
        L.Residual(L.BatchNorm2D(2, track_running_stats=track, **F64)),
        L.Concat([L.BatchNorm2D(2, momentum=momentum, **F64)], [L.ReLU()]), L.Flatten(),
        L.Dense(16, 3, rng=1, **F64), L.BatchNorm1D(3, momentum=momentum,
                                                    track_running_stats=track, **F64))


def counts(net):
    return {name: int(value) for name, value in net.state().items() if name.endswith(COUNT)}


def trained(net, steps=3):
    for step in range(steps):
        net.train_batch(normal(step, (4, 1, 4, 4)), normal(10 + step, (4, 3)), MSELoss(),
                        SGD(0.01))
    return net


@pytest.mark.parametrize("suffix", ["npz", "safetensors"])
@pytest.mark.parametrize("momentum, track", [(None, True), (0.1, False)])
def test_save_and_load_keep_the_counts_and_the_predictions(tmp_path, suffix, momentum, track):
    net = trained(model(momentum, track))
    assert set(counts(net).values()) == {3}
    assert len(counts(net)) == (4 if track else 2)
    net.save(tmp_path / f"m.{suffix}")
    loaded = convnet.load(tmp_path / f"m.{suffix}")
    assert repr(loaded) == repr(net) and counts(loaded) == counts(net)
    x = normal(20, (5, 1, 4, 4))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    trained(loaded, 1)                                           # and they count on
    assert set(counts(loaded).values()) == {4}


def test_a_model_file_from_before_the_count_loads_with_count_zero(tmp_path):
    net = trained(model(momentum=0.1))
    entries, arrays, version = describe(net.layers)
    arrays = {name: value for name, value in arrays.items() if not name.endswith(COUNT)}
    for entry in (entries[1], entries[2]["children"]["body"][0], entries[6]):
        del entry["config"]["track_running_stats"]                 # nor had it the argument
    write_archive(tmp_path / "old.npz", entries, arrays, version)
    loaded = convnet.load(tmp_path / "old.npz")
    assert counts(loaded) and set(counts(loaded).values()) == {0}
    x = normal(20, (5, 1, 4, 4))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))


def test_a_diverging_step_restores_the_counts():
    net = trained(model())
    before = counts(net)
    with pytest.raises(DivergenceError):
        net.train_batch(normal(5, (4, 1, 4, 4)), np.full((4, 3), 1e200), MSELoss(), SGD(0.1))
    assert counts(net) == before == {name: 3 for name in before}


def test_astype_keeps_the_count_an_integer():
    net = trained(model(), 2).astype(np.float32)
    assert {net.state()[name].dtype for name in counts(net)} == {np.dtype(np.int64)}
    assert set(counts(net).values()) == {2}


def test_the_zoo_s_residual_networks_count_their_batches():
    net = zoo.digits_resnet(**F64)
    norms = [name for name in net.state() if name.endswith(COUNT)]
    assert norms and set(counts(net).values()) == {0}
    net.train_batch(normal(0, (2, 1, 8, 8)), np.array([1, 2]), convnet.losses.SoftmaxCrossEntropy(),
                    SGD(0.01))
    assert set(counts(net).values()) == {1}
    assert len([n for n in zoo.resnet20(**F64).state() if n.endswith(COUNT)]) == 19


def test_group_norm_is_unchanged():
    layer = L.GroupNorm(1, 2)
    assert layer.state == {} and "momentum" not in layer.config()
    assert "track_running_stats" not in repr(layer)


def test_the_new_arguments_are_checked():
    with pytest.raises(TypeError, match=r"^momentum must be None or a real number in \[0, 1\]; "
                                        r"got '0.1' \(str\)"):
        L.BatchNorm2D(2, momentum="0.1")
    with pytest.raises(ValueError, match=r"^momentum must be a number in \[0.0, 1.0\]; got 2"):
        L.BatchNorm1D(2, momentum=2)
    with pytest.raises(TypeError, match=r"^track_running_stats must be True or False; got 1"):
        L.BatchNorm2D(2, track_running_stats=1)
    with pytest.raises(TypeError, match=r"^momentum must be a real number"):
        convnet.functional.batch_norm(np.ones((2, 1)), momentum=None)   # the layer's alone


@pytest.mark.parametrize("key, value, match", [
    ("num_batches_tracked", np.array(-1, np.int64), "negative num_batches_tracked \\(-1\\)"),
    ("running_var", None, "negative running_var \\(-0.5\\)"),
])
def test_a_file_with_impossible_running_statistics_is_refused(tmp_path, key, value, match):
    # A count of -1 would divide by zero at the next step (momentum=None); a negative
    # variance would make every output NaN.
    net = trained(model(momentum=None))
    entries, arrays, version = describe(net.layers)
    name = next(name for name in arrays if name.endswith(key))
    arrays[name] = value if value is not None else np.where(
        np.arange(arrays[name].size) == 0, -0.5, arrays[name]).astype(arrays[name].dtype)
    write_archive(tmp_path / "bad.npz", entries, arrays, version)
    with pytest.raises(convnet.ModelFileError, match="bad.npz.*BatchNorm.* has a " + match):
        convnet.load(tmp_path / "bad.npz")
