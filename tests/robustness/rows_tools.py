"""Entry points around the networks: datasets, zoo, worked solutions (explain), pictures (viz).

To cover a new function, add one row to ``ROWS``, e.g. for a (future)
``datasets.load_cifar10(root, download)``::

    Entry("datasets.load_cifar10", datasets.load_cifar10,
          valid=dict(root=os.path.dirname(SCRATCH), download=False),
          kinds=dict(root="path", download="bool"),
          extra=[("root", "a file, not a folder", SCRATCH)])

Arguments without a kind (``kinds={}``) are tried only with their ``extra``
values.  viz functions check their arguments before matplotlib is used, so
``path=None`` keeps the valid call from drawing.  See rows_math.py for what
``valid``, ``kinds``, ``extra``, ``aliases`` and ``allow`` mean.
"""

from __future__ import annotations

import os

import numpy as np

import convnet
from convnet import datasets, explain, layers as L, viz, zoo

from .registry import Entry
from .rows import (ARRAY, K2, KERNEL_TOO_LARGE, SCRATCH, SINGLE, SINGLE_VALID, X2, X4, each,
                   in_module, silent)

MAKE_SHAPES_EXTRA = [("classes", "an unknown class", ("square", "hexagon")),
                     ("classes", "a string", "square"), ("classes", "empty", ()),
                     ("classes", "repeated", ("square", "square")), ("size", "too small", 4),
                     ("max_shift", "negative", -1), ("max_shift", "a float", 1.5),
                     ("noise", "exactly one is allowed, so: two", 2.0),
                     ("n", "huge", 10 ** 9), ("size", "huge", 10 ** 6)]   # the memory budget

ROWS = (
    # -- datasets and zoo ---------------------------------------------------------
    Entry("datasets.load_digits", datasets.load_digits, dict(dtype="float32"),
          dict(dtype="dtype")),
    Entry("datasets.make_shapes", datasets.make_shapes,
          dict(n=4, size=15, classes=("square", "diamond"), noise=0.0, max_shift=None, seed=0),
          dict(n="positive_int", size="positive_int", noise="closed_unit_float", seed="seed"),
          extra=MAKE_SHAPES_EXTRA),
    Entry("datasets.load_mnist", datasets.load_mnist,
          dict(root=os.path.dirname(SCRATCH), download=False),
          dict(root="path", download="bool"), allow={"root": {"None"}},
          extra=[("mirror", "a number", 3), ("checksums", "a list", ["abc"]),
                 ("checksums", "a bad digest", {"train-images-idx3-ubyte.gz": "xyz"})]),
    Entry("datasets.read_idx", datasets.read_idx, dict(path=SCRATCH), dict(path="path")),
    *each(("lenet5", "digits_cnn", "digits_resnet"), "zoo.{}", in_module(zoo),
          valid=dict(seed=0, dtype="float32", shapes_only=False),
          kinds=dict(seed="seed", dtype="dtype", shapes_only="bool")),
    Entry("zoo.squares_vs_diamonds", zoo.squares_vs_diamonds, dict(seed=0), dict(seed="seed")),
    # the modern networks, built with placeholder weights (no memory) for the valid call
    *each(("alexnet", "vgg11", "vgg16", "nin", "resnet18"), "zoo.{}", in_module(zoo),
          valid=dict(num_classes=10, seed=0, dtype="float32", shapes_only=True),
          kinds=dict(num_classes="positive_int", seed="seed", dtype="dtype", shapes_only="bool")),
    Entry("zoo.resnet20", zoo.resnet20,
          dict(num_classes=10, shortcut="A", seed=0, dtype="float32", shapes_only=True),
          dict(num_classes="positive_int", shortcut="choice", seed="seed", dtype="dtype",
               shapes_only="bool")),
    Entry("zoo.mobilenet", zoo.mobilenet,
          dict(width_multiplier=0.25, num_classes=10, seed=0, dtype="float32", shapes_only=True),
          dict(width_multiplier="positive_float", num_classes="positive_int", seed="seed",
               dtype="dtype", shapes_only="bool"),
          extra=[("width_multiplier", "too small for one map", 0.01)]),
    Entry("zoo.basic_block", zoo.basic_block,
          dict(in_channels=2, out_channels=4, stride=2, shortcut="A", rng=0, dtype="float32"),
          dict(in_channels="positive_int", out_channels="positive_int", stride="positive_int",
               shortcut="choice", rng="seed", dtype="dtype")),
    Entry("zoo.train_digits", zoo.train_digits,
          dict(epochs=1, seed=0, verbose=False, out=silent),
          dict(epochs="positive_int", seed="seed")),

    # -- worked solutions ---------------------------------------------------------
    *each(("correlate2d", "convolve2d"), "explain.{}", in_module(explain),
          valid=dict(SINGLE_VALID, max_terms=4), kinds=dict(SINGLE, max_terms="positive_int"),
          allow={"max_terms": {"None"}}, extra=[KERNEL_TOO_LARGE]),
    Entry("explain.pool2d", explain.pool2d,
          dict(x=X2, kernel_size=2, stride=2, padding=0, kind="max"),
          dict(x=ARRAY, kernel_size="positive_int", stride="positive_int", padding="padding",
               kind="choice"), aliases={"kind": ("max", "avg")}),
    Entry("explain.output_size", explain.output_size,
          dict(n=227, kernel_size=11, stride=4, padding=0, dilation=1, ceil_mode=False),
          dict(n="positive_int", kernel_size="positive_int", stride="positive_int",
               dilation="positive_int", ceil_mode="bool"), aliases={"n": ("input",)},
          extra=[("kernel_size", "a kernel larger than the input", 300)]),
    Entry("explain.summary", explain.summary,
          dict(model=convnet.Sequential(L.Conv2D(3, 2, 3, rng=0)), input_shape=(3, 6, 6)), {},
          extra=[("model", "None", None), ("model", "a number", 3),
                 ("input_shape", "None", None), ("input_shape", "too small", (3, 2, 2)),
                 ("input_shape", "two channels", (2, 6, 6))]),
    Entry("explain.conv2d_backward", explain.conv2d_backward,
          dict(x=X2, w=K2, dz=np.ones((4, 4)), stride=1, padding=0),
          dict(x=ARRAY, w=ARRAY, dz=ARRAY, stride="positive_int", padding="padding"),
          extra=[("dz", "the wrong output shape", np.ones((5, 5)))]),

    # -- pictures (argument checks come before matplotlib is used) ---------------
    Entry("viz.plot_kernels", viz.plot_kernels, dict(layer=L.Conv2D(1, 2, 3, rng=0), path=None),
          {}, extra=[("layer", "a layer without kernels", L.ReLU()), ("layer", "None", None),
                     ("path", "not a PNG name", "kernels.pdf"), ("path", "a number", 3)]),
    Entry("viz.plot_feature_maps", viz.plot_feature_maps,
          dict(model=convnet.Sequential(L.Conv2D(3, 2, 3, rng=0)), x=X4[0], path=None,
               max_maps=2),
          dict(max_maps="positive_int"),
          extra=[("model", "a layer, not a Sequential", L.ReLU()),
                 ("x", "a batch of two", X4), ("x", "strings", np.full((3, 6, 6), "x")),
                 ("x", "two channels", np.ones((2, 6, 6)))]),
    Entry("viz.plot_history", viz.plot_history, dict(history=None), {},
          extra=[("history", "None", None), ("history", "a list", [1.0, 2.0])]),
    Entry("viz.plot_receptive_field", viz.plot_receptive_field,
          dict(layers=[(3, 1, 1)], output_pixel=(0, 0), input_shape=(8, 8), path=None),
          dict(output_pixel="pixel", input_shape="shape2"),
          extra=[("layers", "a string", "conv"),
                 ("output_pixel", "outside the output", (50, 50))]),
    Entry("viz.plot_conv_matrix", viz.plot_conv_matrix,
          dict(k=K2, input_shape=(5, 5), padding="valid", stride=1, order="C", path=None),
          dict(k=ARRAY, input_shape="shape2", padding="padding", stride="positive_int",
               order="choice"), aliases={"input_shape": ("input",)}),
    Entry("viz.save_pictures", viz.save_pictures,
          dict(folder=os.path.dirname(SCRATCH), drawings={}, out=silent), {},
          extra=[("folder", "None", None), ("folder", "a number", 3),
                 ("drawings", "a list", [lambda path: None]), ("drawings", "None", None),
                 ("drawings", "a drawing that is not callable", {"a": 3})]),
)
