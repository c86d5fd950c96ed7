"""``fit``: the epochs, with callbacks, a validation split, augmentation and progress.

One step is :func:`convnet.training.train_step`; this module runs the
epochs around it.  Randomness, all from ``seed``:

* the shuffling draws one permutation per epoch from ``generator(seed)``
  (a resumed run at ``initial_epoch=k`` first draws and drops ``k`` of them,
  so it visits the samples in the order the uninterrupted run would);
* ``validation_split`` and ``transform`` use two generators spawned from it
  (``Generator.spawn``, which leaves the shuffling's stream untouched): the
  split is one permutation, and epoch ``e`` (from 0) gives ``transform`` the
  generator ``default_rng([t, e])`` with ``t`` drawn once from the second.

So the same seed (and the same initial weights) gives the same run, bit for
bit, with or without a transform, resumed or not.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ._progress import FitProgress, verbosity
from ._validate import fail, generator, integer, real_number
from .callbacks import Callback, StopOnDivergence
from .policy import checked_policy
from .training import (DivergenceError, History, accuracy, check_targets, checked_data,
                       checked_loss, evaluate, finite_data, train_step)

__all__ = ["fit"]


@dataclass
class _Run:
    """One ``fit``'s checked arguments (the training data after any validation split)."""

    model: object
    x: np.ndarray
    y: np.ndarray
    validation_data: tuple | None
    epochs: int                  # the number of the last epoch
    first: int                   # epochs already done (initial_epoch)
    batch_size: int
    loss: object
    optimizer: object
    policy: object
    transform: object
    callbacks: list
    history: History
    rng: np.random.Generator     # the shuffling's
    shuffle: bool
    verbose: int
    progress: object = None
    transform_seed: int = 0


def fit(model, x, y, *, epochs, batch_size, loss, optimizer, validation_data=None,
        validation_split=0.0, shuffle=True, seed=None, verbose=1, callbacks=None,
        initial_epoch=None, history=None, transform=None, policy=None) -> History:
    """Mini-batch training; see :meth:`convnet.Sequential.fit` for the parameters."""
    run = _prepare(model, x, y, epochs, batch_size, loss, optimizer, validation_data,
                   validation_split, shuffle, seed, verbose, callbacks, initial_epoch, history,
                   transform, policy)
    n, history = run.x.shape[0], run.history
    for _ in range(run.first if run.shuffle else 0):
        run.rng.permutation(n)                        # the epochs a resumed run has done
    run.transform_seed = int(run.rng.spawn(1)[0].integers(2 ** 63))
    for callback in run.callbacks:
        callback.model, callback.optimizer, callback.history = model, optimizer, history
        callback.stop_training = False
    _call(run.callbacks, "on_train_begin", {})
    run.progress = FitProgress(run.first + 1, run.epochs, math.ceil(n / run.batch_size),
                               run.verbose)
    try:
        _epochs(run)
    except DivergenceError:
        _end(run)                  # the callbacks end training (best weights back), then
        raise                      # the error goes on with its message unchanged
    _end(run)
    return history


def _epochs(run: _Run) -> None:
    """The epochs, until the last, a callback's stop or a divergence."""
    history, optimizer = run.history, run.optimizer
    try:
        for epoch in range(run.first, run.epochs):
            _call(run.callbacks, "on_epoch_begin", epoch, {"lr": getattr(optimizer, "lr", None)})
            start = time.perf_counter()
            run.model.train()
            order = run.rng.permutation(run.x.shape[0]) if run.shuffle else \
                np.arange(run.x.shape[0])
            done = _epoch(run, epoch, order, np.random.default_rng([run.transform_seed, epoch]))
            if done is None:                           # diverged, and told to stop quietly
                break
            _record(run, epoch + 1, *done)
            history.time.append(time.perf_counter() - start)
            run.progress.end_epoch(_epoch_line(history, run.epochs))
            _call(run.callbacks, "on_epoch_end", epoch, _logs(history, optimizer))
            if any(callback.stop_training for callback in run.callbacks):
                break
    finally:
        run.progress.close()


def _end(run: _Run) -> None:
    """``on_train_end`` of every callback, then the model back in training mode."""
    _call(run.callbacks, "on_train_end",
          _logs(run.history, run.optimizer) if len(run.history) else {})
    run.model.train()


def _prepare(model, x, y, epochs, batch_size, loss, optimizer, validation_data, split, shuffle,
             seed, verbose, callbacks, initial_epoch, history, transform, policy):
    """Check every argument and split off the validation data."""
    policy = model.policy if policy is None else checked_policy(policy)
    loss = checked_loss(loss)
    x, y = checked_data(x, y)
    if not isinstance(shuffle, (bool, np.bool_)):
        fail("shuffle", "True or False", shuffle, error=TypeError)
    verbose = verbosity(verbose)
    epochs = integer(epochs, "epochs", minimum=1)
    batch_size = integer(batch_size, "batch_size", minimum=1)
    if not hasattr(optimizer, "step"):
        fail("optimizer", "an optimizer such as convnet.optim.SGD(lr=0.01)", optimizer,
             error=TypeError)
    if transform is not None and not callable(transform):
        fail("transform", "None or a callable transform(x_batch, rng) -> new batch", transform,
             error=TypeError)
    history, first = _history(history, initial_epoch, epochs)
    check_targets(model, x, y, "y")
    finite_data(x, "x")
    finite_data(y, "y")
    validation_data = _validation(model, validation_data)
    rng = generator(seed, "seed")
    split_rng = rng.spawn(1)[0]
    split = real_number(split, "validation_split", minimum=0.0, maximum=1.0,
                        inclusive=(True, False))
    if split:
        x, y, validation_data = _split(x, y, split, validation_data, split_rng)
    return _Run(model, x, y, validation_data, epochs, first, batch_size, loss, optimizer, policy,
                transform, _callbacks(callbacks), history, rng, bool(shuffle), verbose)


def _history(history, initial_epoch, epochs):
    """The History to fill and the number of epochs already done."""
    if history is not None and not isinstance(history, History):
        fail("history", "None or the History of an earlier fit to continue", history,
             error=TypeError)
    done = history.epoch[-1] if history is not None and len(history) else 0
    if initial_epoch is None:
        initial_epoch = done
    initial_epoch = integer(initial_epoch, "initial_epoch", minimum=0)
    if history is not None and len(history) and initial_epoch != done:
        fail("initial_epoch", f"the last epoch of the History continued ({done})", initial_epoch)
    if epochs <= initial_epoch:
        fail("epochs", f"more than initial_epoch ({initial_epoch}): epochs is the number of the "
             "last epoch, as in Keras", epochs)
    return (History() if history is None else history), initial_epoch


def _split(x, y, split, validation_data, rng):
    if validation_data is not None:
        fail("validation_split", "0 when validation_data is given (one or the other)", split)
    n = x.shape[0]
    keep = int(n * (1 - split))                    # Keras's count of training samples
    if keep < 1 or keep == n:
        fail("validation_split", f"a share leaving at least one sample on each side of the "
             f"{n} samples", split)
    order = rng.permutation(n)
    train, held = np.sort(order[:keep]), np.sort(order[keep:])
    return x[train], y[train], (x[held], y[held])


def _callbacks(callbacks) -> list:
    if callbacks is None:
        callbacks = []
    if not isinstance(callbacks, (list, tuple)):
        fail("callbacks", "a list of callbacks such as [EarlyStopping(patience=3)]", callbacks,
             error=TypeError)
    for i, callback in enumerate(callbacks):
        if not isinstance(callback, Callback):
            fail(f"callbacks[{i}]", "a convnet.callbacks.Callback", callback, error=TypeError)
    if not any(isinstance(callback, StopOnDivergence) for callback in callbacks):
        callbacks = [*callbacks, StopOnDivergence()]
    return list(callbacks)


def _call(callbacks, hook, *args) -> None:
    for callback in callbacks:
        getattr(callback, hook)(*args)


def _validation(model, validation_data):
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        fail("validation_data", "a pair (x_val, y_val)", validation_data, error=TypeError)
    names = ("validation_data[0]", "validation_data[1]")
    validation_data = checked_data(*validation_data, names=names)
    for array, name in zip(validation_data, names):
        finite_data(array, name)
    check_targets(model, *validation_data, "validation_data[1]")
    return validation_data


def _epoch(run: _Run, epoch, order, augment):
    """One pass over the samples: (summed loss, correct count or None); None if it diverged."""
    n = run.x.shape[0]
    run.progress.start_epoch(epoch + 1)
    total, correct = 0.0, 0
    for batch, first in enumerate(range(0, n, run.batch_size), start=1):
        index = order[first:first + run.batch_size]
        x = run.x[index] if run.transform is None else _transformed(run, run.x[index], augment)
        try:
            value, out = train_step(run.model, x, run.y[index], run.loss, run.optimizer,
                                    run.policy)
        except DivergenceError as exc:
            run.progress.close()
            _call(run.callbacks, "on_divergence", epoch, batch, exc)
            return None
        total += value * index.size
        hits = accuracy(out, run.y[index], count=True)
        correct = None if hits is None or correct is None else correct + hits
        seen = min(first + run.batch_size, n)
        run.progress.update(total / seen, None if correct is None else correct / seen)
    return total, correct


def _transformed(run: _Run, x, rng):
    out = run.transform(x, rng)
    if not isinstance(out, np.ndarray) or out.ndim < 2 or out.shape[0] != x.shape[0]:
        fail("transform", "a callable returning a batch array with the samples it was given "
             f"({x.shape[0]})", run.transform, given=f"{type(out).__name__} "
             f"{getattr(out, 'shape', '')}".strip())
    return out


def _record(run: _Run, epoch, total, correct):
    n, history, validation_data = run.x.shape[0], run.history, run.validation_data
    history.epoch.append(epoch)
    history.loss.append(total / n)
    history.accuracy.append(None if correct is None else correct / n)
    if validation_data is None and not history.val_loss:
        return                                   # no epoch validated yet: the lists stay empty
    val_loss, val_accuracy = None, None
    if validation_data is not None:
        val_loss, val_accuracy = evaluate(run.model, *validation_data, loss=run.loss,
                                          policy=run.policy)
    for values, value in ((history.val_loss, val_loss), (history.val_accuracy, val_accuracy)):
        values.extend([None] * (len(history) - 1 - len(values)))   # epochs without validation
        values.append(value)


def _logs(history: History, optimizer) -> dict:
    """The last epoch's numbers, for the callbacks (those that exist)."""
    logs = {key: getattr(history, key)[-1] for key in ("loss", "accuracy", "val_loss",
                                                         "val_accuracy")
            if getattr(history, key) and getattr(history, key)[-1] is not None}
    logs["lr"] = getattr(optimizer, "lr", None)
    return logs


def _epoch_line(history: History, epochs: int) -> str:
    i = len(history) - 1
    parts = [f"epoch {history.epoch[i]}/{epochs}", f"loss {history.loss[i]:.4f}"]
    if history.accuracy[i] is not None:
        parts.append(f"accuracy {history.accuracy[i]:.4f}")
    if history.val_loss and history.val_loss[i] is not None:
        parts.append(f"val_loss {history.val_loss[i]:.4f}")
        if history.val_accuracy[i] is not None:
            parts.append(f"val_accuracy {history.val_accuracy[i]:.4f}")
    parts.append(f"({history.time[i]:.1f} s)")
    return "  ".join(parts)
