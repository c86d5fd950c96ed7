"""Classic mistakes made by hand, each an alternative computation that may reproduce an answer.

For a wrong answer, :func:`diagnose` computes what each mistake of the
catalogue would have given and names those that reproduce every number
the student gave (blank entries aside).  A mistake is named only when it
explains the answer exactly, never because it comes close.
"""

from __future__ import annotations

import numpy as np

from .. import functional
from ..window import conv_window

__all__ = ["diagnose", "MISTAKES"]

# key -> (name, what it means); the names a report shows.
MISTAKES = {
    "flipped kernel": ("convolution instead of cross-correlation",
                       "Your numbers are those of the kernel flipped by 180 degrees (Eq. 8.8): "
                       "a cross-correlation slides the kernel as it is (Eq. 8.13)."),
    "unflipped kernel": ("cross-correlation instead of convolution",
                         "Your numbers are those of the kernel as it is: a convolution flips "
                         "it by 180 degrees first (Eq. 8.8, P8.1)."),
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
    "average not divided": ("average pooling not divided by the window size",
                            "Your numbers are each window's sum; the mean divides it by "
                            "{size} (Eq. 8.22 with w = 1/{size})."),
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
    "missing rot180": ("rot180 missing in the input gradient",
                       "Your dx is the full correlation of dz with w as it is; the input "
                       "gradient uses rot180(w) (Eq. 8.44-8.45)."),
    "dz not dilated": ("dz not dilated for the stride",
                       "With stride s, put s - 1 zeros between the entries of dz before the "
                       "full correlation with rot180(w) (Eq. 8.44-8.45)."),
    "dw flipped": ("dw rotated by 180 degrees",
                   "dw[u, v] pairs dz[m, n] with x[m·s + u, n·s + v]: x cross-correlated "
                   "with dz, not convolved (Eq. 8.47-8.48)."),
    "dw transposed": ("dw transposed", "Your dw is the correct one with u and v swapped."),
    "db averaged": ("db averaged instead of summed",
                    "The bias gradient is the sum of dz over every position (Eq. 8.36)."),
}


def diagnose(kind, given: dict, expected: dict, tolerance: float, x, k, options) -> list:
    """``(name, explanation)`` of each catalogue mistake that reproduces ``given`` exactly."""
    found = []
    for key, alternative, details in _candidates(kind, x, k, dict(options), expected):
        if _reproduces(given, alternative, expected, tolerance):
            name, text = MISTAKES[key]
            found.append((name.format(**details), text.format(**details)))
    if not found and kind in ("correlate", "convolve"):
        found += _misread(kind, given["z"], x, k, options, tolerance)
    return found


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
    other = functional.convolve2d if kind == "correlate" else functional.correlate2d
    yield ("flipped kernel" if kind == "correlate" else "unflipped kernel",
           _tried(other, x, k, **options), {})
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
    if pooling == "avg":
        mean = pooled("avg")
        yield ("average not divided", {"z": mean["z"] * size * size} if mean else {},
               {"size": size * size})
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
    dz, stride, padding = options["dz"], options.get("stride", 1), options.get("padding", 0)
    x, w, dz = (np.asarray(a, dtype=np.float64) for a in (x, w, dz))

    def backward(weights):
        dx, _, _ = functional.conv2d_backward(dz[None, None], x[None, None],
                                              weights[None, None], stride, padding)
        return dx[0, 0]

    yield "missing rot180", {"dx": backward(w[::-1, ::-1])}, {}
    if stride != 1 and padding in (0, "valid"):
        full = functional.correlate2d(dz, w[::-1, ::-1], padding="full")      # (Ho+kh-1, ...)
        cut = np.zeros_like(x)
        rows, cols = min(full.shape[0], x.shape[0]), min(full.shape[1], x.shape[1])
        cut[:rows, :cols] = full[:rows, :cols]
        yield "dz not dilated", {"dx": full}, {}
        yield "dz not dilated", {"dx": cut}, {}
    if "dw" in expected:
        yield "dw flipped", {"dw": expected["dw"][::-1, ::-1]}, {}
        yield "dw transposed", {"dw": expected["dw"].T}, {}
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
