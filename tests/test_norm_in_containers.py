"""Batch normalisation inside residual blocks: what the two halves of issue 14 do together.

The ResNet basic block (conv, BN, ReLU, conv, BN, plus the shortcut) is where
running statistics meet containers: gradients through it, the running
statistics found, saved, loaded and restored by their paths in the tree.
"""

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.gradcheck import check_gradients
from convnet.optim import SGD
from convnet.training import DivergenceError

ENGINES = ["plain", "fast"]     # the loops check each piece on its own (test_norm, test_containers)


def basic_block(channels, rng, stride=1):
    shortcut = None
    if stride != 1:
        shortcut = [L.Conv2D(channels, channels, 1, stride=stride, bias=None, rng=rng),
                    L.BatchNorm2D(channels)]
    return L.Residual(L.Conv2D(channels, channels, 3, stride=stride, padding=1, bias=None,
                               rng=rng),
                      L.BatchNorm2D(channels), L.ReLU(),
                      L.Conv2D(channels, channels, 3, padding=1, bias=None, rng=rng),
                      L.BatchNorm2D(channels), shortcut=shortcut)


def small_resnet(seed=0):
    rng = np.random.default_rng(seed)
    return convnet.Sequential(L.Conv2D(1, 3, 3, padding=1, rng=rng), L.BatchNorm2D(3), L.ReLU(),
                              basic_block(3, rng), L.ReLU(), basic_block(3, rng, stride=2),
                              L.ReLU(), L.GlobalAvgPool2D(), L.Dense(3, 2, rng=rng))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_residual_block_with_batch_norm_passes_a_float64_gradient_check(engine):
    x = np.random.default_rng(1).normal(size=(3, 1, 4, 4))
    with convnet.engine(engine):
        report = check_gradients(small_resnet(), x)
    assert report.passed, str(report)
    assert "3.body.1.weight" in [check.name for check in report.checks]   # BN's gamma, in a block


def test_running_statistics_inside_blocks_are_saved_and_loaded_by_their_paths(tmp_path):
    model = small_resnet()
    rng = np.random.default_rng(2)
    for _ in range(3):
        model.train_batch(rng.normal(size=(6, 1, 4, 4)) * 2 + 1, rng.integers(0, 2, 6),
                          "cross_entropy", SGD(0.05))
    state = model.state()
    assert {"3.body.1.running_mean", "5.shortcut.1.running_var"} <= set(state)
    assert not np.allclose(state["5.shortcut.1.running_var"], 1.0)      # it has moved
    model.save(tmp_path / "resnet.npz")
    same = convnet.load(tmp_path / "resnet.npz")
    for name, value in state.items():
        np.testing.assert_array_equal(same.state()[name], value)
    x = rng.normal(size=(4, 1, 4, 4))
    np.testing.assert_array_equal(same.predict(x), model.predict(x))    # evaluation mode


def test_a_failed_step_restores_the_running_statistics_inside_blocks():
    model = small_resnet()
    before = {name: value.copy() for name, value in model.state().items()}
    x = np.random.default_rng(3).normal(size=(4, 1, 4, 4)) * 1e300     # overflows to inf
    with np.errstate(all="ignore"), pytest.raises(DivergenceError):
        model.train_batch(x, np.array([0, 1, 0, 1]), "cross_entropy", SGD(0.1))
    for name, value in model.state().items():
        np.testing.assert_array_equal(value, before[name])
