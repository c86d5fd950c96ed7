"""Checkpoints: the model file plus a second file with the optimizer's state, the epoch and History.

A checkpoint at ``run.npz`` is two files, each written atomically by the
model file's writer (:func:`convnet._archive.write_archive`: a temporary
name, then a rename):

* ``run.npz``, the model file of :meth:`Sequential.save` (parameters and the
  layers' ``state`` such as BatchNorm's running statistics), loadable with
  :func:`convnet.load` alone;
* ``run.optimizer.npz``, the arrays of the optimizer's ``state_dict()``
  (momentum, Adam's moments) named ``<parameter>/<key>``, and a JSON entry with
  the rest of it (the optimizer's class, its configuration such as ``lr``,
  its step counts), ``initial_lr`` (the rate a schedule started from), the
  epoch, the History so far and a digest of the model's arrays.

The optimizer file is written first; the digest ties it to the model file it
was written with, so a save killed between the two files is detected when
loading (an error, never a silently mismatched resume).  An optimizer of
another kind without ``state_dict()`` is saved from its ``state`` and ``lr``.
Reading the optimizer file is :mod:`convnet._checkpoint_file`: the model
file's checked reader, with a check of its own for the entry.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from ._archive import write_archive
from ._checkpoint_file import KIND, check_against, read_optimizer_file
from ._modelfile import ModelFileError, digest, refuse
from ._validate import fail, file_path

__all__ = ["optimizer_path", "save_checkpoint", "load_checkpoint_parts", "restore_optimizer"]

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
    saved = _state_dict(optimizer)
    arrays, scalars = {}, {}
    for name, entries in saved["state"].items():
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                arrays[f"{name}/{key}"] = value
            else:
                scalars.setdefault(name, {})[key] = value.item() if hasattr(value, "item") \
                    else value
    initial_lr = getattr(optimizer, "initial_lr", None)      # set by LearningRateScheduler
    meta = {"kind": KIND, "optimizer": saved["optimizer"], "config": saved["config"],
            "initial_lr": None if initial_lr is None else float(initial_lr),
            "scalars": scalars, "epoch": int(epoch), "model": model_digest(model),
            "history": None if history is None else history.as_dict()}
    write_archive(optimizer_path(path), [meta], arrays)
    model.save(path)


def _state_dict(optimizer) -> dict:
    """``optimizer.state_dict()``, or the same made of ``state`` and ``lr`` (another object)."""
    if callable(getattr(optimizer, "state_dict", None)):
        return optimizer.state_dict()
    return {"optimizer": type(optimizer).__name__,
            "config": {"lr": getattr(optimizer, "lr", None)},
            "state": getattr(optimizer, "state", {})}


def load_checkpoint_parts(path) -> tuple:
    """``(model, meta, arrays)`` of a checkpoint, each file checked, then against each other.

    The optimizer file gets the model file's treatment (bounded, checked
    before it is read, never unpickled: :mod:`convnet._checkpoint_file`);
    its arrays must fit the model's parameters.
    """
    from .model import load                 # the model module imports the training loop

    path = file_path(path)
    model = load(path)
    other = optimizer_path(path)

    def fits(meta: dict, declared: dict) -> None:          # before its arrays are read
        if meta["model"] != model_digest(model):
            raise ModelFileError(f"the optimizer state {other!r} was not written with the model "
                                 f"file {os.fspath(path)!r} (a save interrupted between the two "
                                 "files?)")
        check_against(model.parameters(), meta, declared, other)

    meta, arrays = read_optimizer_file(other, fits)
    return model, meta, arrays


def restore_optimizer(optimizer, meta: dict, arrays: dict, path) -> None:
    """Give ``optimizer`` the state, configuration and ``initial_lr`` of a checkpoint."""
    other = optimizer_path(path)
    if type(optimizer).__name__ != meta["optimizer"]:
        fail("optimizer", f"a {meta['optimizer']}, the optimizer whose state {other!r} holds",
             optimizer)
    state: dict = {}
    for name, value in arrays.items():
        parameter, _, key = name.rpartition("/")
        state.setdefault(parameter, {})[key] = value
    for parameter, entries in meta["scalars"].items():
        state.setdefault(parameter, {}).update(entries)
    if callable(getattr(optimizer, "load_state_dict", None)):
        try:
            optimizer.load_state_dict({"optimizer": meta["optimizer"], "config": meta["config"],
                                       "state": state})
        except (TypeError, ValueError, OverflowError) as exc:   # OverflowError: 10**400
            refuse(other, f"its state does not fit a {meta['optimizer']} ({exc})")
    else:
        optimizer.state = state
        optimizer.lr = meta["config"].get("lr")
    if meta["initial_lr"] is not None:
        optimizer.initial_lr = meta["initial_lr"]
