"""What the dataset modules share: their error class (and the dtype check of _validate)."""

from __future__ import annotations

from .._validate import float_dtype

__all__ = ["DatasetError", "float_dtype"]


class DatasetError(ValueError):
    """A data file is not what it claims to be (bad header, wrong size, wrong checksum).

    A subclass of ``ValueError``, so ``except ValueError`` catches it too; the
    message always names the file and says what is wrong with it.
    """
