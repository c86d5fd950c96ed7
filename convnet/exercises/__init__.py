"""Exercise folders that pytest grades: stubs to fill in, the checks of :mod:`convnet.testing`.

``convnet exercises new SHEET DIR`` (or :func:`new`) writes a folder with

* the student module (``correlation.py``, ...): every function a stub that
  raises ``NotImplementedError`` naming the equation to implement, with a
  docstring stating the conventions (argument order, NCHW, weight layout);
* ``test_<module>.py``: one test per exercise, calling a checker of
  :mod:`convnet.testing` on the student's function, so ``pytest DIR`` fails
  with a diagnosis until the stubs are filled in and passes once they are;
* ``README.md``: what to implement and how to check it.

``convnet exercises check DIR`` (or :func:`check`) runs the same checks on
the student module directly (not through the folder's test file, which a
student may have edited) and returns a per-exercise table for a grade sheet.

Examples
--------
>>> from convnet import exercises
>>> [sheet.name for sheet in exercises.SHEETS.values()]     # doctest: +NORMALIZE_WHITESPACE
['correlation', 'conv2d', 'pooling', 'conv-backward', 'pool-backward', 'own-layer']
"""

from __future__ import annotations

from pathlib import Path

from .._validate import fail, file_path, one_of
from ._backward import CONV_BACKWARD, OWN_LAYER, POOL_BACKWARD
from ._forward import CONV2D, CORRELATION, POOLING
from ._grading import Grades, grade
from ._sheet import Exercise, Sheet

__all__ = ["SHEETS", "Sheet", "Exercise", "Grades", "new", "check", "sheet_table"]

SHEETS = {sheet.name: sheet for sheet in (CORRELATION, CONV2D, POOLING, CONV_BACKWARD,
                                          POOL_BACKWARD, OWN_LAYER)}

_TEST_HEAD = '''"""Checks of {module}.py, one test per exercise: run `pytest` in this folder.

Written by `convnet exercises new {sheet}`; the checks come from convnet.testing.
"""

import tempfile

import numpy as np

import convnet
import convnet.testing as testing

import {module} as solution
'''


def sheet_table() -> str:
    """The sheets as a table: name, title and exercises (what ``convnet exercises list`` prints).

    Examples
    --------
    >>> print(sheet_table().splitlines()[0])
    sheet          exercises                                 title
    """
    rows = [("sheet", "exercises", "title")]
    rows += [(s.name, ", ".join(e.name for e in s.exercises), s.title) for s in SHEETS.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}".rstrip()
                     for a, b, c in rows) + "\n"


def test_source(sheet: Sheet) -> str:
    """The source of the folder's test file: one test function per exercise."""
    parts = [_TEST_HEAD.format(module=sheet.module, sheet=sheet.name)]
    for number, exercise in enumerate(sheet.exercises, start=1):
        name = "".join(c if c.isalnum() else "_" for c in exercise.name.lower())
        body = "\n".join("    " + line if line else "" for line in exercise.check.splitlines())
        parts.append(f'\ndef test_{number}_{name}():\n    """{exercise.name}: '
                     f'{exercise.equation}."""\n{body}\n')
    return "\n".join(parts)


def new(sheet, folder, *, solution=False) -> Path:
    """Write the exercise folder of ``sheet`` into ``folder``; returns the folder.

    Parameters
    ----------
    sheet : str
        A sheet's name, one of ``SHEETS`` (``convnet exercises list``).
    folder : str or os.PathLike
        Created if missing; files already there are never overwritten.
    solution : bool, default False
        Write the filled module (a solution key: the library's own
        functions, or a written layer) instead of the stubs.

    Returns
    -------
    pathlib.Path
        The folder, holding ``<module>.py``, ``test_<module>.py`` and
        ``README.md``.

    Raises
    ------
    ValueError
        For an unknown sheet, or if one of the three files exists already
        (a student's work is never overwritten), or ``folder`` is a file.
    TypeError
        If ``folder`` is not a str or os.PathLike, ``solution`` not a bool.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = new("pooling", tmp)
    ...     sorted(p.name for p in folder.iterdir())
    ['README.md', 'pooling.py', 'test_pooling.py']
    """
    one_of(sheet, "sheet", tuple(SHEETS))
    folder = Path(file_path(folder, "folder"))
    if not isinstance(solution, bool):
        fail("solution", "True or False", solution, error=TypeError)
    if folder.exists() and not folder.is_dir():
        fail("folder", "a folder (or a name for a new one)", str(folder),
             given=f"{str(folder)!r}, a file")
    chosen = SHEETS[sheet]
    files = {f"{chosen.module}.py": chosen.solution if solution else chosen.stubs,
             f"test_{chosen.module}.py": test_source(chosen),
             "README.md": f"{chosen.readme.rstrip()}\n"}
    existing = [name for name in files if (folder / name).exists()]
    if existing:
        fail("folder", "a folder without the sheet's files (they are never overwritten)",
             str(folder), given=f"{str(folder)!r}, which holds {', '.join(existing)}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def check(folder, sheet=None) -> Grades:
    """Run every exercise's check on the student module in ``folder``; the grade table.

    Parameters
    ----------
    folder : str or os.PathLike
        An exercise folder written by :func:`new`.
    sheet : str, optional
        The sheet; by default the one whose student module the folder holds.

    Returns
    -------
    Grades
        One row per exercise (passed, failed, not implemented, error) with
        the first line of the report; prints as a table, ``.csv()`` and
        ``.markdown()`` for a grade sheet; ``.passed`` counts the points.

    Raises
    ------
    ValueError
        If ``folder`` holds no student module of a known sheet (or not
        ``sheet``'s), or ``sheet`` is unknown.
    TypeError
        If ``folder`` is not a str or os.PathLike.
    """
    folder = Path(file_path(folder, "folder"))
    if sheet is not None:
        one_of(sheet, "sheet", tuple(SHEETS))
    candidates = [s for s in SHEETS.values() if (folder / f"{s.module}.py").is_file()
                  and sheet in (None, s.name)]
    if not candidates:
        wanted = (f"{SHEETS[sheet].module}.py" if sheet else
                  " or ".join(f"{s.module}.py" for s in SHEETS.values()))
        fail("folder", f"an exercise folder holding {wanted}", str(folder))
    return grade(candidates[0], folder / f"{candidates[0].module}.py")
