"""Sequential models: a stack of layers with training, evaluation, summary and files.

``Sequential`` chains ``forward`` through its layers and ``backward`` through
them in reverse (backpropagation, Eq. 8.29), exposes every parameter under a
name like ``"0.weight"`` for the optimizers, and adds the training loop.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import layers as layer_classes
from ._archive import ModelFileError, read_archive, write_archive
from ._progress import EpochProgress
from ._validate import boolean, fail, file_path, generator, integer, real_array
from .layers.base import Layer, check_dtype
from .losses import Loss, MSELoss, SoftmaxCrossEntropy, class_labels

__all__ = ["Sequential", "History", "Summary", "DivergenceError", "load", "ModelFileError"]

LOSSES = {"cross_entropy": SoftmaxCrossEntropy, "mse": MSELoss}


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss or parameter; the model keeps its last good state."""


@dataclass
class History:
    """Per-epoch record of a :meth:`Sequential.fit` run.

    ``accuracy`` entries are None when the targets are not class labels;
    validation lists are empty without validation data.  ``time`` is the
    wall time of each epoch in seconds.
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


def _at(values, i):
    return values[i] if i < len(values) else None


def _fmt(value, digits=4):
    return f"{value:9.{digits}f}" if value is not None else f"{'-':>9}"


@dataclass(frozen=True)
class Summary:
    """A model's layer table; prints as text.  ``rows`` are (layer, output shape, parameters)."""

    rows: tuple
    total: int

    def __str__(self) -> str:
        shapes = [" x ".join(str(v) for v in shape) for _, shape, _ in self.rows]
        width = max(len(name) for name, _, _ in self.rows)
        shape_width = max(len(s) for s in shapes + ["output shape"])
        lines = [f"{'layer':<{width}}  {'output shape':<{shape_width}}  {'parameters':>12}"]
        lines.append("-" * len(lines[0]))
        for (name, _, count), shape in zip(self.rows, shapes):
            lines.append(f"{name:<{width}}  {shape:<{shape_width}}  {count:>12,}")
        lines.append("-" * len(lines[0]))
        lines.append(f"total parameters: {self.total:,}")
        return "\n".join(lines)

    __repr__ = __str__


class Sequential:
    """A network as a list of layers applied one after another.

    Parameters
    ----------
    *layers : Layer
        The layers, or a single list of them.

    Examples
    --------
    >>> from convnet.layers import Conv2D, ReLU, MaxPool2D, Flatten, Dense
    >>> model = Sequential(Conv2D(1, 4, 3, rng=0), ReLU(), MaxPool2D(2), Flatten(),
    ...                    Dense(4 * 3 * 3, 10, rng=0))
    >>> model.forward(np.zeros((2, 1, 8, 8))).shape
    (2, 10)
    >>> list(model.parameters())
    ['0.weight', '0.bias', '4.weight', '4.bias']
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                fail(f"layers[{index}]", "a convnet layer", layer, error=TypeError)
            for earlier in range(index):
                if layers[earlier] is layer:
                    fail(f"layers[{index}]", "a layer object of its own (a layer keeps what its "
                         "last forward needs, so it cannot sit at two places)", layer,
                         given=f"the same object as layers[{earlier}]")
        self.layers = list(layers)

    # -- the layer protocol, for the whole stack -----------------------------
    def forward(self, x):
        """Apply every layer in turn; returns the last layer's output."""
        return self._forward(x, self.layers)

    __call__ = forward

    def backward(self, dy, input_gradient=True):
        """Backpropagate ``dy`` through the layers in reverse; returns dL/dx of the input.

        With ``input_gradient=False`` the first layer skips its input
        gradient where that saves work (training never needs it) and None
        may be returned.
        """
        return self._backward(dy, self.layers, input_gradient)

    @staticmethod
    def _forward(x, order):
        for layer in order:
            x = layer.forward(x)
        return x

    @staticmethod
    def _backward(dy, order, input_gradient=True):
        for index, layer in enumerate(reversed(order)):
            if index == len(order) - 1 and not input_gradient and layer.skips_input_gradient:
                dy = layer.backward(dy, input_gradient=False)
            else:
                dy = layer.backward(dy)
        return dy

    def _running_order(self) -> list:
        """The order in which training and prediction run the layers (backward reverses it).

        That is the list order, except that a ReLU directly followed by a
        max pooling runs *after* the pooling.  The two commute exactly:
        ``max(relu(a), relu(b)) = relu(max(a, b))`` because ReLU never changes
        the order of two numbers, and the gradients agree too (the window's
        winner gets ``dz`` when its value is positive, nothing otherwise; on
        ties and NaN as well).  So the output and every gradient are the same
        numbers, bit for bit, while the ReLU touches a quarter of them after
        2x2 pooling, and the pooling sees pre-activations, where ties (which
        cost its backward pass extra work) are rare.  :meth:`forward` and
        :meth:`backward` keep the list order, so that they can be mixed with
        calls of the layers' own methods.
        """
        order = list(self.layers)
        index = 0
        while index < len(order) - 1:
            if (type(order[index]) is layer_classes.ReLU
                    and type(order[index + 1]) is layer_classes.MaxPool2D):
                order[index], order[index + 1] = order[index + 1], order[index]
                index += 2
            else:
                index += 1
        return order

    def parameters(self) -> dict:
        """Every trainable array, named ``"<layer index>.<name>"`` (the live arrays)."""
        return {f"{i}.{key}": value for i, layer in enumerate(self.layers)
                for key, value in layer.params.items()}

    def gradients(self) -> dict:
        """The gradients of the last :meth:`backward`, named like :meth:`parameters`."""
        return {f"{i}.{key}": value for i, layer in enumerate(self.layers)
                for key, value in layer.grads.items()}

    def num_parameters(self) -> int:
        return int(sum(value.size for value in self.parameters().values()))

    def train(self, mode: bool = True):
        """Put every layer in training mode (``mode=False``: evaluation mode)."""
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self):
        """Put every layer in evaluation mode (Dropout becomes the identity)."""
        return self.train(False)

    def astype(self, dtype):
        """Convert every parameter (and future computations) to float32 or float64."""
        dtype = check_dtype(dtype)
        for layer in self.layers:
            if hasattr(layer, "dtype"):
                layer.dtype = dtype
            for key in list(layer.params):
                layer.params[key] = layer.params[key].astype(dtype)
            layer.grads.clear()
        return self

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    # -- inference ------------------------------------------------------------
    def predict(self, x, batch_size=256):
        """Outputs for ``x`` in evaluation mode, computed ``batch_size`` samples at a time."""
        x = real_array(x, "x", ndim=range(2, 6), layout="(N, ...)")
        batch_size = integer(batch_size, "batch_size", minimum=1)
        modes = [layer.training for layer in self.layers]
        self.eval()
        order = self._running_order()
        try:
            outputs = [self._forward(x[start:start + batch_size], order)
                       for start in range(0, x.shape[0], batch_size)]
        finally:
            for layer, mode in zip(self.layers, modes):
                layer.train(mode)
        return np.concatenate(outputs)

    def evaluate(self, x, y, loss="cross_entropy", batch_size=256):
        """Mean loss and accuracy on ``(x, y)`` in evaluation mode.

        Returns
        -------
        (loss, accuracy) : (float, float or None)
            Accuracy is the fraction of samples whose largest output is the
            label (None when ``y`` holds no class labels).
        """
        loss = _loss(loss)
        x, y = _data(x, y)
        self._check_targets(x, y, "y")
        outputs = self.predict(x, batch_size)
        value = loss.forward(outputs, y)
        return value, _accuracy(outputs, y)

    # -- training ---------------------------------------------------------------
    def train_batch(self, x, y, loss, optimizer) -> float:
        """One optimisation step on one batch: forward, loss, backward, update.

        Returns the batch loss.  If the loss is not finite, or the update
        makes a parameter non-finite, raises :class:`DivergenceError` and
        leaves the parameters as they were before this batch.
        """
        return self._step(x, y, _loss(loss), optimizer)[0]

    def _step(self, x, y, loss, optimizer):
        # Inside one step every intermediate array is consumed before the next
        # step, so the layers may write them into buffers they keep (no page
        # faults for fresh memory); the step's result is used before it returns.
        for layer in self.layers:
            layer._reuse_buffers = True
        try:
            return self._step_with_buffers(x, y, loss, optimizer)
        finally:
            for layer in self.layers:
                layer._reuse_buffers = False

    def _step_with_buffers(self, x, y, loss, optimizer):
        order = self._running_order()
        out = self._forward(x, order)
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss is raised below
            value = loss.forward(out, y)
        if not math.isfinite(value):
            raise DivergenceError(f"the loss became {value}")
        self._backward(loss.backward(), order, input_gradient=False)
        params = self.parameters()
        saved = {name: array.copy() for name, array in params.items()}
        optimizer.step(self)
        broken = [name for name, array in params.items() if not np.all(np.isfinite(array))]
        if broken:
            for name, array in params.items():
                array[...] = saved[name]
            raise DivergenceError(f"the update made parameter {broken[0]!r} non-finite")
        return value, out

    def fit(self, x, y, *, epochs, batch_size, loss, optimizer, validation_data=None,
            shuffle=True, seed=None, verbose=True) -> History:
        """Train with mini-batch gradient descent; returns the per-epoch :class:`History`.

        Parameters
        ----------
        x : array_like of shape (N, ...)
        y : array_like of shape (N,) labels or (N, K) targets
        epochs, batch_size : int
        loss : Loss or {"cross_entropy", "mse"}
        optimizer : an optimizer from :mod:`convnet.optim`
        validation_data : (x_val, y_val), optional
            Evaluated after every epoch.
        shuffle : bool, default True
            Visit the samples in a new random order every epoch.
        seed : None, int or numpy.random.Generator
            Source of the shuffling; the same seed (and the same initial
            weights) gives the same history, bit for bit.
        verbose : bool, default True
            A progress bar per epoch (tqdm, if installed) and one summary
            line per epoch.

        Raises
        ------
        DivergenceError
            When the loss becomes NaN or infinite; the message names the epoch
            and batch, and the parameters are those after the last good step.
            (The optimizer's running state, such as momentum or Adam's moment
            estimates, is not rolled back; call ``optimizer.zero_state()`` to
            start it afresh.)
        """
        loss = _loss(loss)
        x, y = _data(x, y)
        shuffle, verbose = boolean(shuffle, "shuffle"), boolean(verbose, "verbose")
        epochs = integer(epochs, "epochs", minimum=1)
        batch_size = integer(batch_size, "batch_size", minimum=1)
        if not hasattr(optimizer, "step"):
            fail("optimizer", "an optimizer such as convnet.optim.SGD(lr=0.01)", optimizer,
                 error=TypeError)
        self._check_targets(x, y, "y")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                fail("validation_data", "a pair (x_val, y_val)", validation_data,
                     error=TypeError)
            validation_data = _data(*validation_data,
                                    names=("validation_data[0]", "validation_data[1]"))
            self._check_targets(*validation_data, "validation_data[1]")
        rng = generator(seed, "seed")
        history = History()
        n = x.shape[0]
        batches = math.ceil(n / batch_size)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            self.train()
            order = rng.permutation(n) if shuffle else np.arange(n)
            progress = EpochProgress(epoch, epochs, batches, verbose)
            total, correct, labelled = 0.0, 0, True
            for batch, first in enumerate(range(0, n, batch_size), start=1):
                index = order[first:first + batch_size]
                try:
                    value, out = self._step(x[index], y[index], loss, optimizer)
                except DivergenceError as exc:
                    progress.close(None)
                    raise DivergenceError(
                        f"training stopped at epoch {epoch}, batch {batch}: {exc}; the model "
                        "keeps the parameters of the last good step (try a smaller learning "
                        "rate)") from None
                total += value * index.size
                hits = _accuracy(out, y[index], count=True)
                labelled = labelled and hits is not None
                correct += hits or 0
                progress.update(total / min(first + batch_size, n))
            history.epoch.append(epoch)
            history.loss.append(total / n)
            history.accuracy.append(correct / n if labelled else None)
            if validation_data is not None:
                val_loss, val_accuracy = self.evaluate(*validation_data, loss=loss)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_accuracy)
            history.time.append(time.perf_counter() - start)
            progress.close(_epoch_line(history, epochs))
        self.train()
        return history

    def _check_targets(self, x, y, name):
        """Class labels must fit the model's output (K,), found by geometry, before any work."""
        if y.ndim != 1 or y.dtype.kind not in "iuf":
            return
        try:
            out = self.summary(x.shape[1:]).rows[-1][1]
        except ValueError:   # x does not fit the model: forward will say so, naming x
            return
        if len(out) == 1:
            class_labels(y, x.shape[0], out[0], name)

    # -- description and files ------------------------------------------------------
    def summary(self, input_shape) -> Summary:
        """Layer-by-layer output shapes and parameter counts, without a forward pass.

        Parameters
        ----------
        input_shape : tuple
            Shape of one sample, e.g. ``(3, 227, 227)`` for (C, H, W).

        Returns
        -------
        Summary
            Prints as a table; shapes come from :mod:`convnet.geometry`.
        """
        if not isinstance(input_shape, (tuple, list)) or not input_shape:
            fail("input_shape", "the shape of one sample, e.g. (1, 28, 28)", input_shape,
                 error=TypeError)
        shape = tuple(integer(v, "input_shape", minimum=1) for v in input_shape)
        rows = [("input", shape, 0)]
        for index, layer in enumerate(self.layers):
            try:
                count = layer.parameter_count(shape)
                shape = layer.output_shape(shape)
            except ValueError as exc:
                raise ValueError(f"input_shape {tuple(input_shape)} does not get through layer "
                                 f"{index}, {layer!r}: {exc}") from None
            rows.append((f"{index} {type(layer).__name__}", tuple(shape), count))
        return Summary(tuple(rows), sum(count for _, _, count in rows))

    def save(self, path) -> None:
        """Write the architecture (JSON) and the weights to one ``.npz`` file, atomically.

        The file is written to a temporary name in the same folder and then
        renamed, so an interrupted save leaves an existing file untouched.
        """
        path = file_path(path)
        description, arrays = [], {}
        for index, layer in enumerate(self.layers):
            entry = {"type": type(layer).__name__, "config": _jsonable(layer.config())}
            if hasattr(layer, "dtype"):
                entry["dtype"] = np.dtype(layer.dtype).name
            description.append(entry)
            for key, value in layer.params.items():
                arrays[f"{index}.{key}"] = value
        write_archive(path, description, arrays)


def load(path) -> Sequential:
    """Rebuild a model written by :meth:`Sequential.save`.

    The file is read with ``allow_pickle=False``; its description, every
    array's shape, dtype and checksum are verified before a model is built,
    so a truncated, tampered or foreign file raises :class:`ModelFileError`
    and nothing half-loaded is ever returned.
    """
    path = file_path(path)
    meta, arrays = read_archive(path)
    known = {name: getattr(layer_classes, name) for name in layer_classes.__all__
             if name != "Layer"}
    layers, used = [], set()
    for index, entry in enumerate(meta["layers"]):
        where = f"{path!s}, layer {index}"
        kind = entry.get("type") if isinstance(entry, dict) else entry
        if not isinstance(kind, str) or kind not in known:
            raise ModelFileError(f"cannot load {where}: unknown layer type {kind!r}")
        config = entry.get("config", {})
        if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
            raise ModelFileError(f"cannot load {where}: its configuration is not a JSON object")
        cls = known[kind]
        kwargs = dict(config)
        accepted = inspect.signature(cls).parameters
        if "dtype" in entry and "dtype" in accepted:
            kwargs["dtype"] = entry["dtype"]
        if "rng" in accepted and cls is not layer_classes.Dropout:
            kwargs["rng"] = 0  # placeholder weights, replaced below
        try:
            layer = cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"cannot load {where}: bad {cls.__name__} configuration "
                                 f"({exc})") from None
        for key, value in layer.params.items():
            name = f"{index}.{key}"
            if name not in arrays:
                raise ModelFileError(f"cannot load {where}: the file has no array {name!r}")
            stored = arrays[name]
            if stored.shape != value.shape or stored.dtype != value.dtype:
                raise ModelFileError(
                    f"cannot load {where}: array {name!r} has shape {stored.shape} and dtype "
                    f"{stored.dtype}, {layer!r} needs {value.shape} and {value.dtype}")
            layer.params[key] = stored.copy()
            used.add(name)
        layers.append(layer)
    if used != set(arrays):
        raise ModelFileError(f"cannot load {path!s}: arrays {sorted(set(arrays) - used)} "
                             "belong to no layer")
    return Sequential(layers)


# -- helpers ----------------------------------------------------------------

def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _loss(loss) -> Loss:
    if isinstance(loss, str):
        if loss not in LOSSES:
            fail("loss", f"a Loss object or one of {', '.join(repr(k) for k in LOSSES)}", loss)
        return LOSSES[loss]()
    if not isinstance(loss, Loss):
        fail("loss", "a Loss object such as SoftmaxCrossEntropy() or 'cross_entropy'", loss,
             error=TypeError)
    return loss


def _data(x, y, names=("x", "y")):
    x = real_array(x, names[0], ndim=range(2, 6), layout="(N, ...)")
    y_array = np.asarray(y)
    if y_array.dtype.kind not in "iuf" or y_array.ndim == 0:
        fail(names[1], "labels (N,) or targets (N, ...) of numbers", y, error=TypeError)
    if y_array.shape[0] != x.shape[0]:
        fail(names[1], f"one entry per sample of {names[0]} ({x.shape[0]})", y,
             given=f"{y_array.shape[0]} entries")
    return x, y_array


def _accuracy(outputs, y, count=False):
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
