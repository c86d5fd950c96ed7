"""The one checked-download path every data set shares, and where data sets live.

A download writes into a temporary file beside the target while hashing
what arrives, compares the digest with the published one, and only then
renames the file into place with ``os.replace``; on any failure the
temporary file is deleted.  A file under its final name is therefore always
complete and verified.

Digests are hex strings: 64 digits are a SHA-256, 32 digits an MD5 (used
only where the publisher gives no SHA-256: MD5 detects a damaged or wrong
file, which is what it is for here).

Without ``root``, a data set lives in ``$CONVNET_DATA/<name>`` if the
environment variable ``CONVNET_DATA`` is set, else in
``~/.convnet/datasets/<name>``.  A folder that already holds the files is
read without any network access.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import string
import tempfile
from pathlib import Path
from urllib.request import urlopen

from .._validate import fail, file_path
from ._common import DatasetError

__all__ = ["DATA_ENV", "dataset_root", "checked_mirror", "checked_digests", "download",
           "missing_files"]

DATA_ENV = "CONVNET_DATA"   # environment variable: the folder holding one folder per data set
_CHUNK = 1 << 16            # bytes per read while downloading
_TIMEOUT = 60               # seconds without an answer before a download gives up
_ALGORITHMS = {64: "sha256", 32: "md5"}     # hex digits -> hashlib name
MAX_DOWNLOAD = 1 << 28      # bytes: the largest file fetched, CIFAR-10's archive, is 162 MiB
_SCHEMES = ("https://", "http://", "ftp://", "file:")


def dataset_root(root, name: str) -> Path:
    """``root`` as a Path (checked), or the default folder of the data set ``name``."""
    if root is None:
        base = os.environ.get(DATA_ENV) or Path.home() / ".convnet" / "datasets"
        return Path(base) / name
    if not isinstance(root, (str, os.PathLike)):
        fail("root", "None or a str or os.PathLike folder name", root, error=TypeError)
    path = Path(file_path(root, "root", "folder"))
    if path.exists() and not path.is_dir():
        fail("root", "a folder (or a path where one can be made)", root,
             given=f"{str(path)!r}, which is a file")
    return path


def checked_mirror(mirror) -> str:
    """A base URL ending in ``/``."""
    if not isinstance(mirror, str):
        fail("mirror", "a base URL string", mirror, error=TypeError)
    if not mirror.lower().startswith(_SCHEMES):
        fail("mirror", "a URL starting " + ", ".join(_SCHEMES), mirror)
    return mirror if mirror.endswith("/") else mirror + "/"


def checked_digests(checksums, standard: dict) -> dict:
    """The ``standard`` digests by file name, updated with the caller's (checked, lower-cased)."""
    digests = dict(standard)
    if checksums is None:
        return digests
    if not isinstance(checksums, dict):
        fail("checksums", "None or a dict of file name to SHA-256 (or MD5) hex digest",
             checksums, error=TypeError)
    for key, value in checksums.items():
        if key not in standard:
            fail("checksums keys", "one of " + ", ".join(repr(k) for k in standard), key)
        if (not isinstance(value, str) or len(value) not in _ALGORITHMS
                or not set(value) <= set(string.hexdigits)):
            fail(f"checksums[{key!r}]",
                 "a SHA-256 digest of 64 hex digits (or an MD5 of 32)", value)
        digests[key] = value.lower()
    return digests


def missing_files(title: str, root: Path, names, url: str) -> FileNotFoundError:
    """The error for files absent from ``root``: which names, where, and how to get them."""
    listed = ", ".join(names)
    return FileNotFoundError(
        f"{title}: {len(names)} file(s) missing from {str(root)!r}: {listed}; pass "
        f"download=True to fetch them from {url}, or put the files there yourself "
        f"(root=None means ${DATA_ENV}/<name> or ~/.convnet/datasets/<name>)")


def download(title: str, url: str, target: Path, expected: str) -> None:
    """Fetch ``url`` into ``target`` through a verified temporary file; see the module notes."""
    algorithm = _ALGORITHMS[len(expected)]
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                         dir=target.parent)
    try:
        digest = hashlib.new(algorithm)
        with os.fdopen(handle, "wb") as out:
            with urlopen(url, timeout=_TIMEOUT) as response:
                received = 0
                while chunk := response.read(_CHUNK):
                    received += len(chunk)
                    if received > MAX_DOWNLOAD:          # before it fills the disk
                        raise DatasetError(f"{title}: {url} sends more than "
                                           f"{MAX_DOWNLOAD:,} bytes, far more than the "
                                           f"published file; the download was discarded")
                    digest.update(chunk)
                    out.write(chunk)
        actual = digest.hexdigest()
        if actual != expected:
            raise DatasetError(
                f"{title}: checksum mismatch for {target.name!r} downloaded from {url}: "
                f"expected {_LABELS[algorithm]} {expected}, got {actual}; the file was discarded")
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OSError(f"{title}: downloading {url} to {str(target)!r} failed: {exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


_LABELS = {"sha256": "SHA-256", "md5": "MD5"}
