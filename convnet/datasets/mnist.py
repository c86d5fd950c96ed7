"""MNIST from its four IDX files, with a checked download.

The IDX format (LeCun, Cortes and Burges, http://yann.lecun.com/exdb/mnist/)
is a 4-byte magic number -- two zero bytes, a type code, the number of
dimensions -- then each dimension as a big-endian uint32, then the values
in C order, big-endian.  MNIST uses type 0x08 (uint8): images
``(N, 28, 28)`` (magic 0x00000803) and labels ``(N,)`` (magic 0x00000801).

Downloads go through the data sets' one checked path
(:mod:`convnet.datasets._download`): hashed while they arrive, renamed into
place only when the digest matches, so a file under its final name is
always complete and verified.  :func:`load_idx_set` loads any MNIST-shaped
set of four IDX files (Fashion-MNIST uses it too).
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._streams import byte_view, read_into, read_upto
from .._budget import format_bytes, get_memory_budget
from .._validate import boolean, file_path
from ._common import DatasetError, float_dtype
from ._download import checked_digests, checked_mirror, dataset_root, missing_files
from ._download import download as fetch

__all__ = ["load_mnist", "read_idx", "DEFAULT_MIRROR", "SHA256"]

DEFAULT_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"   # PyTorch's copy

# Part -> file name without ".gz".
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# SHA-256 of the standard gzipped files (the same bytes on every mirror).
SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

# IDX type code -> big-endian NumPy dtype, as listed in the format's description.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_NDIM = 64              # NumPy's limit (numpy.lib.format reads at most as many)
_TRAILING_LOOK = 4096      # bytes read past the data to tell (and count) trailing ones


def read_idx(path):
    """Read one IDX file, raw or gzip-compressed, into an array.

    The file is read as a stream, with bounds: first the header; then the
    declared shape is checked against the memory budget
    (:func:`convnet.set_memory_budget`) before anything is allocated;
    then exactly the declared number of data bytes is read,
    in 256 KiB pieces, into the result; then at most 4,096 more bytes, to
    tell (and count) trailing data.  A gzip stream is decompressed only as
    far as that, so a small file that would expand to gigabytes costs no
    more than the array its header declares.

    Parameters
    ----------
    path : str or os.PathLike
        The file.  Gzip is recognised by its first two bytes (1f 8b), not by
        the file name.

    Returns
    -------
    ndarray
        Shape as declared in the header; dtype from the type code (0x08
        uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E
        float64), in native byte order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DatasetError
        (a ``ValueError``) naming the file, if the gzip stream is corrupt, the
        magic number is wrong, the header is cut short, the shape would take
        more than the memory budget (its non-zero dimensions counted), fewer
        bytes follow than the dimensions declare (truncated) or more
        (trailing bytes), or if ``path`` is not a regular file.

    Examples
    --------
    Three labels, written by hand: magic 0x00000801 (uint8, 1-D), count 3.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "labels-idx1-ubyte")
    ...     with open(path, "wb") as file:
    ...         _ = file.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    ...     read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    name = file_path(path)
    if os.path.lexists(name) and not os.path.isfile(name):     # a pipe would block for good
        raise DatasetError(f"IDX file {name!r} is not a regular file (a folder, a device, a "
                           f"pipe or a broken link)")
    with open(name, "rb") as file:
        packed = file.read(2) == _GZIP_MAGIC
        file.seek(0)
        if not packed:
            return _read_idx_stream(file, name, os.fstat(file.fileno()).st_size)
        try:
            with gzip.GzipFile(fileobj=file, mode="rb") as stream:
                return _read_idx_stream(stream, name, None)
        except (OSError, EOFError, zlib.error) as exc:
            raise DatasetError(f"IDX file {name!r}: corrupt gzip data ({exc})") from None


def _read_idx_stream(stream, name: str, size: int | None) -> np.ndarray:
    """The array of the IDX data in ``stream``, read with bounds.

    ``name`` is for messages; ``size`` is the stream's length where known (a
    raw file), so that a truncated one is told before the array is allocated.
    """
    magic = read_upto(stream, 4)
    if len(magic) < 4:
        raise DatasetError(f"IDX file {name!r}: truncated, only {len(magic)} byte(s), "
                           f"shorter than the 4-byte magic number")
    code, ndim = magic[2], magic[3]
    if magic[:2] != b"\x00\x00" or code not in _IDX_TYPES or ndim == 0:
        codes = ", ".join(f"0x{c:02X}" for c in _IDX_TYPES)
        raise DatasetError(
            f"IDX file {name!r}: wrong magic number 0x{magic.hex().upper()}; an IDX "
            f"file starts with two zero bytes, a type code ({codes}; MNIST uses 0x08) "
            f"and the number of dimensions (>= 1)")
    if ndim > _MAX_NDIM:
        raise DatasetError(f"IDX file {name!r}: declares {ndim} dimensions, more than the "
                           f"{_MAX_NDIM} a NumPy array can have")
    sizes = read_upto(stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise DatasetError(f"IDX file {name!r}: truncated header, {ndim} dimensions need "
                           f"{4 + 4 * ndim} bytes but the file has {4 + len(sizes)}")
    shape = tuple(int.from_bytes(sizes[4 * k: 4 * k + 4], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    # A zero among the dimensions makes no numbers, but NumPy still multiplies the others
    # and refuses their overflow; so the budget bounds the product of the non-zero ones.
    count = math.prod(shape)
    extent = math.prod(length for length in shape if length) * dtype.itemsize
    if extent > get_memory_budget():
        raise DatasetError(f"IDX file {name!r}: shape {shape} of {dtype.name} would take "
                           f"{format_bytes(extent)}{' (its non-zero dimensions)' * (count == 0)}"
                           f", more than the memory budget of "
                           f"{format_bytes(get_memory_budget())} (convnet.set_memory_budget)")
    if size is not None and size - 4 - 4 * ndim < count * dtype.itemsize:
        _truncated(name, shape, count * dtype.itemsize, size - 4 - 4 * ndim)
    values = np.empty(shape, dtype=dtype)
    found = read_into(stream, byte_view(values))
    if found < values.nbytes:
        _truncated(name, shape, values.nbytes, found)
    extra = len(read_upto(stream, _TRAILING_LOOK))
    if extra:
        counted = f"{extra}" if extra < _TRAILING_LOOK else f"at least {extra:,}"
        raise DatasetError(f"IDX file {name!r}: {counted} unexpected trailing byte(s) after "
                           f"the {values.nbytes} bytes of data of shape {shape}")
    if not values.dtype.isnative:
        values = values.byteswap(inplace=True).view(values.dtype.newbyteorder("="))
    return values


def _truncated(name: str, shape: tuple, expected: int, found: int):
    raise DatasetError(f"IDX file {name!r}: truncated, shape {shape} needs {expected} bytes of "
                       f"data but only {found} follow the header")


@dataclass(frozen=True)
class IdxSet:
    """An MNIST-shaped data set: four IDX files, where to fetch them, their published digests."""

    title: str          # for messages: "MNIST", "Fashion-MNIST"
    folder: str         # the folder under the default root
    mirror: str         # the default base URL
    digests: dict       # hex digest by ".gz" file name (64 digits SHA-256, 32 MD5)


MNIST = IdxSet("MNIST", "mnist", DEFAULT_MIRROR, SHA256)


def load_mnist(root=None, download=False, mirror=DEFAULT_MIRROR, checksums=None,
               dtype=np.float32):
    """Load MNIST from the folder ``root``, downloading missing files if asked.

    Parameters
    ----------
    root : str or os.PathLike, optional
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each raw or
        with ``.gz`` added (a raw file is used if both exist).  None means
        ``$CONVNET_DATA/mnist`` if that environment variable is set, else
        ``~/.convnet/datasets/mnist``.
    download : bool, default False
        Fetch each missing file as ``<name>.gz`` from ``mirror`` into ``root``
        (created if needed).  Files already present are not fetched again.
    mirror : str, default DEFAULT_MIRROR
        Base URL the file names are appended to: PyTorch's copy
        ``https://ossci-datasets.s3.amazonaws.com/mnist/`` by default; any
        URL ``urllib.request.urlopen`` reads works, ``file://`` included.
    checksums : dict of str to str, optional
        SHA-256 hex digests (or MD5s, 32 digits) by ``.gz`` file name,
        overriding the standard ones in ``SHA256`` (for a mirror with other
        files).  Every download is checked; a file is kept only if its digest
        matches.
    dtype : float32 or float64, default float32
        Floating-point type of the images.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` : ndarray of shape (N, 1, 28, 28) in ``dtype``, the bytes
        0..255 divided by 255, so values lie in [0, 1].
        ``y_*`` : ndarray of shape (N,), int64 digits 0..9.
        N is 60,000 and 10,000 for the standard files.  Other IDX image
        sizes are accepted as long as training and test images agree, so
        28x28 look-alikes such as Fashion-MNIST load the same way.

    Raises
    ------
    FileNotFoundError
        If files are missing and ``download`` is False; the message lists them.
    DatasetError
        (a ``ValueError``) naming the file, if a download's digest differs
        from the expected one, if a file is not valid IDX (see ``read_idx``),
        or if it does not fit MNIST: images not 3-D uint8, labels not 1-D
        uint8 or outside 0..9, image and label counts different, training
        and test images of different sizes.
    OSError
        If a download fails (network, disk); nothing is left under the
        file's name.
    TypeError, ValueError
        For invalid arguments.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root:
    ...     load_mnist(root)                        # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: MNIST: 4 file(s) missing from '...': train-images-idx3-ubyte[.gz], ...

    The usual call downloads about 11 MB once and reads the local copy after:

    >>> (x_train, y_train), (x_test, y_test) = load_mnist("mnist", download=True)  # doctest: +SKIP
    >>> x_train.shape, x_test.shape                                               # doctest: +SKIP
    ((60000, 1, 28, 28), (10000, 1, 28, 28))
    """
    return load_idx_set(MNIST, root, download, mirror, checksums, dtype)


def load_idx_set(spec: IdxSet, root, download, mirror, checksums, dtype):
    """Load the four IDX files of ``spec``; see :func:`load_mnist` for the arguments."""
    root = dataset_root(root, spec.folder)
    download = boolean(download, "download")
    base = checked_mirror(mirror)
    digests = checked_digests(checksums, spec.digests)
    dtype = float_dtype(dtype)

    paths = {part: _find(root, name) for part, name in FILES.items()}
    missing = [FILES[part] for part, path in paths.items() if path is None]
    if missing and not download:
        raise missing_files(spec.title, root, [f"{name}[.gz]" for name in missing], base)
    for part, name in FILES.items():
        if paths[part] is None:
            target = root / f"{name}.gz"
            fetch(spec.title, base + target.name, target, digests[target.name])
            paths[part] = target

    arrays = {part: read_idx(path) for part, path in paths.items()}
    train = _pair(spec.title, arrays["train_images"], arrays["train_labels"],
                  paths["train_images"], paths["train_labels"])
    test = _pair(spec.title, arrays["test_images"], arrays["test_labels"],
                 paths["test_images"], paths["test_labels"])
    if train[0].shape[1:] != test[0].shape[1:]:
        raise DatasetError(
            f"{spec.title}: training images {str(paths['train_images'])!r} are "
            f"{train[0].shape[1]}x{train[0].shape[2]} but test images "
            f"{str(paths['test_images'])!r} are {test[0].shape[1]}x{test[0].shape[2]}")
    dtype = np.dtype(dtype)
    for (images, _), part in ((train, "train_images"), (test, "test_images")):
        if images.size * dtype.itemsize > get_memory_budget():      # as floats, not bytes
            raise DatasetError(
                f"{spec.title}: the {images.size:,} pixels of {str(paths[part])!r} would "
                f"take {format_bytes(images.size * dtype.itemsize)} as {dtype.name}, more "
                f"than the memory budget of {format_bytes(get_memory_budget())} "
                f"(convnet.set_memory_budget)")
    return tuple((_scaled(images, dtype), labels.astype(np.int64))   # (N, 1, H, W), (N,)
                 for images, labels in (train, test))


def _scaled(images: np.ndarray, dtype) -> np.ndarray:
    """The bytes 0..255 as ``dtype`` in [0, 1], (N, 1, H, W): one new array, divided in place."""
    scaled = images[:, np.newaxis].astype(dtype)
    scaled /= dtype.type(255)
    return scaled


def _find(root: Path, name: str) -> Path | None:
    """``root/name`` if it exists, else ``root/name.gz`` if that does, else None."""
    for candidate in (root / name, root / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _pair(title: str, images: np.ndarray, labels: np.ndarray, image_path, label_path):
    """Check that an images file and a labels file make one split of an MNIST-shaped set."""
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f"{title}: images file {str(image_path)!r} must hold a 3-D uint8 "
                           f"array (N, 28, 28); got shape {images.shape}, dtype {images.dtype}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DatasetError(f"{title}: labels file {str(label_path)!r} must hold a 1-D uint8 "
                           f"array (N,); got shape {labels.shape}, dtype {labels.dtype}")
    if 0 in images.shape:
        raise DatasetError(f"{title}: images file {str(image_path)!r} holds no pixels: shape "
                           f"{images.shape}")
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(f"{title}: {images.shape[0]} images in {str(image_path)!r} but "
                           f"{labels.shape[0]} labels in {str(label_path)!r}")
    if labels.size and labels.max() > 9:
        raise DatasetError(f"{title}: labels file {str(label_path)!r} must hold class labels "
                           f"0..9; got a label {int(labels.max())}")
    return images, labels
