"""``convnet exercises list | new SHEET DIR | check DIR``: exercise folders that pytest grades.

::

    convnet exercises list                      # the sheets and their exercises
    convnet exercises new correlation hw1       # hw1/correlation.py (stubs), test_*.py, README.md
    convnet exercises new correlation key --solution    # the filled module, a solution key
    convnet exercises check hw1 [--format text|csv|markdown]

``check`` prints one row per exercise (passed, failed, not implemented,
error) and the score; its exit status is 0 when every exercise passes, 1
otherwise.  See :mod:`convnet.exercises`.
"""

from __future__ import annotations

from .. import exercises

__all__ = ["add_exercises"]


def _run_list(args):
    return exercises.sheet_table()


def _run_new(args):
    folder = exercises.new(args.sheet, args.folder, solution=args.solution)
    sheet = exercises.SHEETS[args.sheet]
    return (f"wrote {folder}/{sheet.module}.py, {folder}/test_{sheet.module}.py and "
            f"{folder}/README.md\nnext: fill in {sheet.module}.py, then run: pytest {folder}")


def _run_check(args):
    grades = exercises.check(args.folder, sheet=args.sheet)
    args.status = 0 if grades.passed == grades.total else 1
    return getattr(grades, args.format)()


def add_exercises(commands):
    """``convnet exercises ACTION``."""
    parser = commands.add_parser(
        "exercises", help="exercise folders: stubs to fill in, graded by pytest",
        description="Write exercise folders (stubs, tests calling convnet.testing, a README) "
                    "and grade them.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub = actions.add_parser("list", help="the sheets and their exercises")
    sub.set_defaults(run=_run_list, subparser=sub)
    sub = actions.add_parser("new", help="write a sheet's folder",
                             description="Write SHEET's student module (stubs), its tests and "
                                         "a README into DIR (never overwriting a file).")
    sub.add_argument("sheet", metavar="SHEET", choices=sorted(exercises.SHEETS),
                     help="one of: " + ", ".join(exercises.SHEETS))
    sub.add_argument("folder", metavar="DIR")
    sub.add_argument("--solution", action="store_true",
                     help="write the filled module (a solution key) instead of the stubs")
    sub.set_defaults(run=_run_new, subparser=sub)
    sub = actions.add_parser("check", help="grade a folder: one row per exercise",
                             description="Run every exercise's check on the student module "
                                         "in DIR and print a table for a grade sheet.")
    sub.add_argument("folder", metavar="DIR")
    sub.add_argument("--sheet", choices=sorted(exercises.SHEETS), default=None,
                     help="the sheet (default: the one whose module DIR holds)")
    sub.add_argument("--format", choices=("text", "csv", "markdown"), default="text")
    sub.set_defaults(run=_run_check, subparser=sub)
