"""A model's arrays under PyTorch's ``state_dict`` names, and back (NumPy only).

The names are the paths of :meth:`convnet.Sequential.parameters` and
``state()``: ``"0.weight"``, ``"3.body.0.running_mean"``, ``"4.1.0.bias"``.
They are the keys of the ``state_dict`` of :func:`~convnet.interop.to_torch`'s
module, whose containers are built to have them.  Batch norm's count of
batches, ``num_batches_tracked`` (an int64 scalar), travels both ways as in
PyTorch; a dict without it (PyTorch before 0.4.1) loads and leaves the count
as it was, as PyTorch's own loading does.
"""

from __future__ import annotations

import numpy as np

from .._modelfile import listed
from .._validate import fail
from ..layers.base import walk

__all__ = ["state_dict", "load_state_dict", "model_of"]


def model_of(model, name: str = "model"):
    """``model`` if it is a :class:`convnet.Sequential`, else a TypeError naming ``name``."""
    from ..model import Sequential
    if not isinstance(model, Sequential):
        fail(name, "a convnet.Sequential", model, error=TypeError)
    return model


def state_dict(model) -> dict:
    """Copies of a model's parameters and running statistics under PyTorch's key names.

    Parameters
    ----------
    model : convnet.Sequential

    Returns
    -------
    dict of str to ndarray
        In PyTorch's order (each module's parameters, then its buffers, then
        its children's); a batch norm that tracks running statistics has
        ``"<path>.num_batches_tracked"`` (int64), as PyTorch's ``state_dict``.
        ``torch.from_numpy`` of each value loads into :func:`to_torch`'s module.

    Examples
    --------
    >>> from convnet import Sequential, layers as L
    >>> model = Sequential(L.Conv2D(1, 2, 3, rng=0), L.BatchNorm2D(2))
    >>> list(state_dict(model))
    ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
    """
    state = {}
    for path, layer in walk(enumerate(model_of(model).layers)):
        for key, value in (*layer.params.items(), *layer.state.items()):
            state[f"{path}.{key}"] = np.array(value)
    return state


def load_state_dict(model, state) -> None:
    """Copy ``state`` (name -> array, PyTorch's names) into the model's parameters and statistics.

    Every parameter and running statistic of the model must be in ``state``
    with its shape; values are converted to the layer's dtype.  PyTorch
    tensors are accepted (detached and copied), as are the arrays of
    :func:`read_safetensors` and of ``safetensors.numpy.load_file``.
    A missing ``num_batches_tracked`` leaves the count as it was (as in PyTorch).

    Raises
    ------
    ValueError
        Naming the keys missing from ``state``, those that belong to no
        array of the model, a key whose shape differs, a count
        (``num_batches_tracked``) that is not a whole number >= 0, a
        negative ``running_var``, or numbers beyond the layer's dtype;
        nothing is changed.
    TypeError
        If ``model`` is not a Sequential, ``state`` not a dict, or a value
        not an array of real numbers (a PyTorch meta tensor included).

    Examples
    --------
    >>> from convnet import Sequential, layers as L
    >>> model = Sequential(L.Dense(2, 1, rng=0, dtype=np.float64))
    >>> load_state_dict(model, {"0.weight": np.array([[1.0, 2.0]]), "0.bias": np.array([0.5])})
    >>> model.forward(np.array([[1.0, 1.0]]))
    array([[3.5]])
    """
    model = model_of(model)
    if not isinstance(state, dict):
        fail("state", "a dict of names to arrays (a state_dict)", state, error=TypeError)
    targets, optional, layers = {}, set(), list(walk(enumerate(model.layers)))
    for path, layer in layers:
        for kind in ("params", "state"):
            for key, value in getattr(layer, kind).items():
                targets[f"{path}.{key}"] = (getattr(layer, kind), key, value)
        optional.update(f"{path}.{key}" for key in getattr(layer, "optional_state", ())
                        if key in layer.state)      # as model files: may be absent (count kept)
    missing, unknown = set(targets) - set(state) - optional, set(state) - set(targets)
    if missing or unknown:
        fail("state", "the model's array names (convnet.interop.state_dict(model))",
             None, given=f"missing {listed(missing)}, not in the model {listed(unknown)}")
    arrays = {}
    for name, (_, _, current) in targets.items():
        if name not in state:                    # an optional count: left as it is
            continue
        value = _as_array(state[name], name)
        if value.shape != current.shape:
            fail(f"state[{name!r}]", f"of shape {current.shape}", value,
                 given=f"shape {value.shape}")
        arrays[name] = _converted(value, current.dtype, name)
    for path, layer in layers:                  # statistics a layer cannot hold, as model files
        problem = getattr(layer, "state_problem", None)
        after = {key: arrays.get(f"{path}.{key}", value) for key, value in layer.state.items()}
        if problem is not None and (text := problem(after)) is not None:
            fail("state", "running statistics the layers can hold", None,
                 given=f"layer {path}: {text}")
    for name, array in arrays.items():                         # all checked: now copy
        where, key, _ = targets[name]
        where[key] = array


def _as_array(value, name: str) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):       # a torch.Tensor
        if getattr(value, "is_meta", False):
            fail(f"state[{name!r}]", "a tensor holding numbers", value, error=TypeError,
                 given="a meta tensor (a shape without data)")
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()                                 # exact; NumPy has no bfloat16
        value = value.numpy()
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        fail(f"state[{name!r}]", "an array of real numbers", value, error=TypeError)
    return value


def _converted(value: np.ndarray, dtype, name: str) -> np.ndarray:
    """``value`` as a new array of ``dtype``, refused where that would change a number's kind:
    a count (an integer dtype) must hold whole numbers >= 0, a float must stay finite."""
    if np.dtype(dtype).kind in "iu":
        whole = value.dtype.kind in "iu" or bool(np.all(np.isfinite(value) & (value % 1 == 0)))
        if not whole or value.size and (value.min() < 0 or value.max() >= 2 ** 63):
            fail(f"state[{name!r}]", "a count: whole numbers from 0", value)
        return value.astype(dtype)
    with np.errstate(over="ignore"):
        converted = value.astype(dtype, copy=True)
    if np.any(np.isinf(converted) & np.isfinite(value)):
        fail(f"state[{name!r}]", f"numbers within {np.dtype(dtype).name}'s range", value,
             given=f"values up to {np.max(np.abs(value[np.isfinite(value)])):.3g}")
    return converted
