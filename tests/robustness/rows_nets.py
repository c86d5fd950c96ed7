"""Entry points of networks: layers, losses, optimizers, Sequential, gradient checking.

To cover a new constructor or method, add one row to ``ROWS``.  A
constructor is called as it is; a method needs a fresh object per call, so
its ``call`` is a factory from rows.py, e.g. for a (future)
``Sequential.engine(name)``::

    Entry("Sequential.engine", method(small_model, "engine"),
          valid=dict(name="numpy"), kinds=dict(name="choice"))

A new layer gets its ``.forward`` and ``.backward`` rows by adding
``(name, factory)`` to one of the ``*_LAYERS`` tables below (``layer_rows``
writes both rows).  See rows_math.py for what ``valid``, ``kinds``,
``extra``, ``aliases`` and ``allow`` mean.
"""

from __future__ import annotations

import numpy as np

import convnet
from convnet import gradcheck, layers as L, losses, optim

from .registry import Entry
from .rows import (ARRAY, FREE_ARRAY, LABELS, LOGITS, SCRATCH, X4, each, in_module, layer_rows,
                   method, sequential, small_model)


def _conv():
    return L.Conv2D(3, 2, 3, rng=0)


def _dense():
    return L.Dense(3, 2, rng=0)


def _flatten_f():
    return L.Flatten("F")


def _softmax_forward(axis, **arguments):
    """``Softmax(axis).forward(...)``: an axis given to the layer, checked against ``x``."""
    return L.Softmax(axis=axis).forward(**arguments)


# Layers, by name, and a factory of one ready to use, for their forward and backward rows.
IMAGE_LAYERS = (                # forward takes a batch of images (Flatten has its own forward row)
    ("Conv2D", _conv),
    ("ProductBiasConv2D", lambda: L.ProductBiasConv2D(3, 2, 3, rng=0)),
    ("ConvTranspose2D", lambda: L.ConvTranspose2D(3, 2, 3, stride=2, padding=1, rng=0)),
    ("Conv2D (grouped)", lambda: L.Conv2D(3, 3, 3, padding=1, groups=3, padding_mode="reflect",
                                         rng=0)),
    ("MaxPool2D", lambda: L.MaxPool2D(2)), ("AvgPool2D", lambda: L.AvgPool2D(2)),
    ("GlobalAvgPool2D", L.GlobalAvgPool2D), ("BatchNorm2D", lambda: L.BatchNorm2D(3)),
    ("ZeroPadShortcut", lambda: L.ZeroPadShortcut(3, 4, stride=2)),
)
DENSE_LAYERS = (("Dense", _dense), ("BatchNorm1D", lambda: L.BatchNorm1D(3)))
ELEMENTWISE_LAYERS = (          # forward takes any number of axes
    ("ReLU", L.ReLU), ("LeakyReLU", L.LeakyReLU), ("Sigmoid", L.Sigmoid), ("Tanh", L.Tanh),
    ("Softmax", L.Softmax), ("Dropout", lambda: L.Dropout(0.5, rng=0)),
)

LOSS_TARGETS = [("target", "a label too large", np.array([0, 3, 1, 1])),
                ("target", "a negative label", np.array([0, -1, 1, 1])),
                ("target", "a fractional label", np.array([0, 0.5, 1, 1])),
                ("target", "too few labels", np.array([0, 1])),
                ("target", "strings", np.array(["a", "b", "c", "d"])),
                ("target", "None", None),
                ("target", "one-hot of the wrong width", np.eye(4)),
                ("target", "booleans", np.array([True, False, True, False]))]

FIT_EXTRA = [("y", "a label too large", np.array([0, 3])),
             ("y", "one label per sample missing", np.array([0])),
             ("y", "strings", np.array(["a", "b"])), ("y", "None", None),
             ("optimizer", "None", None), ("optimizer", "a string", "sgd"),
             ("validation_data", "one array", X4),
             ("validation_data", "mismatched lengths", (X4, np.array([0]))),
             ("validation_data", "labels out of range", (X4, np.array([0, 5]))),
             ("x", "two channels instead of three", np.ones((2, 2, 6, 6)))]

SUMMARY_EXTRA = [("input_shape", "None", None), ("input_shape", "a string", "3x6x6"),
                 ("input_shape", "zeros", (3, 0, 0)), ("input_shape", "two channels", (2, 6, 6)),
                 ("input_shape", "too small for the kernel", (3, 2, 2)),
                 ("input_shape", "floats", (3.0, 6.5, 6))]

ROWS = (
    # -- layers: constructors -----------------------------------------------------
    Entry("layers.ZeroPadShortcut", L.ZeroPadShortcut,
          dict(in_channels=2, out_channels=4, stride=2),
          dict(in_channels="positive_int", out_channels="positive_int", stride="positive_int"),
          extra=[("out_channels", "fewer than in_channels", 1)]),
    Entry("layers.Conv2D", L.Conv2D,
          dict(in_channels=1, out_channels=2, kernel_size=3, stride=1, padding=0, dilation=1,
               groups=1, bias="tied", padding_mode="zeros", init="he", rng=0,
               dtype=np.float64),
          dict(in_channels="positive_int", out_channels="positive_int",
               kernel_size="positive_int", stride="positive_int", padding="padding",
               dilation="positive_int", groups="positive_int", bias="choice",
               padding_mode="choice", init="choice", rng="seed", dtype="dtype"),
          allow={"padding": {"huge"}},      # any padding, as in PyTorch; forward checks the size
          extra=[("kernel_size", "huge", 10 ** 6), ("input_size", "zeros", (0, 0)),
                 ("groups", "not a divisor of in_channels", 2)]),
    Entry("layers.ProductBiasConv2D", L.ProductBiasConv2D,
          dict(in_channels=1, out_channels=2, kernel_size=3, groups=1, padding_mode="zeros"),
          dict(in_channels="positive_int", out_channels="positive_int",
               kernel_size="positive_int", groups="positive_int", padding_mode="choice")),
    Entry("layers.ConvTranspose2D", L.ConvTranspose2D,
          dict(in_channels=2, out_channels=4, kernel_size=3, stride=2, padding=1,
               output_padding=1, dilation=1, groups=2, bias=True, init="he", rng=0,
               dtype=np.float32),
          dict(in_channels="positive_int", out_channels="positive_int",
               kernel_size="positive_int", stride="positive_int", padding="padding",
               output_padding="non_negative_int", dilation="positive_int",
               groups="positive_int", bias="bool", init="choice", rng="seed", dtype="dtype"),
          allow={"padding": {"huge"}},      # forward checks the output size
          extra=[("kernel_size", "huge", 10 ** 6), ("output_padding", "as large as the stride", 2),
                 ("groups", "not a divisor of out_channels", 4),
                 ("padding", "'same'", "same")]),
    Entry("layers.MaxPool2D", L.MaxPool2D, dict(kernel_size=2, stride=2, padding=0,
                                                dilation=1, ceil_mode=False),
          dict(kernel_size="positive_int", stride="positive_int", padding="padding",
               dilation="positive_int", ceil_mode="bool")),
    Entry("layers.AvgPool2D", L.AvgPool2D,
          dict(kernel_size=2, stride=2, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None),
          dict(kernel_size="positive_int", stride="positive_int", padding="padding",
               ceil_mode="bool", count_include_pad="bool", divisor_override="positive_int"),
          allow={"divisor_override": {"None"}}),
    Entry("layers.Dense", L.Dense,
          dict(in_features=3, out_features=2, bias=True, init="glorot", rng=0, dtype="float32"),
          dict(in_features="positive_int", out_features="positive_int", bias="bool",
               init="choice", rng="seed", dtype="dtype"),
          extra=[("in_features", "huge", 10 ** 9)]),
    *each(("BatchNorm2D", "BatchNorm1D"), "layers.{}", in_module(L),
          valid=dict(num_features=3, eps=1e-5, momentum=0.1, affine=True,
                     track_running_stats=True, dtype=np.float64, bias=True),
          kinds=dict(num_features="positive_int", eps="non_negative_float",
                     momentum="optional_closed_unit_float", affine="bool",
                     track_running_stats="bool", dtype="dtype", bias="bool"),
          extra=[("num_features", "huge", 10 ** 12),
                 ("momentum", "a number of batches, not a fraction", 10),
                 ("track_running_stats", "None (PyTorch's falsy None is not a bool)", None)]),
    Entry("layers.GroupNorm", L.GroupNorm,
          dict(num_groups=3, num_channels=3, eps=1e-5, affine=True, dtype=np.float64, bias=True),
          dict(num_groups="positive_int", num_channels="positive_int", eps="non_negative_float",
               affine="bool", dtype="dtype", bias="bool"),
          extra=[("num_channels", "not a multiple of num_groups", 4),
                 ("num_channels", "huge", 3 * 10 ** 12)]),
    Entry("layers.Flatten", L.Flatten, dict(order="C"), dict(order="choice")),
    Entry("layers.Dropout", L.Dropout, dict(p=0.5, rng=0), dict(p="unit_float", rng="seed")),
    Entry("layers.LeakyReLU", L.LeakyReLU, dict(negative_slope=0.1),
          dict(negative_slope="real")),
    Entry("layers.Softmax", L.Softmax, dict(axis=1), {},
          extra=[("axis", "a float", 1.5), ("axis", "a string", "1"), ("axis", "None", None)]),
    Entry("layers.Softmax.forward (axis)", _softmax_forward, dict(x=LOGITS, axis=1), {},
          extra=[("axis", "an axis x does not have", 5), ("axis", "very negative", -10 ** 9)]),

    # -- layers: forward and backward ---------------------------------------------
    *layer_rows(IMAGE_LAYERS, X4),
    *layer_rows((("Flatten", _flatten_f),), X4, forward_kind=None),
    Entry("layers.Flatten.forward", method(_flatten_f, "forward"), dict(x=X4),
          dict(x=FREE_ARRAY),
          extra=[("x", "one axis only", np.ones(4)), ("x", "five axes", np.ones((1,) * 5))]),
    Entry("layers.Conv2D.forward (channels)", method(_conv, "forward"), dict(x=X4),
          {}, extra=[("x", "two channels instead of three", np.ones((2, 2, 6, 6))),
                     ("x", "smaller than the kernel", np.ones((2, 3, 2, 2)))]),
    *layer_rows((("GroupNorm", lambda: L.GroupNorm(3, 3)),), X4, forward_kind=FREE_ARRAY),
    Entry("layers.GroupNorm.forward (channels)", method(lambda: L.GroupNorm(3, 3), "forward"),
          dict(x=X4), {}, extra=[("x", "a vector", np.ones(3)),
                                 ("x", "two channels instead of three", np.ones((2, 2, 6, 6)))]),
    Entry("layers.BatchNorm2D.forward (channels)", method(lambda: L.BatchNorm2D(3), "forward"),
          dict(x=X4), {}, extra=[("x", "two channels instead of three", np.ones((2, 2, 6, 6))),
                                 ("x", "one value per channel", np.ones((1, 3, 1, 1)))]),
    Entry("layers.BatchNorm2D.forward (no running statistics)",
          method(lambda: L.BatchNorm2D(3, track_running_stats=False).eval(), "forward"),
          dict(x=X4), {}, extra=[("x", "one value per channel: batch statistics in evaluation "
                                       "mode too, as PyTorch", np.ones((1, 3, 1, 1)))]),
    *layer_rows(DENSE_LAYERS, LOGITS),
    Entry("layers.Dense.forward (features)", method(_dense, "forward"),
          dict(x=LOGITS), {}, extra=[("x", "four features instead of three", np.ones((4, 4)))]),
    *layer_rows(ELEMENTWISE_LAYERS, LOGITS, forward_kind=FREE_ARRAY),

    # -- losses -------------------------------------------------------------------
    *each(("SoftmaxCrossEntropy", "MSELoss"), "losses.{}.forward",
          lambda name: method(getattr(losses, name), "forward"),
          valid=dict(prediction=LOGITS, target=LABELS), kinds=dict(prediction=ARRAY),
          extra=LOSS_TARGETS),
    Entry("losses.SoftmaxCrossEntropy", losses.SoftmaxCrossEntropy,
          dict(weight=None, reduction="mean", label_smoothing=0.0),
          dict(reduction="choice", label_smoothing="closed_unit_float"),
          extra=[("weight", "a negative weight", [1.0, -1.0]), ("weight", "a matrix", [[1.0]]),
                 ("weight", "strings", ["a", "b"]), ("weight", "nan", [1.0, np.nan])]),
    Entry("losses.MSELoss", losses.MSELoss, dict(reduction="mean"), dict(reduction="choice")),
    Entry("losses.one_hot", losses.one_hot, dict(labels=[0, 2], n_classes=3),
          dict(n_classes="positive_int"),
          extra=[("labels", "a label too large", [0, 3]), ("labels", "negative", [-1]),
                 ("labels", "strings", ["a"]), ("labels", "None", None),
                 ("labels", "a matrix", [[0, 1]])]),
    Entry("losses.class_labels", losses.class_labels,
          dict(target=np.array([0, 1]), n_samples=2, n_classes=3), {},
          extra=[("target", "a label too large", np.array([0, 3])),
                 ("target", "too few", np.array([0])), ("target", "floats", np.array([0.5, 1])),
                 ("target", "strings", np.array(["a", "b"])), ("target", "None", None)]),

    # -- optimizers ---------------------------------------------------------------
    Entry("optim.SGD", optim.SGD, dict(lr=0.1, momentum=0.5, dampening=0.0, weight_decay=0.0,
                                       nesterov=False),
          dict(lr="positive_float", momentum="unit_float", dampening="closed_unit_float",
               nesterov="bool", weight_decay="non_negative_float")),
    Entry("optim.Adam", optim.Adam, dict(lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                                         amsgrad=False),
          dict(lr="positive_float", eps="non_negative_float", weight_decay="non_negative_float",
               amsgrad="bool"),
          extra=[("betas", "one number", 0.9), ("betas", "a beta of one", (0.9, 1.0)),
                 ("betas", "a triple", (0.9, 0.99, 0.999)), ("betas", "strings", ("a", "b"))]),
    Entry("optim.SGD.step", method(lambda: optim.SGD(0.1), "step"),
          dict(model=L.Dense(2, 2, rng=0)), {},
          extra=[("model", "None", None), ("model", "a number", 3),
                 ("model", "a dict", {"weight": np.ones(2)})]),

    # -- Sequential ---------------------------------------------------------------
    Entry("Sequential", sequential, dict(layers=[L.ReLU()], policy=None), {},
          allow={"policy": {"None"}},
          extra=[("layers", "a number", [3]), ("layers", "None", [None]),
                 ("layers", "a function", [np.sum]), ("layers", "a string", ["relu"]),
                 ("policy", "a bool", True), ("policy", "a dict", {"reuse_buffers": False})]),
    Entry("TrainingPolicy", convnet.TrainingPolicy,
          dict(reuse_buffers=True, skip_first_input_gradient=True, relu_after_max_pool=True),
          dict(reuse_buffers="bool", skip_first_input_gradient="bool",
               relu_after_max_pool="bool")),
    Entry("Sequential.fit", method(small_model, "fit"),
          dict(x=X4, y=np.array([0, 1]), epochs=1, batch_size=2, loss="cross_entropy",
               optimizer=optim.SGD(0.1), validation_data=None, shuffle=True, seed=0,
               verbose=False, policy=None),
          dict(x=ARRAY, epochs="positive_int", batch_size="positive_int", loss="choice",
               seed="seed", shuffle="bool"),        # verbose: rows_fit.py
          allow={"policy": {"None"}},
          extra=FIT_EXTRA + [("policy", "a string", "off"), ("policy", "a bool", False)]),
    Entry("Sequential.predict", method(small_model, "predict"), dict(x=X4, batch_size=2),
          dict(x=ARRAY, batch_size="positive_int")),
    Entry("Sequential.evaluate", method(small_model, "evaluate"),
          dict(x=X4, y=np.array([0, 1]), loss="cross_entropy", batch_size=2),
          dict(x=ARRAY, loss="choice", batch_size="positive_int"),
          extra=[("y", "a label too large", np.array([0, 3])), ("y", "None", None)]),
    Entry("Sequential.summary", method(small_model, "summary"), dict(input_shape=(3, 6, 6)), {},
          extra=SUMMARY_EXTRA),
    Entry("Sequential.save", method(small_model, "save"), dict(path=SCRATCH), dict(path="path")),
    Entry("convnet.load", convnet.load, dict(path=SCRATCH), dict(path="path")),

    # -- gradient checking --------------------------------------------------------
    Entry("gradcheck.numerical_gradient", gradcheck.numerical_gradient,
          dict(f=lambda v: float(np.sum(v)), x=np.ones(3), eps=1e-6), dict(eps="non_negative_float"),
          extra=[("f", "not callable", 3), ("x", "a list", [1.0, 2.0]),
                 ("x", "float32", np.ones(3, np.float32)), ("x", "None", None)]),
    Entry("gradcheck.check_gradients", gradcheck.check_gradients,
          dict(layer=L.Dense(3, 2, rng=0), x=LOGITS), dict(x=ARRAY),
          extra=[("layer", "not a layer", "dense"),
                 ("x", "the wrong width", np.ones((4, 5)))]),
    Entry("gradcheck.check_loss_gradient", gradcheck.check_loss_gradient,
          dict(loss=losses.MSELoss(), prediction=LOGITS, target=LOGITS), dict(prediction=ARRAY),
          extra=[("target", "another shape", np.ones((2, 2))), ("loss", "None", None),
                 ("loss", "a function", np.sum)]),
    Entry("gradcheck.compare_gradients", gradcheck.compare_gradients,
          dict(name="w", analytic=np.ones(3), numeric=np.ones(3)), {},
          aliases={"analytic": ("analytic gradient",)},
          extra=[("analytic", "another shape", np.ones(4)), ("numeric", "strings", ["a"]),
                 ("analytic", "None", None)]),
)
