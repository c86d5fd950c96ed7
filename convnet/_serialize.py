"""Layers to a model file's description and back; the model files (.npz, safetensors).

A layer's entry is ``{"type", "config", "dtype"?}``; a container's
(:class:`~convnet.layers.Residual`, :class:`~convnet.layers.Concat`) also
holds ``"children"``, its groups of layers by name, each a list of entries
(format version 2; a model without containers is written as version 1, which
every reader of the format understands).  Arrays are named by the path to
their layer and their key: ``"0.weight"``, ``"3.body.0.bias"``.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import _safetensors_model as safetensors_model
from ._archive import open_archive, write_archive
from ._description import layer_classes
from ._modelfile import listed, refuse
from .layers.base import walk
from .layers.init import placeholder_parameters

__all__ = ["describe", "build_layers", "arrays_wanted", "write_model", "read_layers"]


def describe(layers) -> tuple[list, dict, int]:
    """``(entries, arrays, format version)`` of a list of layers, for :func:`write_archive`."""
    entries = [_entry(layer) for layer in layers]
    arrays, nested = {}, False
    for path, layer in walk(enumerate(layers)):
        nested = nested or bool(layer.children())
        for key, value in (*layer.params.items(), *layer.state.items()):
            arrays[f"{path}.{key}"] = value
    return entries, arrays, 2 if nested else 1


def _entry(layer) -> dict:
    entry = {"type": type(layer).__name__, "config": _jsonable(layer.config())}
    if hasattr(layer, "dtype"):
        entry["dtype"] = np.dtype(layer.dtype).name
    if hasattr(layer, "layer_groups"):
        entry["children"] = {name: [_entry(child) for child in group]
                             for name, group in layer.layer_groups().items()}
    return entry


def build_layers(description: dict, path) -> list:
    """The layers of a checked description, with placeholder parameters."""
    known = layer_classes()
    accepted = {cls: inspect.signature(cls).parameters for cls in known.values()}
    return [_build(entry, str(index), known, accepted, path)
            for index, entry in enumerate(description["layers"])]


def _build(entry: dict, where: str, known: dict, accepted: dict, path):
    """The layer of one checked entry at path ``where`` (its children built first)."""
    cls = known[entry["type"]]
    kwargs = dict(entry["config"])
    if "dtype" in entry and "dtype" in accepted[cls]:
        kwargs["dtype"] = entry["dtype"]
    if "rng" in accepted[cls] and cls is not known["Dropout"]:
        kwargs["rng"] = 0  # unused: the parameters are placeholders, replaced by the file's
    groups = {name: [_build(child, f"{where}.{name}.{index}", known, accepted, path)
                     for index, child in enumerate(children)]
              for name, children in entry.get("children", {}).items()}
    try:
        with placeholder_parameters():
            return cls.from_groups(groups, **kwargs) if "children" in entry else cls(**kwargs)
    except (TypeError, ValueError, OverflowError) as exc:
        refuse(path, f"bad {cls.__name__} configuration ({exc})", where)


def arrays_wanted(layers: list, table: dict, path) -> list:
    """(layer, key, array name) of every parameter and state array, checked against the table."""
    wanted = []
    for where, layer in walk(enumerate(layers)):
        for key, value in (*layer.params.items(), *layer.state.items()):
            name = f"{where}.{key}"
            entry = table.get(name)
            if entry is None and key in getattr(layer, "optional_state", ()):
                continue                 # a file from before the layer kept it: as it was built
            if entry is None:
                refuse(path, f"the file has no array {name!r}", where)
            if tuple(entry["shape"]) != value.shape or entry["dtype"] != value.dtype.name:
                refuse(path, f"array {name!r} has shape {tuple(entry['shape'])} and dtype "
                             f"{entry['dtype']}, {_short(layer)} needs {value.shape} and "
                             f"{value.dtype}", where)
            wanted.append((layer, key, name))
    unused = set(table) - {name for _, _, name in wanted}
    if unused:
        refuse(path, f"arrays {listed(unused)} belong to no layer")
    return wanted


def _short(layer) -> str:
    """A leaf layer's repr (a container's spans lines: its type only)."""
    return repr(layer) if not layer.children() else type(layer).__name__


def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


# -- model files: .npz archives, or safetensors files by their suffix ---------------

def write_model(path: str, layers) -> None:
    """Write ``layers`` (description, arrays) to ``path``, in the format its suffix names."""
    description, arrays, version = describe(layers)
    write = safetensors_model.write_model if _is_safetensors(path) else write_archive
    write(path, description, arrays, version)


def read_layers(path: str) -> list:
    """The layers of the model file ``path``, built and filled after every check."""
    opened = safetensors_model.open_model if _is_safetensors(path) else open_archive
    with opened(path) as archive:
        layers = build_layers(archive.description, path)
        wanted = arrays_wanted(layers, archive.description["arrays"], path)
        arrays = archive.read_arrays()
    for layer, key, name in wanted:
        where = layer.params if key in layer.params else layer.state
        where[key] = arrays[name]
    for layer in {id(layer): layer for layer, _, _ in wanted}.values():
        problem = getattr(layer, "state_problem", None)       # values a layer cannot hold
        if problem is not None and (text := problem()) is not None:
            refuse(path, text)
    return layers


def _is_safetensors(path: str) -> bool:
    return path.lower().endswith(safetensors_model.SUFFIX)
