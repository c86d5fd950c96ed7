"""Entry points of adaptive pooling, upsampling and the containers (Residual, Concat).

Adaptive pooling and upsampling come in every engine (``across(ENGINES, ...)``,
as in rows_math.py); their layers and the containers get constructor rows and
``.forward`` / ``.backward`` rows (``layer_rows``, as in rows_nets.py).  To
cover a new function, add one row to ``ROWS``, e.g.::

    Entry("layers.Upsample2D", L.Upsample2D, dict(scale_factor=2), dict(scale_factor="real"))
"""

from __future__ import annotations

import numpy as np

import convnet
from convnet import functional as F, layers as L, reference
from convnet.functional import plain

from .registry import Entry
from .rows import ARRAY, W4, X4, across, layer_rows, sequential

ENGINES = (("functional", F), ("plain", plain), ("reference", reference))

A4 = np.random.default_rng(1).normal(size=(2, 3, 3, 2))        # X4 pooled to 3x2
U4 = np.random.default_rng(2).normal(size=(2, 3, 9, 9))        # X4 upsampled by 1.5
X8 = np.random.default_rng(3).normal(size=(2, 3, 8, 8))
CONV_RECORD = ("saved", "a record of a convolution", F.conv2d(X4, W4, return_saved=True)[1])
OUTPUT_SIZE = [("output_size", "a pair with a zero", (0, 2)),
               ("output_size", "a pair of floats", (1.5, 2)),
               ("output_size", "a pair of strings", ("3", "2")),
               ("output_size", "huge", 10 ** 9)]
SCALE = [("scale_factor", "a triple", (1, 2, 3)), ("scale_factor", "a pair with a zero", (0, 2)),
         ("scale_factor", "too small to leave a pixel", 0.1),
         ("scale_factor", "huge", 1e9), ("scale_factor", "beyond every number", 1e308),
         ("size", "given as well", 4), ("mode", "PyTorch's bilinear (not here)", "bilinear")]
SIZE = [("size", "a pair with a zero", (0, 4)), ("size", "a triple", (1, 2, 3)),
        ("size", "huge", 10 ** 9), ("scale_factor", "given as well", 2)]

ADAPTIVE = tuple(row for pool in ("adaptive_avg_pool2d", "adaptive_max_pool2d") for row in (
    Entry(pool, None, dict(x=X4, output_size=(3, 2), return_saved=False),
          dict(x=ARRAY, output_size="positive_int", return_saved="bool"), extra=OUTPUT_SIZE),
    Entry(f"{pool}_backward", None, dict(dz=A4, x=X4, output_size=(3, 2), saved=None),
          dict(dz=ARRAY, x=ARRAY, output_size="positive_int"), allow={"saved": {"None"}},
          extra=OUTPUT_SIZE + [("dz", "the wrong output shape", np.ones((2, 3, 2, 3))),
                               ("saved", "not a record", "saved"), CONV_RECORD])))

UPSAMPLE = (
    Entry("upsample2d", None,
          dict(x=X4, scale_factor=1.5, mode="nearest", size=None, return_saved=False),
          dict(x=ARRAY, scale_factor="positive_float", mode="choice", return_saved="bool"),
          extra=SCALE),
    Entry("upsample2d_backward", None,
          dict(dz=U4, x=X4, scale_factor=1.5, mode="nearest", size=None, saved=None),
          dict(dz=ARRAY, x=ARRAY, scale_factor="positive_float", mode="choice"),
          allow={"saved": {"None"}},
          extra=SCALE + [("dz", "the wrong output shape", np.ones((2, 3, 12, 12))),
                         ("saved", "not a record", "saved"), CONV_RECORD]),
)


def _by_size(function):
    """``function`` called with a ``size`` (and no scale factor unless given)."""
    def call(scale_factor=None, **arguments):
        return function(scale_factor=scale_factor, **arguments)
    return call


SIZED = tuple(
    Entry(f"{prefix}.{name} (size)", _by_size(getattr(module, name)), valid, kinds, extra=SIZE)
    for prefix, module in ENGINES
    for name, valid, kinds in (
        ("upsample2d", dict(x=X4, size=(9, 9)), dict(size="positive_int")),
        ("upsample2d_backward", dict(dz=U4, x=X4, size=(9, 9)), dict(size="positive_int"))))


def _residual(body, shortcut):
    return L.Residual(*body, shortcut=shortcut)


def _concat(branches):
    return L.Concat(*branches)


def _block():
    return L.Residual(L.Conv2D(3, 3, 3, padding=1, rng=0), L.ReLU(),
                      shortcut=L.Conv2D(3, 3, 1, rng=1))


def _inception():
    return L.Concat(L.Conv2D(3, 2, 1, rng=0),
                    [L.MaxPool2D(3, stride=1, padding=1), L.Conv2D(3, 1, 1, rng=1)])


RELU = L.ReLU()
RESAMPLING_LAYERS = (
    ("GlobalMaxPool2D", L.GlobalMaxPool2D),
    ("AdaptiveAvgPool2D", lambda: L.AdaptiveAvgPool2D((3, 2))),
    ("AdaptiveMaxPool2D", lambda: L.AdaptiveMaxPool2D((3, None))),
    ("Upsample2D", lambda: L.Upsample2D(1.5)),
    ("Residual", _block), ("Concat", _inception),
)

ROWS = (
    *across(ENGINES, ADAPTIVE + UPSAMPLE),
    *SIZED,
    *(Entry(f"layers.{name}", getattr(L, name), dict(output_size=2),
            dict(output_size="positive_int"), extra=OUTPUT_SIZE[:3])
      for name in ("AdaptiveAvgPool2D", "AdaptiveMaxPool2D")),
    Entry("layers.Upsample2D", L.Upsample2D, dict(scale_factor=2, mode="nearest", size=None),
          dict(scale_factor="positive_float", mode="choice"), allow={"size": {"None"}},
          extra=[row for row in SCALE if row[1] not in ("too small to leave a pixel", "huge",
                                                        "beyond every number")]),
    Entry("layers.Upsample2D (size)", _by_size(L.Upsample2D), dict(size=(4, 4)),
          dict(size="positive_int"), extra=[row for row in SIZE if row[1] != "huge"]),
    Entry("layers.Residual", _residual, dict(body=[RELU], shortcut=None), {},
          allow={"shortcut": {"None"}},
          extra=[("body", "no layer", []), ("body", "a number", [3]), ("body", "None", [None]),
                 ("body", "a string", ["relu"]), ("body", "the same layer twice", [RELU, RELU]),
                 ("shortcut", "a number", 3), ("shortcut", "an empty list", []),
                 ("shortcut", "a list with a string", ["relu"]),
                 ("shortcut", "a function", np.sum)]),
    Entry("layers.Concat", _concat, dict(branches=[RELU]), {},
          extra=[("branches", "no branch", []), ("branches", "a number", [3]),
                 ("branches", "an empty branch", [[]]), ("branches", "a string", [["relu"]]),
                 ("branches", "None", [None]), ("branches", "the same layer twice", [RELU, RELU])]),
    *layer_rows(RESAMPLING_LAYERS, X4),
    Entry("layers.Residual.forward (shapes)",
          lambda x: L.Residual(L.AdaptiveAvgPool2D(6)).forward(x), dict(x=X4), {},
          extra=[("x", "an input the body pools to 6x6 and the identity keeps 8x8", X8)]),
    Entry("layers.Concat.forward (shapes)",
          lambda x: L.Concat(L.AdaptiveAvgPool2D(6), L.ReLU()).forward(x), dict(x=X4), {},
          extra=[("x", "an input one branch pools to 6x6, the other keeps 8x8", X8)]),
    Entry("Sequential (containers)", sequential, dict(layers=[L.ReLU()], policy=None), {},
          allow={"policy": {"None"}},
          extra=[("layers", "a layer also inside a container", [RELU, L.Residual(RELU)]),
                 ("layers", "one container twice", [_block()] * 2)]),
    Entry("Sequential.summary (containers)",
          lambda input_shape: convnet.Sequential(_block()).summary(input_shape),
          dict(input_shape=(3, 6, 6)), {},
          extra=[("input_shape", "two channels", (2, 6, 6)), ("input_shape", "None", None)]),
)
