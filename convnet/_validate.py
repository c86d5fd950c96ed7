"""The few checks every public entry point uses, with one wording for errors.

Every message has the form ``"<argument> must be <rule>; got <value>"`` so that a
student who passes the wrong thing reads which argument, what was expected and
what was actually given.  Public functions call these helpers once, at the
entry point; inner helpers trust their inputs.
"""

from __future__ import annotations

import numbers
import operator
import os

import numpy as np

__all__ = [
    "describe",
    "fail",
    "real_array",
    "integer",
    "int_pair",
    "real_number",
    "one_of",
    "same_shape",
    "generator",
    "float_dtype",
    "boolean",
    "file_path",
]


def describe(value) -> str:
    """A short, readable description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (bool, np.bool_)):
        return f"{value!r} (bool)"
    if isinstance(value, (numbers.Number, str, tuple, list)) or value is None:
        text = repr(value)
        if len(text) > 60:
            text = text[:57] + "..."
        kind = type(value).__name__
        return text if value is None else f"{text} ({kind})"
    return f"an object of type {type(value).__name__}"


def fail(name: str, rule: str, value, *, error=ValueError, given: str | None = None):
    """Raise ``error`` with the library's wording: ``name must be rule; got value``."""
    got = given if given is not None else describe(value)
    raise error(f"{name} must be {rule}; got {got}")


_LAYOUT = {1: "(n,)", 2: "(H, W)", 3: "(C, H, W)", 4: "(N, C, H, W)"}


def real_array(value, name: str, *, ndim=None, layout: str | None = None,
               allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a real floating-point ndarray, or raise a clear error.

    Lists and integer arrays are converted to float64; float32 and float64 are
    kept as they are (no silent upcast); float16 becomes float32.  Booleans,
    complex numbers, strings and objects are refused with ``TypeError``; a
    wrong number of dimensions or an empty array with ``ValueError``.  NaN and
    inf are data, not errors.

    Parameters
    ----------
    value : array_like
    name : str
        The argument's name, used in the message.
    ndim : int or tuple of int, optional
        The accepted number(s) of dimensions.
    layout : str, optional
        How the axes are meant, e.g. ``"(N, C, H, W)"``, shown in the message.
    allow_empty : bool
        Accept arrays with a zero-length axis.
    """
    if type(value) is np.ndarray and value.dtype in _KEPT:            # the common case, quickly
        fits = ndim is None or value.ndim == ndim or (not isinstance(ndim, int)
                                                      and value.ndim in ndim)
        if fits and (allow_empty or value.size):
            return value
    if value is None:
        fail(name, "a real numeric array", value, error=TypeError)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular real numeric array; got a ragged or "
            f"mixed sequence ({exc})") from None
    kind = array.dtype.kind
    if kind in "iu":
        array = array.astype(np.float64)
    elif kind == "f":
        if array.dtype == np.float16:
            array = array.astype(np.float32)
        elif array.dtype not in (np.float32, np.float64):
            array = array.astype(np.float64)
    else:
        what = "bool" if kind == "b" else str(array.dtype)
        fail(name, "a real numeric array", value, error=TypeError,
             given=f"dtype {what}")
    if ndim is not None:
        accepted = (ndim,) if isinstance(ndim, int) else ndim
        if array.ndim not in accepted:
            if isinstance(accepted, range):
                dims = f"an array with at least {accepted.start} dimension(s)"
            else:
                if layout is None and len(accepted) == 1:
                    layout = _LAYOUT.get(accepted[0], "")
                dims = "a " + " or ".join(f"{d}-D" for d in accepted) + " array"
            rule = f"{dims} {layout or ''}".rstrip()
            fail(name, rule, value, given=f"shape {array.shape}")
    if not allow_empty and array.size == 0:
        fail(name, "a non-empty array", value, given=f"shape {array.shape}")
    return array


def integer(value, name: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, refusing floats, bools and None."""
    if isinstance(value, (bool, np.bool_)):
        fail(name, "an integer", value, error=TypeError)
    try:
        result = operator.index(value)
    except TypeError:
        fail(name, "an integer", value, error=TypeError)
    if minimum is not None and result < minimum:
        fail(name, f"an integer >= {minimum}", value)
    if maximum is not None and result > maximum:
        fail(name, f"an integer <= {maximum}", value)
    return result


def int_pair(value, name: str, *, minimum: int | None = None) -> tuple[int, int]:
    """Return an int or a pair of ints as a ``(rows, cols)`` tuple."""
    if (type(value) is tuple and len(value) == 2 and type(value[0]) is int
            and type(value[1]) is int and (minimum is None or min(value) >= minimum)):
        return value                                                   # the common case, quickly
    if isinstance(value, (tuple, list, np.ndarray)) and not np.isscalar(value):
        items = list(value)
        if len(items) != 2:
            fail(name, "an integer or a pair of integers", value)
        return tuple(integer(v, name, minimum=minimum) for v in items)
    single = integer(value, name, minimum=minimum)
    return single, single


def real_number(value, name: str, *, minimum=None, maximum=None,
                inclusive: tuple[bool, bool] = (True, True), finite: bool = True) -> float:
    """Return ``value`` as a Python float within the given bounds (finite unless told)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail(name, "a real number", value, error=TypeError)
    result = float(value)
    if finite and not np.isfinite(result):
        fail(name, "a finite real number", value)
    low_ok = minimum is None or (result >= minimum if inclusive[0] else result > minimum)
    high_ok = maximum is None or (result <= maximum if inclusive[1] else result < maximum)
    if not (low_ok and high_ok):
        left = "[" if inclusive[0] else "("
        right = "]" if inclusive[1] else ")"
        low = "-inf" if minimum is None else minimum
        high = "inf" if maximum is None else maximum
        fail(name, f"a number in {left}{low}, {high}{right}", value)
    return result


def one_of(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise."""
    options = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        fail(name, f"one of {options}", value, error=TypeError)
    if value not in choices:
        fail(name, f"one of {options}", value)
    return value


def same_shape(array: np.ndarray, name: str, expected: tuple, what: str) -> None:
    """Raise unless ``array.shape == expected``; ``what`` says where the shape comes from."""
    if tuple(array.shape) != tuple(expected):
        fail(name, f"of shape {tuple(expected)} ({what})", array,
             given=f"shape {tuple(array.shape)}")


def generator(rng, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator`` from None (fresh entropy), an int seed or a Generator.

    The global NumPy random state is never used.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (numbers.Integral,)):
        fail(name, "None, an int seed or a numpy.random.Generator", rng, error=TypeError)
    if rng < 0:
        fail(name, "a seed >= 0", rng)
    return np.random.default_rng(int(rng))


def float_dtype(dtype, name: str = "dtype"):
    """Return ``np.float32`` or ``np.float64`` for any spelling of them, else raise."""
    if dtype is None:  # np.dtype(None) would quietly mean float64
        fail(name, "float32 or float64", dtype, error=TypeError)
    try:
        resolved = np.dtype(dtype).type
    except Exception:  # NumPy's parser raises TypeError, ValueError or even SyntaxError
        fail(name, "float32 or float64", dtype, error=TypeError)
    if resolved not in (np.float32, np.float64):
        fail(name, "float32 or float64", dtype)
    return resolved


_KEPT = (np.dtype(np.float32), np.dtype(np.float64))   # native float dtypes kept as they are


def boolean(value, name: str) -> bool:
    """Return ``value`` if it is True or False (not 1, not "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        fail(name, "True or False", value, error=TypeError)
    return bool(value)


def file_path(value, name: str = "path", what: str = "file"):
    """Return ``value`` as a str path, refusing anything that is not a str or os.PathLike,
    and names with a NUL character (which ``open`` refuses without naming the argument).

    ``what`` ("file", "folder") is what the name names, for the messages.
    """
    if not isinstance(value, (str, os.PathLike)):
        fail(name, f"a {what} name (str or os.PathLike)", value, error=TypeError)
    path = os.fspath(value)
    if "\0" in str(path):
        fail(name, f"a {what} name without NUL characters", value)
    return path
