"""CIFAR-10 (Krizhevsky, 2009) from its official *binary* version, read without extracting.

``cifar-10-binary.tar.gz`` holds, in the folder ``cifar-10-batches-bin/``,
five training batches ``data_batch_1.bin`` ... ``data_batch_5.bin`` and
``test_batch.bin``.  Each is 10,000 records of 3,073 bytes: one label byte
(0..9), then the 32x32 red pixels, the green ones and the blue ones, each
row by row -- 1,024 + 1,024 + 1,024 bytes, so a record's pixels reshape
directly to the library's (3, 32, 32).

The archive is read as a stream (``tarfile`` mode ``r|`` over gzip): nothing is
written to disk, member names are checked (no absolute paths, no ``..``, no
links or duplicates in place of a batch, at most 64 members, anything else
at most 1 MiB), and each batch's declared size must be exactly 10,000 x
3,073 bytes before the memory for it is allocated; the results are
allocated once a first whole batch has arrived and passed its checks.  The pickled "python
version" of CIFAR-10 is never read: unpickling a file can run any code.
"""

from __future__ import annotations

import gzip
import posixpath
import tarfile
import zlib
from pathlib import Path

import numpy as np

from .._budget import format_bytes, get_memory_budget
from .._streams import read_into, read_upto
from .._validate import boolean
from ._common import DatasetError, float_dtype
from ._download import checked_digests, checked_mirror, dataset_root, missing_files
from ._download import download as fetch

__all__ = ["load_cifar10", "CIFAR10_CLASSES", "CIFAR10_MIRROR", "CIFAR10_MD5"]

CIFAR10_MIRROR = "https://www.cs.toronto.edu/~kriz/"
ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"

# The publisher's MD5 of the binary version, from https://www.cs.toronto.edu/~kriz/cifar.html
# (table row "CIFAR-10 binary version (suitable for C programs)"); it gives no SHA-256.
CIFAR10_MD5 = {ARCHIVE: "c32a1d4ab5d03f1284b67883e8d87530"}

# Label k names class CIFAR10_CLASSES[k] (batches.meta.txt in the archive, one name a line).
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")

TRAIN_BATCHES = tuple(f"data_batch_{k}.bin" for k in range(1, 6))
TEST_BATCH = "test_batch.bin"
RECORDS_PER_BATCH = 10_000     # records in every batch file of the official archive
PIXELS = 3 * 32 * 32           # bytes of pixels per record, after the label byte
MAX_MEMBERS = 64               # the official archive has 8 (the folder and 7 files)
MAX_OTHER_BYTES = 1 << 20      # the readme and the class names are a few KiB
MAX_HEADER_BYTES = 1 << 16     # a long name or pax record: tarfile reads it whole into memory
_EXTENDED = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
             tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)


class _HugeHeader(Exception):
    """An extended tar header declaring more than MAX_HEADER_BYTES (raised before reading it)."""


class _Header(tarfile.TarInfo):
    """A tar header that refuses extended headers (long names, pax records) of more than
    MAX_HEADER_BYTES: ``tarfile`` reads one whole into memory, at the size it declares."""

    @classmethod
    def frombuf(cls, buf, encoding, errors):
        header = super().frombuf(buf, encoding, errors)
        if header.type in _EXTENDED and header.size > MAX_HEADER_BYTES:
            raise _HugeHeader(header.size)
        return header


def load_cifar10(root=None, download=False, mirror=CIFAR10_MIRROR, checksums=None,
                 dtype=np.float32):
    """Load CIFAR-10 from the binary archive (or its extracted batches) in ``root``.

    Parameters
    ----------
    root : str or os.PathLike, optional
        Folder holding ``cifar-10-binary.tar.gz`` as published, or the six
        batch files ``data_batch_1.bin`` ... ``data_batch_5.bin`` and
        ``test_batch.bin`` extracted from it (in ``root/cifar-10-batches-bin/``
        or in ``root`` itself; these are used first).  None means
        ``$CONVNET_DATA/cifar-10`` if that environment variable is set, else
        ``~/.convnet/datasets/cifar-10``.
    download : bool, default False
        Fetch the archive (162 MB) from ``mirror`` into ``root`` if neither
        it nor the batches are there.  The file is checked against the
        publisher's MD5 and only then kept; a folder that already holds the
        files is read without any network.
    mirror : str, default CIFAR10_MIRROR
        Base URL the archive's name is appended to (the publisher's page).
    checksums : dict of str to str, optional
        ``{"cifar-10-binary.tar.gz": digest}`` overriding the published MD5
        in ``CIFAR10_MD5`` (64 hex digits are a SHA-256, 32 an MD5).
    dtype : float32 or float64, default float32

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` : ndarray of shape (N, 3, 32, 32) in ``dtype``, the bytes
        0..255 divided by 255, so values lie in [0, 1]; channels red, green,
        blue.  ``y_*`` : ndarray of shape (N,), int64 labels 0..9; label
        ``k`` is ``CIFAR10_CLASSES[k]``.  N is 50,000 and 10,000.

    Raises
    ------
    FileNotFoundError
        If neither the archive nor the batches are in ``root`` and
        ``download`` is False; the message names the folder and the files.
    DatasetError
        (a ``ValueError``) naming the file, if the archive is corrupt or
        truncated, a member name is unsafe or repeated, a batch is missing,
        not a regular file or not exactly 10,000 x 3,073 bytes, a label is
        above 9, or a download's digest differs from the published one.
    OSError
        If a download fails; nothing is left under the archive's name.
    TypeError, ValueError
        For invalid arguments.

    Examples
    --------
    >>> CIFAR10_CLASSES[3]
    'cat'
    >>> (x_train, y_train), (x_test, y_test) = load_cifar10(download=True)   # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_train[:3]                            # doctest: +SKIP
    ((50000, 3, 32, 32), dtype('float32'), array([6, 9, 9]))
    """
    root = dataset_root(root, "cifar-10")
    download = boolean(download, "download")
    base = checked_mirror(mirror)
    digests = checked_digests(checksums, CIFAR10_MD5)
    batches = _Batches(float_dtype(dtype))
    for folder in (root / FOLDER, root):
        files = [folder / name for name in TRAIN_BATCHES + (TEST_BATCH,)]
        if all(path.is_file() for path in files):
            return _read_folder(batches, files)
    archive = root / ARCHIVE
    if not archive.is_file():
        if not download:
            raise missing_files("CIFAR-10", root, [ARCHIVE + f" (or the six .bin files of "
                                                   f"{FOLDER}/)"], base)
        fetch("CIFAR-10", base + ARCHIVE, archive, digests[ARCHIVE])
    return _read_archive(batches, archive)


class _Batches:
    """Collects the six batches into the output arrays, each checked before it is read."""

    def __init__(self, dtype):
        self.dtype, self.records = dtype, RECORDS_PER_BATCH
        self.expected = self.records * (1 + PIXELS)
        self.buffer = None        # one batch's bytes, allocated once a declared size fits
        self.arrays = None        # the results, allocated once a first batch has been read
        self.done = set()
        images = 6 * self.records * PIXELS * np.dtype(dtype).itemsize
        if images > get_memory_budget():
            raise DatasetError(f"CIFAR-10: the 60,000 images in {np.dtype(dtype).name} would take "
                               f"{format_bytes(images)}, more than the memory budget of "
                               f"{format_bytes(get_memory_budget())} (convnet.set_memory_budget)")

    def add(self, name: str, stream, size: int, where: str) -> None:
        """Read the batch ``name`` of ``size`` declared bytes from ``stream`` into its place."""
        if name in self.done:
            raise DatasetError(f"CIFAR-10: {where} holds {name!r} twice")
        self.check_size(name, size, where)
        if self.buffer is None:
            self.buffer = np.empty((self.records, 1 + PIXELS), np.uint8)   # (R, 3073)
        found = read_into(stream, self.buffer)
        if found < self.expected:
            raise DatasetError(f"CIFAR-10: {where}: {name!r} is truncated, {found:,} of its "
                               f"{self.expected:,} bytes")
        labels = self.buffer[:, 0]                                          # (R,)
        if labels.max() > 9:
            record = int(np.argmax(labels > 9))
            raise DatasetError(f"CIFAR-10: {where}: {name!r} record {record} has label "
                               f"{labels[record]}; labels are 0..9")
        if self.arrays is None:        # a whole batch arrived and fits: room for all of them
            self.arrays = {"x_train": np.empty((5 * self.records, 3, 32, 32), self.dtype),
                           "y_train": np.empty(5 * self.records, np.int64),
                           "x_test": np.empty((self.records, 3, 32, 32), self.dtype),
                           "y_test": np.empty(self.records, np.int64)}
        part = "test" if name == TEST_BATCH else "train"
        k = 0 if name == TEST_BATCH else TRAIN_BATCHES.index(name)
        rows = slice(k * self.records, (k + 1) * self.records)
        pixels = self.buffer[:, 1:].reshape(self.records, 3, 32, 32)        # (R, 3, 32, 32)
        np.divide(pixels, self.dtype(255), out=self.arrays["x_" + part][rows],
                  dtype=self.dtype)
        self.arrays["y_" + part][rows] = labels
        self.done.add(name)

    def check_size(self, name: str, size: int, where: str) -> None:
        if size != self.expected:
            raise DatasetError(f"CIFAR-10: {where}: {name!r} must be {self.records:,} records of "
                               f"3,073 bytes ({self.expected:,} bytes); it has {size:,}")

    def result(self, where: str):
        missing = [name for name in TRAIN_BATCHES + (TEST_BATCH,) if name not in self.done]
        if missing:
            raise DatasetError(f"CIFAR-10: {where} lacks {', '.join(missing)} (expected in "
                               f"{FOLDER}/)")
        a = self.arrays
        return (a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])


def _read_folder(batches: _Batches, files) -> tuple:
    """The six extracted batch files, their sizes all checked before any is read."""
    for path in files:
        batches.check_size(path.name, path.stat().st_size, str(path))
    for path in files:
        with open(path, "rb") as stream:
            batches.add(path.name, stream, batches.expected, str(path))
    return batches.result(str(files[0].parent))


def _read_archive(batches: _Batches, archive: Path) -> tuple:
    """The six batches from the members of ``archive``, streamed; see the module notes.

    The gzip layer is opened here so that, after the tar's end, the rest of
    the stream is read (at most 1 MiB) and gzip's CRC-32 checks every byte.
    """
    where = str(archive)
    try:
        with gzip.open(archive, "rb") as stream:
            with tarfile.open(fileobj=stream, mode="r|", tarinfo=_Header) as tar:
                for count, member in enumerate(tar, start=1):
                    name = _member_name(member, count, where)
                    if name is not None:
                        batches.add(name, tar.extractfile(member), member.size,
                                    f"{where}, member {member.name!r}")
            if len(read_upto(stream, MAX_OTHER_BYTES + 1)) > MAX_OTHER_BYTES:
                raise DatasetError(f"CIFAR-10: {where!r} has more than {MAX_OTHER_BYTES:,} "
                                   f"bytes after the end of the tar archive")
    except _HugeHeader as exc:
        raise DatasetError(f"CIFAR-10: {where!r} has an extended tar header (a long name or a "
                           f"pax record) of {exc.args[0]:,} bytes; at most "
                           f"{MAX_HEADER_BYTES:,} are allowed") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DatasetError(f"CIFAR-10: {where!r} is not a readable .tar.gz archive "
                           f"(corrupt or truncated: {exc})") from None
    return batches.result(repr(where))


def _member_name(member: tarfile.TarInfo, count: int, where: str) -> str | None:
    """The batch a member holds (its base name), None for a member to skip; refuses the unsafe."""
    if count > MAX_MEMBERS:
        raise DatasetError(f"CIFAR-10: {where!r} has more than {MAX_MEMBERS} members; the "
                           f"official archive has 8")
    parts = member.name.split("/")
    if member.name.startswith(("/", "\\")) or ".." in parts or "\\" in member.name:
        raise DatasetError(f"CIFAR-10: {where!r} has a member named {member.name!r}, which is "
                           f"not a plain path inside the archive")
    name = posixpath.normpath(member.name)          # "./cifar-10-batches-bin/..." too
    wanted = posixpath.basename(name) in TRAIN_BATCHES + (TEST_BATCH,)
    if wanted and posixpath.dirname(name) == FOLDER:
        if not member.isreg():
            raise DatasetError(f"CIFAR-10: {where!r}: member {member.name!r} must be a "
                               f"regular file, not a link or a folder")
        return posixpath.basename(name)
    if member.size > MAX_OTHER_BYTES:
        raise DatasetError(f"CIFAR-10: {where!r}: member {member.name!r} of {member.size:,} "
                           f"bytes is not a batch of {FOLDER}/ and is larger than the "
                           f"{MAX_OTHER_BYTES:,} bytes allowed for anything else")
    return None
