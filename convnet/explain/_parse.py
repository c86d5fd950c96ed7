"""Matrices typed as text: ``"1 2 3; 4 5 6"`` (the command line's and answers' syntax)."""

from __future__ import annotations

import re

import numpy as np

__all__ = ["parse_matrix"]


def parse_matrix(text: str) -> np.ndarray:
    """A matrix from ``"1 2 3; 4 5 6"``: rows by ``;`` or newlines, entries by spaces/commas.

    Blank rows are ignored.

    Raises
    ------
    ValueError
        For no numbers at all, an entry that is not a number, or rows of
        different lengths ("row 2 has 3 entries, row 1 has 6").

    Examples
    --------
    >>> parse_matrix("1, 2; 3 4.5")
    array([[1. , 2. ],
           [3. , 4.5]])
    """
    rows = []
    for line in re.split(r"[;\n]", text):
        entries = [e for e in re.split(r"[\s,]+", line.strip()) if e]
        if not entries:
            continue
        values = []
        for position, entry in enumerate(entries, start=1):
            try:
                values.append(float(entry))
            except ValueError:
                raise ValueError(f"row {len(rows) + 1}, entry {position} is not a number: "
                                 f"{entry!r}") from None
        if rows and len(values) != len(rows[0]):
            raise ValueError(f"row {len(rows) + 1} has {len(values)} entries, row 1 has "
                             f"{len(rows[0])}")
        rows.append(values)
    if not rows:
        raise ValueError("no numbers given; write rows separated by ';', e.g. \"1 2; 3 4\"")
    return np.array(rows)
