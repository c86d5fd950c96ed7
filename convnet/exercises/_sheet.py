"""What an exercise sheet is: its student module of stubs, the checks, a solution, a README."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Exercise", "Sheet"]


@dataclass(frozen=True)
class Exercise:
    """One part of a sheet: the name it is graded under, what it implements, its check.

    ``check`` is the Python statement that checks it, written into the
    folder's test file as it is and run by :func:`convnet.exercises.check`
    with ``testing`` (:mod:`convnet.testing`) and ``solution`` (the
    student's module) in scope.
    """

    name: str            # "correlate2d"
    equation: str        # "Eq. 8.13"
    check: str           # "testing.check_correlate2d(solution.correlate2d)"


@dataclass(frozen=True, repr=False)
class Sheet:
    """An exercise sheet: the student module (stubs), its solution, the exercises, a README."""

    name: str            # "correlation": the command line's name
    title: str
    module: str          # the student module's name, "correlation" (correlation.py)
    stubs: str           # source of the student module, every function a stub
    solution: str        # source of a filled module (the library's functions or a written one)
    exercises: tuple     # of Exercise
    readme: str          # what the sheet is about and how to work on it (Markdown)

    def __repr__(self) -> str:
        return f"Sheet({self.name!r}: {', '.join(e.name for e in self.exercises)})"


def checker_call(checker: str, function: str, signature: str, *arguments: str) -> str:
    """The statement that checks ``solution.<function>`` with ``testing.<checker>``.

    ``signature`` names the arguments the stub takes, in its order (the
    checker then only draws cases that use them, see :mod:`convnet.testing`).
    """
    extra = "".join(f", {argument}" for argument in arguments)
    return f'testing.{checker}(solution.{function}{extra}, signature="{signature}")'
