"""Grading a folder: each exercise's check run on the student module, one row per exercise."""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Grades", "grade"]

_HEADER = ("#", "exercise", "equation", "result", "note")
_NOTE_LENGTH = 160
_loaded = itertools.count()


@dataclass(frozen=True)
class Grades:
    """A folder's grade table: one row per exercise; prints as text.

    Attributes
    ----------
    sheet : str
        The sheet's name.
    rows : tuple of (int, str, str, str, str)
        ``(number, exercise, equation, result, note)``; the result is
        ``"passed"``, ``"failed"``, ``"not implemented"`` or ``"error"``, the
        note the first line of the check's report (or the error).
    passed : int
        How many exercises passed.
    total : int
        How many exercises the sheet has.
    """

    sheet: str
    rows: tuple
    passed: int
    total: int

    def text(self) -> str:
        """An aligned table and the score, for the terminal."""
        grid = [_HEADER] + [tuple(map(str, row)) for row in self.rows]
        widths = [max(len(row[i]) for row in grid) for i in range(4)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4]
                 for row in grid]
        lines = [line.rstrip() for line in lines]
        lines.insert(1, "-" * max(len(line) for line in lines[:1] + lines[1:]))
        return "\n".join([f"sheet {self.sheet}", *lines,
                          f"score: {self.passed}/{self.total}"]) + "\n"

    def csv(self) -> str:
        """Comma-separated values, a header line first (for a spreadsheet)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("sheet",) + _HEADER)
        writer.writerows((self.sheet,) + tuple(row) for row in self.rows)
        return out.getvalue()

    def markdown(self) -> str:
        """A Markdown table and the score."""
        lines = ["| " + " | ".join(_HEADER) + " |", "|---:|---|---|---|---|"]
        lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"
                  for row in self.rows]
        return "\n".join(lines + ["", f"score: {self.passed}/{self.total}"]) + "\n"

    __str__ = text


def grade(sheet, path: Path) -> Grades:
    """Load the student module at ``path`` and run each of ``sheet``'s checks on it."""
    import convnet
    try:
        import convnet.testing as testing
    except ImportError as exc:                                   # pragma: no cover
        raise RuntimeError(f"convnet.testing is needed to grade ({exc})") from None
    try:
        solution = _load(path)
    except Exception as exc:  # noqa: BLE001 - any error in the student's file is a grade
        note = _first_line(f"{path.name} cannot be imported: {type(exc).__name__}: {exc}")
        rows = tuple((n, e.name, e.equation, "error", note)
                     for n, e in enumerate(sheet.exercises, start=1))
        return Grades(sheet.name, rows, 0, len(rows))
    rows = []
    for number, exercise in enumerate(sheet.exercises, start=1):
        scope = {"testing": testing, "solution": solution, "convnet": convnet, "np": np,
                 "tempfile": tempfile}
        result, note = _run(exercise.check, scope)
        rows.append((number, exercise.name, exercise.equation, result, note))
    passed = sum(row[3] == "passed" for row in rows)
    return Grades(sheet.name, tuple(rows), passed, len(rows))


def _load(path: Path):
    """The module at ``path``, under a name of its own (a student's file may be graded twice)."""
    name = f"_convnet_graded_{path.stem}_{next(_loaded)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    sys.path.insert(0, folder)                  # the student's module may import its neighbours
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def _run(source: str, scope: dict) -> tuple:
    """``(result, note)`` of running one exercise's check."""
    try:
        exec(compile(source, "<check>", "exec"), scope)       # the sheet's own check code
    except NotImplementedError as exc:
        return "not implemented", _first_line(str(exc) or "NotImplementedError")
    except AssertionError as exc:
        text = str(exc)
        if "NotImplementedError" in text:                # the checker's report of a stub
            start = text.index("NotImplementedError")
            note = _first_line(text[start:])
            if text[start - 1:start] == "(" and note.endswith(")"):
                note = note[:-1]
            return "not implemented", note
        return "failed", _first_line(text or "AssertionError")
    except Exception as exc:  # noqa: BLE001 - any error in the student's code is a grade
        return "error", _first_line(f"{type(exc).__name__}: {exc}")
    return "passed", ""


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= _NOTE_LENGTH else line[:_NOTE_LENGTH - 3] + "..."
