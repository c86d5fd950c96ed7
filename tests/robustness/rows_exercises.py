"""Entry points for checking one's own work: explain.check_answer, exercise folders, register_layer.

To cover a new function, add one row to ``ROWS`` (see rows_math.py for what
``valid``, ``kinds``, ``extra``, ``aliases`` and ``allow`` mean), e.g.::

    Entry("exercises.new", exercises.new, dict(sheet="pooling", folder=FOLDER),
          dict(sheet="choice", folder="path"))

Exercise folders are written only by valid calls, which these rows never
make whole: every tried call has one bad argument and is refused first.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import convnet
from convnet import exercises, explain, layers as L

from .registry import Entry
from .rows import ARRAY, K2, KERNEL_TOO_LARGE, X2

FOLDER = os.path.join(tempfile.gettempdir(), "convnet-robustness-exercises")


class Gain(L.Layer):
    """A user's layer (valid for register_layer)."""


ROWS = (
    Entry("explain.check_answer", explain.check_answer,
          dict(kind="correlate", x=X2, k=K2, answer=np.zeros((4, 4)), tolerance=0.01),
          dict(kind="choice", x=ARRAY, k=ARRAY, tolerance="non_negative_float"),
          extra=[KERNEL_TOO_LARGE, ("answer", "None", None), ("answer", "a word", "four"),
                 ("answer", "a ragged list", [[1.0, 2.0], [3.0]]),
                 ("answer", "one axis", np.zeros(4)), ("answer", "an object", object()),
                 ("answer", "an empty matrix", np.zeros((0, 0)))]),
    Entry("explain.check_answer (output size)",
          lambda n, kernel_size, answer, stride: explain.check_answer(
              "output size", n, kernel_size, answer, stride=stride),
          dict(n=227, kernel_size=11, answer=55, stride=4),
          dict(n="positive_int", kernel_size="positive_int", stride="positive_int"),
          aliases={"n": ("input",), "kernel_size": ("kernel",)},
          extra=[("answer", "None", None), ("answer", "a word", "many"),
                 ("answer", "a list", [55]), ("answer", "True", True)]),
    Entry("explain.check_answer (backward)",
          lambda x, w, answer, dz: explain.check_answer("backward", x, w, answer, dz=dz),
          dict(x=X2, w=K2, answer={"db": 0.0}, dz=np.ones((4, 4))),
          dict(x=ARRAY, w=ARRAY, dz=ARRAY),
          extra=[("answer", "a matrix, not a dict", np.zeros((4, 4))),
                 ("answer", "an unknown gradient", {"dy": np.zeros((6, 6))}),
                 ("answer", "an empty dict", {}), ("answer", "db a word", {"db": "x"}),
                 ("dz", "the wrong output shape", np.ones((5, 5)))]),
    Entry("exercises.new", exercises.new, dict(sheet="pooling", folder=FOLDER, solution=False),
          dict(sheet="choice", folder="path", solution="bool")),
    Entry("exercises.check", exercises.check, dict(folder=FOLDER, sheet=None),
          dict(folder="path", sheet="choice"), allow={"sheet": {"None"}},
          extra=[("folder", "a folder without a sheet's module", tempfile.gettempdir())]),
    Entry("register_layer", convnet.register_layer, dict(cls=Gain), {},
          extra=[("cls", "None", None), ("cls", "a layer object", L.ReLU()),
                 ("cls", "a class that is no layer", dict),
                 ("cls", "a library layer's name", type("Conv2D", (L.Layer,), {}))]),
)
