"""Checkpoints: the model file plus a second file with the optimizer's state, the epoch and History.

A checkpoint at ``run.npz`` is two files, each written atomically by the
model file's writer (:func:`convnet._archive.write_archive`: a temporary
name, then a rename):

* ``run.npz``, the model file of :meth:`Sequential.save` (parameters and the
  layers' ``state`` such as BatchNorm's running statistics), loadable with
  :func:`convnet.load` alone;
* ``run.optimizer.npz``, the optimizer's per-parameter arrays (``optimizer.state``:
  momentum, Adam's moments) named ``<parameter>/<key>``, and a JSON entry with
  the optimizer's class, ``lr``, its scalar state (Adam's step count), the
  epoch, the History so far and a digest of the model's arrays.

The optimizer file is written first; the digest ties it to the model file it
was written with, so a save killed between the two files is detected when
loading (an error, never a silently mismatched resume).  Optimizers with a
``state_dict()`` are not needed: the state is read from ``optimizer.state``,
which every optimizer of :mod:`convnet.optim` keeps.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from ._archive import write_archive
from ._modelfile import META_KEY, digest
from ._validate import fail, file_path

__all__ = ["optimizer_path", "save_checkpoint", "load_checkpoint_parts", "restore_optimizer"]

KIND = "convnet-optimizer-state"


def optimizer_path(path) -> str:
    """``run.npz`` -> ``run.optimizer.npz`` (the optimizer's file beside the model's)."""
    root, ext = os.path.splitext(os.fspath(path))
    return f"{root}.optimizer{ext or '.npz'}"


def model_digest(model) -> str:
    """SHA-256 over the names and digests of every parameter and state array."""
    arrays = {**model.parameters(), **model.state()}
    text = "\n".join(f"{name} {digest(arrays[name])}" for name in sorted(arrays))
    return hashlib.sha256(text.encode()).hexdigest()


def save_checkpoint(path, model, optimizer, epoch: int, history) -> None:
    """Write the model (``path``) and the optimizer state beside it, each atomically."""
    path = file_path(path)
    arrays, scalars = {}, {}
    for name, entries in optimizer.state.items():
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                arrays[f"{name}/{key}"] = value
            else:
                scalars.setdefault(name, {})[key] = value.item() if hasattr(value, "item") \
                    else value
    meta = {"kind": KIND, "optimizer": type(optimizer).__name__, "lr": float(optimizer.lr),
            "scalars": scalars, "epoch": int(epoch), "model": model_digest(model),
            "history": None if history is None else history.as_dict()}
    write_archive(optimizer_path(path), [meta], arrays)
    model.save(path)


def load_checkpoint_parts(path) -> tuple:
    """``(model, meta, arrays)`` of a checkpoint, the two files checked against each other."""
    from .model import load                 # the model module imports the training loop

    path = file_path(path)
    model = load(path)
    other = optimizer_path(path)
    try:
        with np.load(other, allow_pickle=False) as data:
            files = {name: data[name] for name in data.files}
        meta = json.loads(files.pop(META_KEY).tobytes().decode("utf-8"))["layers"][0]
        if meta.get("kind") != KIND:
            raise ValueError(f"not a {KIND} file")
    except FileNotFoundError:
        raise
    except Exception as exc:                 # any damage: one message naming the file
        raise ValueError(f"cannot load the optimizer state {other!r}: {exc}") from None
    if meta["model"] != model_digest(model):
        raise ValueError(f"the optimizer state {other!r} was not written with the model file "
                         f"{os.fspath(path)!r} (a save interrupted between the two files?)")
    return model, meta, files


def restore_optimizer(optimizer, meta: dict, arrays: dict, path) -> None:
    """Fill ``optimizer.state`` and ``optimizer.lr`` from a checkpoint's optimizer file."""
    if not hasattr(optimizer, "state") or not hasattr(optimizer, "lr"):
        fail("optimizer", "an optimizer of convnet.optim (with .state and .lr)", optimizer,
             error=TypeError)
    if type(optimizer).__name__ != meta["optimizer"]:
        fail("optimizer", f"a {meta['optimizer']}, the optimizer whose state "
             f"{optimizer_path(path)!r} holds", optimizer)
    state: dict = {}
    for name, value in arrays.items():
        parameter, _, key = name.rpartition("/")
        state.setdefault(parameter, {})[key] = value
    for parameter, entries in meta["scalars"].items():
        state.setdefault(parameter, {}).update(entries)
    optimizer.state.clear()
    optimizer.state.update(state)
    optimizer.lr = meta["lr"]
