"""Reading a checkpoint's optimizer file as a file from outside: bounded, checked, never unpickled.

The optimizer file (``run.optimizer.npz``, see :mod:`convnet._checkpoint`)
is written by the model file's writer, so it is read by the model file's
reader (:func:`convnet._archive.open_archive`) with the same checks in the
same order: the zip directory, the description member read with a size
bound, every member's sizes and ``.npy`` header against the table (no
Python objects), then the data streamed and checked by SHA-256.  Only the
description differs; :func:`parse_optimizer_description` checks it entry
by entry.  Whether the arrays fit the model's parameters is checked in
:func:`check_against`, once the model is loaded and before any array of
the optimizer file is read (from the shapes and dtypes its table declares).
Everything wrong is a
:class:`~convnet._modelfile.ModelFileError` (a ``ValueError``) naming the
file and the entry.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import NamedTuple

import numpy as np

from ._archive import open_archive
from ._description import array_entry_bytes, nesting_depth
from ._modelfile import FORMAT, MAX_TOTAL_BYTES, VERSION, mib, refuse, shown

__all__ = ["KIND", "read_optimizer_file", "parse_optimizer_description", "check_against"]

KIND = "convnet-optimizer-state"
MAX_EPOCH = 10 ** 9             # epochs a checkpoint may count (fit's epochs are ints too)
HISTORY_KEYS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "time")
_META_KEYS = {"kind", "optimizer", "config", "initial_lr", "scalars", "epoch", "model",
              "history"}
_MAX_DEPTH = 8            # document, entry list, entry, scalars, parameter: 5; 8 leaves room
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")         # a parameter's name: "3.body.0.weight"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")             # a state entry's key: "momentum"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_optimizer_file(path, check=None) -> tuple[dict, dict]:
    """``(meta, arrays)`` of the optimizer file ``path``, every check of a model file passed.

    ``check(meta, declared)``, if given, runs before any array is read:
    ``declared`` holds, by name, each array's shape and dtype as the checked
    table gives them (so a file for another model costs no reading).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no optimizer state at {path!r}: a checkpoint is two files, "
                                "the model's and the optimizer's beside it")
    with open_archive(path, parse=parse_optimizer_description) as archive:
        meta = archive.description["layers"][0]
        if check is not None:
            check(meta, {name: _Declared(tuple(entry["shape"]), np.dtype(entry["dtype"]))
                         for name, entry in archive.description["arrays"].items()})
        return meta, archive.read_arrays()


class _Declared(NamedTuple):
    """An array's shape and dtype as a file's table declares them (checked against its header)."""

    shape: tuple
    dtype: np.dtype


def parse_optimizer_description(raw: bytes, path) -> dict:
    """The checked description of an optimizer file, from its bytes ``raw``."""
    depth = nesting_depth(raw)
    if depth > _MAX_DEPTH:
        refuse(path, f"its description nests lists and objects {depth} deep; an optimizer "
                     f"state nests at most {_MAX_DEPTH} deep")
    try:
        meta = json.loads(raw.decode("utf-8"))    # NaN and Infinity: a History may hold them
    except (ValueError, RecursionError) as exc:     # UnicodeDecodeError is a ValueError
        refuse(path, f"its description is not valid JSON ({exc})")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or \
            meta.get("version") not in range(1, VERSION + 1) or \
            set(meta) != {"format", "version", "layers", "arrays"}:
        refuse(path, f"its description is not that of a {FORMAT!r} archive of version 1 to "
                     f"{VERSION} with exactly \"format\", \"version\", \"layers\", \"arrays\"")
    entries, table = meta["layers"], meta["arrays"]
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(table, dict):
        refuse(path, "its description must hold one optimizer entry and an array table; got "
                     f"{shown(entries)} and {shown(table)}")
    _check_meta(entries[0], path)
    total = 0
    for name, entry in table.items():
        parameter, _, key = name.rpartition("/")
        if not _NAME.fullmatch(parameter) or not _KEY.fullmatch(key):
            refuse(path, f"array name {shown(name)} is not '<parameter>/<key>' such as "
                         "'0.weight/momentum'")
        total += array_entry_bytes(name, entry, path)
    if total > MAX_TOTAL_BYTES:
        refuse(path, f"its arrays hold {total:,} bytes together, more than the "
                     f"{mib(MAX_TOTAL_BYTES)} this reader accepts")
    return meta


def _real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float_like(value) -> bool:
    """A real number a float holds: inf and NaN too (a History may hold them), not 10**400."""
    if not _real(value):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _number(value) -> bool:
    return _float_like(value) and math.isfinite(value)


def _check_meta(meta, path) -> None:
    """The optimizer entry: every key there, each of its kind."""
    if not isinstance(meta, dict) or set(meta) != _META_KEYS or meta["kind"] != KIND:
        refuse(path, f"its entry must be a {KIND!r} object with exactly the keys "
                     f"{sorted(_META_KEYS)}; got {shown(meta)}")
    problems = [
        (isinstance(meta["optimizer"], str) and meta["optimizer"].isidentifier(),
         "optimizer", "the optimizer's class name"),
        (isinstance(meta["config"], dict) and all(_plain(v) for v in meta["config"].values()),
         "config", "an object of numbers, strings, true, false, null and lists of them"),
        (meta["initial_lr"] is None or (_number(meta["initial_lr"]) and meta["initial_lr"] > 0),
         "initial_lr", "null or a number > 0"),
        (type(meta["epoch"]) is int and 1 <= meta["epoch"] <= MAX_EPOCH, "epoch",
         f"an integer from 1 to {MAX_EPOCH:,}"),
        (isinstance(meta["model"], str) and _SHA256.fullmatch(meta["model"]), "model",
         "the 64 hex digits of the model's digest"),
        (isinstance(meta["scalars"], dict) and all(
            isinstance(name, str) and isinstance(entries, dict) and all(
                _KEY.fullmatch(key) and _number(value) for key, value in entries.items())
            for name, entries in meta["scalars"].items()),
         "scalars", "an object from parameter names to objects of numbers"),
    ]
    for fine, key, rule in problems:
        if not fine:
            refuse(path, f"its entry {key!r} must be {rule}; got {shown(meta[key])}")
    if meta["history"] is not None:
        _check_history(meta["history"], meta["epoch"], path)


def _plain(value) -> bool:
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return isinstance(value, (str, int, float, bool, type(None)))


def _check_history(history, epoch: int, path) -> None:
    """The History: its six lists, as long as its epochs (validation ones possibly empty)."""
    if not isinstance(history, dict) or set(history) != set(HISTORY_KEYS) or \
            not all(isinstance(values, list) for values in history.values()):
        refuse(path, f"its entry 'history' must be null or an object of the lists "
                     f"{list(HISTORY_KEYS)}; got {shown(history)}")
    epochs = history["epoch"]
    if not all(type(e) is int for e in epochs) or (epochs and epochs[-1] != epoch) or \
            (epochs and epochs[0] < 1) or any(b <= a for a, b in zip(epochs, epochs[1:])):
        refuse(path, f"its history's epochs {shown(epochs)} must be integers from 1 up, "
                     f"rising, ending at the checkpoint's epoch {epoch}")
    for key in HISTORY_KEYS[1:]:
        values = history[key]
        if len(values) != len(epochs) and not (key.startswith("val_") and not values):
            refuse(path, f"its history's {key!r} has {len(values)} entries for "
                         f"{len(epochs)} epochs")
        allowed_none = key not in ("loss", "time")
        if not all(_float_like(v) or (allowed_none and v is None) for v in values):
            refuse(path, f"its history's {key!r} must hold numbers"
                         + (" or null" if allowed_none else "") + f"; got {shown(values)}")


def check_against(parameters: dict, meta: dict, arrays: dict, path) -> None:
    """Each saved array and step count belongs to a parameter of the model, each array of its
    shape and dtype."""
    for name in (*arrays, *(f"{p}/" for p in meta["scalars"])):
        parameter, _, key = name.rpartition("/")
        if parameter not in parameters:
            refuse(path, f"it holds optimizer state for {parameter!r}, which is not a parameter "
                         f"of the model (its parameters: {', '.join(parameters)})")
        if name in arrays:
            array, param = arrays[name], parameters[parameter]
            if array.shape != param.shape or array.dtype != param.dtype:
                refuse(path, f"its array {name!r} has shape {array.shape} and dtype "
                             f"{array.dtype}; the parameter {parameter!r} has shape "
                             f"{param.shape} and dtype {param.dtype}")
