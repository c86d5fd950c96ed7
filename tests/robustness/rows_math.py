"""Entry points of the arithmetic: convnet.*, functional, reference, geometry, theory.

To cover a new function, add one row to ``ROWS`` (see rows.py for the
sample inputs and factories), e.g. for a (future) ``functional.engine(name)``::

    Entry("functional.engine", F.engine, valid=dict(name="numpy"),
          kinds=dict(name="choice"),
          extra=[("name", "an engine that does not exist", "cuda")])

``valid`` is one call that succeeds; ``kinds`` names, per argument, the list
of bad values to try (registry.KINDS, or ``ARRAY``-style tuples for arrays);
``extra`` adds (argument, label, value) cases of its own; ``aliases`` lists
other words an error message may use for an argument; ``allow`` lists labels
of a kind that are valid for this entry point.  A function present in both
``convnet.functional`` and ``convnet.reference`` goes into a template of
``across(BOTH, ...)`` instead, so both get the row.
"""

from __future__ import annotations

import numpy as np

import convnet
from convnet import functional as F, geometry, reference, theory

from .registry import Entry
from .rows import (ANY_ARRAY, ARRAY, BATCH, DZ4, FREE_ARRAY, K2, KERNEL_TOO_LARGE, LOGITS, P4,
                   POOL, POOL_VALID, SINGLE, SINGLE_VALID, W4, X2, X4, across, each, in_module)

BOTH = (("functional", F), ("reference", reference))

SINGLE_IMAGE = each(
    ("correlate2d", "convolve2d"), valid=SINGLE_VALID, kinds=SINGLE,
    extra=[KERNEL_TOO_LARGE, ("dilation", "a dilation too large for the input", 10 ** 6)])

CONV = (
    Entry("conv2d", None, dict(x=X4, w=W4, b=np.zeros(4), stride=1, padding=0, dilation=1),
          dict(BATCH, b=ARRAY), aliases={"b": ("bias",)},
          extra=[("w", "mismatched channels", np.ones((4, 2, 3, 3))),
                 ("b", "bias of the wrong length", np.zeros(5)),
                 ("w", "a kernel larger than the input", np.ones((4, 3, 9, 9)))]),
    Entry("conv2d_backward", None,
          dict(dz=DZ4, x=X4, w=W4, stride=1, padding=0, dilation=1, bias="tied"),
          dict(BATCH, dz=ARRAY, bias="choice"),
          extra=[("dz", "the wrong output shape", np.ones((2, 4, 5, 5))),
                 ("w", "mismatched channels", np.ones((4, 2, 3, 3)))]),
)

POOLS = tuple(row for pool in ("max_pool2d", "avg_pool2d") for row in (
    Entry(pool, None, POOL_VALID, POOL,
          extra=[("kernel_size", "a window larger than the input", 7),
                 ("padding", "more than half the window", 2)]),
    Entry(f"{pool}_backward", None, dict(dz=P4, **POOL_VALID), dict(POOL, dz=ARRAY),
          extra=[("dz", "the wrong output shape", np.ones((2, 3, 4, 4)))])))

WRONG_MAP_COUNT = [("b", "one bias per wrong map count", np.zeros(3))]
WINDOW = dict(input_hw="shape2", kernel_size="positive_int", padding="padding")
WINDOW_VALID = dict(input_hw=(8, 8), kernel_size=3, stride=1, padding=1)
WINDOW_OPTIONS = dict(aliases={"input_hw": ("input", "input size")},
                      extra=[("kernel_size", "larger than the input", 11)])

ROWS = (
    # -- single images: convnet.* and reference ----------------------------------
    *across((("convnet", convnet), ("reference", reference)), SINGLE_IMAGE),
    Entry("convnet.rot180", convnet.rot180, dict(k=K2), dict(k=FREE_ARRAY),
          extra=[("k", "a vector", np.ones(3)), ("k", "a scalar", 2.0)]),
    Entry("convnet.pad2d", convnet.pad2d, dict(x=X2, padding=1, value=0.0),
          dict(x=FREE_ARRAY, padding="padding", value="real"),
          allow={"value": {"nan", "inf"}},
          extra=[("x", "a vector", np.ones(3)),
                 ("padding", "'same' without a kernel size", "same")]),

    # -- batched convolution and pooling, functional and reference ----------------
    *across(BOTH, CONV + POOLS),
    Entry("functional.sum_pool2d", F.sum_pool2d, POOL_VALID, POOL),
    Entry("functional.pool_weight_gradient", F.pool_weight_gradient, dict(dz=P4, **POOL_VALID),
          dict(POOL, dz=ARRAY)),

    # -- activations and net inputs -----------------------------------------------
    *each(("relu", "relu_derivative", "sigmoid", "sigmoid_derivative", "tanh",
           "tanh_derivative"), "functional.{}", in_module(F),
          valid=dict(x=X2), kinds=dict(x=ANY_ARRAY)),
    *each(("leaky_relu", "leaky_relu_derivative"), "functional.{}", in_module(F),
          valid=dict(x=X2, negative_slope=0.01), kinds=dict(x=ANY_ARRAY, negative_slope="real")),
    *each(("softmax", "log_softmax"), "functional.{}", in_module(F),
          valid=dict(x=LOGITS, axis=1), kinds=dict(x=FREE_ARRAY, axis="axis"),
          extra=[("axis", "an axis too large", 2), ("x", "a scalar", np.float64(1.0))]),
    Entry("functional.softmax_derivative", F.softmax_derivative, dict(x=LOGITS),
          dict(x=FREE_ARRAY), extra=[("x", "a scalar", np.float64(1.0))]),
    Entry("functional.softmax_backward", F.softmax_backward,
          dict(dy=LOGITS, y=F.softmax(LOGITS), axis=-1), dict(dy=FREE_ARRAY, y=FREE_ARRAY),
          extra=[("dy", "another shape than y", np.ones((4, 2)))]),
    Entry("functional.sum_net_input", F.sum_net_input, dict(lz=DZ4, b=np.zeros(4)),
          dict(lz=ARRAY, b=ARRAY), extra=WRONG_MAP_COUNT),
    Entry("functional.sum_net_input_backward", F.sum_net_input_backward,
          dict(dn=DZ4, b=np.zeros(4)), dict(dn=ARRAY, b=ARRAY), extra=WRONG_MAP_COUNT),
    Entry("functional.product_net_input", F.product_net_input, dict(lz=DZ4, b=np.ones(4)),
          dict(lz=ARRAY, b=ARRAY), extra=WRONG_MAP_COUNT),
    Entry("functional.product_net_input_backward", F.product_net_input_backward,
          dict(dn=DZ4, lz=DZ4, b=np.ones(4)), dict(dn=ARRAY, lz=ARRAY, b=ARRAY),
          extra=[("dn", "another shape than lz", np.ones((2, 4, 3, 3)))]),

    # -- geometry -----------------------------------------------------------------
    Entry("geometry.output_size", geometry.output_size,
          dict(n=28, kernel_size=5, stride=1, padding=0, dilation=1),
          dict(n="positive_int", kernel_size="positive_int", stride="positive_int",
               padding="padding", dilation="positive_int"),
          aliases={"n": ("input",)}, allow={"padding": {"huge"}},
          extra=[("kernel_size", "a kernel larger than the input", 40)]),
    *each(("same_padding", "full_padding"), "geometry.{}", in_module(geometry),
          valid=dict(kernel_size=3, dilation=1),
          kinds=dict(kernel_size="positive_int", dilation="positive_int")),
    Entry("geometry.normalize_padding", geometry.normalize_padding,
          dict(padding=1, kernel_size=3, stride=2), dict(padding="padding"),
          allow={"padding": {"huge"}}, extra=[("padding", "'same' with stride 2", "same")]),
    Entry("geometry.kernel_size_for", geometry.kernel_size_for,
          dict(n_in=512, n_out=504, stride=1, padding=0),
          dict(n_in="positive_int", n_out="positive_int", stride="positive_int",
               padding="non_negative_int"),
          extra=[("n_out", "more outputs than inputs", 600)]),
    Entry("geometry.receptive_field", geometry.receptive_field,
          dict(layers=[(3, 1, 1)] * 2, output_pixel=(0, 0), input_shape=(8, 8)),
          dict(output_pixel="pixel", input_shape="shape2"),
          allow={"input_shape": {"None"}},
          extra=[("layers", "a string", "conv"), ("layers", "None", None),
                 ("layers", "a bad layer", [(3, 0)]), ("layers", "a layer of strings", [("a",)]),
                 ("layers", "a number", 3)]),
    Entry("geometry.output_shape2d", geometry.output_shape2d,
          dict(input_hw=(8, 8), kernel_hw=3, stride=1, padding=0, dilation=1),
          dict(input_hw="shape2", kernel_hw="positive_int", stride="positive_int",
               padding="padding", dilation="positive_int"),
          aliases={"input_hw": ("input", "input size"), "kernel_hw": ("kernel", "kernel_size")},
          allow={"padding": {"huge"}}, extra=[("kernel_hw", "larger than the input", 9)]),
    Entry("geometry.conv_window", geometry.conv_window, dict(WINDOW_VALID, dilation=1),
          dict(stride="positive_int", dilation="positive_int", **WINDOW), **WINDOW_OPTIONS),
    Entry("geometry.pool_window", geometry.pool_window, WINDOW_VALID,
          dict(stride="positive_int", **WINDOW), **WINDOW_OPTIONS),
    Entry("geometry.padding_limit", geometry.padding_limit,
          dict(padding=1, kernel_size=3, dilation=1, stride=1),
          dict(padding="padding", kernel_size="positive_int", dilation="positive_int"),
          extra=[("padding", "more than the full padding", 3)]),
    Entry("geometry.layer_spec", geometry.layer_spec, dict(layer=(3, 1, 1), index=0), {},
          aliases={"layer": ("layers",)},
          extra=[("layer", "a string", "conv"), ("layer", "None", None), ("layer", "empty", ()),
                 ("layer", "a zero kernel", (0,)), ("layer", "a bad stride", (3, -1)),
                 ("layer", "five entries", (3, 1, 1, 1, 1))]),

    # -- theory -------------------------------------------------------------------
    Entry("theory.conv_matrix", theory.conv_matrix,
          dict(k=K2, input_shape=(5, 5), padding="valid", stride=1, order="C"),
          dict(k=ARRAY, input_shape="shape2", padding="padding", stride="positive_int",
               order="choice"),
          aliases={"input_shape": ("input",)},
          extra=[("k", "a kernel larger than the input", np.ones((6, 6)))]),
    Entry("theory.impulse_response", theory.impulse_response,
          dict(transform=lambda im: im, shape=(3, 3)), dict(shape="shape2"),
          extra=[("transform", "not callable", 3), ("transform", "None", None),
                 ("transform", "returns the wrong shape", lambda im: im[:1]),
                 ("transform", "returns strings", lambda im: np.full(im.shape, "x"))]),
    Entry("theory.vec", theory.vec, dict(a=X2, order="F"), dict(a=ARRAY, order="choice")),
    Entry("theory.unvec", theory.unvec, dict(v=np.ones(4), shape=(2, 2), order="C"),
          dict(v=ARRAY, shape="shape2", order="choice"),
          extra=[("v", "the wrong length", np.ones(5))]),
)
