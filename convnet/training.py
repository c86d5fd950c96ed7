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
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ._optim_base import Optimizer
from ._html import html_table
from ._validate import fail, integer, real_array
from .functional import (inference, reuse_work_memory, softmax, step_memory,
                         temporary_work_memory)
from .layers.activation import Softmax
from .layers.base import run_backward, run_forward, walk
from .losses import Loss, MSELoss, SoftmaxCrossEntropy, class_labels
from .metrics import top_k_accuracy
from .policy import TrainingPolicy, checked_policy  # noqa: F401 - Sequential's policy setter

# The loop's functions (run_forward, run_backward, train_step, predict,
# evaluate; fit is in convnet._loop) are what Sequential's methods call; users
# call the methods.
__all__ = ["TrainingPolicy", "History", "DivergenceError"]

LOSSES = {"cross_entropy": SoftmaxCrossEntropy, "mse": MSELoss}


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss or parameter; the model keeps its last good step."""


@dataclass
class History:
    """Per-epoch record of a :meth:`Sequential.fit` run.

    ``accuracy`` entries are None when the targets are not class labels.
    ``time`` is the wall time of each epoch in seconds.  Prints (and shows in
    a terminal) as a table of one line per epoch; in a notebook, as an HTML
    table; ``-`` marks a missing value.

    The validation lists are empty while no epoch has had validation data;
    from the first epoch that has, they hold one entry per epoch, None for
    the epochs without (a History continued by a ``fit`` that adds or drops
    validation data).  So ``val_loss[i]`` is always the value of
    ``epoch[i]``, as a Keras user reads ``history.history`` and as pandas
    would hold the columns (NaN for the missing ones).  A continuation that
    changes whether there is validation is allowed rather than refused:
    adding validation data to a resumed run, or leaving it out to save time,
    are both reasonable.
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
    # Overflow anywhere in the step shows as a non-finite loss or parameter, raised below as a
    # DivergenceError: NumPy's RuntimeWarnings would only repeat it, less clearly, before it.
    with reuse_work_memory(policy.reuse_buffers), step_memory(), \
            np.errstate(over="ignore", invalid="ignore"):
        out = run_forward(order, x)
        value = loss.forward(out, y)
        if not math.isfinite(value):
            _restore(state, kept)
            finite_data(x, "x")                      # the data's fault, if it holds NaN or inf
            finite_data(y, "y")
            raise DivergenceError(f"the loss became {value}")
        run_backward(order, loss.backward(), not policy.skip_first_input_gradient)
    params = model.parameters()
    saved = _copies(params)
    undo_optimizer = _optimizer_undo(optimizer)   # momentum, moments, step counts
    with np.errstate(over="ignore", invalid="ignore"):      # a non-finite update is raised below
        optimizer.step(model)
    broken = [name for name, array in params.items() if not np.all(np.isfinite(array))]
    if broken:
        _restore(params, saved)
        _restore(state, kept)
        undo_optimizer()
        raise DivergenceError(f"the update made parameter {broken[0]!r} non-finite")
    return value, out


def _optimizer_undo(optimizer):
    """A function that puts ``optimizer``'s state back as it is now.

    convnet's optimizers replace their state arrays rather than writing into
    them, so a shallow snapshot suffices; another object with
    ``state_dict()`` / ``load_state_dict()`` is copied through them.
    """
    if isinstance(optimizer, Optimizer):
        snapshot = optimizer._snapshot()
        return lambda: optimizer._restore(snapshot)
    if callable(getattr(optimizer, "state_dict", None)) and \
            callable(getattr(optimizer, "load_state_dict", None)):
        copy = optimizer.state_dict()
        return lambda: optimizer.load_state_dict(copy)
    return lambda: None


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


def predict_proba(model, x, batch_size=256, policy: TrainingPolicy = TrainingPolicy()):
    """Softmax of :func:`predict`'s class scores, row by row (see ``Sequential.predict_proba``)."""
    if model.layers and isinstance(model.layers[-1], Softmax):
        raise ValueError("the model ends with a Softmax layer, so predict(x) already "
                         "returns probabilities; predict_proba would apply softmax twice")
    scores = predict(model, x, batch_size, policy)
    if scores.ndim != 2:
        raise ValueError(f"predict_proba needs class scores (N, K) from the model; its "
                         f"outputs for x have shape {scores.shape}")
    return softmax(scores, axis=1)                                       # (N, K)


def evaluate(model, x, y, loss="cross_entropy", batch_size=256,
             policy: TrainingPolicy = TrainingPolicy(), top_k=None):
    """``(mean loss, accuracy)`` on ``(x, y)`` in evaluation mode (accuracy None without labels).

    With ``top_k=k``: ``(mean loss, accuracy, top-k accuracy)``.
    """
    loss = checked_loss(loss)
    x, y = checked_data(x, y)
    top_k = None if top_k is None else integer(top_k, "top_k", minimum=1)
    check_targets(model, x, y, "y")
    outputs = predict(model, x, batch_size, policy)
    result = loss.forward(outputs, y), accuracy(outputs, y)
    if top_k is None:
        return result
    labelled = outputs.ndim == 2 and y.ndim == 1
    return result + (top_k_accuracy(outputs, y, top_k) if labelled else None,)


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
