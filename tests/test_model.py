"""Sequential: training reduces the loss, determinism, divergence, summary, predict/evaluate."""

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.model import DivergenceError
from convnet.training import run_backward, run_forward
from convnet.optim import SGD, Adam


def toy_data(n=96, size=8, seed=0):
    """Class 0: a bright 3x3 block in the top-left quarter; class 1: bottom-right."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.1, size=(n, 1, size, size))
    y = np.arange(n) % 2
    for i in range(n):
        r, c = rng.integers(0, size // 2 - 2, size=2)
        offset = 0 if y[i] == 0 else size // 2
        x[i, 0, offset + r:offset + r + 3, offset + c:offset + c + 3] += 1.0
    return x, y


def every_layer_model(seed=0):
    rng = np.random.default_rng(seed)
    return convnet.Sequential(
        L.Conv2D(1, 4, 3, padding=1, rng=rng), L.ReLU(),
        L.ProductBiasConv2D(4, 4, 3, padding="same", rng=rng), L.Tanh(),
        L.MaxPool2D(2),
        L.Conv2D(4, 4, 3, bias="untied", rng=rng), L.LeakyReLU(0.1),
        L.AvgPool2D(2, stride=1), L.Sigmoid(),
        L.Dropout(0.1, rng=rng), L.Flatten("F"),
        L.Dense(4, 2, rng=rng), L.Softmax())


def test_a_model_with_every_layer_type_reduces_its_loss():
    x, y = toy_data()
    model = every_layer_model()
    before, _ = model.evaluate(x, np.eye(2)[y], loss="mse")
    history = model.fit(x, np.eye(2)[y], epochs=30, batch_size=16, loss="mse",
                        optimizer=Adam(0.01), seed=0, verbose=False)
    after, accuracy = model.evaluate(x, np.eye(2)[y], loss="mse")
    assert after < 0.5 * before
    assert history.loss[-1] < history.loss[0]
    assert accuracy > 0.9


def test_global_average_pooling_model_trains():
    x, y = toy_data()
    model = convnet.Sequential(L.Conv2D(1, 8, 3, padding=1, rng=1), L.ReLU(),
                               L.GlobalAvgPool2D(), L.Dense(8, 2, rng=2))
    history = model.fit(x, y, epochs=15, batch_size=16, loss="cross_entropy",
                        optimizer=SGD(0.1, momentum=0.9), seed=0, verbose=False)
    assert history.loss[-1] < history.loss[0]


def test_same_seed_gives_bit_identical_history_and_weights():
    x, y = toy_data()
    runs = []
    for _ in range(2):
        model = every_layer_model(seed=3)
        history = model.fit(x, y, epochs=3, batch_size=10, loss="cross_entropy",
                            optimizer=Adam(0.01), validation_data=(x[:20], y[:20]), seed=5,
                            verbose=False)
        runs.append((history, model.parameters()))
    (h1, p1), (h2, p2) = runs
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert getattr(h1, key) == getattr(h2, key)
    for name in p1:
        np.testing.assert_array_equal(p1[name], p2[name])


def test_fit_leaves_the_global_random_state_alone():
    before = np.random.get_state()
    x, y = toy_data(32)
    every_layer_model().fit(x, y, epochs=1, batch_size=8, loss="cross_entropy",
                            optimizer=SGD(0.1), verbose=False)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def small_model():
    return convnet.Sequential(L.Conv2D(1, 2, 3, rng=0, dtype=np.float64), L.ReLU(), L.Flatten(),
                              L.Dense(2 * 6 * 6, 2, rng=1, dtype=np.float64))


def test_nan_in_the_data_is_named_before_the_first_step():
    x, y = toy_data(40)
    x[25, 0, 0, 0] = np.nan
    model = small_model()
    before = {name: value.copy() for name, value in model.parameters().items()}
    with pytest.raises(ValueError, match=r"^x must be finite numbers \(NaN or inf in the data "
                                         r".*\); got nan at index \(25, 0, 0, 0\)$"):
        model.fit(x, y, epochs=2, batch_size=10, loss="cross_entropy", optimizer=SGD(0.1),
                  verbose=False)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, before[name])          # not a single step
    targets = np.eye(2)[y]
    targets[3, 1] = np.inf
    x[25, 0, 0, 0] = 0.0
    with pytest.raises(ValueError, match=r"^y must be finite numbers .*; got inf at index \(3, 1\)$"):
        model.fit(x, targets, epochs=1, batch_size=10, loss="mse", optimizer=SGD(0.1),
                  verbose=False)


def test_nan_in_a_batch_is_named_and_keeps_the_last_good_step():
    # train_batch takes a batch as it comes: a NaN sample makes the loss NaN, and the
    # message blames the data (index within the batch), not the learning rate.
    x, y = toy_data(40)
    model = small_model()
    model.train_batch(x[:10], y[:10], "cross_entropy", SGD(0.1))
    good = {name: value.copy() for name, value in model.parameters().items()}
    x[25, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^x must be finite numbers .*; got nan at index "
                                         r"\(5, 0, 0, 0\)$"):
        model.train_batch(x[20:30], y[20:30], "cross_entropy", SGD(0.1))
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, good[name])


def test_nan_in_the_validation_data_is_named_before_the_first_step():
    x, y = toy_data(20)
    x_val = x.copy()
    x_val[7, 0, 1, 2] = -np.inf
    with pytest.raises(ValueError, match=r"^validation_data\[0\] must be finite numbers .*; "
                                         r"got -inf at index \(7, 0, 1, 2\)$"):
        small_model().fit(x, y, epochs=1, batch_size=10, loss="cross_entropy",
                          optimizer=SGD(0.1), validation_data=(x_val, y), verbose=False)


def test_diverging_learning_rate_stops_with_finite_parameters():
    x, y = toy_data(40)
    x *= 1e3
    model = small_model()
    with pytest.raises(DivergenceError, match=r"^training stopped at epoch \d+, batch \d+: "):
        model.fit(x, y, epochs=50, batch_size=10, loss="mse", optimizer=SGD(1e6),
                  verbose=False)
    assert all(np.all(np.isfinite(v)) for v in model.parameters().values())


def test_verbose_prints_one_line_per_epoch(capsys):
    # captured output is not a terminal: the plain lines (tests/test_progress.py has the rest)
    x, y = toy_data(20)
    small_model().fit(x, y, epochs=2, batch_size=10, loss="cross_entropy",
                      optimizer=SGD(0.1), validation_data=(x, y), verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2  loss ") and "val_accuracy" in lines[0]


def test_predict_is_batch_size_invariant_and_evaluate_counts_hits():
    x, y = toy_data(30)
    model = small_model()
    np.testing.assert_allclose(model.predict(x, batch_size=7), model.predict(x, batch_size=30),
                               rtol=1e-12, atol=1e-12)
    outputs = model.predict(x)
    _, accuracy = model.evaluate(x, y)
    assert accuracy == np.mean(outputs.argmax(axis=1) == y)


def test_predict_uses_evaluation_mode_and_restores_the_mode():
    model = convnet.Sequential(L.Dropout(0.5, rng=0))
    x = np.ones((4, 3))
    np.testing.assert_array_equal(model.predict(x), x)
    assert model.layers[0].training


def test_parameters_and_gradients_are_named_and_live():
    model = small_model()
    params = model.parameters()
    assert list(params) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert params["3.weight"] is model.layers[3].params["weight"]
    model.forward(np.ones((2, 1, 8, 8)))
    model.backward(np.ones((2, 2)))
    assert list(model.gradients()) == list(params)


def test_sequential_accepts_a_list_and_rejects_non_layers():
    assert len(convnet.Sequential([L.ReLU(), L.Flatten()])) == 2
    with pytest.raises(TypeError, match=r"^layers\[1\] must be a convnet layer; got 3 \(int\)$"):
        convnet.Sequential(L.ReLU(), 3)


ALEXNET_TABLE = [
    (3, 227, 227), (96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13),
    (384, 13, 13), (384, 13, 13), (256, 13, 13), (256, 6, 6), (9216,), (4096,), (4096,),
    (1000,)]


def test_summary_reproduces_the_alexnet_table_of_problem_set_1_5():
    f32 = dict(dtype=np.float32, rng=0)
    model = convnet.Sequential(
        L.Conv2D(3, 96, 11, stride=4, **f32), L.MaxPool2D(3, stride=2),
        L.Conv2D(96, 256, 5, padding=2, **f32), L.MaxPool2D(3, stride=2),
        L.Conv2D(256, 384, 3, padding=1, **f32), L.Conv2D(384, 384, 3, padding=1, **f32),
        L.Conv2D(384, 256, 3, padding=1, **f32), L.MaxPool2D(3, stride=2), L.Flatten(),
        L.Dense(9216, 4096, **f32), L.Dense(4096, 4096, **f32), L.Dense(4096, 1000, **f32))
    summary = model.summary((3, 227, 227))
    assert [shape for _, shape, _ in summary.rows] == ALEXNET_TABLE
    # parameters by hand: conv (C*k*k + 1)*F, dense (in + 1)*out
    conv = [(3 * 121 + 1) * 96, (96 * 25 + 1) * 256, (256 * 9 + 1) * 384,
            (384 * 9 + 1) * 384, (384 * 9 + 1) * 256]
    dense = [(9216 + 1) * 4096, (4096 + 1) * 4096, (4096 + 1) * 1000]
    assert summary.total == sum(conv) + sum(dense) == 62_378_344
    text = str(summary)
    assert "96 x 55 x 55" in text and "9216" in text and "62,378,344" in text


def test_summary_of_the_goodfellow_two_layer_network():
    model = convnet.Sequential(L.Conv2D(3, 12, 9, rng=0), L.ReLU(), L.MaxPool2D(2),
                               L.Conv2D(12, 6, 3, rng=0), L.ReLU(), L.MaxPool2D(2), L.Flatten())
    rows = model.summary((3, 512, 512)).rows
    assert [shape for _, shape, _ in rows] == [
        (3, 512, 512), (12, 504, 504), (12, 504, 504), (12, 252, 252), (6, 250, 250),
        (6, 250, 250), (6, 125, 125), (93_750,)]


def test_summary_counts_a_lazy_untied_bias():
    model = convnet.Sequential(L.Conv2D(1, 2, 3, bias="untied", rng=0))
    assert model.summary((1, 5, 5)).total == 2 * 9 + 2 * 3 * 3


def test_float32_stays_float32_through_a_training_step():
    f32 = dict(rng=0, dtype=np.float32)
    model = convnet.Sequential(L.Conv2D(1, 4, 3, padding=1, **f32), L.ReLU(), L.MaxPool2D(2),
                               L.Conv2D(4, 4, 3, stride=2, **f32), L.Tanh(), L.AvgPool2D(1),
                               L.Flatten(), L.Dense(4, 3, **f32))
    x = np.random.default_rng(0).random((5, 1, 8, 8), dtype=np.float32)
    outputs = []
    activation = x
    for layer in model.layers:
        activation = layer.forward(activation)
        outputs.append(activation)
    assert all(a.dtype == np.float32 for a in outputs)
    gradient = model.backward(np.ones((5, 3), np.float32))
    assert gradient.dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.gradients().values())
    model.train_batch(x, [0, 1, 2, 0, 1], "cross_entropy", SGD(0.1))
    assert all(p.dtype == np.float32 for p in model.parameters().values())


def test_training_step_buffers_do_not_leak_into_direct_calls():
    # Inside fit the layers reuse their buffers; a direct forward must still
    # return arrays that the next call does not overwrite.
    x, y = toy_data(16)
    model = small_model()
    model.fit(x, y, epochs=1, batch_size=8, loss="cross_entropy", optimizer=SGD(0.1),
              verbose=False)
    first = model.layers[0].forward(x[:4])
    kept = first.copy()
    model.layers[0].forward(x[4:8])
    np.testing.assert_array_equal(first, kept)


def test_the_same_layer_object_twice_is_refused():
    relu = L.ReLU()
    with pytest.raises(ValueError, match=r"^layers\[2\] must be a layer object of its own"):
        convnet.Sequential(relu, L.Flatten(), relu)


def _run_layer_by_layer(layers, x, dy):
    for layer in layers:
        x = layer.forward(x)
    out = x
    for layer in reversed(layers):
        dy = layer.backward(dy)
    return out, dy, [dict(layer.grads) for layer in layers]


@pytest.mark.parametrize("pool", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                  dict(kernel_size=2, stride=1)])
def test_relu_then_max_pool_runs_swapped_with_bit_identical_results(pool):
    # Sequential runs a ReLU after the max pooling that follows it; since
    # max(relu(a), relu(b)) = relu(max(a, b)), outputs and gradients must be the
    # same numbers as running the layers in list order, ties and NaN included.
    def build():
        return [L.Conv2D(2, 3, 3, padding=1, rng=1), L.ReLU(), L.MaxPool2D(**pool),
                L.ReLU(), L.MaxPool2D(**pool), L.Flatten()]
    x = np.random.default_rng(0).normal(size=(3, 2, 8, 8))
    x[0, 0, :4, :4] = -1.0                     # whole windows of zeros after the ReLU: ties
    x[1, 1, 2, 3] = np.nan
    model = convnet.Sequential(build())
    order = model.policy.running_order(model.layers)
    assert [type(layer).__name__ for layer in order] == [
        "Conv2D", "MaxPool2D", "ReLU", "MaxPool2D", "ReLU", "Flatten"]
    out = run_forward(order, x)
    dy = np.random.default_rng(1).normal(size=out.shape)
    dx = run_backward(order, dy)
    expected_out, expected_dx, expected_grads = _run_layer_by_layer(build(), x, dy)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(dx, expected_dx)
    for grads, expected in zip([dict(layer.grads) for layer in model.layers], expected_grads):
        for name in expected:
            np.testing.assert_array_equal(grads[name], expected[name])


def test_a_training_step_equals_the_list_order_bit_for_bit():
    # train_batch and predict run the swapped order; forward/backward keep the list.
    def build():
        return convnet.Sequential(L.Conv2D(1, 4, 3, rng=3), L.ReLU(), L.MaxPool2D(2),
                                  L.Flatten(), L.Dense(36, 3, rng=4))
    x = np.random.default_rng(0).normal(size=(6, 1, 8, 8))
    y = np.array([0, 1, 2, 0, 1, 2])
    fast, slow = build(), build()
    np.testing.assert_array_equal(fast.predict(x), slow.forward(x))
    fast.train_batch(x, y, "cross_entropy", SGD(0.1))
    loss = convnet.losses.SoftmaxCrossEntropy()
    loss.forward(slow.forward(x), y)
    slow.backward(loss.backward())
    SGD(0.1).step(slow)
    for name, value in slow.parameters().items():
        np.testing.assert_array_equal(fast.parameters()[name], value)


def test_only_a_relu_directly_before_a_max_pool_is_moved():
    layers = [L.ReLU(), L.Dropout(0.5, rng=0), L.MaxPool2D(2), L.Sigmoid(), L.MaxPool2D(2),
              L.ReLU(), L.AvgPool2D(2), L.ReLU(), L.MaxPool2D(2)]
    order = convnet.TrainingPolicy().running_order(layers)
    assert order == layers[:7] + [layers[8], layers[7]]
    assert convnet.TrainingPolicy(relu_after_max_pool=False).running_order(layers) == layers


def test_a_relu_stays_before_a_dilated_max_pool():
    # A dilated window can step over every pixel and hold padding only: 1 pixel, padded by one
    # column on each side, k = (1, 2), d = 2 reads padded columns 0 and 2.  Its maximum is
    # -inf, which a ReLU after it would make 0: the two no longer commute, so the step and
    # predict must keep the list order and give forward's -inf.
    def build():
        return convnet.Sequential(L.ReLU(), L.MaxPool2D((1, 2), padding=(0, 1), dilation=2),
                                  L.Flatten())
    x = np.ones((1, 1, 1, 1))
    model = build()
    assert model.policy.running_order(model.layers) == model.layers
    assert build().forward(x)[0, 0] == -np.inf
    assert model.predict(x)[0, 0] == -np.inf
    layers = [L.ReLU(), L.MaxPool2D(2, dilation=1)]            # dilation 1: still moved
    assert convnet.TrainingPolicy().running_order(layers) == layers[::-1]


def test_skipping_the_first_input_gradient_leaves_its_weight_gradient_bit_for_bit():
    # A single-channel first layer under a 3x3 layer: the fast engine's dA goes by kernel
    # rows, and dLW must be summed that way whether or not dA is computed.
    def step(policy):
        rng = np.random.default_rng(5)
        model = convnet.Sequential(L.Conv2D(1, 3, 3, padding=1, rng=rng),
                                   L.Conv2D(3, 3, 3, padding=1, rng=rng), L.Flatten(),
                                   L.Dense(192, 4, rng=rng))
        x = np.random.default_rng(7).normal(size=(6, 1, 8, 8))
        model.train_batch(x, np.arange(6) % 4, "cross_entropy", SGD(0.05), policy=policy)
        return model.gradients()
    skipped, computed = step(convnet.TrainingPolicy()), step(convnet.TrainingPolicy.off())
    for name, value in computed.items():
        np.testing.assert_array_equal(skipped[name], value)
