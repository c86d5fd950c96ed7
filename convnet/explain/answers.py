"""Checking numbers computed by hand: every wrong entry with its correct sum of products.

:func:`check_answer` computes the exercise with the library, compares the
student's numbers entry by entry, writes out each wrong entry's correct
working (the same sums of products the worked solutions of this package
show) and names the mistake when one of the catalogue's classic mistakes
(:mod:`convnet.explain._mistakes`) reproduces the student's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import fail, one_of, real_number
from ._blocks import Equations
from ._expressions import Chain
from ._mistakes import diagnose
from ._parse import parse_matrix
from .shapes import output_size
from .pooling import pool2d
from .windows import conv2d_backward, convolve2d, correlate2d

__all__ = ["check_answer", "AnswerCheck", "WrongEntry", "ANSWER_KINDS"]

ANSWER_KINDS = ("correlate", "convolve", "pool", "output size", "backward")
_GRADIENTS = ("dx", "dw", "db")
_OPTIONS = {"correlate": ("padding", "stride", "dilation"),
            "convolve": ("padding", "stride", "dilation"),
            "pool": ("stride", "padding", "pooling"),
            "output size": ("stride", "padding", "dilation"),
            "backward": ("dz", "stride", "padding")}


@dataclass(frozen=True)
class WrongEntry:
    """One wrong number: where it is, what was given, the correct value and how it arises."""

    where: str           # "z[0, 0]", "dx[1, 2]", "o"
    given: float
    correct: float
    working: str         # "z[0, 0] = 1·3 + 0·5 + ... = 9"


@dataclass(frozen=True)
class AnswerCheck:
    """The verdict on a hand-computed answer; prints as a short report.

    Attributes
    ----------
    passed : bool
        True when every number given matches (within ``tolerance``) and the
        shapes are right.
    title : str
        The exercise, as the worked solution titles it.
    checked : int
        How many numbers were compared (entries left blank are not).
    wrong : tuple of WrongEntry
        Every wrong number with its correct working.
    problems : tuple of str
        What could not be compared (a matrix of the wrong shape, a missing
        gradient).
    mistakes : tuple of (str, str)
        ``(name, explanation)`` of each classic mistake that reproduces the
        answer exactly (empty when none does).
    expected
        The library's answer (an array, a number, or a dict of gradients).
    """

    passed: bool
    title: str
    checked: int
    wrong: tuple
    problems: tuple
    mistakes: tuple
    expected: object

    def text(self) -> str:
        """The report: a count, each wrong entry's working, the named mistake, a verdict."""
        lines = [f"Checking your answer: {self.title}"]
        lines += [f"  {problem}" for problem in self.problems]
        if self.checked:
            right = self.checked - len(self.wrong)
            lines.append(f"{self.checked} number(s) checked: {right} right, "
                         f"{len(self.wrong)} wrong.")
        for entry in self.wrong:
            lines.append(f"  {entry.where}: you wrote {_shown(entry.given)}, correct is "
                         f"{_shown(entry.correct)}:")
            lines.append(f"    {entry.working}")
        for name, explanation in self.mistakes:
            lines.append(f"Likely mistake: {name}. {explanation}")
        lines.append("Verdict: " + ("right" if self.passed else "WRONG"))
        return "\n".join(lines) + "\n"

    __str__ = text


def check_answer(kind, x, k, answer, *, tolerance=0.01, **options) -> AnswerCheck:
    """Compare numbers computed by hand with the library's, entry by entry.

    Parameters
    ----------
    kind : {"correlate", "convolve", "pool", "output size", "backward"}
        The exercise: a cross-correlation (Eq. 8.13), a convolution (Eq.
        8.8), max or average pooling (Eq. 8.22, 8.24), the output size (Eq.
        8.18), or the gradients of a single-channel convolution layer (Eq.
        8.36, 8.44-8.48).
    x : array_like of shape (H, W), or int for "output size"
        The input (for "output size": the input size ``n``).
    k : array_like of shape (kh, kw), or int for "pool" and "output size"
        The kernel (for "backward": the weights ``w``; for "pool" and
        "output size": the window or kernel size).
    answer : array_like, str, number or dict
        The student's numbers: a matrix (``[[9, 0], [10, 0]]`` or the
        command line's text ``"9 0; 10 0"``); a number for "output size";
        for "backward" a dict with any of ``"dx"``, ``"dw"`` (matrices) and
        ``"db"`` (a number).  An entry left as NaN (``?`` or ``nan`` in
        text) is not checked, so a sheet asking for some entries only can
        be checked as printed.
    tolerance : float, default 0.01
        Largest accepted absolute difference: answers rounded to two
        decimals pass.
    **options
        ``padding``, ``stride``, ``dilation`` as in the operation;
        ``pooling="max"`` or ``"avg"`` for "pool"; ``dz`` (required) for
        "backward".

    Returns
    -------
    AnswerCheck
        Prints as a report; ``.passed`` is the verdict.  Never raises for a
        wrong answer: a wrong shape is reported, not refused.

    Raises
    ------
    ValueError, TypeError
        For an unknown ``kind`` or option, or arguments the operation
        itself refuses (a kernel larger than the input, say).

    Examples
    --------
    The LMU sheet (exercise 4-1a) prints Y[0, 0] = 11, reading the top-left
    pixel as 5; its own image has a 3 there:

    >>> X = [[3, 5, 2, 5, 5], [5, 5, 2, 5, 5], [7, 7, 5, 7, 7], [5, 5, 2, 5, 5], [5, 5, 2, 5, 5]]
    >>> sobel = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    >>> result = check_answer("correlate", X, sobel, "11 0 -11; 10 0 -10; 11 0 -11")
    >>> result.passed
    False
    >>> print(result)
    Checking your answer: Cross-correlation of X (5x5) with K (3x3), padding 'valid'
    9 number(s) checked: 8 right, 1 wrong.
      z[0, 0]: you wrote 11, correct is 9:
        z[0, 0] = 1·3 + 0·5 + (-1)·2 + 2·5 + 0·5 + (-2)·2 + 1·7 + 0·7 + (-1)·5 = 9
    Likely mistake: an input entry misread. Your numbers are those of the input with
    x[0, 0] = 5 instead of 3 (the answer does not match the image it was computed from).
    Verdict: WRONG
    """
    one_of(kind, "kind", ANSWER_KINDS)
    tolerance = real_number(tolerance, "tolerance", minimum=0.0)
    unknown = sorted(set(options) - set(_OPTIONS[kind]))
    if unknown:
        fail(unknown[0], f"an option of check_answer({kind!r}, ...): one of "
             f"{', '.join(_OPTIONS[kind])}", options[unknown[0]])
    if kind == "backward":
        return _check_backward(x, k, answer, tolerance, options)
    if kind == "output size":
        explanation = output_size(x, k, **options)
        given = {"o": _number(answer, "answer")}
        expected = {"o": explanation.result}
    else:
        explanation = _explain(kind, x, k, options)
        given = {"z": _matrix(answer, "answer")}
        expected = {"z": explanation.result}
    return _verdict(kind, explanation, given, expected, tolerance, (x, k, options))


def _explain(kind, x, k, options):
    if kind == "pool":
        options = dict(options)
        pooling = options.pop("pooling", "max")
        return pool2d(x, k, kind=pooling, max_terms=None, **options)
    function = correlate2d if kind == "correlate" else convolve2d
    return function(x, k, max_terms=None, **options)


def _check_backward(x, w, answer, tolerance, options):
    if "dz" not in options:
        fail("dz", "given for check_answer('backward', ...): the sensitivity at the output",
             None)
    options = dict(options)
    dz = options.pop("dz")
    if not isinstance(answer, dict) or not answer or not set(answer) <= set(_GRADIENTS):
        fail("answer", "a dict with any of 'dx', 'dw' (matrices) and 'db' (a number) for "
             "kind 'backward'", answer, error=TypeError if not isinstance(answer, dict)
             else ValueError)
    explanation = conv2d_backward(dz, x, w, max_terms=None, **options)
    expected = dict(zip(_GRADIENTS, explanation.result))
    given = {name: (_number(value, f"answer[{name!r}]") if name == "db"
                    else _matrix(value, f"answer[{name!r}]"))
             for name, value in answer.items()}
    return _verdict("backward", explanation, given, {n: expected[n] for n in given},
                    tolerance, (x, w, dict(options, dz=dz)))


def _verdict(kind, explanation, given, expected, tolerance, problem) -> AnswerCheck:
    workings = _workings(kind, explanation)
    wrong, problems, checked = [], [], 0
    for name, value in given.items():
        correct = np.asarray(expected[name], dtype=np.float64)
        value = np.asarray(value, dtype=np.float64)
        if value.shape != correct.shape:
            problems.append(f"{name} is {_dims(value)}, the correct {name} is {_dims(correct)}; "
                            "no entry can be compared.")
            continue
        for index in np.ndindex(value.shape):          # () once for a number
            if np.isnan(value[index]):
                continue                                # left blank: not checked
            checked += 1
            if not abs(value[index] - correct[index]) <= tolerance:
                where = f"{name}[{', '.join(map(str, index))}]" if index else name
                wrong.append(WrongEntry(where, float(value[index]), float(correct[index]),
                                        workings.get(where, f"{where} = "
                                                            f"{_shown(correct[index])}")))
    mistakes = () if not (wrong or problems) else diagnose(kind, given, expected, tolerance,
                                                           *problem)
    passed = not wrong and not problems and checked > 0
    if checked == 0 and not problems:
        problems.append("no number given: every entry is blank (NaN).")
    return AnswerCheck(passed, explanation.title, checked, tuple(wrong), tuple(problems),
                       tuple(mistakes), explanation.result)


def _workings(kind, explanation) -> dict:
    """Each output's written-out working, by name (``"z[0, 1]"``), from the worked solution."""
    rows = []
    for step in explanation.steps:
        if kind != "output size" and step.title.startswith("Output size"):
            continue                               # the size formula is not an entry
        rows += [row for block in step.blocks if isinstance(block, Equations)
                 for row in block.rows]
    numbers = explanation.numbers
    if kind == "pool":             # "maximum = max(...) = 4", region by region in output order
        width = explanation.result.shape[1]
        return {f"z[{i // width}, {i % width}]": f"z[{i // width}, {i % width}] = "
                + Chain(chain).render(numbers, False) for i, (_, chain) in enumerate(rows)}
    return {lhs.text: Chain((lhs, *chain)).render(numbers, False) for lhs, chain in rows}


def _matrix(value, name) -> np.ndarray:
    if isinstance(value, str):
        try:
            value = parse_matrix(value.replace("?", "nan"))
        except ValueError as exc:
            fail(name, "a matrix like \"1 2; 3 4\"", value, given=f"{value!r} ({exc})")
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(name, "a matrix of numbers (NaN for a blank entry)", value, error=TypeError)
    if array.ndim != 2 or array.size == 0:
        fail(name, "a matrix (2 axes, rows of numbers)", value, given=f"shape {array.shape}")
    return array


def _number(value, name) -> float:
    if isinstance(value, str):
        value = value.strip()
        try:
            value = float(value.replace("?", "nan"))
        except ValueError:
            fail(name, "a number", value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        fail(name, "a number", value, error=TypeError)
    return float(value)


def _dims(array) -> str:
    return "a number" if array.ndim == 0 else "x".join(map(str, array.shape))


def _shown(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.4g}"
