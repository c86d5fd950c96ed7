"""safetensors files, written and read with NumPy alone (no pickle, no PyTorch).

The format (https://github.com/huggingface/safetensors) is three parts::

    8 bytes     N, the length of the header, an unsigned little-endian integer
    N bytes     a UTF-8 JSON object: {"__metadata__": {str: str}, (optional)
                  "<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
                  ...}, padded with spaces to a multiple of 8 bytes
    the rest    the arrays' raw little-endian bytes, C order; ``data_offsets``
                count from the first byte after the header

Files are written as the ``safetensors`` package writes them, byte for byte:
the metadata first, then the arrays ordered by dtype (widest first) and name,
compact JSON.  A file from outside is hostile until checked: the header's
length against the file's size before the header is read, the header's
nesting before it is parsed, every entry (a known dtype, a shape of integers,
offsets that tile the data exactly: no gap, no overlap, nothing past the end,
each the size its shape and dtype say) and every array against the memory
budget, all before any array data is read.  Anything wrong is a
:class:`~convnet.ModelFileError` naming the file and the problem.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

from ._archive import write_atomically
from ._budget import format_bytes, get_memory_budget
from ._description import nesting_depth
from ._modelfile import MAX_DESCRIPTION_BYTES, MAX_TOTAL_BYTES, mib, refuse, shown
from ._validate import fail, file_path

__all__ = ["write_safetensors", "read_safetensors", "SafetensorsFile", "DTYPES", "MAX_HEADER_BYTES"]

# The dtypes NumPy holds, by their safetensors names, in the package's order (writing
# puts the later ones first).  BF16 and the 8-bit floats have no NumPy dtype.
DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
          "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8"}
_RANK = {name: rank for rank, name in enumerate(DTYPES)}
_NAMES = {np.dtype(code): name for name, code in DTYPES.items()}
# A model's description is at most MAX_DESCRIPTION_BYTES; the tensor entries add
# some 80 bytes each.  (The safetensors package itself stops at 100 MB.)
MAX_HEADER_BYTES = 2 * MAX_DESCRIPTION_BYTES
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}
_MAX_NDIM = 32
_CHUNK = 1 << 22                      # bytes per read of array data


def write_safetensors(path, arrays: dict, metadata: dict | None = None) -> None:
    """Write ``arrays`` (name -> ndarray) and ``metadata`` (str -> str) to a safetensors file.

    The bytes are those ``safetensors.numpy.save_file`` writes for the same
    arguments (with at most one metadata entry: the package orders several
    as its hash map happens to).  The file is written atomically.
    """
    path = file_path(path)
    header, blobs = _header(arrays, metadata)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)                  # the data starts 8-byte aligned

    def write(stream):
        stream.write(len(text).to_bytes(8, "little") + text)
        for blob in blobs:
            stream.write(blob)
    write_atomically(path, write)


def _header(arrays: dict, metadata) -> tuple[dict, list]:
    """The header (metadata first, then each array's entry) and the arrays' bytes, in order."""
    if not isinstance(arrays, dict):
        fail("arrays", "a dict of names to arrays", arrays, error=TypeError)
    header = {}
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            fail("metadata", "a dict of str to str", metadata, error=TypeError)
        header["__metadata__"] = dict(metadata)
    checked = {}
    for name, array in arrays.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            fail("arrays", "keyed by non-empty names other than '__metadata__'", name)
        if not isinstance(array, np.ndarray) or array.dtype.newbyteorder("<") not in _NAMES:
            fail(f"arrays[{name!r}]", f"an ndarray of one of the dtypes {', '.join(DTYPES)}",
                 array, error=TypeError)
        checked[name] = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
    order = sorted(checked, key=lambda n: (-_RANK[_NAMES[checked[n].dtype]], n))
    blobs, offset = [], 0
    for name in order:
        array = checked[name]
        header[name] = {"dtype": _NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        blobs.append(array.reshape(-1).view(np.uint8).data)
    return header, blobs


def read_safetensors(path) -> tuple[dict, dict]:
    """The arrays and the metadata of a safetensors file, checked before any data is read.

    Returns
    -------
    (arrays, metadata) : (dict of str to ndarray, dict of str to str)
        Arrays in native byte order, C-contiguous, in the file's order;
        ``metadata`` is empty when the file has none.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        (a ``ValueError``) for a file that is not safetensors or is damaged,
        truncated or too large, naming the file and what is wrong.
    """
    with SafetensorsFile(path) as file:
        return file.read_arrays(), file.metadata


class SafetensorsFile:
    """A safetensors file open for reading, its header checked; :meth:`read_arrays` reads the data.

    ``metadata`` (str to str) and ``entries`` (name to ``(dtype, shape)``)
    are known before any array is read.  Use it in a ``with`` block.
    """

    def __init__(self, path):
        self.path = file_path(path)
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"no safetensors file at {self.path!r}")
        size = os.path.getsize(self.path)
        self._stream = open(self.path, "rb")
        try:
            length = _header_length(self._stream.read(8), size, self.path)
            header = _parse_header(self._stream.read(length), self.path)
            self.metadata = header.pop("__metadata__", {})
            self._entries = _check_entries(header, size - 8 - length, self.path)
        except BaseException:
            self._stream.close()
            raise
        self._start = 8 + length
        self.entries = {name: (dtype, shape) for name, (dtype, shape, _, _) in self._entries}

    def read_arrays(self) -> dict:
        """Every array, by name, in the file's order."""
        return {name: _read_array(self._stream, self._start, entry, name, self.path)
                for name, entry in self._entries}

    def close(self) -> None:
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _header_length(start: bytes, size: int, path) -> int:
    if len(start) < 8:
        refuse(path, f"it is {size} bytes long, too short for a safetensors file (8 bytes of "
                     "header length, then the header)")
    length = int.from_bytes(start, "little")
    if length > MAX_HEADER_BYTES:
        refuse(path, f"its header would be {length:,} bytes long; this reader accepts at most "
                     f"{mib(MAX_HEADER_BYTES)} (is it a safetensors file?)")
    if length > size - 8:
        refuse(path, f"its header would be {length:,} bytes long, but the file holds only "
                     f"{size - 8:,} bytes after the length (truncated, or not safetensors)")
    return length


def _parse_header(raw: bytes, path) -> dict:
    depth = nesting_depth(raw)
    if depth > 4:             # the object, an entry or the metadata, a shape or offsets
        refuse(path, f"its header nests lists and objects {depth} deep; a safetensors header "
                     "nests at most 3 deep")
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except ValueError as exc:            # UnicodeDecodeError is a ValueError
        refuse(path, f"its header is not valid JSON ({exc})")
    if not isinstance(header, dict):
        refuse(path, f"its header must be a JSON object; got {shown(header)}")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        refuse(path, f"its __metadata__ must be an object of strings; got {shown(metadata)}")
    return header


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _check_entries(header: dict, data_size: int, path) -> list:
    """(name, (dtype, shape, begin, end)) of every array, offsets tiling the data exactly."""
    entries, total = [], 0
    for name, entry in header.items():
        dtype, shape, begin, end = _entry(name, entry, path)
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize
        if end - begin != nbytes:
            refuse(path, f"array {shown(name)} of shape {tuple(shape)} and dtype {entry['dtype']} "
                         f"takes {nbytes:,} bytes, but its offsets span {end - begin:,}")
        if nbytes > get_memory_budget():
            refuse(path, f"array {shown(name)} of shape {tuple(shape)} would take "
                         f"{format_bytes(nbytes)}, more than the memory budget of "
                         f"{format_bytes(get_memory_budget())} (convnet.set_memory_budget)")
        total += nbytes
        entries.append((name, (dtype, tuple(shape), begin, end)))
    if total > MAX_TOTAL_BYTES:
        refuse(path, f"its arrays hold {total:,} bytes together, more than the "
                     f"{mib(MAX_TOTAL_BYTES)} this reader accepts")
    position = 0
    for name, (_, _, begin, end) in sorted(entries, key=lambda item: item[1][2:]):
        if begin != position:
            refuse(path, f"array {shown(name)} starts at byte {begin:,} of the data, where "
                         f"{position:,} was expected (the arrays must follow one another with "
                         "no gap and no overlap)")
        position = end
    if position != data_size:
        refuse(path, f"its arrays end at byte {position:,} of the data, but the file holds "
                     f"{data_size:,} bytes of data (truncated, or bytes to spare)")
    return entries


def _entry(name: str, entry, path) -> tuple:
    """An array's header entry as (numpy dtype code, shape, begin, end), its form checked."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
        refuse(path, f"array {shown(name)}: its entry must be an object with exactly \"dtype\", "
                     f"\"shape\" and \"data_offsets\"; got {shown(entry)}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        refuse(path, f"array {shown(name)}: dtype {shown(dtype)} is not one NumPy can hold "
                     f"({', '.join(DTYPES)})")
    if (not isinstance(shape, list) or len(shape) > _MAX_NDIM
            or not all(type(n) is int and n >= 0 for n in shape)):
        refuse(path, f"array {shown(name)}: its shape must be a list of at most {_MAX_NDIM} "
                     f"integers >= 0; got {shown(shape)}")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(n) is int and n >= 0 for n in offsets) or offsets[0] > offsets[1]):
        refuse(path, f"array {shown(name)}: its data_offsets must be [begin, end] with "
                     f"0 <= begin <= end; got {shown(offsets)}")
    return DTYPES[dtype], shape, offsets[0], offsets[1]


def _read_array(stream, start: int, entry: tuple, name: str, path) -> np.ndarray:
    """One array, read in pieces straight into an array of its declared size."""
    dtype, shape, begin, end = entry
    try:
        array = np.empty(shape, np.dtype(dtype).newbyteorder("="))
    except MemoryError:                               # within the budget, but not free now
        refuse(path, f"array {shown(name)} needs {end - begin:,} bytes, more memory than is "
                     f"free")
    target = memoryview(array.reshape(-1).view(np.uint8))
    stream.seek(start + begin)
    done = 0
    while done < end - begin:
        count = stream.readinto(target[done:done + _CHUNK])
        if not count:                                 # the file shrank since it was checked
            refuse(path, f"array {shown(name)} is cut short")
        done += count
    if not np.little_endian and array.dtype.itemsize > 1:   # the file's bytes are little-endian
        array.byteswap(inplace=True)
    return array
