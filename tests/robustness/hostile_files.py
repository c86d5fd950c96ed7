"""Builders of hostile files (zips by hand, bombs, descriptions) for test_hostile_*.py.

A zip is assembled byte by byte (local headers, central directory, end
record) so that a test can write what ``zipfile`` never would: members
whose compressed data was made elsewhere (a deflate bomb), listed twice,
flagged as encrypted, or of another compression method.
"""

import io
import json
import struct
import tracemalloc
import zlib

import numpy as np

ZEROS = bytes(1 << 20)


def deflate_bomb(prefix: bytes, mebibytes: int) -> tuple:
    """(raw deflate data, CRC-32, size) of ``prefix`` then ``mebibytes`` MiB of zeros.

    After a full flush the compressor starts afresh, so the 1,037 bytes that
    encode one MiB of zeros are repeated instead of compressing a GiB again.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    piece = packer.compress(ZEROS) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(mebibytes):
        crc = zlib.crc32(ZEROS, crc)
    return head + piece * mebibytes + packer.flush(), crc, len(prefix) + mebibytes * len(ZEROS)


def deflated(data: bytes) -> tuple:
    """(raw deflate data, CRC-32, size) of ``data``."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def stored(data: bytes) -> tuple:
    return data, zlib.crc32(data), len(data)


def zip_bytes(members) -> bytes:
    """A zip archive of ``(name, (data, crc, size), method[, flags])`` members, as given."""
    body, directory = b"", b""
    for name, (data, crc, size), method, *flags in members:
        flag = flags[0] if flags else 0
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flag, method, 0, 0, crc, len(data),
                            size, len(encoded), 0) + encoded + data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flag, method, 0, 0,
                                 crc, len(data), size, len(encoded), 0, 0, 0, 0, 0,
                                 offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory),
                      len(body), 0)
    return body + directory + end


def npy_header(dtype, shape, fortran=False) -> bytes:
    """The .npy header (version 1.0) NumPy writes for an array of ``dtype`` and ``shape``."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": np.dtype(dtype).str,
                                                  "fortran_order": fortran,
                                                  "shape": tuple(shape)})
    return stream.getvalue()


def npy_bytes(array) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array, allow_pickle=True)
    return stream.getvalue()


def description(layers, arrays=None, **changes) -> bytes:
    """The JSON of a description with ``layers`` and ``arrays`` (and any entry changed)."""
    meta = {"format": "convnet-model", "version": 1, "layers": layers,
            "arrays": {} if arrays is None else arrays}
    meta.update(changes)
    return json.dumps(meta).encode()


def table_entry(array) -> dict:
    from convnet._archive import digest
    return {"shape": list(array.shape), "dtype": array.dtype.name, "sha256": digest(array)}


def model_file(path, text: bytes, arrays=None, method=0):
    """Write a model file with the description ``text`` and ``arrays`` (name -> ndarray)."""
    pack = deflated if method == 8 else stored
    members = [("__convnet__.npy", pack(npy_bytes(np.frombuffer(text, np.uint8))), method)]
    members += [(f"{name}.npy", pack(npy_bytes(array)), method)
                for name, array in (arrays or {}).items()]
    path.write_bytes(zip_bytes(members))
    return path


def peak_of(action) -> tuple:
    """(what ``action()`` raised or returned, the peak traced memory in MiB while it ran)."""
    tracemalloc.start()
    try:
        try:
            outcome = action()
        except Exception as exc:  # noqa: BLE001 - the caller looks at it
            outcome = exc
        return outcome, tracemalloc.get_traced_memory()[1] / 2 ** 20
    finally:
        tracemalloc.stop()


SMALL = 4.0            # MiB: what refusing a hostile file may cost at the most


def refused(path, *fragments, peak=SMALL, read=None):
    """``read(path)`` (``convnet.load`` by default) raises a ModelFileError naming the file and
    each fragment, having traced less than ``peak`` MiB on the way; returns that peak."""
    import convnet
    from convnet import ModelFileError

    error, mebibytes = peak_of(lambda: (read or convnet.load)(path))
    assert isinstance(error, ModelFileError), repr(error)
    message = str(error)
    assert message.startswith(f"cannot load {str(path)!r}"), message
    for fragment in fragments:
        assert fragment in message, message
    assert mebibytes < peak, f"{mebibytes:.1f} MiB traced while refusing: {message}"
    return mebibytes


def idx_header(code, shape):
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def gzip_bytes(deflate, crc, size):
    """A gzip member around raw deflate data (RFC 1952: header, data, CRC-32, size)."""
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + deflate + struct.pack("<II", crc,
                                                                                 size % 2 ** 32)


def bomb_file(path, text, bomb, name="0.weight.npy"):
    """A model file of the description ``text`` (stored) and the deflated member ``bomb``."""
    members = [("__convnet__.npy", stored(npy_bytes(np.frombuffer(text, np.uint8))), 0),
               (name, bomb, 8)]
    path.write_bytes(zip_bytes(members))
    return path
