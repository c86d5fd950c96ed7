"""Callbacks: code that :meth:`Sequential.fit` runs at the start and end of training and of each epoch.

The protocol (Keras's, in brief).  Subclass :class:`Callback` and override
any of::

    on_train_begin(logs)            before the first epoch
    on_epoch_begin(epoch, logs)     before each epoch
    on_epoch_end(epoch, logs)       after each epoch, with its numbers in logs
    on_train_end(logs)              after the last epoch, an early stop or a divergence
    on_divergence(epoch, batch, error)   a step diverged (see StopOnDivergence)

``epoch`` counts from 0, as in Keras and PyTorch (``History.epoch`` and the
progress lines count from 1).  ``logs`` is a dict: at the end of an epoch it
holds ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` (those there
are) and ``lr``.  Before ``on_train_begin``, ``fit`` sets ``callback.model``,
``callback.optimizer`` and ``callback.history`` (the :class:`History` being
filled) and clears ``callback.stop_training``; a callback that sets
``self.stop_training = True`` ends training after the current epoch.

``on_train_end`` runs however training ends once it has begun, as Keras
runs it: after the last epoch, after a callback's stop, and when a step
diverges.  A :class:`DivergenceError` (see :class:`StopOnDivergence`)
first lets every callback's ``on_train_end`` run (so ``EarlyStopping``
puts the best weights back), then propagates with its message unchanged;
``logs`` are then those of the last complete epoch (empty if there was
none).  Any other error (a bug, a bad argument, Ctrl-C) propagates at
once, without ``on_train_end``: the callbacks' state may be half-updated.

Examples
--------
>>> class Tell(Callback):
...     def on_epoch_end(self, epoch, logs):
...         print(f"epoch {epoch}: lr {logs['lr']}")
>>> from convnet import Sequential
>>> from convnet.layers import Dense
>>> from convnet.optim import SGD
>>> from convnet.schedules import StepLR
>>> x, y = np.eye(4), np.arange(4)
>>> model = Sequential(Dense(4, 4, rng=0))
>>> _ = model.fit(x, y, epochs=2, batch_size=4, loss="cross_entropy", optimizer=SGD(0.1),
...               callbacks=[LearningRateScheduler(StepLR(1, 0.5)), Tell()], verbose=0)
epoch 0: lr 0.1
epoch 1: lr 0.05
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ._checkpoint import load_checkpoint_parts, restore_optimizer, save_checkpoint
from ._validate import fail, file_path, integer, one_of, real_number
from .training import DivergenceError, History

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint", "LearningRateScheduler",
           "ReduceLROnPlateau", "StopOnDivergence", "Checkpoint", "load_checkpoint"]


class Callback:
    """Base class of callbacks: every hook does nothing (see the module's protocol)."""

    model = None
    optimizer = None
    history = None
    stop_training = False

    def on_train_begin(self, logs):
        pass

    def on_epoch_begin(self, epoch, logs):
        pass

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self, logs):
        pass

    def on_divergence(self, epoch, batch, error):
        pass


class _Monitor(Callback):
    """What EarlyStopping and ModelCheckpoint share: one logged value, lower or higher is better."""

    def __init__(self, monitor, mode, min_delta=0.0):
        if not isinstance(monitor, str):
            fail("monitor", "the name of a logged value such as 'val_loss'", monitor,
                 error=TypeError)
        self.monitor = monitor
        self.mode = one_of(mode, "mode", ("auto", "min", "max"))
        if self.mode == "auto":
            self.mode = "max" if "acc" in monitor else "min"
        self.min_delta = real_number(min_delta, "min_delta", minimum=0.0)
        self.best = None

    def _value(self, logs):
        value = logs.get(self.monitor)
        if value is None:
            known = ", ".join(repr(k) for k, v in logs.items() if v is not None)
            fail("monitor", f"one of the values fit logs ({known}; val_ ones need validation "
                 "data or validation_split)", self.monitor)
        return float(value)

    def _improved(self, value) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; keep the best weights.

    An epoch improves on the best so far when the value is lower by more than
    ``min_delta`` (higher, for a monitor with "acc" in its name or
    ``mode="max"``), and training stops after ``patience`` epochs in a row
    without improvement (after the first one with ``patience=0``), as Keras's
    EarlyStopping decides it.  With
    ``restore_best=True`` the model's parameters and layer state (running
    statistics) are set back at the end of training to those of the best
    epoch, whether training stopped early or ran out of epochs (Keras
    restores only after an early stop).  ``stopped_epoch`` and ``best_epoch``
    (counted from 0) say what happened.

    Parameters
    ----------
    monitor : str, default "val_loss"
    patience : int >= 0, default 0
    min_delta : float >= 0, default 0
    restore_best : bool, default True
    mode : {"auto", "min", "max"}, default "auto"
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best=True,
                 mode="auto"):
        super().__init__(monitor, mode, min_delta)
        self.patience = integer(patience, "patience", minimum=0)
        if not isinstance(restore_best, bool):
            fail("restore_best", "True or False", restore_best, error=TypeError)
        self.restore_best = restore_best

    def on_train_begin(self, logs):
        self.best, self.best_epoch, self.stopped_epoch, self.wait = None, None, None, 0
        self._kept = None

    def on_epoch_end(self, epoch, logs):
        value = self._value(logs)
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._kept = {name: array.copy() for name, array in _arrays(self.model).items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.stop_training = True

    def on_train_end(self, logs):
        if self.restore_best and self._kept is not None:
            for name, array in _arrays(self.model).items():
                array[...] = self._kept[name]


def _arrays(model) -> dict:
    return {**{f"p:{k}": v for k, v in model.parameters().items()},
            **{f"s:{k}": v for k, v in model.state().items()}}


class ModelCheckpoint(_Monitor):
    """Save the model and the optimizer's state after each epoch (or each best epoch).

    Each save writes ``path`` (the model file: :func:`convnet.load` reads it,
    layer state such as BatchNorm's running statistics included) and
    ``<path without .npz>.optimizer.npz`` (the optimizer's state, the epoch
    and the History), both atomically (a temporary file renamed over the
    old one).  :func:`load_checkpoint` reads them back to resume training.
    ``path`` may hold ``{epoch}`` (counted from 1, as Keras does) and the
    logged values, e.g. ``"run-{epoch:02d}.npz"``.

    Parameters
    ----------
    path : str or os.PathLike
    monitor : str, default "val_loss"
        The value that decides which epoch is best (used with
        ``save_best_only``).
    save_best_only : bool, default False
        Save only when ``monitor`` improves on the best so far.
    mode : {"auto", "min", "max"}, default "auto"
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        super().__init__(monitor, mode)
        self.path = file_path(path)
        if not isinstance(save_best_only, bool):
            fail("save_best_only", "True or False", save_best_only, error=TypeError)
        self.save_best_only = save_best_only

    def on_epoch_end(self, epoch, logs):
        if self.save_best_only:
            value = self._value(logs)
            if not self._improved(value):
                return
            self.best = value
        where = str(self.path).format(epoch=epoch + 1, **logs) if "{" in str(self.path) \
            else self.path
        save_checkpoint(where, self.model, self.optimizer, epoch + 1, self.history)


class LearningRateScheduler(Callback):
    """Set ``optimizer.lr = schedule(epoch, base_lr)`` at the start of every epoch.

    ``base_lr`` is the optimizer's rate before any schedule changed it: the
    first time a scheduler sees an optimizer it keeps that rate as
    ``optimizer.initial_lr`` (PyTorch keeps ``initial_lr`` in the same way),
    and checkpoints save it, so a run resumed at ``initial_epoch`` with a new
    scheduler continues the same schedule.  ``schedule`` is one of
    :mod:`convnet.schedules` or any callable ``(epoch, base_lr) -> lr``
    (Keras passes the current rate instead of the first; a schedule here
    depends on the epoch alone).
    """

    def __init__(self, schedule):
        if not callable(schedule):
            fail("schedule", "a schedule such as convnet.schedules.StepLR(10) or a function "
                 "(epoch, base_lr) -> lr", schedule, error=TypeError)
        self.schedule = schedule

    def on_train_begin(self, logs):
        if getattr(self.optimizer, "initial_lr", None) is None:
            self.optimizer.initial_lr = self.optimizer.lr

    def on_epoch_begin(self, epoch, logs):
        lr = self.schedule(epoch, self.optimizer.initial_lr)
        if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
            fail("schedule", "a function returning a learning rate > 0", self.schedule,
                 given=f"{lr!r} for epoch {epoch}")
        self.optimizer.lr = float(lr)


class ReduceLROnPlateau(_Monitor):
    """Multiply ``optimizer.lr`` by ``factor`` when ``monitor`` stops improving: PyTorch's rule.

    As ``torch.optim.lr_scheduler.ReduceLROnPlateau`` stepped with the
    monitored value after every epoch: an epoch improves on the best so far
    when the value is below ``best * (1 - threshold)`` (``threshold_mode="rel"``)
    or ``best - threshold`` (``"abs"``), above ``best * (1 + threshold)`` or
    ``best + threshold`` with ``mode="max"``; after more than ``patience``
    epochs in a row without improvement the rate becomes
    ``max(lr * factor, min_lr)`` (unless that changes it by ``eps`` or less),
    and then ``cooldown`` epochs pass before epochs count again.  The
    counters start afresh in each ``fit`` (a resumed run keeps the reduced
    rate, which checkpoints save, but not the count of bad epochs).

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float in (0, 1), default 0.1
    patience : int >= 0, default 10
    threshold : float >= 0, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int >= 0, default 0
    min_lr : float >= 0, default 0
    eps : float >= 0, default 1e-8
    mode : {"auto", "min", "max"}, default "auto"
        "auto" is "max" for a monitor with "acc" in its name, else "min"
        (PyTorch's default, for a loss).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8, mode="auto"):
        super().__init__(monitor, mode)
        self.factor = real_number(factor, "factor", minimum=0.0, maximum=1.0,
                                  inclusive=(False, False))
        self.patience = integer(patience, "patience", minimum=0)
        self.threshold = real_number(threshold, "threshold", minimum=0.0)
        self.threshold_mode = one_of(threshold_mode, "threshold_mode", ("rel", "abs"))
        self.cooldown = integer(cooldown, "cooldown", minimum=0)
        self.min_lr = real_number(min_lr, "min_lr", minimum=0.0)
        self.eps = real_number(eps, "eps", minimum=0.0)

    def on_train_begin(self, logs):
        # PyTorch's best starts at the worst value: a first epoch of inf or NaN is a bad one
        worst = -math.inf if self.mode == "max" else math.inf
        self.best, self.bad_epochs, self.cooling = worst, 0, 0

    def _improved(self, value) -> bool:
        sign = 1.0 if self.mode == "max" else -1.0
        if self.threshold_mode == "rel":
            return sign * (value - self.best * (1 + sign * self.threshold)) > 0
        return sign * (value - (self.best + sign * self.threshold)) > 0

    def on_epoch_end(self, epoch, logs):
        value = self._value(logs)
        if self._improved(value):
            self.best, self.bad_epochs = value, 0
        else:
            self.bad_epochs += 1
        if self.cooling > 0:                      # bad epochs in the cooldown do not count
            self.cooling -= 1
            self.bad_epochs = 0
        if self.bad_epochs > self.patience:
            lr = max(self.optimizer.lr * self.factor, self.min_lr)
            if self.optimizer.lr - lr > self.eps:
                self.optimizer.lr = lr
            self.cooling, self.bad_epochs = self.cooldown, 0


class StopOnDivergence(Callback):
    """What happens when a step's loss or update is NaN or infinite (always on in ``fit``).

    The step is undone (the parameters and layer state are those of the last
    good step).  With ``raise_error=True`` (the default, and what ``fit``
    does without this callback in its list) a :class:`DivergenceError`
    names the epoch and batch, raised after every callback's
    ``on_train_end`` has run; with ``raise_error=False`` training ends
    quietly after the last complete epoch, as Keras's TerminateOnNaN, and
    ``error`` keeps the message.
    """

    def __init__(self, raise_error=True):
        if not isinstance(raise_error, bool):
            fail("raise_error", "True or False", raise_error, error=TypeError)
        self.raise_error = raise_error
        self.error = None

    def on_divergence(self, epoch, batch, error):
        self.error = DivergenceError(
            f"training stopped at epoch {epoch + 1}, batch {batch}: {error}; the model keeps the "
            "parameters of the last good step (try a smaller learning rate)")
        if self.raise_error:
            raise self.error from None
        self.stop_training = True


class Checkpoint(NamedTuple):
    """What :func:`load_checkpoint` reads back."""

    model: object
    epoch: int
    history: History | None


def load_checkpoint(path, optimizer=None) -> Checkpoint:
    """Read a :class:`ModelCheckpoint` save back to resume training.

    Returns ``(model, epoch, history)``: the model, the number of epochs done
    and their :class:`History`.  With ``optimizer`` (a new optimizer of the
    saved kind), its state and ``lr`` are set to the saved ones.  Resume with
    ``model.fit(..., epochs=total, initial_epoch=epoch, history=history,
    optimizer=optimizer, seed=<the same seed>)``: the run goes on as if never
    interrupted.

    Raises
    ------
    FileNotFoundError
        If either file is missing.
    ModelFileError
        (a ``ValueError``) if a file is damaged, foreign or too large, if
        its entries or arrays do not fit the model's parameters or the
        optimizer's kind of state, or if the two files were not saved
        together; the message names the file and what is wrong.  Both
        files are read as files from outside: with size bounds, checked
        before their data are read, never unpickled.
    """
    model, meta, arrays = load_checkpoint_parts(path)
    if optimizer is not None:
        restore_optimizer(optimizer, meta, arrays, path)
    history = History(**meta["history"]) if meta["history"] is not None else None
    return Checkpoint(model, meta["epoch"], history)
