"""Determinism: a seed fixes everything random; nothing touches NumPy's global random state."""

import numpy as np

import convnet
from convnet import layers as L
from convnet.datasets import make_shapes
from convnet.optim import Adam
from convnet.zoo import digits_cnn, lenet5


def global_state():
    state = np.random.get_state()
    return state[0], state[1].copy(), state[2:]


def same_state(a, b):
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2] == b[2]


def test_initial_weights_are_bit_identical_for_a_seed():
    for build in (lambda s: L.Conv2D(3, 4, 3, rng=s), lambda s: L.Dense(5, 2, rng=s),
                  lambda s: L.ProductBiasConv2D(2, 2, 3, rng=s)):
        first, second, other = build(1), build(1), build(2)
        for key in first.params:
            assert first.params[key].tobytes() == second.params[key].tobytes()
        assert first.params["weight"].tobytes() != other.params["weight"].tobytes()
    for build in (lenet5, digits_cnn):
        a, b = build(seed=3).parameters(), build(seed=3).parameters()
        assert all(a[k].tobytes() == b[k].tobytes() for k in a)


def test_dropout_masks_repeat_for_a_seed_and_differ_between_calls():
    x = np.ones((20, 20))
    a, b = L.Dropout(0.5, rng=9), L.Dropout(0.5, rng=9)
    first_a, first_b = a.forward(x), b.forward(x)
    assert np.array_equal(first_a, first_b)
    assert not np.array_equal(first_a, a.forward(x))   # a new mask on the next call


def test_generated_data_repeats_for_a_seed():
    x1, y1 = make_shapes(30, classes=("square", "diamond", "cross"), noise=0.05, seed=4)
    x2, y2 = make_shapes(30, classes=("square", "diamond", "cross"), noise=0.05, seed=4)
    assert x1.tobytes() == x2.tobytes() and y1.tobytes() == y2.tobytes()


def train(seed):
    x, y = make_shapes(40, seed=0)
    rng = np.random.default_rng(seed)
    model = convnet.Sequential(L.Conv2D(1, 3, 3, rng=rng), L.ReLU(), L.MaxPool2D(13),
                               L.Flatten(), L.Dropout(0.2, rng=rng), L.Dense(3, 2, rng=rng))
    history = model.fit(x, y, epochs=3, batch_size=8, loss="cross_entropy",
                        optimizer=Adam(0.05), validation_data=(x[:10], y[:10]), seed=seed,
                        verbose=False)
    return history, model.parameters()


def test_training_is_bit_identical_for_a_seed_and_leaves_global_state_alone():
    before = global_state()
    (h1, p1), (h2, p2), (h3, _) = train(11), train(11), train(12)
    assert same_state(before, global_state())
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert getattr(h1, key) == getattr(h2, key)
    assert all(p1[k].tobytes() == p2[k].tobytes() for k in p1)
    assert h1.loss != h3.loss                       # the seed does matter


def test_unseeded_layers_and_fits_also_leave_global_state_alone():
    before = global_state()
    x, y = make_shapes(16)
    model = convnet.Sequential(L.Conv2D(1, 2, 3), L.ReLU(), L.Flatten(), L.Dropout(0.3),
                               L.Dense(2 * 13 * 13, 2))
    model.fit(x, y, epochs=1, batch_size=4, loss="cross_entropy", optimizer=Adam(), verbose=False)
    assert same_state(before, global_state())
