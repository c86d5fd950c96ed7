"""The model file: one ``.npz`` holding a JSON description and the weight arrays.

Layout of the archive::

    __convnet__   uint8 bytes of a UTF-8 JSON document:
                  {"format": "convnet-model", "version": 1, "layers": [...],
                   "arrays": {"0.weight": {"shape": [...], "dtype": "float32",
                                           "sha256": "..."}, ...}}
    0.weight      the arrays, named "<layer index>.<parameter>"
    0.bias        ...

Nothing is ever pickled: the JSON travels as plain bytes and files are read
with ``allow_pickle=False``.  Writing goes to a temporary file in the target
folder which is then renamed over the target, so an interrupted save leaves
the previous file as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat

import numpy as np

__all__ = ["FORMAT", "VERSION", "ModelFileError", "write_archive", "read_archive", "digest"]

FORMAT = "convnet-model"
VERSION = 1
META_KEY = "__convnet__"


class ModelFileError(ValueError):
    """A model file that cannot be trusted: truncated, corrupted, tampered or foreign."""


def digest(array: np.ndarray) -> str:
    """SHA-256 of an array's bytes (C order)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def write_archive(path, layers: list, arrays: dict) -> None:
    """Write the description and arrays to ``path`` atomically."""
    path = os.fspath(path)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "layers": layers,
        "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name, "sha256": digest(a)}
                   for name, a in arrays.items()},
    }
    payload = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(8)}.part")
    # 0o666 minus the umask, like any new file (mkstemp would make it 0o600); an
    # existing file keeps its mode.
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else 0o666
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     mode)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **{META_KEY: payload}, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _broken(path, problem: str):
    raise ModelFileError(f"cannot load {os.fspath(path)!r}: {problem}")


def read_archive(path) -> tuple[dict, dict]:
    """Read and check a model file; return its description and its arrays.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        For anything else that is wrong with the file; the message says what.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):  # np.load read a plain .npy array
            _broken(path, "it is a single .npy array, not a convnet model file")
        with archive:
            if META_KEY not in archive.files:
                _broken(path, "it is not a convnet model file (no description entry)")
            meta_bytes = archive[META_KEY]
            arrays = {name: archive[name] for name in archive.files if name != META_KEY}
    except ModelFileError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            _broken(path, "it holds pickled objects, which are refused (allow_pickle=False)")
        _broken(path, f"unreadable archive ({exc})")
    except Exception as exc:  # noqa: BLE001 - any failure to parse untrusted bytes
        # A damaged zip can raise almost anything from zipfile, zlib or the .npy
        # reader (BadZipFile, EOFError, KeyError, RuntimeError for a flipped
        # "encrypted" flag, NotImplementedError for a flipped compression method,
        # MemoryError for a flipped array size ...): all mean the same here.
        _broken(path, f"damaged or truncated archive ({type(exc).__name__}: {exc})")
    try:
        meta = json.loads(bytes(np.asarray(meta_bytes, dtype=np.uint8)).decode("utf-8"))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        _broken(path, f"its description is not valid JSON ({exc})")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        _broken(path, f"its description is not of format {FORMAT!r}")
    version = meta.get("version")
    if not isinstance(version, int) or version < 1:
        _broken(path, f"unknown format version {version!r}")
    if version > VERSION:
        _broken(path, f"it was written in format version {version}; this convnet reads up to "
                      f"version {VERSION}, upgrade convnet to load it")
    if not isinstance(meta.get("layers"), list) or not isinstance(meta.get("arrays"), dict):
        _broken(path, "its description lacks the layer list or the array table")
    listed = meta["arrays"]
    if set(listed) != set(arrays):
        missing = sorted(set(listed) - set(arrays))
        extra = sorted(set(arrays) - set(listed))
        _broken(path, f"arrays do not match the description (missing {missing}, unexpected "
                      f"{extra})")
    for name, array in arrays.items():
        entry = listed[name]
        if not isinstance(entry, dict):
            _broken(path, f"bad table entry for array {name!r}")
        if list(array.shape) != entry.get("shape") or array.dtype.name != entry.get("dtype"):
            _broken(path, f"array {name!r} has shape {array.shape} and dtype {array.dtype}, the "
                          f"description says {tuple(entry.get('shape') or ())} and "
                          f"{entry.get('dtype')}")
        if digest(array) != entry.get("sha256"):
            _broken(path, f"array {name!r} does not match its SHA-256 checksum (modified or "
                          "corrupted)")
    return meta, arrays
