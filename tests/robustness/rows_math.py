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
of a kind that are valid for this entry point.  An operation of the
functional core goes into a template of ``across(ENGINES, ...)`` instead, so
that ``convnet.functional`` (the fast engine), ``convnet.functional.plain``
and ``convnet.reference`` all get the row.
"""

from __future__ import annotations

import numpy as np

import convnet
from convnet import functional as F, geometry, receptive_field, reference, theory, window
from convnet.functional import plain

from .registry import Entry
from .rows import (ANY_ARRAY, ARRAY, BATCH, DZ4, FREE_ARRAY, K2, KERNEL_TOO_LARGE, LOGITS, P4,
                   POOL, POOL_VALID, SINGLE, SINGLE_VALID, W4, X2, X4, across, each, in_module)

ENGINES = (("functional", F), ("plain", plain), ("reference", reference))


def _set_memory_budget(nbytes):
    """convnet.set_memory_budget, with the budget put back at once: a row never changes it."""
    previous = convnet.set_memory_budget(nbytes)
    convnet.set_memory_budget(previous)
    return previous

SINGLE_IMAGE = each(
    ("correlate2d", "convolve2d"), valid=SINGLE_VALID, kinds=SINGLE,
    extra=[KERNEL_TOO_LARGE, ("dilation", "a dilation too large for the input", 10 ** 6)])

GROUPED = dict(groups="positive_int", padding_mode="choice")
GROUPS_EXTRA = [("groups", "not a divisor of the channels", 2),
                ("w", "depthwise kernels with groups 1", np.ones((4, 1, 3, 3)))]
REFLECT_EXTRA = [("padding", "as wide as the input with reflect", 6),
                 ("padding", "wider than the input with circular", 7)]
TRANSPOSED = dict(x=X4, w=np.ones((3, 2, 3, 3)), stride=1, padding=0, output_padding=0,
                  groups=1, dilation=1)     # a (2, 2, 8, 8) output
TRANSPOSED_KINDS = dict(x=ARRAY, w=ARRAY, stride="positive_int", padding="padding",
                        output_padding="non_negative_int", groups="positive_int",
                        dilation="positive_int")
TRANSPOSED_EXTRA = [("w", "mismatched channels", np.ones((2, 2, 3, 3))),
                    ("groups", "not a divisor of the channels", 2),
                    ("output_padding", "as large as the stride", 1),
                    ("padding", "'same'", "same"),
                    ("padding", "more than the output", 4)]

CONV = (
    Entry("conv2d", None, dict(x=X4, w=W4, b=np.zeros(4), stride=1, padding=0, dilation=1,
                               groups=1, padding_mode="zeros"),
          dict(BATCH, b=ARRAY, **GROUPED), aliases={"b": ("bias",)},
          extra=[("w", "mismatched channels", np.ones((4, 2, 3, 3))),
                 ("b", "bias of the wrong length", np.zeros(5)),
                 ("w", "a kernel larger than the input", np.ones((4, 3, 9, 9))),
                 *GROUPS_EXTRA]),
    Entry("conv2d_backward", None,
          dict(dz=DZ4, x=X4, w=W4, stride=1, padding=0, dilation=1, bias="tied", groups=1,
               padding_mode="zeros", saved=None, input_gradient=True),
          dict(BATCH, dz=ARRAY, bias="choice", input_gradient="bool", **GROUPED),
          allow={"saved": {"None"}},
          extra=[("dz", "the wrong output shape", np.ones((2, 4, 5, 5))),
                 ("w", "mismatched channels", np.ones((4, 2, 3, 3))),
                 ("saved", "not a record", "saved"),
                 ("saved", "a record of pooling", F.max_pool2d(X4, 2, return_saved=True)[1]),
                 ("saved", "a record of another input",
                  F.conv2d(X4[:1], W4, return_saved=True)[1]),
                 ("saved", "a record of another padding_mode",
                  F.conv2d(X4, W4, padding=1, padding_mode="circular",
                           return_saved=True)[1]), *GROUPS_EXTRA]),
    Entry("conv_transpose2d", None, dict(TRANSPOSED, b=np.zeros(2)),
          dict(TRANSPOSED_KINDS, b=ARRAY), aliases={"b": ("bias",)},
          extra=[*TRANSPOSED_EXTRA, ("b", "bias of the wrong length", np.zeros(3))]),
    Entry("conv_transpose2d_backward", None,
          dict(TRANSPOSED, dz=np.ones((2, 2, 8, 8)), bias=True, saved=None,
               input_gradient=True),
          dict(TRANSPOSED_KINDS, dz=ARRAY, bias="bool", input_gradient="bool"),
          allow={"saved": {"None"}},
          extra=[*TRANSPOSED_EXTRA, ("dz", "the wrong output shape", np.ones((2, 2, 7, 7))),
                 ("saved", "a record of conv2d", F.conv2d(X4, W4, return_saved=True)[1]),
                 ("saved", "a record of another input", F.conv_transpose2d(
                     X4[:1], np.ones((3, 2, 3, 3)), return_saved=True)[1])]),
    Entry("pad2d_backward", None,
          dict(dz=np.ones((8, 8)), x=X2, padding=1, mode="reflect", kernel_size=None),
          dict(dz=FREE_ARRAY, x=FREE_ARRAY, padding="padding", mode="choice"),
          extra=[("dz", "the unpadded shape", X2), *REFLECT_EXTRA]),
)

# PyTorch's options: ceil_mode for both pools, dilation for max; the divisor's for average
# (divisor_override None is the default, 0 is refused as by PyTorch).
POOL_OPTIONS = {
    "max_pool2d": (dict(dilation=1, ceil_mode=False),
                   dict(dilation="positive_int", ceil_mode="bool"), {}),
    "avg_pool2d": (dict(ceil_mode=False, count_include_pad=True, divisor_override=None),
                   dict(ceil_mode="bool", count_include_pad="bool",
                        divisor_override="positive_int"),
                   {"divisor_override": {"None"}})}

POOLS = tuple(row for pool, (valid, kinds, allow) in POOL_OPTIONS.items() for row in (
    Entry(pool, None, dict(POOL_VALID, **valid), dict(POOL, **kinds), allow=allow,
          extra=[("kernel_size", "a window larger than the input", 7),
                 ("padding", "more than half the window", 2)]),
    Entry(f"{pool}_backward", None, dict(dz=P4, **POOL_VALID, **valid),
          dict(POOL, dz=ARRAY, **kinds), allow=allow,
          extra=[("dz", "the wrong output shape", np.ones((2, 3, 4, 4))),
                 ("saved", "a record of a convolution",
                  F.conv2d(X4, W4, return_saved=True)[1])])))

WRONG_MAP_COUNT = [("b", "one bias per wrong map count", np.zeros(3))]

ELEMENTWISE = (
    *each(("relu", "relu_derivative", "sigmoid", "sigmoid_derivative", "tanh",
           "tanh_derivative"), valid=dict(x=X2), kinds=dict(x=ANY_ARRAY)),
    *each(("relu_backward", "sigmoid_backward", "tanh_backward"), valid=dict(dz=X2, x=X2),
          kinds=dict(dz=ANY_ARRAY, x=ANY_ARRAY),
          extra=[("dz", "another shape than x", np.ones((6, 5)))]),
    *each(("leaky_relu", "leaky_relu_derivative"), valid=dict(x=X2, negative_slope=0.01),
          kinds=dict(x=ANY_ARRAY, negative_slope="real")),
    Entry("leaky_relu_backward", None, dict(dz=X2, x=X2, negative_slope=0.01),
          dict(dz=ANY_ARRAY, x=ANY_ARRAY, negative_slope="real")),
    *each(("softmax", "log_softmax"), valid=dict(x=LOGITS, axis=1),
          kinds=dict(x=FREE_ARRAY, axis="axis"),
          extra=[("axis", "an axis too large", 2), ("x", "a scalar", np.float64(1.0))]),
    Entry("softmax_derivative", None, dict(x=LOGITS), dict(x=FREE_ARRAY),
          extra=[("x", "a scalar", np.float64(1.0))]),
    Entry("softmax_backward", None, dict(dz=LOGITS, x=LOGITS, axis=-1),
          dict(dz=FREE_ARRAY, x=FREE_ARRAY, axis="axis"),
          extra=[("dz", "another shape than x", np.ones((4, 2))),
                 ("x", "a scalar", np.float64(1.0))]),
    Entry("sum_net_input", None, dict(lz=DZ4, b=np.zeros(4)), dict(lz=ARRAY, b=ARRAY),
          extra=WRONG_MAP_COUNT),
    Entry("sum_net_input_backward", None, dict(dn=DZ4, lz=DZ4, b=np.zeros(4)),
          dict(dn=ARRAY, lz=ARRAY, b=ARRAY),
          extra=WRONG_MAP_COUNT + [("dn", "another shape than lz", np.ones((2, 4, 3, 3)))]),
    Entry("product_net_input", None, dict(lz=DZ4, b=np.ones(4)), dict(lz=ARRAY, b=ARRAY),
          extra=WRONG_MAP_COUNT),
    Entry("product_net_input_backward", None, dict(dn=DZ4, lz=DZ4, b=np.ones(4)),
          dict(dn=ARRAY, lz=ARRAY, b=ARRAY),
          extra=[("dn", "another shape than lz", np.ones((2, 4, 3, 3)))]),
    Entry("linear", None, dict(x=LOGITS, w=np.ones((2, 3)), b=np.zeros(2)),
          dict(x=ARRAY, w=ARRAY, b=ARRAY),
          extra=[("w", "the wrong number of inputs", np.ones((2, 4))),
                 ("b", "the wrong number of outputs", np.zeros(3))]),
    Entry("linear_backward", None,
          dict(dz=np.ones((4, 2)), x=LOGITS, w=np.ones((2, 3)), bias=True, input_gradient=True),
          dict(dz=ARRAY, x=ARRAY, w=ARRAY, bias="bool", input_gradient="bool"),
          extra=[("dz", "the wrong number of outputs", np.ones((4, 3)))]),
    Entry("sum_pool2d", None, POOL_VALID, POOL),
    Entry("pool_weight_gradient", None, dict(dz=P4, **POOL_VALID), dict(POOL, dz=ARRAY)),
)

C3 = dict(gamma=np.ones(3), beta=np.zeros(3))
NORM_KINDS = dict(x=FREE_ARRAY, gamma=ARRAY, beta=ARRAY, eps="non_negative_float")
NORM_ALLOWED = {"gamma": {"None"}, "beta": {"None"}, "saved": {"None"}}
ONE_AXIS = ("x", "a vector", np.ones(3))
WRONG_CHANNELS = ("gamma", "one per wrong channel count", np.ones(4))


def _running():
    """Running statistics of X4's three channels (new ones each time: training updates them)."""
    return dict(running_mean=np.zeros(3), running_var=np.ones(3))


NORMS = (
    Entry("batch_norm", None, dict(x=X4, **C3, **_running(), training=True, momentum=0.1,
                                   eps=1e-5),
          dict(NORM_KINDS, running_mean=ARRAY, running_var=ARRAY, training="bool",
               momentum="closed_unit_float"), allow=NORM_ALLOWED,
          extra=[ONE_AXIS, WRONG_CHANNELS,
                 ("x", "one value per channel in training", np.ones((1, 3, 1, 1))),
                 ("running_mean", "a list (it is updated in place)", [0.0, 0.0, 0.0]),
                 ("running_var", "float16", np.ones(3, np.float16))]),
    Entry("batch_norm_backward", None,
          dict(dz=X4, x=X4, **C3, **_running(), training=False, eps=1e-5, saved=None,
               input_gradient=True),
          dict(NORM_KINDS, dz=FREE_ARRAY, running_mean=ARRAY, running_var=ARRAY,
               training="bool", input_gradient="bool"), allow=NORM_ALLOWED,
          extra=[ONE_AXIS, WRONG_CHANNELS, ("dz", "another shape than x", np.ones((2, 3, 6))),
                 ("saved", "not a record", "saved"),
                 ("saved", "a record of group norm", F.group_norm(X4, 1, return_saved=True)[1]),
                 ("saved", "a record of training mode", F.batch_norm(X4, return_saved=True)[1])]),
    Entry("group_norm", None, dict(x=X4, num_groups=3, **C3, eps=1e-5),
          dict(NORM_KINDS, num_groups="positive_int"), allow=NORM_ALLOWED,
          extra=[ONE_AXIS, WRONG_CHANNELS, ("num_groups", "not a divisor of C", 2),
                 ("x", "one value in the only group", np.ones((1, 1)))]),
    Entry("group_norm_backward", None,
          dict(dz=X4, x=X4, num_groups=3, **C3, eps=1e-5, saved=None, input_gradient=True),
          dict(NORM_KINDS, dz=FREE_ARRAY, num_groups="positive_int", input_gradient="bool"),
          allow=NORM_ALLOWED,
          extra=[ONE_AXIS, WRONG_CHANNELS, ("num_groups", "not a divisor of C", 2),
                 ("dz", "another shape than x", np.ones((2, 3, 6))),
                 ("saved", "a record of batch norm", F.batch_norm(X4, return_saved=True)[1])]),
)

WINDOW = dict(input_hw="shape2", kernel_size="positive_int", padding="padding")
WINDOW_VALID = dict(input_hw=(8, 8), kernel_size=3, stride=1, padding=1)
WINDOW_OPTIONS = dict(aliases={"input_hw": ("input", "input size")},
                      extra=[("kernel_size", "larger than the input", 11)])

ROWS = (
    # -- the functional core, in each engine ---------------------------------------
    *across(ENGINES, SINGLE_IMAGE + CONV + POOLS + ELEMENTWISE + NORMS),
    *across((("convnet", convnet), *ENGINES), (
        Entry("rot180", None, dict(k=K2), dict(k=FREE_ARRAY),
              extra=[("k", "a vector", np.ones(3)), ("k", "a scalar", 2.0)]),
        Entry("pad2d", None, dict(x=X2, padding=1, value=0.0, mode="constant"),
              dict(x=FREE_ARRAY, padding="padding", value="real", mode="choice"),
              allow={"value": {"nan", "inf"}},
              extra=[("x", "a vector", np.ones(3)),
                     ("padding", "'same' without a kernel size", "same"),
                     ("mode", "conv2d's word for constant", "zeros")]),
        )),
    *(row for prefix, module in (("convnet", convnet), *ENGINES) for row in (
        Entry(f"{prefix}.pad2d (mode)", module.pad2d, dict(x=X2, padding=1, mode="reflect"), {},
              extra=[*REFLECT_EXTRA[:1], ("value", "a fill with reflect", 1.0)]),)),
    *(Entry(f"{prefix}.conv2d (padding_mode)", module.conv2d,
            dict(x=X4, w=W4, padding=1, padding_mode="reflect"), {},
            extra=[*REFLECT_EXTRA[:1], ("padding_mode", "torch's pad name", "constant")])
      for prefix, module in ENGINES),
    *across((("convnet", convnet),), SINGLE_IMAGE),
    *each(("input_gradient_scatter", "input_gradient_gather", "weight_gradient"), "reference.{}",
          in_module(reference),
          valid=dict(dz=DZ4, x=X4, w=W4, stride=1, padding=0, dilation=1, groups=1),
          kinds=dict(BATCH, dz=ARRAY, groups="positive_int"),
          extra=[("dz", "the wrong output shape", np.ones((2, 4, 5, 5))), *GROUPS_EXTRA]),

    # -- the memory budget (get_memory_budget takes no argument: EXEMPT) -----------------
    Entry("convnet.set_memory_budget", _set_memory_budget, dict(nbytes=2 ** 30),
          dict(nbytes="positive_int"),
          extra=[("nbytes", "a float number of bytes", 4e9),
                 ("nbytes", "text with a unit", "8GiB"), ("nbytes", "very negative", -2 ** 70)]),

    # -- choosing the engine ----------------------------------------------------------
    *each(("engine", "set_engine"), "functional.{}", in_module(F), valid=dict(name="plain"),
          kinds=dict(name="choice"), extra=[("name", "an engine that does not exist", "cuda"),
                                            ("name", "upper case", "FAST")]),
    Entry("functional.reuse_work_memory", F.reuse_work_memory, dict(flag=True),
          dict(flag="bool")),
    Entry("functional.release_work_memory", F.release_work_memory, dict(every_thread=False),
          dict(every_thread="bool")),

    # -- geometry -----------------------------------------------------------------
    Entry("geometry.output_size", geometry.output_size,
          dict(n=28, kernel_size=5, stride=1, padding=0, dilation=1, ceil_mode=False),
          dict(n="positive_int", kernel_size="positive_int", stride="positive_int",
               padding="padding", dilation="positive_int", ceil_mode="bool"),
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
    Entry("receptive_field.receptive_field", receptive_field.receptive_field,
          dict(layers=[(3, 1, 1)] * 2, output_pixel=(0, 0), input_shape=(8, 8)),
          dict(output_pixel="pixel", input_shape="shape2"),
          allow={"input_shape": {"None"}},
          extra=[("layers", "a string", "conv"), ("layers", "None", None),
                 ("layers", "a bad layer", [(3, 0)]), ("layers", "a layer of strings", [("a",)]),
                 ("layers", "a number", 3)]),
    Entry("geometry.output_shape2d", geometry.output_shape2d,
          dict(input_hw=(8, 8), kernel_hw=3, stride=1, padding=0, dilation=1, ceil_mode=False),
          dict(input_hw="shape2", kernel_hw="positive_int", stride="positive_int",
               padding="padding", dilation="positive_int", ceil_mode="bool"),
          aliases={"input_hw": ("input", "input size"), "kernel_hw": ("kernel", "kernel_size")},
          allow={"padding": {"huge"}}, extra=[("kernel_hw", "larger than the input", 9)]),
    Entry("window.conv_window", window.conv_window, dict(WINDOW_VALID, dilation=1),
          dict(stride="positive_int", dilation="positive_int", **WINDOW),
          allow={"padding": {"huge"}}, **WINDOW_OPTIONS),   # geometry only: conv2d checks sizes
    Entry("window.fill_limit", window.fill_limit,
          dict(input_hw=(3, 3), pads=((2, 2), (1, 1)), padding_mode="reflect"),
          dict(padding_mode="choice"), aliases={"pads": ("padding",)},
          extra=[("pads", "as wide as the input with reflect", ((3, 0), (0, 0)))]),
    Entry("window.transposed_window", window.transposed_window,
          dict(input_hw=(4, 4), kernel_size=3, stride=2, padding=1, output_padding=1,
               dilation=1, groups=1),
          dict(kernel_size="positive_int", stride="positive_int", padding="padding",
               output_padding="non_negative_int", dilation="positive_int",
               groups="positive_int"),
          extra=[("output_padding", "as large as the stride", 2)]),
    Entry("geometry.transposed_output_size", geometry.transposed_output_size,
          dict(n=16, kernel_size=4, stride=2, padding=1, output_padding=0, dilation=1),
          dict(n="positive_int", kernel_size="positive_int", stride="positive_int",
               padding="padding", output_padding="non_negative_int", dilation="positive_int"),
          aliases={"n": ("input",)},
          extra=[("output_padding", "as large as the stride", 2),
                 ("padding", "'same'", "same")]),
    Entry("geometry.transposed_shape2d", geometry.transposed_shape2d,
          dict(input_hw=(16, 16), kernel_hw=4, stride=2, padding=1, output_padding=0,
               dilation=1),
          dict(input_hw="shape2", kernel_hw="positive_int", stride="positive_int",
               padding="padding", output_padding="non_negative_int", dilation="positive_int"),
          aliases={"input_hw": ("input", "input size"), "kernel_hw": ("kernel", "kernel_size")},
          extra=[("output_padding", "as large as the stride", 2)]),
    Entry("window.pool_window", window.pool_window,
          dict(WINDOW_VALID, ceil_mode=False, dilation=1),
          dict(stride="positive_int", ceil_mode="bool", dilation="positive_int", **WINDOW),
          **WINDOW_OPTIONS),
    Entry("window.padding_limit", window.padding_limit, dict(padding=1, kernel_size=3),
          dict(padding="padding", kernel_size="positive_int"),
          extra=[("padding", "more than half the window", 2)]),
    Entry("receptive_field.layer_spec", receptive_field.layer_spec,
          dict(layer=(3, 1, 1), index=0), {},
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
                 ("transform", "returns strings", lambda im: np.full(im.shape, "x")),
                 ("shape", "huge (the memory budget)", (100_000, 100_000))]),
    Entry("theory.vec", theory.vec, dict(a=X2, order="F"), dict(a=ARRAY, order="choice")),
    Entry("theory.unvec", theory.unvec, dict(v=np.ones(4), shape=(2, 2), order="C"),
          dict(v=ARRAY, shape="shape2", order="choice"),
          extra=[("v", "the wrong length", np.ones(5))]),
)
