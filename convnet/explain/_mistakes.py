"""Classic mistakes made by hand, each an alternative computation that may reproduce an answer.

For a wrong answer, :func:`diagnose` computes what each mistake would have
given and names those that reproduce every number the student gave (blank
entries aside).  A mistake is named only when it explains the answer
exactly, never because it comes close.

The mistakes an implementation makes too (a flipped kernel, rot180 missing
in dx, an average not divided, ...) are those of the catalogue of
:mod:`convnet.testing.catalogue`, asked first with the hand exercise as a
batch of one; ``MISTAKES`` here holds only those of a hand computation (the
result transposed, a wrong padding mode or stride, an input entry misread,
the wrong pooling, the output-size formula's slips).
"""

from __future__ import annotations

import numpy as np

from .. import functional
from ..window import conv_window

__all__ = ["diagnose", "MISTAKES"]

# key -> (name, what it means); the names a report shows.
MISTAKES = {
    "transposed": ("the result transposed",
                   "Your numbers are the correct ones with rows and columns swapped."),
    "padding": ("the wrong padding", "Your numbers are those of padding {given} instead of "
                                     "{asked}."),
    "stride": ("the wrong stride", "Your numbers are those of stride {given} instead of "
                                   "{asked}."),
    "misread entry": ("an input entry misread",
                      "Your numbers are those of the input with x[{i}, {j}] = {given} instead "
                      "of {actual} (the answer does not match the image it was computed "
                      "from)."),
    "other pooling": ("{given} pooling instead of {asked} pooling",
                      "Your numbers are each window's {word}."),
    "no +1": ("the +1 left out", "The output size is floor((n + 2p - k)/s) + 1 (Eq. 8.18): "
                                 "the first window's position counts too."),
    "padding once": ("the padding counted on one side only",
                     "Padding p adds p rows at the top and p at the bottom: 2p (Eq. 8.18)."),
    "no floor": ("the floor left out", "A window that does not fit is not used: the quotient "
                                       "is rounded down (Eq. 8.18)."),
    "ceil": ("rounded up instead of down", "A window that does not fit is not used: the "
                                           "quotient is rounded down (Eq. 8.18)."),
    "stride ignored": ("the stride left out", "The span n + 2p - k is divided by the stride "
                                              "(Eq. 8.18)."),
    "dilation ignored": ("the dilation left out", "A dilated kernel spans d(k - 1) + 1 "
                                                  "entries (Eq. 8.18 with dilation)."),
    "db averaged": ("db averaged instead of summed",
                    "The bias gradient is the sum of dz over every position (Eq. 8.36)."),
}


def diagnose(kind, given: dict, expected: dict, tolerance: float, x, k, options) -> list:
    """``(name, explanation)`` of each mistake that reproduces ``given`` exactly."""
    found, explained = _from_catalogue(kind, given, expected, tolerance, x, k, dict(options))
    for key, alternative, details in _candidates(kind, x, k, dict(options), expected):
        if set(alternative) <= explained:
            continue                                 # the catalogue named that output's mistake
        if _reproduces(given, alternative, expected, tolerance):
            name, text = MISTAKES[key]
            found.append((name.format(**details), text.format(**details)))
    if not found and kind in ("correlate", "convolve"):
        found += _misread(kind, given["z"], x, k, options, tolerance)
    return found


_OPERATIONS = {"correlate": "correlate2d", "convolve": "convolve2d", "backward": "conv2d_backward"}


def _from_catalogue(kind, given, expected, tolerance, x, k, options) -> tuple:
    """The catalogue's entries that reproduce the answer (run on it as a batch of one), and
    the names of the outputs they explain."""
    from ..testing.catalogue import mistakes_for     # testing sits beside explain, on top

    if kind == "output size":
        return [], set()
    arguments, unbatch = _catalogue_arguments(kind, x, k, options)
    operation = (f"{options.get('pooling', 'max')}_pool2d" if kind == "pool"
                 else _OPERATIONS[kind])
    found, explained = [], set()
    for mistake in mistakes_for(operation):
        try:
            with np.errstate(all="ignore"):
                produced = mistake.compute(**arguments) if mistake.compute else None
        except (TypeError, ValueError):
            continue
        produced = {name: unbatch(name, value) for name, value in (produced or {}).items()}
        if produced and _reproduces(given, produced, expected, tolerance):
            found.append((mistake.name, mistake.explanation[:1].upper()
                          + mistake.explanation[1:] + "."))
            explained |= set(produced) & set(given)
    return found, explained


def _catalogue_arguments(kind, x, k, options):
    """The checker's arguments for the hand exercise, and how to take its outputs back."""
    if kind in ("correlate", "convolve"):
        return dict(options, x=np.asarray(x, float), k=np.asarray(k, float)), \
            lambda name, value: value
    batch = (lambda a: np.asarray(a, float)[None, None])
    if kind == "pool":
        arguments = {key: value for key, value in options.items() if key != "pooling"}
        return dict(arguments, x=batch(x), kernel_size=k), lambda name, value: value[0, 0]
    arguments = dict(options, x=batch(x), w=batch(k), dz=batch(options["dz"]))

    def unbatch(name, value):
        value = np.asarray(value)
        return value.reshape(()) if name == "db" and value.size == 1 else (
            value[0, 0] if value.ndim == 4 else value)
    return arguments, unbatch


def _reproduces(given, alternative, expected, tolerance) -> bool:
    """True when ``alternative`` gives every given number and differs from ``expected``."""
    shared = [name for name in given if name in alternative]
    differs = False
    for name in shared:
        value = given[name]
        other, value = np.asarray(alternative[name], float), np.asarray(value, float)
        if other.shape != value.shape:
            return False
        answered = ~np.isnan(value)
        if not np.all(np.abs(other - value)[answered] <= tolerance):
            return False
        right = np.asarray(expected[name], float)
        differs = differs or right.shape != other.shape or not np.allclose(
            other[answered], right[answered], atol=tolerance, rtol=0)
    return bool(shared) and differs


def _candidates(kind, x, k, options, expected):
    """``(key, {name: alternative result}, details)`` for each mistake that applies."""
    if kind in ("correlate", "convolve"):
        yield from _window_candidates(kind, x, k, options, expected["z"])
    elif kind == "pool":
        yield from _pool_candidates(x, k, options)
    elif kind == "output size":
        yield from _size_candidates(x, k, options)
    else:
        yield from _backward_candidates(x, k, options, expected)


def _window_candidates(kind, x, k, options, z):
    operation = functional.correlate2d if kind == "correlate" else functional.convolve2d
    yield "transposed", {"z": np.asarray(z).T}, {}
    asked = options.get("padding", "valid")
    kh, kw = np.shape(k)
    seen = {_pads(x, k, options, asked)}                  # one name per distinct padding
    for padding in ("valid", "same", "full", *range(1, max(kh, kw))):
        pads = _pads(x, k, options, padding)
        if pads is not None and pads not in seen:
            seen.add(pads)
            yield ("padding", _tried(operation, x, k, **dict(options, padding=padding)),
                   {"given": repr(padding), "asked": repr(asked)})
    stride = options.get("stride", 1)
    for other_stride in (1, 2, 3):
        if other_stride != stride:
            yield ("stride", _tried(operation, x, k, **dict(options, stride=other_stride)),
                   {"given": other_stride, "asked": stride})


def _pool_candidates(x, size, options):
    pooling = options.pop("pooling", "max")
    other = "avg" if pooling == "max" else "max"
    functions = {"max": functional.max_pool2d, "avg": functional.avg_pool2d}

    def pooled(kind, **changes):
        arguments = dict(options, **changes)
        return _tried(lambda a, s, **o: functions[kind](np.asarray(a, float)[None, None], s,
                                                        **o)[0, 0], x, size, **arguments)

    words = {"max": "maximum", "avg": "mean"}
    yield "other pooling", pooled(other), {"given": other, "asked": pooling,
                                           "word": words[other]}
    stride = options.get("stride") or size
    for other_stride in {1, size} - {stride}:
        yield ("stride", pooled(pooling, stride=other_stride),
               {"given": other_stride, "asked": stride})


def _size_candidates(n, k, options):
    stride, dilation = options.get("stride", 1), options.get("dilation", 1)
    try:
        (before, after), _ = conv_window((n, n), (k, k), stride, options.get("padding", 0),
                                         dilation).pads
    except (TypeError, ValueError):
        return
    span = n + before + after - (dilation * (k - 1) + 1)
    yield "no +1", {"o": span // stride}, {}
    yield "padding once", {"o": (n + before - k) // stride + 1}, {}
    yield "no floor", {"o": span / stride + 1}, {}
    yield "ceil", {"o": -(-span // stride) + 1}, {}
    if stride != 1:
        yield "stride ignored", {"o": span + 1}, {}
    if dilation != 1:
        d_span = n + before + after - k
        yield "dilation ignored", {"o": d_span // stride + 1}, {}


def _backward_candidates(x, w, options, expected):
    dz = np.asarray(options["dz"], dtype=np.float64)
    if "db" in expected:
        yield "db averaged", {"db": expected["db"] / dz.size}, {}


def _pads(x, k, options, padding):
    """The ((top, bottom), (left, right)) of ``padding``, or None where it does not fit."""
    try:
        return conv_window(np.shape(x), np.shape(k), options.get("stride", 1), padding,
                           options.get("dilation", 1)).pads
    except (TypeError, ValueError):
        return None


def _tried(function, x, k, **options) -> dict:
    """``{"z": function(x, k, **options)}``, or ``{}`` where those options do not fit."""
    try:
        return {"z": function(x, k, **options)}
    except (TypeError, ValueError):
        return {}


def _misread(kind, answer, x, k, options, tolerance) -> list:
    """One input entry read as another number: the entry and value that give the answer."""
    x = np.asarray(x, dtype=np.float64)
    operation = functional.correlate2d if kind == "correlate" else functional.convolve2d
    z = operation(x, k, **options)
    if answer.shape != z.shape or x.size > 400:
        return []
    answered = ~np.isnan(answer)
    wrong = answered & (np.abs(answer - z) > tolerance)
    if not wrong.any():
        return []
    m, n = np.argwhere(wrong)[0]
    candidates = []
    for i, j in np.ndindex(*x.shape):
        impulse = np.zeros_like(x)
        impulse[i, j] = 1.0
        response = operation(impulse, k, **options)     # how z moves per unit of x[i, j]
        if abs(response[m, n]) < 1e-12:
            continue
        change = (answer[m, n] - z[m, n]) / response[m, n]
        if np.all(np.abs(z + change * response - answer)[answered] <= tolerance):
            candidates.append((i, j, _number(x[i, j] + change), _number(x[i, j])))
    found = [(MISTAKES["misread entry"][0], MISTAKES["misread entry"][1].format(
        i=i, j=j, given=given, actual=actual)) for i, j, given, actual in candidates]
    if len(found) <= 1:
        return found
    readings = ", ".join(f"x[{i}, {j}] = {given} (not {actual})"
                         for i, j, given, actual in candidates[:8])
    more = f" and {len(candidates) - 8} more" if len(candidates) > 8 else ""
    return [(MISTAKES["misread entry"][0], f"One input entry read as another number would "
             f"give your numbers: {readings}{more}. Check the input you copied from the sheet.")]


def _number(value) -> str:
    value = float(value)
    return str(int(round(value))) if abs(value - round(value)) < 1e-9 else f"{value:.4g}"
