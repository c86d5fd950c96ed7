"""Every public entry point, a valid call of it, and the bad values each argument must refuse.

An :class:`Entry` knows how to call one public function or method with valid
arguments, and for each argument a *kind*.  Each kind lists bad values (with
a short label); the suite calls the entry with one argument replaced by a bad
value and requires a ``ValueError`` or ``TypeError`` whose message names the
argument (or one of its listed aliases, e.g. "input" for ``x``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# -- bad values by kind -----------------------------------------------------

class Opaque:
    """An object of no numeric meaning."""

    def __repr__(self):
        return "Opaque()"


NOT_A_NUMBER_ARRAY = [
    ("None", None),
    ("a string", "text"),
    ("a list of strings", ["a", "b"]),
    ("a ragged list", [[1.0, 2.0], [3.0]]),
    ("an object", Opaque()),
    ("a dict", {"a": 1}),
    ("complex numbers", "complex"),          # made to the valid shape below
    ("booleans", "bool"),                    # made to the valid shape below
    ("strings of the right shape", "str"),   # made to the valid shape below
]

POSITIVE_INT = [
    ("zero", 0), ("minus one", -1), ("very negative", -10 ** 9), ("a float", 1.5),
    ("a whole float", 2.0), ("a string", "2"), ("None", None), ("True", True),
    ("nan", math.nan), ("an empty list", []), ("a triple", (1, 2, 3)), ("an object", Opaque()),
    ("complex", 1 + 2j),
]

NON_NEGATIVE_INT = [v for v in POSITIVE_INT if v[0] != "zero"]

PADDING = [
    ("minus one", -1), ("an unknown word", "sam"), ("upper case", "SAME"), ("a float", 1.5),
    ("None", None), ("True", True), ("a triple", (1, 2, 3)), ("short pairs", ((1,), (2,))),
    ("three pairs", ((1, 1), (1, 1), (1, 1))), ("huge", 10 ** 9), ("an object", Opaque()),
    ("a negative side", ((0, -1), (0, 0))), ("a string pair", ("1", "2")),
]

CHOICE = [("an unknown word", "bogus"), ("None", None), ("a number", 3),
          ("bytes", b"tied"), ("an object", Opaque()), ("a list", ["tied"])]

UNIT_FLOAT = [("minus a tenth", -0.1), ("one", 1.0), ("more than one", 1.5), ("nan", math.nan),
              ("inf", math.inf), ("a string", "0.5"), ("None", None), ("True", True),
              ("complex", 0.5j), ("a list", [0.5])]

POSITIVE_FLOAT = [("zero", 0.0), ("negative", -0.1), ("nan", math.nan), ("inf", math.inf),
                  ("a string", "0.1"), ("None", None), ("True", True), ("a list", [0.1])]

REAL = [("nan", math.nan), ("inf", math.inf), ("a string", "0.1"), ("None", None),
        ("True", True), ("complex", 1j), ("a list", [0.1])]

DTYPE = [("int32", "int32"), ("float16", np.float16), ("None", None), ("complex", np.complex64),
         ("nonsense", "floaty"), ("an object", Opaque())]

SEED = [("negative", -1), ("a float", 1.5), ("a string", "seed"), ("an object", Opaque()),
        ("True", True), ("a list", [1])]

BOOL = [("a string", "yes"), ("a number", 1), ("None", None), ("an object", Opaque())]

SHAPE2 = [("zeros", (0, 0)), ("negative", (-1, 5)), ("floats", (2.5, 3)), ("a string", "3x3"),
          ("None", None), ("a triple", (3, 3, 3)), ("an object", Opaque())]

PATH = [("None", None), ("a number", 3), ("an object", Opaque()), ("a list", ["model.npz"])]

AXIS = [("three", 3), ("very negative", -10 ** 9), ("a float", 1.5), ("a string", "1"),
        ("None", None), ("True", True)]

PIXEL = [("negative", (-1, 0)), ("floats", (0.5, 1)), ("a string", "0,0"), ("a triple", (0, 0, 0)),
         ("an object", Opaque())]

NON_NEGATIVE_FLOAT = [("negative", -0.1), ("nan", math.nan), ("inf", math.inf),
                      ("a string", "0.1"), ("None", None), ("True", True), ("a list", [0.1])]

CLOSED_UNIT_FLOAT = [("minus a tenth", -0.1), ("more than one", 1.5), ("nan", math.nan),
                     ("a string", "0.5"), ("None", None), ("True", True), ("a list", [0.5])]

# BatchNorm's momentum: None (a cumulative average) is valid, as in PyTorch.
OPTIONAL_CLOSED_UNIT_FLOAT = [(label, value) for label, value in CLOSED_UNIT_FLOAT
                              if value is not None]

KINDS = {
    "axis": AXIS, "pixel": PIXEL, "non_negative_float": NON_NEGATIVE_FLOAT,
    "closed_unit_float": CLOSED_UNIT_FLOAT, "optional_closed_unit_float": OPTIONAL_CLOSED_UNIT_FLOAT,
    "positive_int": POSITIVE_INT, "non_negative_int": NON_NEGATIVE_INT, "padding": PADDING,
    "choice": CHOICE, "unit_float": UNIT_FLOAT, "positive_float": POSITIVE_FLOAT,
    "real": REAL, "dtype": DTYPE, "seed": SEED, "bool": BOOL, "shape2": SHAPE2,
    "path": PATH,
}


def array_bad_values(valid: np.ndarray, fixed_ndim: bool, allow_empty: bool):
    """Bad values for an array argument whose valid value is ``valid``."""
    values = []
    for label, value in NOT_A_NUMBER_ARRAY:
        if value == "complex":
            value = np.asarray(valid) + 0j
        elif value == "bool":
            value = np.ones(np.shape(valid), dtype=bool)
        elif value == "str":
            value = np.full(np.shape(valid), "x")
        values.append((label, value))
    valid = np.asarray(valid, dtype=float)
    if fixed_ndim:
        values.append(("one axis more", valid[None]))
        values.append(("flattened", valid.reshape(-1) if valid.ndim > 1 else valid.reshape(1, -1)))
        values.append(("a scalar", np.float64(1.0)))
    if not allow_empty:
        values.append(("empty", valid[..., :0]))
    return values


@dataclass
class Entry:
    """One public entry point: how to call it validly, and what to try instead."""

    name: str
    call: Callable                      # call(**arguments) -> result
    valid: dict                         # argument -> a valid value
    kinds: dict                         # argument -> kind name or ("array", fixed_ndim, allow_empty)
    aliases: dict = field(default_factory=dict)     # argument -> other words that name it
    extra: list = field(default_factory=list)       # (argument, label, value): entry-specific
    allow: dict = field(default_factory=dict)       # argument -> labels that are valid there

    def bad_values(self):
        """Every (argument, label, value) this entry must refuse."""
        for argument, kind in self.kinds.items():
            if isinstance(kind, tuple) and kind[0] == "array":
                _, fixed_ndim, allow_empty = kind
                values = array_bad_values(self.valid[argument], fixed_ndim, allow_empty)
            else:
                values = KINDS[kind]
            for label, value in values:
                if label not in self.allow.get(argument, ()):
                    yield argument, label, value
        yield from self.extra

    def names(self, argument):
        return (argument, *self.aliases.get(argument, ()))
