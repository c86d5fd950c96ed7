"""The layer protocol: ``forward``, ``backward``, ``params`` and ``grads``.

A layer is a thin class: it holds its parameters, remembers from ``forward``
exactly what ``backward`` needs, and calls the functional core for the maths.
"""

from __future__ import annotations

import numpy as np

from .._validate import float_dtype as check_dtype, real_array, same_shape
from ..functional import inference, inferring

__all__ = ["Layer", "DTYPES", "check_dtype", "inference", "inferring"]

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
        statistics: saved and loaded with the model and converted by
        ``astype``, never touched by an optimiser.  Their keys differ from
        those of ``params``.
    training : bool
        ``True`` in training mode; only layers that behave differently
        (``Dropout``) look at it, and not inside :class:`inference`.

    Notes
    -----
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
        """Per-sample output shape for a per-sample input shape (no forward pass)."""
        return tuple(input_shape)

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer (used by repr and save)."""
        return {}

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
        return int(sum(p.size for p in self.params.values()))

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
