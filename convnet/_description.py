"""The JSON description of a model file: parsed with a nesting bound, then checked entry by entry.

The layout (see :mod:`convnet._archive`)::

    {"format": "convnet-model", "version": 1,
     "layers": [{"type": "Conv2D", "config": {...}, "dtype": "float32"}, ...],
     "arrays": {"0.weight": {"shape": [4, 1, 3, 3], "dtype": "float32",
                             "sha256": "<64 hex digits>"}, ...}}

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
from ._modelfile import FORMAT, MAX_DEPTH, MAX_TOTAL_BYTES, VERSION, mib, refuse, shown

__all__ = ["parse_description", "layer_classes", "nesting_depth", "ITEMSIZE"]

ITEMSIZE = {"float32": 4, "float64": 8}
_TOP_KEYS = {"format", "version", "layers", "arrays"}
_LAYER_KEYS = {"type", "config", "dtype"}
_ARRAY_KEYS = {"shape", "dtype", "sha256"}
_MAX_NDIM = 32                                   # NumPy 1.x's own limit
_NAME = re.compile(r"([0-9]+)\.([A-Za-z_][A-Za-z0-9_]*)")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SCALARS = (str, int, float, bool, type(None))
_BLOCK = 1 << 16                                 # bytes per step of the nesting scan


def layer_classes() -> dict:
    """The layer classes a description may name, by name."""
    from . import layers
    return {name: getattr(layers, name) for name in layers.__all__ if name != "Layer"}


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
                     f"description nests at most {MAX_DEPTH} deep")
    try:
        meta = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:     # UnicodeDecodeError is a ValueError
        refuse(path, f"its description is not valid JSON ({exc})")
    _check_top(meta, path)
    known = layer_classes()
    for index, entry in enumerate(meta["layers"]):
        _check_layer(entry, index, known, path)
    _check_table(meta["arrays"], len(meta["layers"]), path)
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


def _check_layer(entry, index: int, known: dict, path) -> None:
    if not isinstance(entry, dict):
        refuse(path, 'its entry must be a JSON object with "type" and "config"; got '
                     + shown(entry), index)
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in known:
        refuse(path, f"unknown layer type {shown(kind)}; known types: {', '.join(known)}",
               index)
    if not set(entry) <= _LAYER_KEYS or "config" not in entry:
        refuse(path, f"its entry must have the keys \"type\", \"config\" and optionally "
                     f"\"dtype\"; got {shown(sorted(entry))}", index)
    config = entry["config"]
    if not isinstance(config, dict):
        refuse(path, f"its configuration is not a JSON object; got {shown(config)}", index)
    for key, value in config.items():
        if not _plain(value):
            refuse(path, f"configuration entry {shown(key)} must be a number, string, true, "
                         f"false, null or a list of them; got {shown(value)}", index)
    dtype = entry.get("dtype", "float64")
    if not isinstance(dtype, str) or dtype not in ITEMSIZE:
        refuse(path, f"its dtype must be 'float32' or 'float64'; got {shown(dtype)}", index)


def _plain(value) -> bool:
    """True for a JSON scalar or a list of plain values (depth bounded by the nesting scan)."""
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return isinstance(value, _SCALARS)


def _check_table(arrays: dict, layer_count: int, path) -> None:
    total = 0
    for name, entry in arrays.items():
        match = _NAME.fullmatch(name)
        if match is None or int(match[1]) >= layer_count:
            refuse(path, f"array name {shown(name)} is not '<layer index>.<parameter>' with "
                         f"a layer index below {layer_count}")
        if not isinstance(entry, dict) or set(entry) != _ARRAY_KEYS:
            refuse(path, f"bad table entry for array {shown(name)}: it must be a JSON object "
                         f"with exactly \"shape\", \"dtype\" and \"sha256\"; got {shown(entry)}")
        shape, dtype, checksum = entry["shape"], entry["dtype"], entry["sha256"]
        if (not isinstance(shape, list) or len(shape) > _MAX_NDIM
                or not all(type(size) is int and size >= 0 for size in shape)):
            refuse(path, f"array {shown(name)}: its shape must be a list of at most {_MAX_NDIM} "
                         f"integers >= 0; got {shown(shape)}")
        if not isinstance(dtype, str) or dtype not in ITEMSIZE:
            refuse(path, f"array {shown(name)}: its dtype must be 'float32' or 'float64'; got "
                         f"{shown(dtype)}")
        if not isinstance(checksum, str) or not _SHA256.fullmatch(checksum):
            refuse(path, f"array {shown(name)}: its sha256 must be 64 lower-case hex digits; got "
                         f"{shown(checksum)}")
        nbytes = math.prod(shape) * ITEMSIZE[dtype]
        if nbytes > get_memory_budget():
            refuse(path, f"array {shown(name)} of shape {tuple(shape)} would take "
                         f"{format_bytes(nbytes)} ({nbytes:,} bytes), more than the memory "
                         f"budget of {format_bytes(get_memory_budget())} "
                         "(convnet.set_memory_budget)")
        total += nbytes
    if total > MAX_TOTAL_BYTES:
        refuse(path, f"its arrays hold {total:,} bytes together, more than the "
                     f"{mib(MAX_TOTAL_BYTES)} this reader accepts")
