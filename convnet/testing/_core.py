"""How every checker runs: call the student's function, compare, search, shrink, report.

A checker describes its operation once (an :class:`Operation`: the argument
names in their conventional order with defaults, the library's answer, the
worked examples, the hypothesis strategy, the catalogue entries that apply)
and :func:`run_check` does the rest:

1. every worked example whose arguments the function accepts, by name;
2. ``examples`` cases drawn by hypothesis from a fixed seed; the first
   failing one is shrunk by hypothesis to the smallest failing case;
3. on any failure an ``AssertionError`` whose message is the report
   (:mod:`convnet.testing._report`), naming the catalogue's mistakes that
   reproduce the function's output exactly.

Why hypothesis's ``find`` rather than our own search: it draws and shrinks
structured cases (shapes, strides, paddings and the values together) to a
local minimum, which a hand-written shrinker would redo badly; ``random=``
with a fixed seed and no example database make a run reproducible, and
``max_examples`` bounds it.  Hypothesis is imported only when a checker runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._validate import fail, integer
from ..functional import engine

REQUIRED = object()          # an argument without a default


@dataclass(frozen=True)
class Worked:
    """A worked example: its name on the sheet, the arguments, the printed answer(s)."""

    name: str
    arguments: dict
    expected: tuple | None = None     # None: the library's answer (the sheet prints none)
    rtol: float = 1e-7
    atol: float = 1e-9


@dataclass(frozen=True)
class Operation:
    """What a checker knows about the operation it checks."""

    name: str                          # the library's function, e.g. "correlate2d"
    parameters: tuple                  # ((name, default or REQUIRED), ...) in order
    outputs: tuple                     # names of the returned arrays, e.g. ("dx", "dw", "db")
    reference: Callable                # reference(**arguments) -> tuple of arrays
    strategy: Callable                 # strategy(accepted names) -> hypothesis strategy of dicts
    worked: tuple = ()
    mistakes: tuple = ()               # catalogue entries that apply
    rtol: float = 1e-7
    atol: float = 1e-9


@dataclass
class Outcome:
    """One call of the student's function on one case, compared with the reference."""

    arguments: dict
    expected: tuple
    got: tuple | None = None
    error: BaseException | None = None
    wrong: tuple = ()                  # names of the outputs that differ
    label: str | None = None           # the worked example's name
    number: int = 0                    # which drawn case it was

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.wrong)


@dataclass
class CheckResult:
    """What a passing check ran: returned by every checker (prints one line)."""

    check: str
    worked: list = field(default_factory=list)
    drawn: int = 0
    skipped: list = field(default_factory=list)
    text: str = ""                     # what ran, where counting cases says little

    def __str__(self):
        if self.text:
            return f"{self.check}: {self.text}"
        text = (f"{self.check}: {len(self.worked)} worked example(s) and {self.drawn} drawn "
                "case(s) passed")
        if self.skipped:
            text += ("; skipped (arguments your function does not take): "
                     + "; ".join(self.skipped))
        return text

    __repr__ = __str__


# -- calling the student's function ---------------------------------------------

def parse_signature(operation, signature):
    """``signature`` -> ((canonical name, keyword or None), ...) in the function's order."""
    names = [name for name, _ in operation.parameters]
    if signature is None:
        return tuple((name, None) for name in names)
    if isinstance(signature, str):
        signature = [part.strip() for part in signature.strip("() ").split(",") if part.strip()]
    if not isinstance(signature, (list, tuple)) or not all(isinstance(s, str) for s in signature):
        fail("signature", "a sequence of argument names (or one string 'x, k, padding')",
             signature, error=TypeError)
    parsed = []
    for item in signature:
        name, _, keyword = (part.strip() for part in item.partition("="))
        if name not in names:
            fail("signature", f"made of the names {', '.join(names)} (optionally 'name=keyword')",
                 signature, given=f"{name!r}")
        if keyword and not keyword.isidentifier():
            fail("signature", "'name=keyword' items with an identifier as keyword", signature)
        parsed.append((name, keyword or None))
    seen = [name for name, _ in parsed]
    if len(set(seen)) != len(seen):
        fail("signature", "without repeated names", signature)
    missing = [name for name, default in operation.parameters
               if default is REQUIRED and name not in seen]
    if missing:
        fail("signature", f"naming every required argument ({', '.join(missing)} missing)",
             signature)
    return tuple(parsed)


def accepts(operation, parsed, arguments) -> bool:
    """Whether a case only sets, beyond their defaults, arguments the function takes."""
    taken = {name for name, _ in parsed}
    defaults = dict(operation.parameters)
    return all(name in taken or _same(value, defaults.get(name))
               for name, value in arguments.items())


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    return a == b


def call(fn, parsed, arguments):
    """Call ``fn`` as the signature says: positional first, then keywords."""
    positional, keywords = [], {}
    for name, keyword in parsed:
        value = arguments[name]
        value = value.copy() if isinstance(value, np.ndarray) else value
        if keyword is None:
            positional.append(value)
        else:
            keywords[keyword] = value
    return fn(*positional, **keywords)


def as_outputs(operation, value):
    """The function's return value as a tuple of float64 arrays (None stays None)."""
    if len(operation.outputs) > 1:
        if not isinstance(value, (tuple, list)) or len(value) != len(operation.outputs):
            raise TypeError(f"expected a tuple ({', '.join(operation.outputs)}); "
                            f"got {type(value).__name__}")
    else:
        value = (value,)
    return tuple(None if v is None else np.asarray(v, dtype=np.float64) for v in value)


def equal(got, expected, rtol, atol) -> bool:
    """Same shape, and equal within tolerance (NaN where NaN is expected)."""
    if got is None or expected is None:
        return got is None and expected is None
    if got.shape != expected.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0)))
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol * scale, equal_nan=True))


def reference_outputs(operation, arguments):
    with engine("plain"):
        return operation.reference(**arguments)


def evaluate(operation, fn, parsed, arguments, expected=None, rtol=None, atol=None, label=None):
    """Run one case; an exception other than NotImplementedError is a failure of the case."""
    arguments = {name: arguments.get(name, default) for name, default in operation.parameters}
    expected = reference_outputs(operation, arguments) if expected is None else expected
    outcome = Outcome(arguments, tuple(expected), label=label)
    try:
        with np.errstate(all="ignore"):
            outcome.got = as_outputs(operation, call(fn, parsed, arguments))
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - the student's code may raise anything
        outcome.error = error
        return outcome
    rtol = operation.rtol if rtol is None else rtol
    atol = operation.atol if atol is None else atol
    outcome.wrong = tuple(name for name, g, e in zip(operation.outputs, outcome.got, expected)
                          if not equal(g, e, rtol, atol))
    return outcome


# -- the search -------------------------------------------------------------------

def needs_hypothesis() -> None:
    """Refuse, saying what to install, when hypothesis (the optional extra) is missing."""
    try:
        import hypothesis  # noqa: F401 - only whether it is there
    except ImportError:
        raise ImportError('convnet.testing needs hypothesis: pip install "convnet[testing]" '
                          '(from a checkout: pip install -e ".[testing]") or pip install '
                          'hypothesis') from None       # short: a grades table prints it whole


def smallest_failure(operation, fn, parsed, examples, seed):
    """(smallest failing outcome, first failing outcome, number of cases drawn)."""
    from hypothesis import HealthCheck, Phase, errors, find, settings

    taken = {name for name, _ in parsed}
    failures, drawn, known = [], [0], {}

    def fails(arguments):
        key = _key(arguments)
        if key in known:                       # a case hypothesis replays: the same answer
            return known[key]
        if failures and drawn[0] >= SHRINK_CALLS + failures[0].number:
            return False                       # shrinking has had its budget: stop improving
        drawn[0] += 1
        outcome = evaluate(operation, fn, parsed, arguments)
        if outcome.failed:
            outcome.number = drawn[0]
            failures.append(outcome)
        known[key] = outcome.failed
        return outcome.failed

    options = settings(max_examples=examples, database=None, deadline=None,
                       phases=(Phase.generate, Phase.shrink),
                       suppress_health_check=list(HealthCheck))
    try:
        smallest = find(operation.strategy(taken), fails, settings=options,
                        random=random.Random(seed))
    except errors.NoSuchExample:
        return None, None, drawn[0]
    smallest = failures[-1].arguments    # the last failure: the shrinker's best so far
    return simplify(operation, fn, parsed, smallest), failures[0], failures[0].number


def _key(arguments):
    return tuple((name, value.shape, value.tobytes()) if isinstance(value, np.ndarray)
                 else (name, repr(value)) for name, value in arguments.items())


MAX_EXAMPLES = 10_000       # a grading run, not a fuzzing campaign
SHRINK_CALLS = 40           # calls of the function while shrinking, at most
SIMPLIFY_CALLS = 40          # at most this many extra calls to zero values out


def simplify(operation, fn, parsed, arguments):
    """The failing case with every value set to zero that the failure does not need.

    Entry by entry, in order, a nonzero value becomes 0 when the function
    still fails the same way (the same outputs wrong, or the same exception
    type); at most ``SIMPLIFY_CALLS`` tries.
    """
    best = evaluate(operation, fn, parsed, arguments)
    calls = 0
    for name, value in arguments.items():
        if not isinstance(value, np.ndarray):
            continue
        for index in zip(*np.nonzero(value)):
            if calls >= SIMPLIFY_CALLS:
                return best
            trial = dict(best.arguments)
            trial[name] = trial[name].copy()
            trial[name][index] = 0.0
            calls += 1
            outcome = evaluate(operation, fn, parsed, trial)
            if outcome.wrong == best.wrong and type(outcome.error) is type(best.error) \
                    and outcome.failed:
                best = outcome
    return best


def run_check(check, operation, fn, signature=None, examples=40, seed=0):
    """Worked examples, then drawn cases; raise AssertionError with the report on failure."""
    from ._report import report

    needs_hypothesis()
    if not callable(fn):
        fail("fn", "a callable (your function)", fn, error=TypeError)
    examples = integer(examples, "examples", minimum=0, maximum=MAX_EXAMPLES)
    seed = integer(seed, "seed", minimum=0)
    parsed = parse_signature(operation, signature)
    result = CheckResult(check)
    worked = []
    for example in operation.worked:
        if not accepts(operation, parsed, example.arguments):
            result.skipped.append(example.name)
            continue
        try:
            outcome = evaluate(operation, fn, parsed, example.arguments, example.expected,
                               example.rtol, example.atol, label=example.name)
        except NotImplementedError as error:
            raise AssertionError(f"{check}: your function is not implemented yet "
                                 f"(NotImplementedError: {error})") from None
        worked.append(outcome)
    try:
        smallest, first, result.drawn = smallest_failure(operation, fn, parsed, examples, seed)
    except NotImplementedError as error:
        raise AssertionError(f"{check}: your function is not implemented yet "
                             f"(NotImplementedError: {error})") from None
    if smallest is not None or any(o.failed for o in worked):
        raise AssertionError(report(check, operation, worked, smallest, first, result.drawn))
    result.worked = [o.label for o in worked]
    return result
