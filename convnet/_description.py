"""The JSON description of a model file: parsed with a nesting bound, then checked entry by entry.

The layout (see :mod:`convnet._archive`)::

    {"format": "convnet-model", "version": 1,
     "layers": [{"type": "Conv2D", "config": {...}, "dtype": "float32"}, ...],
     "arrays": {"0.weight": {"shape": [4, 1, 3, 3], "dtype": "float32",
                             "sha256": "<64 hex digits>"}, ...}}

Version 2 adds containers: a container's entry holds its groups of layers,
``"children": {"body": [<entries>], "shortcut": [<entries>]}``, checked
entry by entry like the top-level list, and an array is named by the path to
its layer, ``"3.body.0.weight"``.  The nesting scan bounds how deep entries
nest before anything is parsed, so the recursive checks stay shallow, and
each entry is visited once.

Every check here looks at the description alone, so a file is refused
before any of its arrays is decompressed.  Everything wrong is a
:class:`~convnet._modelfile.ModelFileError` naming the file and the entry.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from ._budget import format_bytes, get_memory_budget
from ._modelfile import (FORMAT, MAX_DEPTH, MAX_NESTING, MAX_TOTAL_BYTES, VERSION, mib, refuse,
                         shown)

__all__ = ["parse_description", "layer_classes", "nesting_depth", "ITEMSIZE", "ARRAY_ITEMSIZE",
           "array_entry_bytes"]

ITEMSIZE = {"float32": 4, "float64": 8}                 # a layer's dtype
ARRAY_ITEMSIZE = {**ITEMSIZE, "int64": 8}               # an array's: counts (BatchNorm's) too
_TOP_KEYS = {"format", "version", "layers", "arrays"}
_LAYER_KEYS = {"type", "config", "dtype", "children"}
_ARRAY_KEYS = {"shape", "dtype", "sha256"}
_MAX_NDIM = 32                                   # NumPy 1.x's own limit
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")     # a parameter's or state array's key
_GROUP = re.compile(r"[A-Za-z0-9_]{1,32}")       # a container's name for a group of layers
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SCALARS = (str, int, float, bool, type(None))
_BLOCK = 1 << 16                                 # bytes per step of the nesting scan


def layer_classes() -> dict:
    """The layer classes a description may name, by name: the library's, then those registered
    with :func:`convnet.register_layer`."""
    from . import layers
    from ._registry import registered_layers
    known = {name: getattr(layers, name) for name in layers.__all__ if name != "Layer"}
    return {**known, **registered_layers()}


def nesting_depth(raw: bytes) -> int:
    """How deep lists and objects nest in the JSON text ``raw``, without parsing it.

    Brackets inside strings do not count.  Escaped backslashes and quotes are
    dropped first, so every quote left opens or closes a string; the scan
    then runs over blocks of the text with NumPy (linear time, a few hundred
    KiB of memory).  For text that is not valid JSON the count may be off
    after the first stray backslash, where the JSON parser stops anyway.
    """
    codes = np.frombuffer(raw.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    deepest = depth = quotes_before = 0
    for start in range(0, codes.size, _BLOCK):
        block = codes[start:start + _BLOCK]
        quotes = np.cumsum(block == ord('"'), dtype=np.int64) + quotes_before
        opening = (block == ord("[")) | (block == ord("{"))
        closing = (block == ord("]")) | (block == ord("}"))
        step = (opening.astype(np.int64) - closing) * (quotes % 2 == 0)
        levels = np.cumsum(step) + depth
        deepest = max(deepest, int(levels.max()))
        depth, quotes_before = int(levels[-1]), int(quotes[-1])
    return deepest


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def parse_description(raw: bytes, path) -> dict:
    """The checked description held by the bytes ``raw`` of the file ``path``."""
    depth = nesting_depth(raw)
    if depth > MAX_DEPTH:
        refuse(path, f"its description nests lists and objects {depth} deep; a model's "
                     f"description nests at most {MAX_DEPTH} deep (containers within "
                     f"containers at most {MAX_NESTING} deep)")
    try:
        meta = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:     # UnicodeDecodeError is a ValueError
        refuse(path, f"its description is not valid JSON ({exc})")
    _check_top(meta, path)
    paths: set = set()
    _check_entries(meta["layers"], "", layer_classes(), meta["version"], paths, path)
    _check_table(meta["arrays"], paths, path)
    return meta


def _check_top(meta, path) -> None:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        refuse(path, f"its description is not of format {FORMAT!r}")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        refuse(path, f"unknown format version {shown(version)}")
    if version > VERSION:
        refuse(path, f"it was written in format version {version}; this convnet reads up to "
                     f"version {VERSION}, upgrade convnet to load it")
    if not isinstance(meta.get("layers"), list) or not isinstance(meta.get("arrays"), dict):
        refuse(path, "its description lacks the layer list or the array table")
    if set(meta) != _TOP_KEYS:
        unknown = sorted(set(meta) - _TOP_KEYS)
        refuse(path, f"its description has unknown entries {shown(unknown)}")


def _check_entries(entries: list, prefix: str, known: dict, version: int, paths: set,
                   path) -> None:
    """Check a list of layer entries (and, within containers, theirs); collect their paths."""
    for index, entry in enumerate(entries):
        where = f"{prefix}{index}"
        _check_layer(entry, where, known, path)
        paths.add(where)
        container = hasattr(known[entry["type"]], "from_groups")
        if container or "children" in entry:
            _check_children(entry, where, container, version, path)
            for name, group in entry["children"].items():
                _check_entries(group, f"{where}.{name}.", known, version, paths, path)


def _check_children(entry: dict, where: str, container: bool, version: int, path) -> None:
    """A container's ``children``: an object of named lists (of entries, checked by the caller)."""
    kind = entry["type"]
    if not container:
        refuse(path, f"a {kind} holds no layers; its entry may not have \"children\"", where)
    if version < 2:
        refuse(path, f"a {kind} holds layers, which format version {version} cannot describe "
                     "(containers came with version 2)", where)
    children = entry.get("children")
    if not isinstance(children, dict):
        refuse(path, f"a {kind}'s entry must have \"children\", a JSON object of lists of "
                     f"layer entries; got {shown(children)}", where)
    for name, group in children.items():
        if not _GROUP.fullmatch(name):
            refuse(path, f"a {kind}'s group name must be 1 to 32 letters, digits or _; got "
                         f"{shown(name)}", where)
        if not isinstance(group, list):
            refuse(path, f"the {kind}'s group {name!r} must be a list of layer entries; got "
                         f"{shown(group)}", where)


def _check_layer(entry, where: str, known: dict, path) -> None:
    if not isinstance(entry, dict):
        refuse(path, 'its entry must be a JSON object with "type" and "config"; got '
                     + shown(entry), where)
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in known:
        own = kind if isinstance(kind, str) and kind.isidentifier() else "YourLayer"
        refuse(path, f"unknown layer type {shown(kind)}; known types: {', '.join(known)}. "
                     "If it is a layer class of your own, register it before loading: "
                     f"convnet.register_layer({own})", where)
    if not set(entry) <= _LAYER_KEYS or "config" not in entry:
        refuse(path, f"its entry must have the keys \"type\", \"config\" and optionally "
                     f"\"dtype\" (and a container's \"children\"); got {shown(sorted(entry))}",
               where)
    config = entry["config"]
    if not isinstance(config, dict):
        refuse(path, f"its configuration is not a JSON object; got {shown(config)}", where)
    for key, value in config.items():
        if not _plain(value):
            refuse(path, f"configuration entry {shown(key)} must be a number, string, true, "
                         f"false, null or a list of them; got {shown(value)}", where)
    dtype = entry.get("dtype", "float64")
    if not isinstance(dtype, str) or dtype not in ITEMSIZE:
        refuse(path, f"its dtype must be 'float32' or 'float64'; got {shown(dtype)}", where)


def _plain(value) -> bool:
    """True for a JSON scalar or a list of plain values (depth bounded by the nesting scan)."""
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return isinstance(value, _SCALARS)


def _check_table(arrays: dict, paths: set, path) -> None:
    """The array table: each name that of a described layer's array, each entry well formed."""
    total = 0
    for name, entry in arrays.items():
        layer, _, key = name.rpartition(".")
        if layer not in paths or not _KEY.fullmatch(key):
            refuse(path, f"array name {shown(name)} is not '<layer path>.<parameter>' with the "
                         f"path of one of the {len(paths)} layers the description lists (such "
                         "as '0' or, inside a container, '3.body.0')")
        total += array_entry_bytes(name, entry, path)
    if total > MAX_TOTAL_BYTES:
        refuse(path, f"its arrays hold {total:,} bytes together, more than the "
                     f"{mib(MAX_TOTAL_BYTES)} this reader accepts")


def array_entry_bytes(name: str, entry, path) -> int:
    """The bytes of the array a table entry declares, once the entry is checked."""
    if not isinstance(entry, dict) or set(entry) != _ARRAY_KEYS:
        refuse(path, f"bad table entry for array {shown(name)}: it must be a JSON object "
                     f"with exactly \"shape\", \"dtype\" and \"sha256\"; got {shown(entry)}")
    shape, dtype, checksum = entry["shape"], entry["dtype"], entry["sha256"]
    if (not isinstance(shape, list) or len(shape) > _MAX_NDIM
            or not all(type(size) is int and size >= 0 for size in shape)):
        refuse(path, f"array {shown(name)}: its shape must be a list of at most {_MAX_NDIM} "
                     f"integers >= 0; got {shown(shape)}")
    if not isinstance(dtype, str) or dtype not in ARRAY_ITEMSIZE:
        refuse(path, f"array {shown(name)}: its dtype must be 'float32', 'float64' or 'int64'; "
                     f"got {shown(dtype)}")
    if not isinstance(checksum, str) or not _SHA256.fullmatch(checksum):
        refuse(path, f"array {shown(name)}: its sha256 must be 64 lower-case hex digits; got "
                     f"{shown(checksum)}")
    nbytes = math.prod(shape) * ARRAY_ITEMSIZE[dtype]
    if nbytes > get_memory_budget():
        refuse(path, f"array {shown(name)} of shape {tuple(shape)} would take "
                     f"{format_bytes(nbytes)} ({nbytes:,} bytes), more than the memory "
                     f"budget of {format_bytes(get_memory_budget())} "
                     "(convnet.set_memory_budget)")
    return nbytes
