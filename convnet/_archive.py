"""The model file: one ``.npz`` holding a JSON description and the weight arrays.

Layout of the archive::

    __convnet__   uint8 bytes of a UTF-8 JSON document:
                  {"format": "convnet-model", "version": 1, "layers": [...],
                   "arrays": {"0.weight": {"shape": [...], "dtype": "float32",
                                           "sha256": "..."}, ...}}
    0.weight      the arrays, named "<layer path>.<parameter>"
    0.bias        ...
    3.body.0.weight   (version 2: a layer held by a container, by its path)

Nothing is ever pickled: the JSON travels as plain bytes and no member with
Python objects is read.  A file from outside is checked in the order that
costs least: the zip directory, then the description (read with a size
bound, see :mod:`convnet._description`), then every member's sizes and
``.npy`` header against it (:mod:`convnet._members`), and only then the
data, streamed into arrays of the declared size and verified by SHA-256.
The bounds are in :mod:`convnet._modelfile`.

Writing goes to a temporary file ``.<name>.<16 hex digits>.part`` in the
target folder which is then renamed over the target, so an interrupted save
leaves the previous file as it was; the next save of the same target removes
such files left by a save that was killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import zipfile

import numpy as np

from ._description import nesting_depth, parse_description
from ._members import check_members, index_members, read_array, read_description
from ._modelfile import (FORMAT, MAX_DEPTH, MAX_DESCRIPTION_BYTES, MAX_MEMBERS, MAX_NESTING,
                         MAX_TOTAL_BYTES, META_KEY, VERSION, ModelFileError, digest, mib,
                         refuse)
from ._validate import fail

try:                                   # POSIX: a save in progress holds a lock on its file
    import fcntl
except ImportError:                    # Windows: an open file cannot be deleted anyway
    fcntl = None

__all__ = ["FORMAT", "VERSION", "ModelFileError", "write_archive", "read_archive",
           "open_archive", "ModelArchive", "digest", "write_atomically",
           "description_text"]


# -- writing --------------------------------------------------------------------

def write_archive(path, layers: list, arrays: dict, version: int = VERSION) -> None:
    """Write the description and arrays to ``path`` atomically.

    Refuses (ValueError) a model whose file :func:`read_archive` would
    refuse for its size: a description over ``MAX_DESCRIPTION_BYTES`` or
    nested over ``MAX_DEPTH``, or arrays over ``MAX_TOTAL_BYTES`` together.
    ``version`` is the format version the description needs (1 without
    containers).
    """
    path = os.fspath(path)
    text = description_text(layers, arrays, version)
    write_atomically(path, lambda stream: np.savez(
        stream, **{META_KEY: np.frombuffer(text, dtype=np.uint8)}, **arrays))


def description_text(layers: list, arrays: dict, version: int = VERSION) -> bytes:
    """The UTF-8 JSON description of a model file, refused (ValueError) if a reader would be."""
    meta = {
        "format": FORMAT,
        "version": version,
        "layers": layers,
        "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name, "sha256": digest(a)}
                   for name, a in arrays.items()},
    }
    text = json.dumps(meta).encode("utf-8")
    if len(text) > MAX_DESCRIPTION_BYTES:
        fail("the model", f"describable in {mib(MAX_DESCRIPTION_BYTES)} of JSON, the most a "
             "model file may hold", None, given=f"a description of {len(text):,} bytes")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        fail("the model", f"describable with containers nested at most {MAX_NESTING} deep, the "
             "most a model file may hold", None,
             given=f"a description nested {depth} deep (at most {MAX_DEPTH})")
    total = sum(a.nbytes for a in arrays.values())
    if total > MAX_TOTAL_BYTES:
        fail("the model", f"at most {mib(MAX_TOTAL_BYTES)} of parameters, the most a model file "
             "may hold", None, given=f"{total:,} bytes")
    return text


def write_atomically(path, write) -> None:
    """Call ``write(stream)`` on a temporary file beside ``path``, then rename it to ``path``.

    An interrupted write leaves an existing file as it was; the temporary
    files of killed writes are removed by the next write of the same path.
    """
    folder, name = os.path.split(os.path.abspath(path))
    _remove_leftovers(folder, name)
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.part")
    # 0o666 minus the umask, like any new file (mkstemp would make it 0o600); an
    # existing file keeps its mode.
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else 0o666
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     mode)
    try:
        if fcntl is not None:                 # "in use", for _remove_leftovers
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _remove_leftovers(folder: str, name: str) -> None:
    """Delete the temporary files of earlier saves of ``name`` that were killed mid-write.

    Only regular files named exactly ``.<name>.<16 hex digits>.part`` go, and
    only when no save holds them (on POSIX a save keeps a lock on its file
    while it writes; on Windows an open file cannot be deleted).
    """
    pattern = re.compile(re.escape(f".{name}.") + r"[0-9a-f]{16}\.part")
    leftovers = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        leftovers = [entry.path for entry in entries
                     if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]
    for leftover in leftovers:
        with contextlib.suppress(OSError):
            handle = os.open(leftover, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)   # a save in progress?
                os.unlink(leftover)
            finally:
                os.close(handle)


# -- reading ----------------------------------------------------------------------

@contextlib.contextmanager
def _damage_reported(path):
    """Turn whatever zipfile, zlib or the file system raise into a ModelFileError."""
    try:
        yield
    except ModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to parse untrusted bytes
        # A damaged zip can raise almost anything from zipfile or zlib (BadZipFile,
        # EOFError, zlib.error, a struct.error from a cut header, "Bad CRC-32" ...):
        # all mean the same here.
        refuse(path, f"damaged or truncated archive ({type(exc).__name__}: {exc})")


def _declared_members(file) -> int | None:
    """How many members the zip's end record (or its zip64 record) declares; None if none.

    The end record is the last 22 bytes before a comment of at most 65,535;
    with 0xFFFF members the count is in the zip64 record its locator, the 20
    bytes before it, points to (PKWARE APPNOTE 4.3.14-4.3.16).
    """
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - (22 + 0xFFFF)))
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10:at + 12], "little")
    locator = tail[max(0, at - 20):at]
    if count != 0xFFFF or not locator.startswith(b"PK\x06\x07"):
        return count
    file.seek(int.from_bytes(locator[8:16], "little"))
    record = file.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    return int.from_bytes(record[32:40], "little")


def _open_zip(file, path) -> zipfile.ZipFile:
    """The zip archive in ``file``, or a ModelFileError saying what the file is instead."""
    count = _declared_members(file)
    if count is not None and count > MAX_MEMBERS:
        refuse(path, f"its zip directory declares {count:,} members; a model file has at most "
                     f"{MAX_MEMBERS:,}")
    file.seek(0)
    try:
        return zipfile.ZipFile(file)
    except Exception as exc:  # noqa: BLE001 - see _damage_reported
        file.seek(0)
        start = file.read(16)
        if not start:
            refuse(path, "the file is empty, not a convnet model file (.npz archive)")
        if start.startswith(b"\x93NUMPY"):
            refuse(path, "it is a single .npy array, not a convnet model file (.npz archive)")
        if start.startswith(b"PK"):
            refuse(path, f"damaged or truncated archive ({type(exc).__name__}: {exc})")
        refuse(path, f"it is not a convnet model file (.npz archive): it starts with {start!r}, "
                     "not with a zip signature")


class ModelArchive:
    """A model file open for reading, with its description and members checked.

    Made by :func:`open_archive`; ``description`` is the checked JSON
    description and :meth:`read_arrays` reads the data.  Use it in a
    ``with`` block (or call :meth:`close`).
    """

    def __init__(self, path: str, resources: contextlib.ExitStack, archive: zipfile.ZipFile,
                 description: dict, members: dict):
        self.path, self.description = path, description
        self._resources, self._archive, self._members = resources, archive, members

    def read_arrays(self) -> dict:
        """Every array, streamed with a cap and checked against its SHA-256, by name."""
        table = self.description["arrays"]
        with _damage_reported(self.path):
            return {name: read_array(self._archive, member, table[name]["sha256"], name,
                                     self.path)
                    for name, member in self._members.items()}

    def close(self) -> None:
        self._resources.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def open_archive(path, parse=parse_description) -> ModelArchive:
    """Open a model file and check everything but the array data; see :func:`read_archive`.

    ``parse(raw, path)`` checks the description's bytes and returns it as a
    dict whose ``"arrays"`` is a checked table (checkpoints' optimizer files
    use their own).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if not os.path.isfile(path):             # a pipe blocks for good, a device never ends
        refuse(path, "it is not a regular file (a folder, a device or a pipe)")
    with contextlib.ExitStack() as resources:
        file = resources.enter_context(open(path, "rb"))
        archive = resources.enter_context(_open_zip(file, path))
        with _damage_reported(path):
            members = index_members(archive, path)
            if META_KEY not in members:
                refuse(path, "it is not a convnet model file (no description entry)")
            raw = read_description(archive, members[META_KEY], path)
        description = parse(raw, path)
        with _damage_reported(path):
            checked = check_members(archive, members, description["arrays"], path)
        return ModelArchive(path, resources.pop_all(), archive, description, checked)


def read_archive(path) -> tuple[dict, dict]:
    """Read and check a model file; return its description and its arrays.

    The checks run in this order, so that a hostile file costs little:

    1. The zip directory: a file that is no zip archive is refused with what
       it is instead; every member must be a stored or deflated ``.npy``
       member, listed once, not encrypted.
    2. The description member: at most 4 MiB (``MAX_DESCRIPTION_BYTES``),
       read with that cap; lists and objects nested at most 30 deep
       (``MAX_DEPTH``: containers within containers 8 deep, scanned before
       parsing); then every entry: the format and version, each layer an
       object with a known ``type``, a ``config`` object of JSON scalars and
       lists and an optional float ``dtype``, a container's ``children``
       (version 2) an object of lists of such entries, each array a
       ``"<layer path>.<parameter>"`` name of a layer described, with a
       ``shape`` of integers >= 0, a ``dtype`` of float32 or float64 and a
       64-digit ``sha256``.  An array may take at most the memory budget
       (:func:`convnet.set_memory_budget`), all of them together at most
       4 GiB (``MAX_TOTAL_BYTES``).
    3. Every member against its table entry, from the zip directory and the
       ``.npy`` header only: the same set of arrays, the declared
       uncompressed size equal to header plus data, no expansion beyond
       200:1 (``MAX_RATIO``) for a member over 1 MiB, the header's dtype
       and shape those of the description, no Python objects (pickles).
    4. The data: streamed in 256 KiB pieces into arrays of the declared size
       (never a whole member at once, never past its declared size), the
       zip CRC-32 and each array's SHA-256 checked.

    Returns
    -------
    (description, arrays) : (dict, dict of str to ndarray)
        Arrays C-contiguous, in native byte order.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        (a ``ValueError``) for anything else that is wrong with the file;
        the message names the file and says what.
    """
    with open_archive(path) as archive:
        return archive.description, archive.read_arrays()
