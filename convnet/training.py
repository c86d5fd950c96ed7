"""The training loop: fit, evaluate, predict and the per-epoch History.

These functions work on any model with the layer protocol (``layers``,
``forward``, ``backward``, ``parameters()``, ``train()``); :class:`convnet.Sequential`
calls them from its ``fit``, ``train_batch``, ``evaluate`` and ``predict``
methods.  The shortcuts a training step takes are :class:`TrainingPolicy`
(:mod:`convnet.policy`, re-exported here).
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ._html import html_table
from ._progress import EpochProgress
from ._validate import boolean, fail, generator, integer, real_array
from .functional import inference, reuse_work_memory, step_memory, temporary_work_memory
from .layers.base import run_backward, run_forward, walk
from .losses import Loss, MSELoss, SoftmaxCrossEntropy, class_labels
from .policy import TrainingPolicy, checked_policy

# The loop's functions (run_forward, run_backward, train_step, predict,
# evaluate, fit) are what Sequential's methods call; users call the methods.
__all__ = ["TrainingPolicy", "History", "DivergenceError"]

LOSSES = {"cross_entropy": SoftmaxCrossEntropy, "mse": MSELoss}


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss or parameter; the model keeps its last good step."""


@dataclass
class History:
    """Per-epoch record of a :meth:`Sequential.fit` run.

    ``accuracy`` entries are None when the targets are not class labels;
    validation lists are empty without validation data.  ``time`` is the
    wall time of each epoch in seconds.  Prints (and shows in a terminal) as
    a table of one line per epoch; in a notebook, as an HTML table.
    """

    epoch: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    time: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.epoch)

    def as_dict(self) -> dict:
        return {key: list(value) for key, value in self.__dict__.items()}

    def __str__(self) -> str:
        lines = ["epoch      loss  accuracy  val_loss  val_acc   time"]
        for i, epoch in enumerate(self.epoch):
            lines.append(f"{epoch:5d} {self.loss[i]:9.4f} {_fmt(self.accuracy[i])} "
                         f"{_fmt(_at(self.val_loss, i), 4)} {_fmt(_at(self.val_accuracy, i))} "
                         f"{self.time[i]:6.2f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"History of {len(self)} epoch(s)\n{self}"

    def _repr_html_(self) -> str:
        def shown(value, digits=4):
            return "-" if value is None else f"{value:.{digits}f}"

        header = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "time (s)"]
        rows = [(epoch, shown(self.loss[i]), shown(self.accuracy[i]),
                 shown(_at(self.val_loss, i)), shown(_at(self.val_accuracy, i)),
                 shown(self.time[i], 2)) for i, epoch in enumerate(self.epoch)]
        return html_table(header, rows, right=range(6),
                          caption=f"History of {len(self)} epoch(s)")


def _at(values, i):
    return values[i] if i < len(values) else None


def _fmt(value, digits=4):
    return f"{value:9.{digits}f}" if value is not None else f"{'-':>9}"


# -- running the layers ----------------------------------------------------------

_training: set = set()          # id() of the models and layers in a training step, any thread
_training_guard = threading.Lock()


@contextmanager
def _only_step(model):
    """Refuse a second training step of ``model`` (or of a layer it shares) while one runs."""
    keys = {id(model)} | {id(layer) for _, layer in walk(enumerate(model.layers))}
    with _training_guard:
        if keys & _training:
            raise RuntimeError("this model is already in a training step, in another thread (or "
                               "a model sharing one of its layers is): train a model from one "
                               "thread at a time (predict and evaluate may run in any number "
                               "of threads)")
        _training.update(keys)
    try:
        yield
    finally:
        with _training_guard:
            _training.difference_update(keys)


def train_step(model, x, y, loss: Loss, optimizer, policy: TrainingPolicy):
    """One optimisation step: ``(loss, outputs)``; DivergenceError leaves the model as it was."""
    with _only_step(model):
        return _step(model, x, y, loss, optimizer, policy)


def _step(model, x, y, loss: Loss, optimizer, policy: TrainingPolicy):
    order = policy.running_order(model.layers)
    state = model.state() if hasattr(model, "state") else {}
    kept = _copies(state)                    # running statistics change in the forward pass
    with reuse_work_memory(policy.reuse_buffers), step_memory():
        out = run_forward(order, x)
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss is raised below
            value = loss.forward(out, y)
        if not math.isfinite(value):
            _restore(state, kept)
            finite_data(x, "x")                      # the data's fault, if it holds NaN or inf
            finite_data(y, "y")
            raise DivergenceError(f"the loss became {value}")
        run_backward(order, loss.backward(), not policy.skip_first_input_gradient)
    params = model.parameters()
    saved = _copies(params)
    optimizer.step(model)
    broken = [name for name, array in params.items() if not np.all(np.isfinite(array))]
    if broken:
        _restore(params, saved)
        _restore(state, kept)
        raise DivergenceError(f"the update made parameter {broken[0]!r} non-finite")
    return value, out


def _copies(arrays: dict) -> dict:
    return {name: array.copy() for name, array in arrays.items()}


def _restore(arrays: dict, copies: dict) -> None:
    """Write ``copies`` back into the live ``arrays`` (a step that failed leaves no trace)."""
    for name, array in arrays.items():
        array[...] = copies[name]


def predict(model, x, batch_size=256, policy: TrainingPolicy = TrainingPolicy()):
    """Outputs for ``x`` in evaluation mode, ``batch_size`` samples at a time.

    Runs in :func:`convnet.inference`, so it writes nothing to the model (not
    even the layers' modes): threads may predict with one model at once.
    Work buffers made for its batch size are given back when it returns.
    """
    x = real_array(x, "x", ndim=range(2, 6), layout="(N, ...)")
    batch_size = integer(batch_size, "batch_size", minimum=1)
    order = policy.running_order(model.layers)
    with inference(), temporary_work_memory():
        outputs = [run_forward(order, x[start:start + batch_size])
                   for start in range(0, x.shape[0], batch_size)]
    return np.concatenate(outputs)


def evaluate(model, x, y, loss="cross_entropy", batch_size=256,
             policy: TrainingPolicy = TrainingPolicy()):
    """``(mean loss, accuracy)`` on ``(x, y)`` in evaluation mode (accuracy None without labels)."""
    loss = checked_loss(loss)
    x, y = checked_data(x, y)
    check_targets(model, x, y, "y")
    outputs = predict(model, x, batch_size, policy)
    return loss.forward(outputs, y), accuracy(outputs, y)


# -- fit ----------------------------------------------------------------------------

def fit(model, x, y, *, epochs, batch_size, loss, optimizer, validation_data=None, shuffle=True,
        seed=None, verbose=True, policy=None) -> History:
    """Mini-batch training; see :meth:`convnet.Sequential.fit` for the parameters."""
    policy = model.policy if policy is None else checked_policy(policy)
    loss = checked_loss(loss)
    x, y = checked_data(x, y)
    shuffle, verbose = boolean(shuffle, "shuffle"), boolean(verbose, "verbose")
    epochs = integer(epochs, "epochs", minimum=1)
    batch_size = integer(batch_size, "batch_size", minimum=1)
    if not hasattr(optimizer, "step"):
        fail("optimizer", "an optimizer such as convnet.optim.SGD(lr=0.01)", optimizer,
             error=TypeError)
    check_targets(model, x, y, "y")
    finite_data(x, "x")
    finite_data(y, "y")
    validation_data = _validation(model, validation_data)
    rng = generator(seed, "seed")
    history = History()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = rng.permutation(x.shape[0]) if shuffle else np.arange(x.shape[0])
        total, correct = _epoch(model, x, y, order, epoch, epochs, batch_size, loss, optimizer,
                                policy, verbose)
        _record(history, model, epoch, x.shape[0], total, correct, validation_data, loss,
                policy)
        history.time.append(time.perf_counter() - start)
        if verbose:
            print(_epoch_line(history, epochs), flush=True)
    model.train()
    return history


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


def _epoch(model, x, y, order, epoch, epochs, batch_size, loss, optimizer, policy, verbose):
    """One pass over the shuffled samples: (summed loss, correct count or None)."""
    n = x.shape[0]
    progress = EpochProgress(epoch, epochs, math.ceil(n / batch_size), verbose)
    total, correct = 0.0, 0
    for batch, first in enumerate(range(0, n, batch_size), start=1):
        index = order[first:first + batch_size]
        try:
            value, out = train_step(model, x[index], y[index], loss, optimizer, policy)
        except DivergenceError as exc:
            progress.close(None)
            raise DivergenceError(
                f"training stopped at epoch {epoch}, batch {batch}: {exc}; the model keeps the "
                "parameters of the last good step (try a smaller learning rate)") from None
        total += value * index.size
        hits = accuracy(out, y[index], count=True)
        correct = None if hits is None or correct is None else correct + hits
        progress.update(total / min(first + batch_size, n))
    progress.close(None)
    return total, correct


def _record(history, model, epoch, n, total, correct, validation_data, loss, policy):
    history.epoch.append(epoch)
    history.loss.append(total / n)
    history.accuracy.append(None if correct is None else correct / n)
    if validation_data is not None:
        val_loss, val_accuracy = evaluate(model, *validation_data, loss=loss, policy=policy)
        history.val_loss.append(val_loss)
        history.val_accuracy.append(val_accuracy)


# -- checks and helpers ----------------------------------------------------------------

def check_targets(model, x, y, name):
    """Class labels must fit the model's output (K,), found by geometry, before any work."""
    if y.ndim != 1 or y.dtype.kind not in "iuf":
        return
    try:
        out = model.summary(x.shape[1:]).rows[-1][1]
    except ValueError:   # x does not fit the model: forward will say so, naming x
        return
    if len(out) == 1:
        class_labels(y, x.shape[0], out[0], name)


def checked_loss(loss) -> Loss:
    if isinstance(loss, str):
        if loss not in LOSSES:
            fail("loss", f"a Loss object or one of {', '.join(repr(k) for k in LOSSES)}", loss)
        return LOSSES[loss]()
    if not isinstance(loss, Loss):
        fail("loss", "a Loss object such as SoftmaxCrossEntropy() or 'cross_entropy'", loss,
             error=TypeError)
    return loss


def checked_data(x, y, names=("x", "y")):
    x = real_array(x, names[0], ndim=range(2, 6), layout="(N, ...)")
    y_array = np.asarray(y)
    if y_array.dtype.kind not in "iuf" or y_array.ndim == 0:
        fail(names[1], "labels (N,) or targets (N, ...) of numbers", y, error=TypeError)
    if y_array.shape[0] != x.shape[0]:
        fail(names[1], f"one entry per sample of {names[0]} ({x.shape[0]})", y,
             given=f"{y_array.shape[0]} entries")
    return x, y_array


def finite_data(array: np.ndarray, name: str) -> None:
    """Refuse NaN or inf in training data before the first step, naming the first bad entry."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        fail(name, "finite numbers (NaN or inf in the data would make every step's loss and "
             "gradients NaN)", array, given=f"{array[index]} at index {index}")


def accuracy(outputs, y, count=False):
    """Share (or number, with count=True) of samples whose arg-max output is the label."""
    if outputs.ndim != 2:
        return None
    if y.ndim == 1:
        labels = y
    elif y.ndim == 2 and y.shape == outputs.shape:
        labels = y.argmax(axis=1)
    else:
        return None
    hits = int(np.sum(outputs.argmax(axis=1) == labels))
    return hits if count else hits / y.shape[0]


def _epoch_line(history: History, epochs: int) -> str:
    i = len(history) - 1
    parts = [f"epoch {history.epoch[i]}/{epochs}", f"loss {history.loss[i]:.4f}"]
    if history.accuracy[i] is not None:
        parts.append(f"accuracy {history.accuracy[i]:.4f}")
    if history.val_loss:
        parts.append(f"val_loss {history.val_loss[i]:.4f}")
        if history.val_accuracy[i] is not None:
            parts.append(f"val_accuracy {history.val_accuracy[i]:.4f}")
    parts.append(f"({history.time[i]:.1f} s)")
    return "  ".join(parts)
