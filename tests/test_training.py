"""The training loop: the policy's shortcuts never change a number; every engine trains alike."""

import numpy as np
import pytest

import convnet
from convnet import TrainingPolicy, layers as L
from convnet.datasets import load_digits
from convnet.optim import SGD, Adam
from convnet.zoo import digits_cnn

from .test_model import toy_data


def pooled_model(seed=0):
    rng = np.random.default_rng(seed)
    return convnet.Sequential(
        L.Conv2D(1, 4, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
        L.Conv2D(4, 6, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
        L.Flatten(), L.Dense(24, 8, rng=rng), L.ReLU(), L.Dropout(0.2, rng=rng),
        L.Dense(8, 2, rng=rng))


def fit_with(policy, engine="fast", epochs=3):
    x, y = toy_data()
    model = pooled_model()
    with convnet.engine(engine):
        history = model.fit(x, y, epochs=epochs, batch_size=16, loss="cross_entropy",
                            optimizer=SGD(0.05, momentum=0.9), validation_data=(x[:32], y[:32]),
                            seed=0, verbose=False, policy=policy)
    return history, model


def test_the_policy_on_and_off_train_bit_for_bit():
    on, model_on = fit_with(TrainingPolicy())
    off, model_off = fit_with(TrainingPolicy.off())
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert getattr(on, key) == getattr(off, key), key
    for name, value in model_on.parameters().items():
        np.testing.assert_array_equal(value, model_off.parameters()[name])


@pytest.mark.parametrize("policy", [TrainingPolicy(reuse_buffers=False),
                                    TrainingPolicy(skip_first_input_gradient=False),
                                    TrainingPolicy(relu_after_max_pool=False)])
def test_each_shortcut_alone_changes_nothing(policy):
    assert fit_with(policy, epochs=1)[0].loss == fit_with(TrainingPolicy(), epochs=1)[0].loss


def test_the_policy_is_visible_and_decides_the_order_of_a_step():
    model = pooled_model()
    assert repr(model).endswith("policy=TrainingPolicy(reuse_buffers=True, "
                                "skip_first_input_gradient=True, relu_after_max_pool=True)\n)")
    calls = []
    for index, layer in enumerate(model.layers):
        layer.forward = (lambda f, i: lambda x: calls.append(i) or f(x))(layer.forward, index)
    x, y = toy_data(8)
    model.train_batch(x, y, "cross_entropy", SGD(0.01))
    assert calls == [0, 2, 1, 3, 5, 4, 6, 7, 8, 9, 10]               # ReLU after each pool
    calls.clear()
    model.policy = TrainingPolicy.off()
    model.train_batch(x, y, "cross_entropy", SGD(0.01))
    assert calls == list(range(11))
    calls.clear()
    model.train_batch(x, y, "cross_entropy", SGD(0.01), policy=TrainingPolicy())
    assert calls == [0, 2, 1, 3, 5, 4, 6, 7, 8, 9, 10]


def test_the_first_layer_skips_its_input_gradient_only_when_told():
    seen = []
    model = pooled_model()
    backward = model.layers[0].backward
    model.layers[0].backward = lambda dy, **kw: seen.append(kw) or backward(dy, **kw)
    x, y = toy_data(8)
    model.train_batch(x, y, "cross_entropy", SGD(0.01))
    model.train_batch(x, y, "cross_entropy", SGD(0.01),
                      policy=TrainingPolicy(skip_first_input_gradient=False))
    assert seen == [{"input_gradient": False}, {}]


def test_train_batch_switches_to_training_mode():
    model = pooled_model().eval()
    x, y = toy_data(8)
    model.train_batch(x, y, "cross_entropy", SGD(0.01))
    assert all(layer.training for layer in model.layers)


def test_fit_gives_the_same_history_in_the_plain_and_fast_engines_on_the_digits():
    # Different summation orders, the same numbers to float32 rounding (three epochs of
    # the bundled digits with dropout and Adam).
    (x_train, y_train), (x_test, y_test) = load_digits()
    runs = {}
    for engine in ("plain", "fast"):
        model = digits_cnn(0)
        with convnet.engine(engine):
            history = model.fit(x_train, y_train, epochs=3, batch_size=32, loss="cross_entropy",
                                optimizer=Adam(lr=2e-3), validation_data=(x_test, y_test),
                                seed=0, verbose=False)
        runs[engine] = history, model.parameters()
    (plain_history, plain_params), (fast_history, fast_params) = runs["plain"], runs["fast"]
    np.testing.assert_allclose(plain_history.loss, fast_history.loss, rtol=1e-5)
    np.testing.assert_allclose(plain_history.val_loss, fast_history.val_loss, rtol=1e-5)
    assert plain_history.val_accuracy == fast_history.val_accuracy
    for name, value in fast_params.items():
        scale = np.max(np.abs(value))
        np.testing.assert_allclose(plain_params[name], value, rtol=0, atol=1e-4 * scale)


def test_a_policy_must_be_a_training_policy():
    with pytest.raises(TypeError, match=r"^policy must be a convnet.TrainingPolicy"):
        convnet.Sequential(L.ReLU(), policy="off")
    with pytest.raises(TypeError, match=r"^reuse_buffers must be True or False"):
        TrainingPolicy(reuse_buffers=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("build", ["untied", "mixed"])
def test_the_policy_changes_nothing_with_untied_biases_and_padded_pooling(dtype, build):
    # Found in review: an untied bias's gradient was summed in the memory order of
    # whichever layer produced dz, which the ReLU/pooling swap changes; with 1x1 maps the
    # batch axis is the innermost one and NumPy sums it pairwise.
    rng = np.random.default_rng(0)
    size = 2 if build == "untied" else 4
    x = rng.standard_normal((64, 6, size, size)).astype(dtype)
    y = rng.integers(0, 7, 64)

    def model():
        if build == "untied":
            return convnet.Sequential(
                L.Conv2D(6, 5, 2, bias="untied", input_size=(2, 2), rng=0, dtype=dtype), L.ReLU(),
                L.MaxPool2D(2, stride=1, padding=1), L.Flatten(),
                L.Dense(20, 7, rng=1, dtype=dtype))
        return convnet.Sequential(
            L.Conv2D(6, 5, 2, bias="untied", input_size=(4, 4), rng=0, dtype=dtype), L.ReLU(),
            L.MaxPool2D(2, stride=1, padding=1), L.ProductBiasConv2D(5, 3, 2, rng=2, dtype=dtype),
            L.LeakyReLU(0.1), L.AvgPool2D(2), L.Flatten(), L.Dense(3, 7, rng=1, dtype=dtype))

    models = [model(), model()]
    for trained, policy in zip(models, (TrainingPolicy(), TrainingPolicy.off())):
        for _ in range(3):
            trained.train_batch(x, y, "cross_entropy", SGD(0.1, momentum=0.9), policy=policy)
    for name, value in models[0].parameters().items():
        np.testing.assert_array_equal(value, models[1].parameters()[name])


def test_the_policy_is_checked_when_it_is_set():
    model = pooled_model()
    with pytest.raises(TypeError, match=r"^policy must be a convnet.TrainingPolicy"):
        model.policy = "off"
