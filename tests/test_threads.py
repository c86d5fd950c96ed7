"""Sharing a model: threads that predict get the serial results; training is one thread's job.

``predict`` and ``evaluate`` run in ``convnet.inference()``: they write nothing
to the model (not its layers' modes, not what a backward would need) and the
fast engine's work memory is per thread.  A second training step of a model
while one runs in another thread is refused.  Work memory is given back.
"""

import copy
import pickle
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.layers.base import walk
from convnet.optim import SGD


def models():
    """Several models with every kind of layer whose forward keeps something."""
    rng = np.random.default_rng(0)
    built = {
        "conv-pool-dropout": convnet.Sequential(
            L.Conv2D(1, 6, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
            L.Conv2D(6, 8, 3, rng=rng), L.ReLU(), L.MaxPool2D(2), L.Flatten(),
            L.Dropout(0.5, rng=rng), L.Dense(8, 4, rng=rng), L.Softmax()),
        "untied-product-avg": convnet.Sequential(
            L.Conv2D(1, 3, 3, bias="untied", input_size=(10, 10), rng=rng), L.Tanh(),
            L.ProductBiasConv2D(3, 4, 3, stride=2, padding=2, rng=rng), L.LeakyReLU(0.1),
            L.AvgPool2D(2, stride=1), L.Sigmoid(), L.GlobalAvgPool2D(), L.Dense(4, 3, rng=rng)),
        "containers-resampling": convnet.Sequential(
            L.Conv2D(1, 4, 3, padding=1, rng=rng), L.ReLU(),
            L.Residual(L.Conv2D(4, 4, 3, padding=1, rng=rng), L.ReLU(), L.Dropout(0.3, rng=rng),
                       L.Conv2D(4, 4, 3, padding=1, rng=rng),
                       shortcut=[L.Conv2D(4, 4, 1, rng=rng), L.Tanh()]),
            L.Concat([L.MaxPool2D(2), L.Upsample2D(2)],
                     [L.AdaptiveMaxPool2D(3), L.Upsample2D(size=(10, 10))],
                     [L.Residual(L.AdaptiveAvgPool2D((5, 4)), L.Upsample2D((2, 2.5)))]),
            L.GlobalMaxPool2D(), L.Dense(12, 4, rng=rng)),
        "batch-and-group-norm": convnet.Sequential(     # running statistics: only read
            L.Conv2D(1, 4, 3, rng=rng), L.BatchNorm2D(4), L.ReLU(), L.GroupNorm(2, 4),
            L.MaxPool2D(2), L.Flatten(), L.Dense(64, 5, rng=rng), L.BatchNorm1D(5)),
    }
    built["batch-and-group-norm"].forward(rng.normal(size=(8, 1, 10, 10)) * 3 + 1)  # moves them
    return built


BATCHES = [np.random.default_rng(seed).normal(size=(5, 1, 10, 10)) for seed in range(32)]


@pytest.mark.parametrize("name", list(models()))
@pytest.mark.parametrize("engine", ["fast", "plain"])
def test_threads_that_predict_with_one_model_get_the_serial_results(name, engine):
    model = models()[name]                           # left in training mode: Dropout is on
    with convnet.engine(engine):
        serial = [model.predict(batch) for batch in BATCHES]

    def predict(batch):
        with convnet.engine(engine):
            return model.predict(batch)

    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            shared = list(pool.map(predict, BATCHES))
            for got, expected in zip(shared, serial):
                np.testing.assert_array_equal(got, expected)
    assert all(layer.training for _, layer in walk(enumerate(model.layers)))   # no mode changed


@pytest.mark.parametrize("training", [True, False])
def test_threads_that_evaluate_one_model_get_the_serial_results_and_leave_its_mode(training):
    model = models()["conv-pool-dropout"].train(training)
    labels = [np.arange(len(batch)) % 4 for batch in BATCHES]
    serial = [model.evaluate(x, y, batch_size=2) for x, y in zip(BATCHES, labels)]
    with ThreadPoolExecutor(4) as pool:
        shared = list(pool.map(lambda xy: model.evaluate(*xy, batch_size=2), zip(BATCHES, labels)))
    assert shared == serial                          # (loss, accuracy) pairs, exactly
    assert all(layer.training is training for layer in model.layers)


def test_threads_that_run_forward_in_evaluation_mode_get_the_serial_results():
    model = models()["conv-pool-dropout"].eval()
    serial = [model.forward(batch) for batch in BATCHES]
    with ThreadPoolExecutor(4) as pool:
        shared = list(pool.map(model.forward, BATCHES))
    for got, expected in zip(shared, serial):
        np.testing.assert_array_equal(got, expected)


def test_a_second_training_step_in_another_thread_is_refused():
    model = models()["conv-pool-dropout"]
    x, y = BATCHES[0], np.arange(5) % 4
    entered, release = threading.Event(), threading.Event()
    forward = model.layers[0].forward

    def waiting_forward(batch):                      # the worker's step waits inside
        if threading.current_thread() is worker:
            entered.set()
            release.wait(30)
        return forward(batch)

    model.layers[0].forward = waiting_forward
    worker = threading.Thread(target=model.train_batch, args=(x, y, "cross_entropy", SGD(0.1)))
    worker.start()
    try:
        assert entered.wait(30)
        with pytest.raises(RuntimeError, match=r"^this model is already in a training step, in "
                                               r"another thread"):
            model.train_batch(x, y, "cross_entropy", SGD(0.1))
        twin = convnet.Sequential(*model.layers)     # another model of the same layer objects
        with pytest.raises(RuntimeError, match=r"or a model sharing one of its layers is"):
            twin.train_batch(x, y, "cross_entropy", SGD(0.1))
        predicted = model.predict(x)                 # predicting meanwhile is fine
    finally:
        release.set()
        worker.join()
    model.layers[0].forward = forward
    model.train_batch(x, y, "cross_entropy", SGD(0.1))          # and after, training goes on
    assert predicted.shape == (5, 4)


def test_predicting_in_one_thread_does_not_disturb_training_in_another():
    x = np.concatenate(BATCHES[:8])
    y = np.arange(len(x)) % 4

    def train(model):
        model.fit(x, y, epochs=3, batch_size=8, loss="cross_entropy", optimizer=SGD(0.05),
                  seed=0, verbose=False)
        return model.parameters()

    alone = train(models()["conv-pool-dropout"])
    model = models()["conv-pool-dropout"]
    stop = threading.Event()

    def keep_predicting():
        while not stop.is_set():
            model.predict(BATCHES[9])

    watcher = threading.Thread(target=keep_predicting)
    watcher.start()
    try:
        shared = train(model)
    finally:
        stop.set()
        watcher.join()
    for name, value in alone.items():
        np.testing.assert_array_equal(shared[name], value)


def test_predict_on_a_large_batch_keeps_no_buffers_for_it():
    model = convnet.zoo.lenet5(seed=0)
    x = np.random.default_rng(0).random((1000, 1, 28, 28), dtype=np.float32)
    model.predict(x[:32], batch_size=32)             # the buffers of a small batch may stay
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = model.predict(x, batch_size=1000)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The im2col matrix of the first layer alone is 25 x 1000*24*28 float32 = 67 MB.
    assert peak - before > 60e6
    assert kept - before - out.nbytes < 1e6          # nothing of that size stays behind


def test_free_memory_gives_back_what_training_kept_and_copies_carry_none():
    model = convnet.zoo.lenet5(seed=0)
    x = np.random.default_rng(0).random((64, 1, 28, 28), dtype=np.float32)
    model.train_batch(x, np.arange(64) % 10, "cross_entropy", SGD(0.01))
    model.forward(x)                                 # the layers keep their records
    small = len(pickle.dumps(model))
    assert small < 400_000                           # 44,426 float32 weights and the config
    assert copy.deepcopy(model).layers[0]._cache is None
    model.free_memory()
    assert convnet.functional._fast.memory.pool().nbytes == 0
    assert all(layer._cache is None for layer in model.layers)
    model.train_batch(x, np.arange(64) % 10, "cross_entropy", SGD(0.01))   # and on it goes


@pytest.mark.parametrize("make", [convnet.inference, lambda: convnet.engine("plain")],
                         ids=["inference", "engine"])
def test_one_context_object_entered_by_several_threads_at_once(make):
    shared = make()                                  # made once, as a module-level name would be
    inside = threading.Barrier(4)
    seen = []

    def enter_twice():
        with shared:
            with shared:                             # nested in the same thread too
                inside.wait(30)                      # all four threads are in the block at once
                seen.append((convnet.functional.inferring(), convnet.get_engine()))
            seen.append((convnet.functional.inferring(), convnet.get_engine()))
        seen.append((convnet.functional.inferring(), convnet.get_engine()))

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(enter_twice) for _ in range(4)]:
            future.result()
    inner = (True, "fast") if make is convnet.inference else (False, "plain")
    assert seen.count(inner) == 8 and seen.count((False, "fast")) == 4


def test_inference_makes_no_untied_bias_a_first_training_pass_would():
    # The untied bias is sized by the first forward pass; in inference nothing is written to
    # the layer, so its zeros are used for that pass and the layer is left unsized.
    layer = L.Conv2D(1, 2, 3, bias="untied", rng=0, dtype=np.float64)
    x8, x10 = np.ones((1, 1, 8, 8)), np.ones((1, 1, 10, 10))
    without = convnet.functional.conv2d(x8, layer.params["weight"])
    with convnet.inference():
        np.testing.assert_array_equal(layer.forward(x8), without)
        assert layer.forward(x10).shape == (1, 2, 8, 8)
    assert "bias" not in layer.params and layer.input_size is None
    layer.forward(x8)                                # training: the bias is made for 8x8
    assert layer.params["bias"].shape == (2, 6, 6) and layer.input_size == (8, 8)
