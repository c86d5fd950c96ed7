"""The members of a model file's zip archive: checked before they are read, then read with caps.

A member's sizes come from the zip directory (``ZipInfo.file_size``, the
uncompressed size, and ``compress_size``) and its dtype and shape from the
``.npy`` header, the first few hundred bytes of the member.  All of them are
compared with the description before a byte of the data is decompressed;
the data is then streamed into an array of the declared size, never read
whole, and ``zipfile`` never hands out more than ``file_size`` bytes (it
checks the CRC-32 when it gets there).
"""

from __future__ import annotations

import ast
import math
import zipfile
from dataclasses import dataclass

import numpy as np

from ._description import ARRAY_ITEMSIZE
from ._modelfile import (MAX_DESCRIPTION_BYTES, MAX_NPY_HEADER, MAX_RATIO, RATIO_FLOOR,
                         META_KEY, digest, listed, mib, refuse, shown)
from ._streams import byte_view, read_into, read_upto

__all__ = ["Member", "index_members", "read_description", "check_members", "read_array"]

_NPY_MAGIC = b"\x93NUMPY"
_NPY_KEYS = {"descr", "fortran_order", "shape"}
_LEAST_HEADER = 10                   # magic, version and length of a version 1.0 header
_MOST_HEADER = 12 + MAX_NPY_HEADER   # the same for version 2.0, with its longest text
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)   # what np.savez(_compressed) writes


@dataclass(frozen=True)
class Member:
    """A checked ``.npy`` member: its zip entry and what its header says."""

    info: zipfile.ZipInfo
    header_size: int
    dtype: np.dtype
    shape: tuple
    fortran: bool


def index_members(archive: zipfile.ZipFile, path) -> dict:
    """The archive's members by array name (``"0.weight"`` for ``"0.weight.npy"``)."""
    members = {}
    for info in archive.infolist():
        label = shown(info.filename)
        if not info.filename.endswith(".npy"):
            refuse(path, f"member {label} is not a .npy array")
        name = info.filename[:-len(".npy")]
        if name in members:
            refuse(path, f"member {label} appears twice in the archive")
        if info.flag_bits & 0x1:
            refuse(path, f"member {label} is encrypted")
        if info.compress_type not in _METHODS:
            refuse(path, f"member {label} uses compression method {info.compress_type}; a .npz "
                         "archive holds stored or deflated members only")
        members[name] = info
    return members


def _check_expansion(info: zipfile.ZipInfo, path) -> None:
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
        refuse(path, f"member {shown(info.filename)} would expand {info.compress_size:,} bytes "
                     f"to {info.file_size:,}, more than {MAX_RATIO} times; a member over "
                     f"{mib(RATIO_FLOOR)} may expand at most {MAX_RATIO}:1 (a zip bomb?)")


def _read_header(stream, label: str, path) -> tuple:
    """(dtype, shape, fortran order, header size) from a ``.npy`` header; nothing else is read."""
    lead = read_upto(stream, 8)
    if lead[:6] != _NPY_MAGIC or lead[6:7] not in (b"\x01", b"\x02", b"\x03"):
        refuse(path, f"member {label} is not a .npy array (version 1 to 3)")
    width = 2 if lead[6] == 1 else 4
    length = int.from_bytes(read_upto(stream, width), "little")
    if length > MAX_NPY_HEADER:
        refuse(path, f"member {label} has a .npy header of {length:,} bytes, more than the "
                     f"{MAX_NPY_HEADER:,} NumPy accepts")
    text = read_upto(stream, length)
    dtype = None
    try:
        fields = ast.literal_eval(text.decode("latin1" if lead[6] < 3 else "utf-8"))
        dtype = np.dtype(fields["descr"]) if isinstance(fields["descr"], str) else None
        shape, fortran = fields["shape"], fields["fortran_order"]
        valid = (set(fields) == _NPY_KEYS and isinstance(shape, tuple) and type(fortran) is bool
                 and all(type(size) is int and size >= 0 for size in shape))
    except Exception:  # noqa: BLE001 - literal_eval and np.dtype raise many kinds on bad text
        valid = False
    if not valid or dtype is None:
        refuse(path, f"member {label} has a damaged .npy header {shown(text.decode('latin1'))}")
    if dtype.hasobject:
        refuse(path, f"member {label} holds pickled objects, which are refused "
                     "(allow_pickle=False)")
    return dtype, shape, fortran, 8 + width + length


def read_description(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path) -> bytes:
    """The bytes of the description member, at most ``MAX_DESCRIPTION_BYTES`` of them."""
    label = shown(info.filename)
    if info.file_size > MAX_DESCRIPTION_BYTES + _MOST_HEADER:
        refuse(path, f"its description member {label} is {info.file_size:,} bytes; a "
                     f"description may have at most {mib(MAX_DESCRIPTION_BYTES)}")
    _check_expansion(info, path)
    with archive.open(info) as stream:
        dtype, shape, _, header_size = _read_header(stream, label, path)
        if dtype != np.uint8 or len(shape) != 1:
            refuse(path, f"its description member {label} is not a 1-D array of bytes; it has "
                         f"shape {shape} and dtype {dtype}")
        if header_size + shape[0] != info.file_size:
            refuse(path, f"its description member {label} holds {info.file_size:,} bytes, but "
                         f"its header declares {header_size + shape[0]:,}")
        raw = read_upto(stream, shape[0])
    if len(raw) < shape[0]:
        refuse(path, f"its description member {label} is truncated")
    return raw


def check_members(archive: zipfile.ZipFile, members: dict, table: dict, path) -> dict:
    """Each array's checked :class:`Member`, compared with the description's ``table``."""
    names = set(members) - {META_KEY}
    if names != set(table):
        refuse(path, f"arrays do not match the description (missing "
                     f"{listed(set(table) - names)}, unexpected {listed(names - set(table))})")
    checked = {}
    for name, entry in table.items():
        info, shape = members[name], tuple(entry["shape"])
        label = shown(info.filename)
        nbytes = math.prod(shape) * ARRAY_ITEMSIZE[entry["dtype"]]
        if not nbytes + _LEAST_HEADER <= info.file_size <= nbytes + _MOST_HEADER:
            refuse(path, f"member {label} holds {info.file_size:,} bytes; shape {shape} and "
                         f"dtype {entry['dtype']} take {nbytes:,} bytes and a .npy header")
        _check_expansion(info, path)
        with archive.open(info) as stream:
            dtype, stored_shape, fortran, header_size = _read_header(stream, label, path)
        if stored_shape != shape or dtype.name != entry["dtype"]:
            refuse(path, f"array {name!r} has shape {stored_shape} and dtype {dtype}, the "
                         f"description says {shape} and {entry['dtype']}")
        if header_size + nbytes != info.file_size:
            refuse(path, f"member {label} holds {info.file_size:,} bytes, but its header and "
                         f"data take {header_size + nbytes:,}")
        checked[name] = Member(info, header_size, dtype, shape, fortran)
    return checked


def read_array(archive: zipfile.ZipFile, member: Member, checksum: str, name: str,
               path) -> np.ndarray:
    """The array of a checked member, verified against its SHA-256, C-ordered and native."""
    shape = member.shape[::-1] if member.fortran else member.shape
    try:
        array = np.empty(shape, member.dtype)
    except MemoryError:
        refuse(path, f"array {name!r} needs {math.prod(shape) * member.dtype.itemsize:,} bytes, "
                     "more memory than is free")
    with archive.open(member.info) as stream:
        read_upto(stream, member.header_size)              # checked by check_members
        found = read_into(stream, byte_view(array))
        if found < array.nbytes or stream.read(1):
            refuse(path, f"member {shown(member.info.filename)} does not hold the "
                         f"{array.nbytes:,} bytes of data its header declares")
    if member.fortran:
        array = np.ascontiguousarray(array.T)
    if digest(array) != checksum:
        refuse(path, f"array {name!r} does not match its SHA-256 checksum (modified or "
                     "corrupted)")
    return array.astype(array.dtype.newbyteorder("="), copy=False)
