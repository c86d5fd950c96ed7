"""What the model-file modules share: the error, the format's names and the reader's bounds.

The bounds are what a reader of a file from outside accepts before it
spends memory or time on it; each is far above what a model of this
library needs, and each is named in the message of a file that exceeds it.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from ._validate import describe

__all__ = ["ModelFileError", "refuse", "FORMAT", "VERSION", "META_KEY",
           "MAX_DESCRIPTION_BYTES", "MAX_DEPTH", "MAX_NESTING", "FLAT_DEPTH", "MAX_TOTAL_BYTES",
           "MAX_RATIO", "RATIO_FLOOR", "MAX_NPY_HEADER", "mib", "shown", "listed", "digest"]

FORMAT = "convnet-model"
# Version 2 adds containers: a layer entry may hold "children", and arrays are named by
# the path to their layer ("3.body.0.weight").  A model without containers is still
# written as version 1, which readers of either version load.
VERSION = 2
META_KEY = "__convnet__"

# The JSON description: LeNet's is 2 KB, a 1,000-layer network's about 300 KB.
# Parsing JSON can take some 25 bytes of Python objects per byte of text, so
# the bound also caps what a description can cost at about 100 MiB.
MAX_DESCRIPTION_BYTES = 4 << 20
# Nesting of lists and objects in the description.  A model without containers nests
# 6 deep (document, layer list, layer, configuration, padding pair, pair); each
# container around a layer adds 3 (its "children" object, a group's list, the
# entry).  ResNets nest containers 1 deep (a block in the model), Inception-ResNet
# blocks 2 (a Concat in a Residual), the tests 3; MAX_NESTING = 8 leaves room for
# blocks within stages within networks and more, while the nesting scan still refuses
# deeper text before the JSON parser (or any recursive check) sees it.
FLAT_DEPTH = 6
MAX_NESTING = 8
MAX_DEPTH = FLAT_DEPTH + 3 * MAX_NESTING         # 30
# All arrays together (each is also held to the memory budget,
# convnet.set_memory_budget): a model file's format bound.
MAX_TOTAL_BYTES = 4 << 30
# A member that expands more than this many times is refused once it is over
# RATIO_FLOOR bytes: weights hardly compress (np.savez does not compress at
# all), while deflate can expand 1,032 times, the stuff of zip bombs.
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20
# A .npy header describes dtype, order and shape in about 120 bytes; NumPy
# itself refuses headers over 10,000 bytes.
MAX_NPY_HEADER = 10_000
# Members of a model file: one per array, and the description.  A 1,000-layer
# network has a few thousand; zipfile makes a Python object of some 700 bytes per
# member of the directory, so the count the zip's end record declares is checked
# before zipfile reads the directory.
MAX_MEMBERS = 100_000


class ModelFileError(ValueError):
    """A model file that cannot be trusted: truncated, corrupted, tampered, foreign or too large.

    A subclass of ``ValueError``; the message starts ``cannot load '<path>'``
    and says what is wrong with the file.
    """


def refuse(path, problem: str, layer: int | str | None = None):
    """Raise the ModelFileError ``cannot load '<path>'[, layer <i>]: <problem>``.

    ``layer`` is the layer's index, or its path inside containers (``"3.body.0"``).
    """
    where = repr(os.fspath(path)) + ("" if layer is None else f", layer {layer}")
    raise ModelFileError(f"cannot load {where}: {problem}")


def mib(count: int) -> str:
    """``count`` bytes in words, e.g. ``'4 MiB'`` or ``'1,536 bytes'``."""
    if count >= 1 << 20 and count % (1 << 20) == 0:
        return f"{count >> 20:,} MiB"
    return f"{count:,} bytes"


def shown(value) -> str:
    """A value for a message: a string as its repr, anything else described; both shortened."""
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return describe(value)


def listed(names, most: int = 10) -> str:
    """``names`` sorted, as a list literal of at most ``most`` of them and a count of the rest."""
    names = sorted(names)
    if len(names) <= most:
        return repr(names)
    return repr(names[:most])[:-1] + f", ... and {len(names) - most:,} more]"


def digest(array: np.ndarray) -> str:
    """SHA-256 of an array's bytes in C order (hashed in place when it is C-contiguous)."""
    return hashlib.sha256(np.ascontiguousarray(array).reshape(-1).view(np.uint8)).hexdigest()
