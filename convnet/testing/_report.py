"""The text of a failed check: which cases failed, the smallest one in full, and the diagnosis."""

from __future__ import annotations

import numpy as np

from .catalogue import reproduces

MAX_POSITIONS = 6           # differing positions listed per output


def _array(value, indent="    ") -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, suppress_small=True, separator=", ",
                               max_line_width=88)
        return ("\n" + indent).join(text.splitlines())
    return repr(value)


def _number(value) -> str:
    return f"{float(value):.6g}"


def positions(got, expected, rtol, atol) -> str:
    """'z differs at 2 of 4 positions: (0, 1) expected 4, got -4; ...'."""
    scale = max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0)))
    close = np.isclose(got, expected, rtol=rtol, atol=atol * scale, equal_nan=True)
    where = np.argwhere(~close)
    listed = "; ".join(f"{tuple(int(i) for i in index)} expected {_number(expected[tuple(index)])}"
                       f", got {_number(got[tuple(index)])}" for index in where[:MAX_POSITIONS])
    more = f"; and {len(where) - MAX_POSITIONS} more" if len(where) > MAX_POSITIONS else ""
    return f"differs at {len(where)} of {expected.size} positions: {listed}{more}"


def describe(operation, outcome) -> list:
    """The case in full: arguments, then expected against got for each wrong output."""
    lines = []
    for name, value in outcome.arguments.items():
        shape = f"   (shape {value.shape})" if isinstance(value, np.ndarray) else ""
        lines.append(f"  {name} = {_array(value, ' ' * (len(name) + 5))}{shape}")
    if outcome.error is not None:
        lines.append(f"  your function raised {type(outcome.error).__name__}: {outcome.error}")
        return lines
    for name in outcome.wrong:
        index = operation.outputs.index(name)
        expected, got = outcome.expected[index], outcome.got[index]
        lines.append(f"  expected {name} (library, shape {_shape(expected)}):")
        lines.append(f"    {_array(expected)}")
        lines.append(f"  got {name} (yours, shape {_shape(got)}):")
        lines.append(f"    {_array(got)}")
        if got is not None and expected is not None and got.shape == expected.shape:
            lines.append(f"  {name} {positions(got, expected, operation.rtol, operation.atol)}")
        else:
            lines.append(f"  {name} has the wrong shape: expected {_shape(expected)}, "
                         f"got {_shape(got)}")
    return lines


def _shape(value):
    return None if value is None else value.shape


def diagnose(operation, outcomes) -> tuple:
    """The entries that explain the failures: ([(mistake, outputs)], whether they explain all).

    An entry explains a failing case when the output it computes for that
    case equals a wrong output of the function.  Named are the entries that
    explain the first outcome (the smallest case) and every other failing
    case whose wrong outputs are ones the entry makes (where the mistake
    changes nothing, it predicts the right answer: a wrong one contradicts
    it).  If no entry survives that, those explaining the smallest case are
    named as possible causes.
    """
    failing = [o for o in outcomes if o is not None and o.got is not None and o.wrong]
    if not failing:
        return [], True
    tolerance = (operation.rtol, operation.atol)
    candidates = []
    for mistake in operation.mistakes:
        explained = reproduces(mistake, failing[0].arguments, failing[0].got, failing[0].wrong,
                               operation.outputs, tolerance)
        if explained:
            candidates.append((mistake, explained))
    consistent = [(mistake, outputs) for mistake, outputs in candidates
                  if all(reproduces(mistake, o.arguments, o.got, o.wrong, operation.outputs,
                                    tolerance) or not set(o.wrong) & set(outputs)
                         for o in failing[1:])]
    return (consistent, True) if consistent else (candidates, False)


def report(check, operation, worked, smallest, first, drawn) -> str:
    lines = [f"{check}: your function disagrees with the library's {operation.name}."]
    if worked:
        lines.append("worked examples (the course documents' numbers):")
        lines += [f"  {'FAIL' if o.failed else 'ok  '}  {o.label}" for o in worked]
    failed_worked = [o for o in worked if o.failed]
    if smallest is not None:
        lines.append(f"drawn cases: case {drawn} failed; the smallest failing case found by "
                     "shrinking it:")
        lines += describe(operation, smallest)
    elif failed_worked:
        lines.append(f"drawn cases: all {drawn} passed; the first failing worked example, "
                     f"{failed_worked[0].label}:")
        lines += describe(operation, failed_worked[0])
    named, everywhere = diagnose(operation, [smallest, first, *failed_worked])
    if named:
        where = "exactly" if everywhere else "on the smallest case only"
        for mistake, outputs in named:
            lines.append(f"diagnosis: {mistake.name} (reproduces your {', '.join(outputs)} "
                         f"{where}): {mistake.explanation}.")
    else:
        errored = smallest is not None and smallest.error is not None
        lines.append("diagnosis: " + ("your function raised an exception on this case."
                                      if errored else "no entry of the catalogue of classic "
                                      "mistakes reproduces your output; compare the positions "
                                      "above with the sum of products by hand."))
    return "\n".join(lines)
