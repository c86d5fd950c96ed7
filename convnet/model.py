"""Sequential models: a stack of layers with a summary, files, and the training loop's methods.

``Sequential`` chains ``forward`` through its layers and ``backward`` through
them in reverse (backpropagation, Eq. 8.29) and exposes every parameter under
a name like ``"0.weight"`` for the optimizers (``"3.body.0.weight"`` for a
layer held by a container: the path through the tree of layers).  Its
``fit``, ``train_batch``, ``evaluate`` and ``predict`` run the loop of
:mod:`convnet.training`.
"""

from __future__ import annotations

from . import _loop, training
from ._archive import ModelFileError
from ._serialize import read_layers, write_model
from ._summary import Summary, summary_rows
from ._validate import fail, file_path, integer
from .layers.base import Layer, check_dtype, convert_dtype, named_arrays, walk
from .functional import release_work_memory
from .training import DivergenceError, History, TrainingPolicy

__all__ = ["Sequential", "History", "Summary", "DivergenceError", "TrainingPolicy", "load",
           "ModelFileError"]


class Sequential:
    """A network as a list of layers applied one after another.

    Parameters
    ----------
    *layers : Layer
        The layers, or a single list of them.
    policy : TrainingPolicy, optional
        The shortcuts ``fit``, ``train_batch`` and ``predict`` take (all on by
        default; none changes a number).  Also settable later as
        ``model.policy``.

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

    def __init__(self, *layers, policy=None):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                fail(f"layers[{index}]", "a convnet layer", layer, error=TypeError)
        seen = {}                                  # id(layer) -> where it first sits
        for path, layer in walk(enumerate(layers)):       # containers' layers too: linear
            earlier = seen.setdefault(id(layer), path)
            if earlier != path:
                fail(_place(path), "a layer object of its own (a layer keeps what its "
                     "last forward needs, so it cannot sit at two places)", layer,
                     given=f"the same object as {_place(earlier)}")
        self.layers = list(layers)
        self.policy = TrainingPolicy() if policy is None else policy

    @property
    def policy(self) -> TrainingPolicy:
        """The :class:`TrainingPolicy` of ``fit``, ``train_batch`` and ``predict`` (settable)."""
        return self._policy

    @policy.setter
    def policy(self, policy) -> None:
        self._policy = training.checked_policy(policy)

    # -- the layer protocol, for the whole stack -----------------------------
    def forward(self, x):
        """Apply every layer in turn; returns the last layer's output."""
        return training.run_forward(self.layers, x)

    __call__ = forward

    def backward(self, dy, input_gradient=True):
        """Backpropagate ``dy`` through the layers in reverse; returns dL/dx of the input.

        With ``input_gradient=False`` the first layer skips its input
        gradient where that saves work (training never needs it) and None
        may be returned.
        """
        return training.run_backward(self.layers, dy, input_gradient)

    def parameters(self) -> dict:
        """Every trainable array, named ``"<layer path>.<name>"`` (the live arrays).

        The path of a top-level layer is its index (``"0.weight"``); a layer
        held by a container adds the container's name for it
        (``"3.body.0.weight"``, ``"4.1.0.bias"`` for branch 1 of a Concat).
        """
        return named_arrays(enumerate(self.layers), "params")

    def gradients(self) -> dict:
        """The gradients of the last :meth:`backward`, named like :meth:`parameters`."""
        return named_arrays(enumerate(self.layers), "grads")

    def state(self) -> dict:
        """Every array of the layers' ``state`` (running statistics), named like parameters."""
        return named_arrays(enumerate(self.layers), "state")

    def num_parameters(self) -> int:
        return int(sum(value.size for value in self.parameters().values()))

    def train(self, mode: bool = True):
        """Put every layer in training mode (``mode=False``: evaluation mode)."""
        for layer in self.layers:
            layer.train(mode)                      # a container passes it on
        return self

    def eval(self):
        """Put every layer in evaluation mode (Dropout becomes the identity)."""
        return self.train(False)

    def astype(self, dtype):
        """Convert every parameter (and future computations) to float32 or float64."""
        convert_dtype(enumerate(self.layers), check_dtype(dtype))
        return self

    def free_memory(self) -> None:
        """Give back every work buffer: what the layers keep for a backward, and the engines'.

        The layers forget their last forward (a ``backward`` then needs a new
        one), and every thread's work memory is released
        (:func:`convnet.functional.release_work_memory`; another thread's when
        it next computes).  Nothing else changes; training goes on as before.
        """
        for _, layer in walk(enumerate(self.layers)):
            layer.forget()
        release_work_memory(every_thread=True)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}) " + repr(layer).replace("\n", "\n  ")
                        for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n  policy={self.policy!r}\n)"

    # -- inference and training (the loop is in convnet.training) --------------
    def predict(self, x, batch_size=256):
        """Outputs for ``x`` in evaluation mode, computed ``batch_size`` samples at a time."""
        return training.predict(self, x, batch_size, self.policy)

    def predict_proba(self, x, batch_size=256):
        """Class probabilities for ``x``: the softmax of :meth:`predict`'s scores, row by row.

        ``softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z)``, shifted
        by the row's maximum so that large scores cannot overflow.  For a
        model whose outputs are class scores (logits) ``(N, K)``, as
        :class:`convnet.losses.SoftmaxCrossEntropy` trains them; a model
        ending in a :class:`~convnet.layers.Softmax` layer already gives
        probabilities from ``predict`` and is refused here.

        Returns
        -------
        ndarray of shape (N, K)
            Rows of non-negative numbers summing to 1, in the model's dtype.
        """
        return training.predict_proba(self, x, batch_size, self.policy)

    def evaluate(self, x, y, loss="cross_entropy", batch_size=256, top_k=None):
        """Mean loss and accuracy on ``(x, y)`` in evaluation mode, and top-k accuracy if asked.

        Parameters
        ----------
        top_k : int, optional
            Also return the share of samples whose label is among the
            ``top_k`` largest outputs (:func:`convnet.metrics.top_k_accuracy`;
            ``top_k=1`` equals the accuracy).

        Returns
        -------
        (loss, accuracy) : (float, float or None)
            Without ``top_k``.  Accuracy is the fraction of samples whose
            largest output is the label (None when ``y`` holds no class
            labels).
        (loss, accuracy, top_k_accuracy) : (float, float or None, float or None)
            With ``top_k``.

        Examples
        --------
        ::

            loss, accuracy = model.evaluate(x_test, y_test)
            loss, accuracy, top5 = model.evaluate(x_test, y_test, top_k=5)
        """
        return training.evaluate(self, x, y, loss, batch_size, self.policy, top_k)

    def train_batch(self, x, y, loss, optimizer, policy=None) -> float:
        """One optimisation step on one batch: forward, loss, backward, update.

        Returns the batch loss.  If the loss is not finite, or the update
        makes a parameter non-finite, raises :class:`DivergenceError` and
        leaves the parameters and the optimizer's state as they were before
        this batch.  ``policy``
        (default ``self.policy``) is the :class:`TrainingPolicy` of the step.
        """
        policy = self.policy if policy is None else training.checked_policy(policy)
        self.train()
        return training.train_step(self, x, y, training.checked_loss(loss), optimizer,
                                   policy)[0]

    def fit(self, x, y, *, epochs, batch_size, loss, optimizer, validation_data=None,
            validation_split=0.0, shuffle=True, seed=None, verbose=1, callbacks=None,
            initial_epoch=None, history=None, transform=None, policy=None) -> History:
        """Train with mini-batch gradient descent; returns the per-epoch :class:`History`.

        Parameters
        ----------
        x : array_like of shape (N, ...)
        y : array_like of shape (N,) labels or (N, K) targets
        epochs : int > initial_epoch
            The number of the last epoch (as in Keras: with ``initial_epoch=5``
            and ``epochs=8``, three epochs run).
        batch_size : int
        loss : Loss or {"cross_entropy", "mse"}
        optimizer : an optimizer from :mod:`convnet.optim`
        validation_data : (x_val, y_val), optional
            Evaluated after every epoch (not with ``validation_split``).
        validation_split : float in [0, 1), default 0
            Hold out this share of ``(x, y)`` (drawn at random from ``seed``,
            the same samples for the same seed; Keras takes the last ones) as
            validation data instead of ``validation_data``.
        shuffle : bool, default True
            Visit the samples in a new random order every epoch.
        seed : None, int or numpy.random.Generator
            Source of the shuffling, the split and the transform's
            randomness; the same seed (and the same initial weights) gives the
            same history, bit for bit.
        verbose : {0, 1, 2} or bool, default 1
            0: nothing; 2: one line per epoch; 1: one progress bar for the
            whole run in a terminal (tqdm) or a notebook (with ipywidgets) and
            one line per epoch, the lines alone anywhere else (a log file
            gets no carriage returns).  True is 1, False 0.
        callbacks : list of convnet.callbacks.Callback, optional
            Called at the start and end of training and of every epoch
            (:mod:`convnet.callbacks`: early stopping, checkpoints, schedules);
            a ``StopOnDivergence()`` is added unless one is in the list.
        initial_epoch : int, optional
            Epochs already done (default: the last epoch of ``history``, or
            0): training resumes with epoch ``initial_epoch + 1``, shuffled as
            the uninterrupted run would have been.
        history : History, optional
            The History of an earlier ``fit`` to append to and return
            (``initial_epoch``, if given, must be its last epoch).  This run
            may add or drop validation data; :class:`History` says how its
            lists stay aligned.
        transform : callable, optional
            ``transform(x_batch, rng) -> new batch``, applied to each
            training batch (augmentation, :mod:`convnet.transforms`); ``rng``
            is a ``numpy.random.Generator`` derived from ``seed``, a new one
            each epoch.  Validation data are not transformed.
        policy : TrainingPolicy, optional
            The shortcuts of each step (default ``self.policy``); the history
            is the same with any policy.

        Raises
        ------
        DivergenceError
            When the loss becomes NaN or infinite; the message names the epoch
            and batch, and the parameters, the layers' running statistics and
            the optimizer's state (momentum, Adam's moment estimates, step
            counts) are those after the last good step.  It is raised after
            every callback's ``on_train_end`` (``EarlyStopping`` restores the
            best weights).  With
            ``callbacks=[convnet.callbacks.StopOnDivergence(raise_error=False)]``
            training ends quietly instead.
        """
        return _loop.fit(self, x, y, epochs=epochs, batch_size=batch_size, loss=loss,
                         optimizer=optimizer, validation_data=validation_data,
                         validation_split=validation_split, shuffle=shuffle, seed=seed,
                         verbose=verbose, callbacks=callbacks, initial_epoch=initial_epoch,
                         history=history, transform=transform, policy=policy)

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
            One row per layer; the layers a container holds get rows of
            their own, named by their path (``1.body.0 Conv2D``), and the
            container a row where its paths meet (``1 Residual (sum)``).
            Each parameter is counted once: the total is the column's sum.

        Raises
        ------
        ValueError
            If ``input_shape`` does not get through a layer (naming it).
        NotImplementedError
            If a layer (of one's own) does not define ``output_shape``,
            naming that layer and its place.
        """
        if not isinstance(input_shape, (tuple, list)) or not input_shape:
            fail("input_shape", "the shape of one sample, e.g. (1, 28, 28)", input_shape,
                 error=TypeError)
        shape = tuple(integer(v, "input_shape", minimum=1) for v in input_shape)
        rows = [("input", shape, 0)]
        for index, layer in enumerate(self.layers):
            try:
                layer_rows, shape = summary_rows(str(index), layer, shape)
            except NotImplementedError as exc:          # a layer of one's own without it
                raise NotImplementedError(f"layer {index}, {type(layer).__name__}: {exc}") from None
            except ValueError as exc:
                name = repr(layer) if not layer.children() else type(layer).__name__
                raise ValueError(f"input_shape {tuple(input_shape)} does not get through layer "
                                 f"{index}, {name}: {exc}") from None
            rows += layer_rows
        return Summary(tuple(rows), sum(count for _, _, count in rows))

    def save(self, path) -> None:
        """Write the architecture (JSON), the weights and the layers' state to one ``.npz`` file.

        A name ending in ``.safetensors`` writes a safetensors file instead:
        the arrays under PyTorch's names (``"0.weight"``, those of
        :func:`convnet.interop.state_dict`) and the description as its
        ``"convnet"`` metadata entry; ``safetensors.torch.load_file`` reads it,
        and :func:`load` reads it back with the same checks.

        The file is written to a temporary name in the same folder
        (``.<name>.<16 hex digits>.part``) and then renamed, so an interrupted
        save leaves an existing file untouched; such a temporary file left by
        a save that was killed is removed by the next save of the same file.

        Raises
        ------
        ValueError
            If the file would be larger than :func:`load` accepts: a
            description of over 4 MiB of JSON or nested over 30 deep
            (containers within containers over 8 deep), or over 4 GiB of
            parameters.
        OSError
            If writing fails (the previous file, if any, is kept).
        """
        write_model(file_path(path), self.layers)


def load(path) -> Sequential:
    """Rebuild a model written by :meth:`Sequential.save`, checking the file first.

    A name ending in ``.safetensors`` is read as a safetensors file
    (:mod:`convnet._safetensors`: its header's length, entries and offsets
    checked against the file's size before anything is read), whose
    ``"convnet"`` metadata entry is checked as below.

    The file is hostile until checked.  Its description is read with a
    size bound and checked entry by entry, then every member's sizes and
    ``.npy`` header, all before any array data is decompressed (the checks
    and their bounds are listed in :func:`convnet._archive.read_archive`:
    a description of at most 4 MiB nested at most 30 deep (containers
    within containers 8 deep), at most 2**28
    elements per array and 4 GiB in all, no member expanding beyond 200:1
    past 1 MiB, nothing pickled).  The layers are then built from the
    description with placeholder parameters (no random draw, no memory:
    :func:`convnet.layers.init.placeholder_parameters`) and each parameter's
    shape and dtype compared with the description; only then is the data
    streamed in and verified by SHA-256.  So a truncated, tampered, foreign
    or oversized file raises :class:`ModelFileError` early and cheaply, and
    nothing half-loaded is ever returned.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        (a ``ValueError``) naming the file and what is wrong with it.
    TypeError
        If ``path`` is not a str or os.PathLike.
    """
    return Sequential(read_layers(file_path(path)))


def _place(path: str) -> str:
    """Where a layer sits, for a message: ``layers[3]`` or ``layers[3].body.0``."""
    top, _, rest = path.partition(".")
    return f"layers[{top}]" + (f".{rest}" if rest else "")
