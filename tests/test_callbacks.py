"""Callbacks: the protocol's order, early stopping, checkpoints that resume bit for bit, schedules."""

import math
import shutil

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.callbacks import (Callback, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                               ReduceLROnPlateau, StopOnDivergence, load_checkpoint)
from convnet.model import DivergenceError
from convnet.optim import SGD, Adam
from convnet.schedules import ExponentialLR, StepLR

from .test_model import toy_data

F64 = dict(dtype=np.float64)


def norm_model(seed=0):
    """A small network with BatchNorm: its running statistics are layer state."""
    rng = np.random.default_rng(seed)
    return convnet.Sequential(L.Conv2D(1, 3, 3, rng=rng, **F64), L.BatchNorm2D(3, **F64),
                              L.ReLU(), L.MaxPool2D(2), L.Flatten(), L.Dense(27, 2, rng=rng, **F64))


def train(model, optimizer, **kwargs):
    x, y = toy_data(48)
    kwargs = dict(dict(epochs=4, batch_size=16, loss="cross_entropy", seed=3, verbose=0),
                  **kwargs)
    return model.fit(x, y, optimizer=optimizer, **kwargs)


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs):
        self.calls.append(("train_begin", self.model is not None, self.optimizer is not None))

    def on_epoch_begin(self, epoch, logs):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs):
        self.calls.append(("train_end",))


def test_the_protocol_is_called_in_order_with_the_logs():
    recorder = Recorder()
    x, y = toy_data(32)
    history = norm_model().fit(x, y, epochs=2, batch_size=16, loss="cross_entropy",
                               optimizer=SGD(0.1), validation_split=0.25, seed=0, verbose=0,
                               callbacks=[recorder])
    keys = ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert recorder.calls == [("train_begin", True, True), ("epoch_begin", 0),
                              ("epoch_end", 0, keys), ("epoch_begin", 1),
                              ("epoch_end", 1, keys), ("train_end",)]
    assert recorder.history is history and history.epoch == [1, 2]


def test_stop_training_ends_after_the_current_epoch():
    class StopAtTwo(Callback):
        def on_epoch_end(self, epoch, logs):
            self.stop_training = epoch == 1
    history = train(norm_model(), SGD(0.1), epochs=6, callbacks=[StopAtTwo()])
    assert history.epoch == [1, 2]


def test_early_stopping_waits_patience_epochs_and_restores_the_best():
    class Losses(Callback):        # feeds EarlyStopping a made-up val_loss sequence
        values = iter([1.0, 0.5, 0.6, 0.55, 0.7, 0.2])

        def on_epoch_end(self, epoch, logs):
            logs["val_loss"] = next(self.values)
            self.seen.append(snapshot(self.model))
    Losses.seen = []
    stopper = EarlyStopping(patience=2, min_delta=0.01)
    history = train(norm_model(), SGD(0.1), epochs=6, callbacks=[Losses(), stopper])
    # best 0.5 at epoch 1; 0.6, then 0.55 (not below 0.5 - 0.01): two without improvement
    assert history.epoch == [1, 2, 3, 4]
    assert (stopper.best_epoch, stopper.stopped_epoch, stopper.best) == (1, 3, 0.5)
    model = stopper.model
    for name, value in snapshot(model).items():            # parameters and running stats
        np.testing.assert_array_equal(value, Losses.seen[1][name])
    assert not np.array_equal(Losses.seen[1]["s:1.running_mean"],
                              Losses.seen[3]["s:1.running_mean"])


def snapshot(model):
    return {**{f"p:{k}": v.copy() for k, v in model.parameters().items()},
            **{f"s:{k}": v.copy() for k, v in model.state().items()}}


def test_early_stopping_on_accuracy_wants_it_higher():
    class Accuracies(Callback):    # a made-up accuracy sequence: best 0.9 at epoch 1
        values = iter([0.5, 0.9, 0.6, 0.95, 0.7])

        def on_epoch_end(self, epoch, logs):
            logs["accuracy"] = next(self.values)
    stopper = EarlyStopping(monitor="accuracy", patience=1, restore_best=False)
    assert stopper.mode == "max"
    history = train(norm_model(), SGD(0.1), epochs=5, callbacks=[Accuracies(), stopper])
    # 0.5, 0.9 (better), 0.6 (worse: patience 1 used up) -> stops after epoch 3; a stopper
    # that wanted the accuracy lower would have kept 0.5 and stopped after epoch 2
    assert history.epoch == [1, 2, 3]
    assert (stopper.best_epoch, stopper.stopped_epoch, stopper.best) == (1, 2, 0.9)


def test_a_monitor_that_is_not_logged_is_named():
    with pytest.raises(ValueError, match="monitor must be one of the values fit logs .*; got "
                                         "'val_loss'"):
        train(norm_model(), SGD(0.1), callbacks=[EarlyStopping()])


def test_a_checkpoint_resumes_the_run_bit_for_bit_running_statistics_and_adam_included(
        tmp_path):
    def schedule():                       # a new scheduler on each side, as after a restart
        return LearningRateScheduler(ExponentialLR(0.5))
    whole = norm_model()
    full = train(whole, Adam(1e-2), epochs=4, callbacks=[schedule()])
    path = tmp_path / "run.npz"
    first = train(norm_model(), Adam(1e-2), epochs=2,
                  callbacks=[schedule(), ModelCheckpoint(path)])
    assert (tmp_path / "run.optimizer.npz").exists()
    optimizer = Adam(1.0)
    model, epoch, history = load_checkpoint(path, optimizer)
    assert epoch == 2 and history.loss == first.loss
    assert optimizer.state["0.weight"]["t"] == 6                 # 2 epochs of 3 batches
    assert (optimizer.lr, optimizer.initial_lr) == (1e-2 * 0.5, 1e-2)   # epoch 1's rate
    rest = train(model, optimizer, epochs=4, history=history,     # initial_epoch from history
                 callbacks=[schedule()])
    assert rest is history and rest.epoch == [1, 2, 3, 4]
    assert rest.loss == full.loss and rest.accuracy == full.accuracy
    for name, value in snapshot(whole).items():
        np.testing.assert_array_equal(snapshot(model)[name], value)


def test_save_best_only_and_a_templated_path(tmp_path):
    class Losses(Callback):
        values = iter([1.0, 0.5, 0.6])

        def on_epoch_end(self, epoch, logs):
            logs["val_loss"] = next(self.values)
    check = ModelCheckpoint(tmp_path / "best-{epoch:02d}.npz", save_best_only=True)
    train(norm_model(), SGD(0.1), epochs=3, callbacks=[Losses(), check])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best-01.npz", "best-01.optimizer.npz", "best-02.npz", "best-02.optimizer.npz"]


def test_a_checkpoint_whose_two_files_do_not_belong_together_is_refused(tmp_path):
    train(norm_model(), SGD(0.1, momentum=0.9), epochs=1,
          callbacks=[ModelCheckpoint(tmp_path / "a.npz")])
    train(norm_model(1), SGD(0.1, momentum=0.9), epochs=1,
          callbacks=[ModelCheckpoint(tmp_path / "b.npz")])
    shutil.copy(tmp_path / "b.optimizer.npz", tmp_path / "a.optimizer.npz")
    with pytest.raises(ValueError, match="was not written with the model file"):
        load_checkpoint(tmp_path / "a.npz")
    with pytest.raises(ValueError, match="optimizer must be a SGD, the optimizer whose state"):
        load_checkpoint(tmp_path / "b.npz", Adam())


def test_learning_rate_scheduler_sets_each_epochs_rate_and_resumes():
    class Rates(Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(logs["lr"])
    seen = []
    optimizer = SGD(0.4)
    scheduler = LearningRateScheduler(StepLR(1, gamma=0.5))
    history = train(norm_model(), optimizer, epochs=2, callbacks=[scheduler, Rates()])
    train(norm_model(), optimizer, epochs=4, history=history, callbacks=[scheduler, Rates()])
    assert seen == [0.4, 0.2, 0.1, 0.05]                 # 0.4 * 0.5 ** epoch
    with pytest.raises(ValueError, match="schedule must be a function returning a learning "
                                         "rate > 0"):
        train(norm_model(), SGD(0.1), callbacks=[LearningRateScheduler(lambda e, lr: -1.0)])


def test_divergence_raises_by_default_and_can_stop_quietly():
    x, y = toy_data(40)
    small = dict(epochs=5, batch_size=10, loss="mse", optimizer=SGD(1e150), verbose=0)
    y2 = np.eye(2)[y]
    model = convnet.Sequential(L.Flatten(), L.Dense(64, 2, rng=0, **F64), L.ReLU(),
                               L.Dense(2, 2, rng=1, **F64))
    with pytest.raises(DivergenceError, match=r"^training stopped at epoch 1, batch \d+: "):
        model.fit(x, y2, **small)
    quiet = StopOnDivergence(raise_error=False)
    before = {name: value.copy() for name, value in model.parameters().items()}
    history = model.fit(x, y2, callbacks=[quiet], **small)
    assert len(history) == 0 and "training stopped at epoch 1" in str(quiet.error)
    # the first step diverges (lr 1e150): the model keeps the parameters it had
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, before[name])


def test_a_damaged_optimizer_file_is_named(tmp_path):
    train(norm_model(), SGD(0.1, momentum=0.9), epochs=1,
          callbacks=[ModelCheckpoint(tmp_path / "a.npz")])
    state = tmp_path / "a.optimizer.npz"
    state.write_bytes(state.read_bytes()[:100])                   # truncated
    with pytest.raises(ValueError, match="cannot load '.*a.optimizer.npz': damaged or truncated"):
        load_checkpoint(tmp_path / "a.npz")
    state.unlink()
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "a.npz")


def test_a_divergence_error_still_ends_training_for_the_callbacks():
    # Keras runs on_train_end however training ends; here a DivergenceError first lets every
    # callback finish (EarlyStopping puts the best weights back), then propagates unchanged.
    x, y = toy_data(40)
    model = convnet.Sequential(L.Flatten(), L.Dense(64, 2, rng=0, **F64))

    class Blow(Callback):                   # epoch 2 (from 0) takes an infinite rate
        def on_epoch_begin(self, epoch, logs):
            self.optimizer.lr = math.inf if epoch == 2 else 0.1

    recorder, early = Recorder(), EarlyStopping(monitor="loss", patience=5)
    kept = {}

    class Keep(Callback):                   # the weights after each epoch
        def on_epoch_end(self, epoch, logs):
            kept[epoch] = {k: v.copy() for k, v in self.model.parameters().items()}
    with pytest.raises(DivergenceError, match=r"^training stopped at epoch 3, batch 1: "):
        model.fit(x, y, epochs=4, batch_size=10, loss="cross_entropy", optimizer=SGD(0.1),
                  seed=0, verbose=0, callbacks=[Blow(), Keep(), early, recorder])
    assert recorder.calls[-1] == ("train_end",)
    assert [c[1] for c in recorder.calls if c[0] == "epoch_end"] == [0, 1]
    assert early.best_epoch == 1                  # the loss fell in both good epochs
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, kept[1][name])


def plateau_rates(callback, values, lr=1.0):
    """The learning rate after each epoch's value, with ``callback`` driven as fit drives it."""
    callback.optimizer = SGD(lr)
    callback.on_train_begin({})
    rates = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value, "val_accuracy": value})
        rates.append(callback.optimizer.lr)
    return rates


def test_reduce_lr_on_plateau_by_hand():
    # patience 1: the rate drops after the second epoch in a row without improvement.
    # 5 best; 5 bad (1); 4 best; 4.5 bad (1); 4.2 bad (2 > 1: lr 0.5); 4.1 bad (1);
    # 3 best; 3 bad (1); 3 bad (2: lr 0.25)
    values = [5, 5, 4, 4.5, 4.2, 4.1, 3, 3, 3]
    assert plateau_rates(ReduceLROnPlateau(factor=0.5, patience=1), values) == \
        [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]
    # threshold "rel" 0.1: 4.6 is not below 5 * 0.9 = 4.5, so it is a bad epoch
    assert plateau_rates(ReduceLROnPlateau(factor=0.5, patience=0, threshold=0.1),
                         [5, 4.6, 4.0]) == [1, 0.5, 0.5]
    # cooldown 2 after a drop: the next two epochs count no bad epochs; min_lr caps the drops
    assert plateau_rates(ReduceLROnPlateau("val_accuracy", factor=0.5, patience=0, cooldown=2,
                                           min_lr=0.3), [0.5, 0.4, 0.4, 0.4, 0.4, 0.4]) == \
        [1, 0.5, 0.5, 0.5, 0.3, 0.3]       # accuracy: higher is better ("auto" mode)


def test_reduce_lr_on_plateau_lowers_the_rate_inside_fit():
    drop = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, threshold=10.0,
                             threshold_mode="abs")   # no epoch improves by 10: every one is bad
    history = train(norm_model(), SGD(0.1), epochs=3, callbacks=[drop])
    assert len(history) == 3 and drop.optimizer.lr == pytest.approx(0.1 * 0.5 ** 2)
    with pytest.raises(ValueError, match=r"^factor must be a number in \(0.0, 1.0\); got 1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_on_plateau_starts_from_the_worst_value_as_pytorch():
    # PyTorch's best starts at +inf (mode "min") or -inf ("max"), so a first epoch whose value
    # is not finite is a bad one and the next finite value improves.  patience 0, factor 0.5:
    #   inf: not below inf * (1 - 1e-4) = inf -> bad (1 > 0): lr 0.5; 3, 2: better, better
    assert plateau_rates(ReduceLROnPlateau(factor=0.5, patience=0), [np.inf, 3, 2]) == \
        [0.5, 0.5, 0.5]
    #   nan: compares false -> bad (1 > 0): lr 0.5; 3 below inf -> best; 2 -> best
    assert plateau_rates(ReduceLROnPlateau(factor=0.5, patience=0), [np.nan, 3, 2]) == \
        [0.5, 0.5, 0.5]
    #   mode max, -inf first: bad (lr 0.5); -3, -2 each higher than the best before
    assert plateau_rates(ReduceLROnPlateau("val_accuracy", factor=0.5, patience=0),
                         [-np.inf, -3, -2]) == [0.5, 0.5, 0.5]
