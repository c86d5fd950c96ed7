"""The layer protocol: ``forward``, ``backward``, ``params``, ``grads``, ``output_shape``,
``config`` and ``children``.

A layer is a thin class: it holds its parameters, remembers from ``forward``
exactly what ``backward`` needs, and calls the functional core for the maths.
``output_shape`` gives a sample's output shape without a forward pass (for
summaries) and ``config`` the constructor arguments (for files); a layer of
one's own writes both, and :func:`convnet.register_layer` lets
:func:`convnet.load` rebuild it (docs/exercises.md).
A container (:class:`~convnet.layers.Residual`, :class:`~convnet.layers.Concat`)
is a layer that holds layers: ``children()`` names them, and everything that
looks at a model's layers (parameters, gradients, state, modes, files,
summaries) walks that tree with :func:`walk`.
"""

from __future__ import annotations

import numpy as np

from .._validate import float_dtype as check_dtype, real_array, same_shape
from ..functional import inference, inferring

__all__ = ["Layer", "DTYPES", "check_dtype", "inference", "inferring", "walk", "named_arrays",
           "convert_dtype", "run_forward", "run_backward"]

DTYPES = (np.float32, np.float64)

class Layer:
    """Base class of every layer.

    Attributes
    ----------
    params : dict of str to ndarray
        Trainable arrays, keys ``"weight"`` and ``"bias"`` where present.
    grads : dict of str to ndarray
        Gradients of the loss with respect to ``params``, same keys, filled
        by the last ``backward``.
    state : dict of str to ndarray
        Arrays that belong to the model but are not trained by gradients
        (PyTorch calls them buffers), such as batch normalisation's running
        statistics and its count of batches (an int64 scalar): saved and
        loaded with the model, converted by ``astype`` (the float ones; a
        count stays int64), never touched by an optimiser.  Their keys differ from
        those of ``params``.
    training : bool
        ``True`` in training mode; only layers that behave differently
        (``Dropout``) look at it, and not inside :class:`inference`.

    Notes
    -----
    A layer may hold layers (a container: :class:`~convnet.layers.Residual`,
    :class:`~convnet.layers.Concat`); ``children()`` names them, and
    :meth:`parameters`, :meth:`gradients`, a model's ``state()``, modes,
    files and summaries walk the whole tree (:func:`walk`).

    ``forward`` stores what ``backward`` needs (for the layers of the
    library: the input and the :class:`~convnet.functional.Saved` record
    of the functional forward pass) and ``backward`` releases it, so each
    ``forward`` serves one ``backward``.  In :class:`inference` nothing is
    stored.  What is stored is never pickled or copied with the layer.
    """

    skips_input_gradient = False  # True where backward(dy, input_gradient=False) saves work

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.training = True
        self._cache = None              # what forward keeps for backward

    # -- the protocol -----------------------------------------------------
    def forward(self, x):  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def backward(self, dy):  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def output_shape(self, input_shape: tuple) -> tuple:
        """Per-sample output shape for a per-sample input shape (no forward pass).

        Every layer states its own (a layer that keeps the shape returns
        ``tuple(input_shape)``): no default is guessed, so a summary names
        the layer that lacks one instead of failing at the next layer.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not define output_shape(input_shape), the shape of "
            "one output sample for the shape of one input sample (a layer that keeps the "
            "shape returns tuple(input_shape)); see the Layer protocol in docs/exercises.md")

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer (used by repr and save)."""
        return {}

    def children(self) -> list:
        """The layers this layer holds, as ``(name, layer)`` pairs; a leaf layer holds none.

        A container names its layers by their place, e.g. ``"body.0"``; the
        name of a parameter deep in a model is the path to its layer, e.g.
        ``"3.body.0.weight"``.
        """
        return []

    def parameters(self) -> dict:
        """Every trainable array of this layer and the layers it holds, by name (live arrays).

        A leaf's are its ``params`` (``"weight"``, ``"bias"``); a container's
        are named by path, e.g. ``"body.0.weight"``.
        """
        return named_arrays([("", self)], "params")

    def gradients(self) -> dict:
        """The gradients of the last ``backward``, named like :meth:`parameters`."""
        return named_arrays([("", self)], "grads")

    # -- conveniences -------------------------------------------------------
    def __call__(self, x):
        return self.forward(x)

    def train(self, mode: bool = True):
        """Switch to training mode (or evaluation mode with ``mode=False``)."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Switch to evaluation mode."""
        return self.train(False)

    def num_parameters(self) -> int:
        """The number of trainable numbers, those of the layers it holds included."""
        return int(sum(p.size for p in self.parameters().values()))

    def parameter_count(self, input_shape: tuple) -> int:
        """Number of parameters for this input shape (layers with lazy parameters override)."""
        return self.num_parameters()

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.config().items())
        return f"{type(self).__name__}({args})"

    # -- copies and pickles -------------------------------------------------
    def __getstate__(self):
        """The layer without what its last forward kept (work memory is never copied)."""
        state = dict(self.__dict__)
        state["_cache"] = None
        return state

    # -- helpers for subclasses ---------------------------------------------
    def _saved(self):
        """What forward stored for backward, or a RuntimeError saying forward is missing."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() has no forward() to go back "
                               "through: run forward on a batch first (each forward serves "
                               "one backward; a forward in convnet.inference() keeps nothing)")
        return self._cache

    def forget(self) -> None:
        """Drop what the last forward kept for its backward (its work memory goes back)."""
        self._cache = None

    def _keep(self, cache) -> None:
        """Keep ``cache`` for the backward pass, unless in :class:`inference`."""
        if not inferring():
            self._cache = cache

    def _forward_saving(self, forward, x, *args, **options):
        """``forward(x, *args)`` of the functional core, its record kept for the backward.

        The previous record is let go first (its work memory goes back); in
        :class:`inference` nothing is kept and no record is made.
        """
        x = self._input(x, ndim=4)
        if inferring():
            return forward(x, *args, **options)
        self._cache = None
        z, saved = forward(x, *args, **options, return_saved=True)
        self._cache = (x, saved, z.shape)
        return z

    def _backward_saved(self, backward, dy, *args, **options):
        """``backward(dy, x, *args, saved=...)`` with what :meth:`_forward_saving` kept."""
        x, saved, z_shape = self._saved()
        dy = self._grad_output(dy, z_shape, x.dtype)
        return backward(dy, x, *args, **options, saved=saved)

    def _in_training(self) -> bool:
        """Training mode, and not in :class:`inference`."""
        return self.training and not inferring()

    def _input(self, x, ndim=None, layout=None, dtype=None):
        x = real_array(x, "x", ndim=ndim, layout=layout)
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x

    def _grad_output(self, dy, expected_shape, dtype):
        """``dy`` checked against the last forward's output; the forward's record is used up."""
        dy = real_array(dy, "dy")
        same_shape(dy, "dy", expected_shape, f"the output of the last {type(self).__name__}.forward")
        self._cache = None                        # each forward serves one backward
        return dy.astype(dtype, copy=False)


def walk(named_layers):
    """Every layer of a tree of layers, as ``(path, layer)``, each before the layers it holds.

    ``named_layers`` is a list of ``(name, layer)`` pairs (a model's are
    ``enumerate(model.layers)``); the path of a layer held by a container
    is the container's path, a dot and the name the container gives it
    (``"3.body.0"``).  The walk visits each layer once: linear in the size
    of the tree.
    """
    stack = [(str(name), layer) for name, layer in reversed(list(named_layers))]
    while stack:
        path, layer = stack.pop()
        yield path, layer
        stack.extend((_joined(path, name), child) for name, child in reversed(layer.children()))


def named_arrays(named_layers, kind: str) -> dict:
    """The arrays ``kind`` (``"params"``, ``"grads"`` or ``"state"``) of every layer of the tree.

    Named ``"<path>.<key>"`` (``"0.weight"``, ``"3.body.0.bias"``), or the
    key alone for a layer at the root path ``""``.
    """
    return {_joined(path, key): value for path, layer in walk(named_layers)
            for key, value in getattr(layer, kind).items()}


def convert_dtype(named_layers, dtype) -> None:
    """Convert every layer of the tree (its parameters, state and later computations) to ``dtype``.

    The layers' gradients are dropped (they belong to the old arrays).
    """
    for _, layer in walk(named_layers):
        if hasattr(layer, "dtype"):
            layer.dtype = dtype
        for arrays in (layer.params, layer.state):
            for key in list(arrays):
                if arrays[key].dtype.kind == "f":
                    arrays[key] = arrays[key].astype(dtype)
        layer.grads.clear()


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else str(name)


def run_forward(layers, x):
    """Apply every layer of ``layers`` in turn; returns the last output."""
    for layer in layers:
        x = layer.forward(x)
    return x


def run_backward(layers, dy, input_gradient=True):
    """Backpropagate ``dy`` through ``layers`` in reverse (Eq. 8.29); returns dL/dx.

    With ``input_gradient=False`` the first layer skips its input gradient
    where it can (layers whose ``backward`` takes ``input_gradient``), and
    what is returned may be None.
    """
    for index, layer in enumerate(reversed(layers)):
        if index == len(layers) - 1 and not input_gradient and layer.skips_input_gradient:
            dy = layer.backward(dy, input_gradient=False)
        else:
            dy = layer.backward(dy)
    return dy
