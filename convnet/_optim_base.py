"""The optimizers' base class: stepping, the per-parameter state, and copying that state.

Every optimizer of :mod:`convnet.optim` keeps ``state``, a dict from a
parameter's name (``"0.weight"``) to a dict of that parameter's arrays
(momentum, moment estimates) and step counts (plain ints).  An update never
writes into those arrays: it makes new ones and puts them in the dict, so a
shallow copy of ``state`` taken before a step is the state before it.  The
training loop uses that to undo a step that made a parameter non-finite.
"""

from __future__ import annotations

import numpy as np

from ._validate import fail, real_number

__all__ = ["Optimizer"]


def _arrays(model):
    if hasattr(model, "parameters") and callable(model.parameters):
        return model.parameters(), model.gradients()
    if hasattr(model, "params") and hasattr(model, "grads"):
        return model.params, model.grads
    fail("model", "a Sequential or a layer (with parameters()/gradients() or params/grads)",
         model, error=TypeError)


class Optimizer:
    """Base class: subclasses implement ``config()`` and ``_update(name, param, grad)``.

    ``_update`` changes ``param`` in place and replaces (never writes into)
    the arrays of ``self.state[name]``.
    """

    def __init__(self, lr):
        self.lr = real_number(lr, "lr", minimum=0.0, inclusive=(False, True))
        self.state: dict[str, dict] = {}

    def step(self, model) -> None:
        """Update each parameter of ``model`` in place from its gradient."""
        params, grads = _arrays(model)
        for name, param in params.items():
            if name not in grads:
                raise RuntimeError(f"no gradient for parameter {name!r}: call backward() "
                                   "before step()")
            grad = grads[name]
            if grad.shape != param.shape:
                fail(f"gradient {name!r}", f"of shape {param.shape} like its parameter", grad,
                     given=f"shape {grad.shape}")
            self._check_state(name, param)
            self._update(name, param, grad.astype(param.dtype, copy=False))

    def _check_state(self, name, param) -> None:
        """Refuse state arrays (loaded, or of another model) not of the parameter's shape."""
        for key, value in self.state.get(name, {}).items():
            if isinstance(value, np.ndarray) and value.shape != param.shape:
                fail(f"optimizer state {name!r}[{key!r}]", f"of the shape of its parameter "
                     f"{param.shape}", value, given=f"shape {value.shape}")

    def zero_state(self) -> None:
        """Forget momentum and moment estimates (start afresh)."""
        self.state.clear()

    def config(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    def state_layout(self) -> dict | None:
        """What a parameter's state holds once stepped: ``{key: "count" or "array"}``.

        :meth:`load_state_dict` holds each parameter's entry to it (exactly
        these keys).  None, the base class's answer, skips that check
        (for optimizers of one's own that do not say).
        """
        return None

    def _penalised(self, grad, param):
        """``grad + weight_decay * param``: the gradient of the L2 penalty added (PyTorch's
        ``weight_decay`` for SGD, Adam, RMSprop and AdaGrad); ``grad`` itself without one."""
        if not self.weight_decay:
            return grad
        return grad + param.dtype.type(self.weight_decay) * param

    def _update(self, name, param, grad):  # pragma: no cover - overridden
        raise NotImplementedError

    # -- copying the state --------------------------------------------------------------
    def state_dict(self) -> dict:
        """A copy of everything the next steps depend on, for saving or resuming.

        Returns
        -------
        dict
            ``{"optimizer": class name, "config": config(), "state": {parameter
            name: {key: ndarray copy or int}}}``: only strings, numbers, tuples
            and arrays, so it can be written with ``numpy.savez`` (arrays) and
            JSON (the rest).  ``load_state_dict`` takes it back.
        """
        return {"optimizer": type(self).__name__, "config": self.config(),
                "state": {name: {key: np.array(value, copy=True) if isinstance(value, np.ndarray)
                                 else value for key, value in entries.items()}
                          for name, entries in self.state.items()}}

    def load_state_dict(self, state_dict) -> None:
        """Take the configuration and state of :meth:`state_dict` (copied; checked first).

        Raises
        ------
        TypeError
            If ``state_dict`` is not a dict with the keys ``state_dict()`` gives,
            or an entry of a parameter's state is not a float array (a step
            count: an integer >= 0).
        ValueError
            If it is another optimizer's, its configuration is invalid, a
            parameter's state lacks a key this optimizer keeps or has one it
            does not (:meth:`state_layout`), or its arrays differ in shape.
            (Whether they fit the parameters is checked by the next
            :meth:`step`, which has them.)
        """
        keys = {"optimizer", "config", "state"}
        if not isinstance(state_dict, dict) or set(state_dict) != keys:
            fail("state_dict", "a dict with the keys 'optimizer', 'config' and 'state' (what "
                 "state_dict() returns)", state_dict, error=TypeError)
        if state_dict["optimizer"] != type(self).__name__:
            fail("state_dict", f"the state of a {type(self).__name__}", state_dict,
                 given=f"the state of a {state_dict['optimizer']!r}")
        if not isinstance(state_dict["config"], dict):
            fail("state_dict['config']", "a dict of the optimizer's arguments",
                 state_dict["config"], error=TypeError)
        fresh = type(self)(**state_dict["config"])          # checks every number
        state = _checked_state(state_dict["state"], fresh)
        for key in fresh.config():          # arguments a saved config leaves out: defaults
            setattr(self, key, getattr(fresh, key))
        self._restore(state)

    def _snapshot(self) -> dict:
        """The state as it is now, cheaply (updates replace the arrays, see the module notes)."""
        return {name: dict(entries) for name, entries in self.state.items()}

    def _restore(self, snapshot: dict) -> None:
        self.state.clear()                   # the same dict: whoever holds it sees the change
        self.state.update(snapshot)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


def _checked_state(state, optimizer: Optimizer) -> dict:
    """A copy of a ``state_dict()['state']``: names to dicts of arrays and numbers.

    Each entry is held to ``optimizer.state_layout()`` (when it gives one):
    the keys, step counts as integers >= 0, arrays of one shape.
    """
    if not isinstance(state, dict):
        fail("state_dict['state']", "a dict from parameter names to dicts", state,
             error=TypeError)
    layout = optimizer.state_layout()
    copied = {}
    for name, entries in state.items():
        where = f"state_dict['state'][{name!r}]"
        if not isinstance(name, str) or not isinstance(entries, dict):
            fail(where, "a dict of arrays and numbers for a parameter named by a string",
                 entries, error=TypeError)
        if layout is not None and set(entries) != set(layout):
            fail(where, f"a dict of exactly the keys {sorted(layout)} (what a "
                 f"{type(optimizer).__name__} so configured keeps)", entries,
                 given=f"keys {sorted(entries)}")
        copied[name] = {key: _checked_entry(f"{where}[{key!r}]", value,
                                            None if layout is None else layout[key])
                        for key, value in entries.items()}
        shapes = {value.shape for value in copied[name].values() if isinstance(value, np.ndarray)}
        if len(shapes) > 1:
            first = next(v for v in copied[name].values() if isinstance(v, np.ndarray))
            key, odd = next((k, v) for k, v in copied[name].items()
                            if isinstance(v, np.ndarray) and v.shape != first.shape)
            fail(f"{where}[{key!r}]", f"an array of the shape of the entry's other arrays "
                 f"{first.shape}", odd, given=f"shape {odd.shape}")
    return copied


def _checked_entry(where: str, value, kind: str | None):
    """A copy of one state entry: a float array, or a number (a step count: an int >= 0)."""
    if kind == "count":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                or value < 0:
            fail(where, "a step count, an integer >= 0", value, error=TypeError)
        return int(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return np.array(value, copy=True)
    if kind is None and isinstance(value, (int, float, np.integer, np.floating)) and \
            not isinstance(value, bool):
        return value.item() if hasattr(value, "item") else value
    fail(where, "a float array" + (" or a number" if kind is None else ""), value,
         error=TypeError)


def checked_betas(betas) -> tuple:
    """Adam's ``(beta1, beta2)``, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        fail("betas", "a pair (beta1, beta2)", betas, error=TypeError)
    return tuple(real_number(b, "betas", minimum=0.0, maximum=1.0, inclusive=(True, False))
                 for b in betas)
