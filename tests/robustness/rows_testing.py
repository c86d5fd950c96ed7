"""convnet.testing: the checkers of a student's functions and layers.

Each checker refuses, before calling anything, a function that is not
callable, a ``signature`` that does not name its arguments, and an
``examples`` or ``seed`` that is not a small non-negative int.
"""

from __future__ import annotations

import numpy as np

from convnet import functional as F, layers as L, testing

from .registry import Entry

NOT_CALLABLE = [("fn", "None", None), ("fn", "a number", 3), ("fn", "an array", np.ones(3))]
BAD_SIGNATURE = [("signature", "an unknown name", ("x", "kernel")),
                 ("signature", "a number", 3), ("signature", "a required one missing", ("x",)),
                 ("signature", "a name twice", ("x", "k", "x")),
                 ("signature", "a bad keyword", ("x", "k", "padding=1pad"))]
COUNTS = dict(examples="non_negative_int", seed="seed")
HUGE = [("examples", "huge", 10 ** 9)]


def checker(name, fn, signature=("x", "k"), **more):
    return Entry(f"testing.{name}", getattr(testing, name),
                 dict(fn=fn, signature=signature, examples=1, seed=0, **more), dict(COUNTS),
                 allow={"examples": {"zero"}},
                 extra=NOT_CALLABLE + HUGE + (BAD_SIGNATURE if signature[1:2] == ("k",) else []))


ROWS = (
    checker("check_correlate2d", F.correlate2d),
    checker("check_convolve2d", F.convolve2d),
    checker("check_conv2d", F.conv2d, ("x", "w")),
    checker("check_conv2d_backward", F.conv2d_backward, ("dz", "x", "w")),
    checker("check_conv_transpose2d", F.conv_transpose2d, ("x", "w")),
    checker("check_batch_norm", F.batch_norm, ("x",)),
    checker("check_batch_norm_backward", lambda dz, x: F.batch_norm_backward(
        dz, x, np.ones(x.shape[1]), np.zeros(x.shape[1])), ("dz", "x")),
    checker("check_max_pool2d", F.max_pool2d, ("x", "kernel_size")),
    checker("check_avg_pool2d", F.avg_pool2d, ("x", "kernel_size")),
    Entry("testing.check_pool_backward", testing.check_pool_backward,
          dict(fn=F.max_pool2d_backward, kind="max", examples=1, seed=0),
          dict(COUNTS, kind="choice"), extra=NOT_CALLABLE + HUGE),
    checker("check_group_norm", F.group_norm, ("x", "num_groups")),
    checker("check_group_norm_backward", lambda dz, x, groups: F.group_norm_backward(
        dz, x, groups, np.ones(x.shape[1]), np.zeros(x.shape[1])), ("dz", "x", "num_groups")),
    checker("check_grouped_conv2d", F.conv2d, ("x", "w", "groups=groups")),
    checker("check_grouped_conv2d_backward", F.conv2d_backward, ("dz", "x", "w", "groups=groups")),
    checker("check_adaptive_avg_pool2d", F.adaptive_avg_pool2d, ("x", "output_size")),
    checker("check_adaptive_max_pool2d", F.adaptive_max_pool2d, ("x", "output_size")),
    Entry("testing.check_adaptive_pool_backward", testing.check_adaptive_pool_backward,
          dict(fn=F.adaptive_avg_pool2d_backward, kind="avg", examples=1, seed=0),
          dict(COUNTS, kind="choice"), extra=NOT_CALLABLE + HUGE),
    checker("check_upsample2d", F.upsample2d, ("x", "scale_factor")),
    checker("check_upsample2d_backward", F.upsample2d_backward, ("dz", "x", "scale_factor")),
    Entry("testing.check_activation", testing.check_activation,
          dict(fn=F.relu, derivative=F.relu_derivative, name="relu", examples=1, seed=0),
          dict(COUNTS, name="choice"),
          extra=NOT_CALLABLE[1:] + HUGE + [("derivative", "a number", 3)]),   # None: skipped
    Entry("testing.check_layer", testing.check_layer,
          dict(layer_or_factory=lambda: L.Dense(3, 2, rng=0, dtype=np.float64),
               input_shape=(3,), counterpart=None, seed=0),
          dict(seed="seed"),
          extra=[("layer_or_factory", "None", None), ("layer_or_factory", "a number", 3),
                 ("layer_or_factory", "a factory returning None", lambda: None),
                 ("input_shape", "a string", "3x3"), ("input_shape", "zeros", (0,)),
                 ("input_shape", "floats", (3.5,)), ("counterpart", "a number", 3)]),
)
