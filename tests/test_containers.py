"""Residual and Concat: worked examples, gradients through nested paths, a model that sees through.

The hand examples use 1x1 convolutions whose weights are set by hand, so every
number can be checked in a line; the gradient checks are central differences
in float64 (``convnet.gradcheck``) through a Residual inside a Concat inside a
Residual, in every engine.
"""

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.gradcheck import check_gradients
from convnet.layers.base import walk
from convnet.optim import SGD

ENGINES = ["reference", "plain", "fast"]


def scale(factor, channels=1):
    """A 1x1 convolution multiplying every map by ``factor`` (no bias)."""
    layer = L.Conv2D(channels, channels, 1, bias=None, rng=0)
    layer.params["weight"][...] = factor * np.eye(channels)[:, :, None, None]
    return layer


def nested(rng=0):
    """A Residual inside a Concat inside a Residual, float64, on (N, 2, 5, 5) inputs."""
    rng = np.random.default_rng(rng)
    inner = L.Residual(L.Conv2D(2, 2, 3, padding=1, rng=rng), L.Tanh())
    branches = L.Concat([inner, L.Conv2D(2, 1, 1, rng=rng)],
                        [L.Conv2D(2, 3, 3, padding=1, rng=rng), L.Sigmoid()])
    return L.Residual(L.Conv2D(2, 2, 1, rng=rng), branches,
                      shortcut=[L.Conv2D(2, 4, 1, stride=1, rng=rng), L.Tanh()])


# -- worked examples -----------------------------------------------------------------------

def test_a_residual_block_adds_its_paths_forward_and_backward():
    block = L.Residual(scale(2.0), L.ReLU())                 # y = relu(2x) + x
    x = np.array([[[[1.0, -3.0]]]])
    np.testing.assert_array_equal(block.forward(x), [[[[3.0, -3.0]]]])   # 2 + 1; 0 - 3
    # dy = 10: through the body 2 * 10 where 2x > 0, else 0; around it 10.
    np.testing.assert_array_equal(block.backward(np.full((1, 1, 1, 2), 10.0)),
                                  [[[[30.0, 10.0]]]])
    assert block.body[0].grads["weight"][0, 0, 0, 0] == 10.0           # dy * x where 2x > 0


def test_a_projection_shortcut_gets_its_own_gradient():
    block = L.Residual(scale(2.0), shortcut=scale(-1.0))     # y = 2x - x = x
    x = np.array([[[[4.0]]]])
    assert block.forward(x)[0, 0, 0, 0] == 4.0
    assert block.backward(np.ones((1, 1, 1, 1)))[0, 0, 0, 0] == 1.0     # 2 - 1
    assert block.shortcut[0].grads["weight"][0, 0, 0, 0] == 4.0         # dy * x
    assert list(block.gradients()) == ["body.0.weight", "shortcut.0.weight"]


def test_concat_joins_channels_and_splits_the_gradient_by_them():
    join = L.Concat(scale(1.0), [scale(3.0), L.ReLU()], scale(-1.0))
    x = np.array([[[[2.0, -1.0]]]])
    np.testing.assert_array_equal(join.forward(x)[0, :, 0], [[2, -1], [6, 0], [-2, 1]])
    dy = np.array([[[[1.0, 1.0]], [[10.0, 10.0]], [[100.0, 100.0]]]])
    # pixel 0: 1*1 + 3*10 - 100 = -69; pixel 1 (3x < 0, ReLU closed): 1 - 100 = -99
    np.testing.assert_array_equal(join.backward(dy), [[[[-69.0, -99.0]]]])


def test_the_input_gradient_skip_passes_through_a_container():
    model = convnet.Sequential(nested(), L.Flatten(), L.Dense(4 * 5 * 5, 3, rng=1))
    x = np.random.default_rng(2).normal(size=(2, 2, 5, 5))
    model.forward(x)
    assert model.backward(np.ones((2, 3)), input_gradient=False) is None
    with_x = model.gradients()
    model.forward(x)
    model.backward(np.ones((2, 3)))
    for name, value in model.gradients().items():
        np.testing.assert_array_equal(value, with_x[name])


# -- gradients -------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_nested_containers_pass_a_float64_gradient_check(engine):
    x = np.random.default_rng(3).normal(size=(2, 2, 5, 5))
    with convnet.engine(engine):
        report = check_gradients(nested(), x)
    assert report.passed, str(report)
    assert "body.1.0.0.body.0.weight" in [check.name for check in report.checks]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_model_of_containers_passes_a_float64_gradient_check(engine):
    rng = np.random.default_rng(4)
    model = convnet.Sequential(
        L.Conv2D(1, 2, 3, padding=1, rng=rng),
        L.Residual(L.Conv2D(2, 2, 3, stride=2, padding=1, rng=rng), L.Tanh(),
                   shortcut=[L.AvgPool2D(2), L.Conv2D(2, 2, 1, rng=rng)]),
        L.Concat(L.Upsample2D(2), [L.Upsample2D(2), L.Conv2D(2, 1, 1, rng=rng)]),
        L.AdaptiveAvgPool2D(3), L.Flatten(), L.Dense(27, 2, rng=rng))
    x = rng.normal(size=(2, 1, 6, 6))
    with convnet.engine(engine):
        report = check_gradients(model, x)
    assert report.passed, str(report)


# -- the model sees through containers --------------------------------------------------------

def model_of_containers(dtype=np.float64):
    rng = np.random.default_rng(5)
    return convnet.Sequential(
        L.Conv2D(1, 3, 3, padding=1, rng=rng, dtype=dtype), L.ReLU(), L.MaxPool2D(2),
        L.Residual(L.Conv2D(3, 3, 3, padding=1, rng=rng, dtype=dtype), L.ReLU(), L.Dropout(0.2),
                   L.Conv2D(3, 3, 3, padding=1, rng=rng, dtype=dtype)),
        L.Concat(L.Conv2D(3, 2, 1, rng=rng, dtype=dtype),
                 [L.Residual(L.Conv2D(3, 3, 1, rng=rng, dtype=dtype)), L.ReLU()]),
        L.GlobalMaxPool2D(), L.Dense(5, 4, rng=rng, dtype=dtype))


def test_parameters_gradients_modes_and_types_reach_every_layer():
    model = model_of_containers()
    names = list(model.parameters())
    assert names[:4] == ["0.weight", "0.bias", "3.body.0.weight", "3.body.0.bias"]
    assert "4.1.0.body.0.weight" in names and names[-1] == "6.bias"
    assert model.num_parameters() == sum(v.size for v in model.parameters().values()) == 242
    model.eval()
    assert not any(layer.training for _, layer in walk(enumerate(model.layers)))
    model.train()
    assert all(layer.training for _, layer in walk(enumerate(model.layers)))
    model.astype(np.float32)
    assert {v.dtype for v in model.parameters().values()} == {np.dtype(np.float32)}
    assert model.predict(np.ones((2, 1, 8, 8))).dtype == np.float32


def test_an_optimizer_updates_the_parameters_inside_containers():
    model = model_of_containers()
    x, y = np.random.default_rng(6).normal(size=(4, 1, 8, 8)), np.array([0, 1, 2, 3])
    before = {name: value.copy() for name, value in model.parameters().items()}
    model.train_batch(x, y, "cross_entropy", SGD(0.1))
    changed = [name for name, value in model.parameters().items()
               if not np.array_equal(value, before[name])]
    assert changed == list(before)                   # every parameter moved, nested ones too


def test_a_training_step_is_the_same_with_every_shortcut_of_the_policy():
    x, y = np.random.default_rng(7).normal(size=(6, 1, 8, 8)), np.arange(6) % 4
    results = []
    for policy in (convnet.TrainingPolicy(), convnet.TrainingPolicy.off()):
        model = model_of_containers()
        model.layers[3].body[2].p = 0.0                        # no randomness between runs
        model.fit(x, y, epochs=2, batch_size=3, loss="cross_entropy", optimizer=SGD(0.05),
                  seed=0, verbose=False, policy=policy)
        results.append(model.parameters())
    for name, value in results[0].items():
        np.testing.assert_array_equal(value, results[1][name])


def test_state_arrays_inside_containers_are_walked_saved_and_converted(tmp_path):
    model = model_of_containers()
    inner = model.layers[4].branches[1][0].body[0]
    inner.state["running"] = np.arange(3.0)              # as a normalisation layer keeps them
    assert list(model.state()) == ["4.1.0.body.0.running"]
    model.save(tmp_path / "m.npz")
    from convnet._archive import read_archive
    _, arrays = read_archive(tmp_path / "m.npz")
    np.testing.assert_array_equal(arrays["4.1.0.body.0.running"], np.arange(3.0))
    model.astype(np.float32)
    assert inner.state["running"].dtype == np.float32


def test_free_memory_forgets_what_nested_layers_kept():
    model = model_of_containers()
    model.forward(np.ones((2, 1, 8, 8)))
    model.free_memory()
    with pytest.raises(RuntimeError, match="has no forward"):
        model.layers[4].branches[1][0].body[0].backward(np.ones((2, 3, 4, 4)))


def test_a_layer_at_two_places_of_the_tree_is_refused_wherever_it_is():
    relu = L.ReLU()
    with pytest.raises(ValueError, match=r"^layers\[1\]\.body\.0 must be a layer object of its "
                                         r"own .* the same object as layers\[0\]"):
        convnet.Sequential(relu, L.Residual(relu))
    with pytest.raises(ValueError, match=r"^branches\[1\]\[0\]\.body\.0 must be a layer object "
                                         r"of its own .* the same object as branches\[0\]\[0\]"):
        L.Concat(relu, L.Residual(relu))
    with pytest.raises(TypeError, match=r"^shortcut\[1\] must be a convnet layer"):
        L.Residual(L.ReLU(), shortcut=[L.ReLU(), "relu"])


def test_paths_of_different_shapes_are_refused_with_both_shapes():
    block = L.Residual(L.MaxPool2D(2))
    with pytest.raises(ValueError, match=r"^x must be an input that the body and the shortcut "
                                         r"map to one shape .* the body gives \(1, 1, 2, 2\), "
                                         r"the shortcut \(1, 1, 4, 4\)"):
        block.forward(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"does not get through layer 0, Residual: input_shape "
                                         r"must be a shape that the body and the shortcut"):
        convnet.Sequential(block).summary((1, 4, 4))
    join = L.Concat(L.MaxPool2D(2), L.ReLU())
    with pytest.raises(ValueError, match=r"same N, H and W .* the branches give \(1, 1, 2, 2\), "
                                         r"\(1, 1, 4, 4\)"):
        join.forward(np.ones((1, 1, 4, 4)))


def test_the_summary_has_a_row_per_layer_and_one_where_the_paths_meet():
    summary = model_of_containers().summary((1, 8, 8))
    names = [name for name, _, _ in summary.rows]
    assert names[4:9] == ["3.body.0 Conv2D", "3.body.1 ReLU", "3.body.2 Dropout",
                          "3.body.3 Conv2D", "3 Residual (sum)"]
    assert names[9:13] == ["4.0.0 Conv2D", "4.1.0.body.0 Conv2D", "4.1.0 Residual (sum)",
                           "4.1.1 ReLU"]
    assert summary.rows[13] == ("4 Concat (join)", (5, 4, 4), 0)           # 2 + 3 channels
    # 30 + 84 + 84 (3*3*3*3 + 3 each) + 8 + 12 + 24: every parameter once, on its layer's row
    assert summary.total == sum(count for _, _, count in summary.rows) == 242
    assert summary.rows[-1][1] == (4,)


def test_explain_shows_a_container_as_one_row_with_its_parameters():
    explanation = convnet.explain.summary(model_of_containers(), (1, 8, 8))
    assert explanation.result.total == 242
    assert "Residual" in explanation.text() and "Concat" in explanation.text()


def test_the_repr_shows_the_tree():
    text = repr(convnet.Sequential(L.Residual(L.ReLU(), shortcut=L.Tanh())))
    assert "(0) Residual(\n    ReLU(),\n    shortcut=[Tanh()],\n  )" in text


def test_predicting_writes_nothing_into_any_layer_of_the_tree():
    model = model_of_containers()
    before = {path: dict(vars(layer)) for path, layer in walk(enumerate(model.layers))}
    model.predict(np.ones((3, 1, 8, 8)))
    for path, layer in walk(enumerate(model.layers)):
        assert layer._cache is None, path
        assert vars(layer).keys() == before[path].keys()
        assert all(vars(layer)[key] is value for key, value in before[path].items()), path


def test_the_policy_reorders_the_models_own_list_only():
    inside = [L.ReLU(), L.MaxPool2D(2)]
    block = L.Residual(*inside)
    layers = [L.ReLU(), L.MaxPool2D(2), L.ReLU(), block, L.ReLU(), L.Concat(L.MaxPool2D(2))]
    order = convnet.TrainingPolicy().running_order(layers)
    assert order == [layers[1], layers[0], *layers[2:]]
    assert list(block.body) == inside


def test_a_model_sharing_a_layer_held_by_a_container_cannot_train_meanwhile():
    from convnet.training import _only_step
    shared = L.ReLU()
    first = convnet.Sequential(L.Residual(shared))
    second = convnet.Sequential(L.Concat([L.Tanh(), shared]))
    with _only_step(first):
        with pytest.raises(RuntimeError, match="or a model sharing one of its layers is"):
            with _only_step(second):
                pass
    with _only_step(second):              # once the step is over, the other model may train
        pass
