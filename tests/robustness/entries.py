"""The public entry points of convnet, each with a valid call (see registry.py)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

import convnet
from convnet import datasets, functional as F, geometry, gradcheck, layers as L, losses, optim
from convnet import explain, reference, theory, viz, zoo

from .registry import Entry

ARRAY = ("array", True, False)          # fixed number of dimensions, not empty
ANY_ARRAY = ("array", False, True)      # any shape, empty allowed (elementwise functions)

rng = np.random.default_rng(0)
X2 = rng.normal(size=(6, 6))
K2 = rng.normal(size=(3, 3))
X4 = rng.normal(size=(2, 3, 6, 6))
W4 = rng.normal(size=(4, 3, 3, 3))
DZ4 = rng.normal(size=(2, 4, 4, 4))
P4 = rng.normal(size=(2, 3, 3, 3))       # pooled 6x6 by 2
LOGITS = rng.normal(size=(4, 3))
LABELS = np.array([0, 2, 1, 1])

SCRATCH = os.path.join(tempfile.gettempdir(), "convnet-robustness-model.npz")  # never in the checkout

X_ALIASES = {"x": ("input",), "k": ("kernel",), "w": ("kernel", "x"), "dz": ("output",),
             "kernel_size": ("kernel",), "dilation": ("kernel",)}

SINGLE = dict(x=ARRAY, k=ARRAY, padding="padding", stride="positive_int",
              dilation="positive_int")
BATCH = dict(x=ARRAY, w=ARRAY, padding="padding", stride="positive_int",
             dilation="positive_int")
POOL = dict(x=ARRAY, kernel_size="positive_int", stride="positive_int", padding="padding")


def _single(fn):
    return fn, dict(x=X2, k=K2, padding="valid", stride=1, dilation=1), SINGLE


def _entries():
    out = []

    def add(name, call, valid, kinds, aliases=None, extra=None, allow=None):
        allowed = {"stride": {"None"} if "pool" in name.lower() else set(),
                   "axis": {"minus one"}, "b": {"None"}, "bias": {"None"},
                   "weight_decay": {"zero"}, "output_pixel": {"zeros"}, **(allow or {})}
        out.append(Entry(name, call, valid, kinds, {**X_ALIASES, **(aliases or {})},
                         extra or [], allowed))

    # -- single images: convnet.* and reference ----------------------------------
    for module, prefix in ((convnet, "convnet"), (reference, "reference")):
        for fname in ("correlate2d", "convolve2d"):
            fn, valid, kinds = _single(getattr(module, fname))
            add(f"{prefix}.{fname}", lambda fn=fn, **a: fn(**a), valid, kinds,
                extra=[("k", "kernel larger than the input", np.ones((7, 7))),
                       ("dilation", "a dilation too large for the input", 10 ** 6)])
    add("convnet.rot180", lambda **a: convnet.rot180(**a), dict(k=K2),
        dict(k=("array", False, False)),
        extra=[("k", "a vector", np.ones(3)), ("k", "a scalar", 2.0)])
    add("convnet.pad2d", lambda **a: convnet.pad2d(**a), dict(x=X2, padding=1, value=0.0),
        dict(x=("array", False, False), padding="padding", value="real"),
        allow={"value": {"nan", "inf"}},
        extra=[("x", "a vector", np.ones(3)), ("padding", "'same' without a kernel size", "same")])

    # -- batched convolution, functional and reference --------------------------
    for module, prefix in ((F, "functional"), (reference, "reference")):
        add(f"{prefix}.conv2d", lambda m=module, **a: m.conv2d(**a),
            dict(x=X4, w=W4, b=np.zeros(4), stride=1, padding=0, dilation=1),
            dict(BATCH, b=ARRAY),
            aliases={"b": ("bias",)},
            extra=[("w", "mismatched channels", np.ones((4, 2, 3, 3))),
                   ("b", "bias of the wrong length", np.zeros(5)),
                   ("w", "a kernel larger than the input", np.ones((4, 3, 9, 9)))])
        add(f"{prefix}.conv2d_backward", lambda m=module, **a: m.conv2d_backward(**a),
            dict(dz=DZ4, x=X4, w=W4, stride=1, padding=0, dilation=1, bias="tied"),
            dict(BATCH, dz=ARRAY, bias="choice"),
            extra=[("dz", "the wrong output shape", np.ones((2, 4, 5, 5))),
                   ("w", "mismatched channels", np.ones((4, 2, 3, 3)))])
        for pool in ("max_pool2d", "avg_pool2d"):
            add(f"{prefix}.{pool}", lambda m=module, p=pool, **a: getattr(m, p)(**a),
                dict(x=X4, kernel_size=2, stride=2, padding=0), POOL,
                extra=[("kernel_size", "a window larger than the input", 7),
                       ("padding", "more than half the window", 2)])
            add(f"{prefix}.{pool}_backward",
                lambda m=module, p=pool, **a: getattr(m, f"{p}_backward")(**a),
                dict(dz=P4, x=X4, kernel_size=2, stride=2, padding=0), dict(POOL, dz=ARRAY),
                extra=[("dz", "the wrong output shape", np.ones((2, 3, 4, 4)))])
    add("functional.sum_pool2d", lambda **a: F.sum_pool2d(**a),
        dict(x=X4, kernel_size=2, stride=2, padding=0), POOL)
    add("functional.pool_weight_gradient", lambda **a: F.pool_weight_gradient(**a),
        dict(dz=P4, x=X4, kernel_size=2, stride=2, padding=0), dict(POOL, dz=ARRAY))

    # -- activations and net inputs -------------------------------------------------
    for name in ("relu", "relu_derivative", "sigmoid", "sigmoid_derivative", "tanh",
                 "tanh_derivative"):
        add(f"functional.{name}", lambda n=name, **a: getattr(F, n)(**a), dict(x=X2),
            dict(x=ANY_ARRAY))
    for name in ("leaky_relu", "leaky_relu_derivative"):
        add(f"functional.{name}", lambda n=name, **a: getattr(F, n)(**a),
            dict(x=X2, negative_slope=0.01), dict(x=ANY_ARRAY, negative_slope="real"))
    for name in ("softmax", "log_softmax"):
        add(f"functional.{name}", lambda n=name, **a: getattr(F, n)(**a), dict(x=LOGITS, axis=1),
            dict(x=("array", False, False), axis="axis"),
            extra=[("axis", "an axis too large", 2), ("x", "a scalar", np.float64(1.0))])
    add("functional.softmax_derivative", lambda **a: F.softmax_derivative(**a), dict(x=LOGITS),
        dict(x=("array", False, False)), extra=[("x", "a scalar", np.float64(1.0))])
    add("functional.softmax_backward", lambda **a: F.softmax_backward(**a),
        dict(dy=LOGITS, y=F.softmax(LOGITS), axis=-1),
        dict(dy=("array", False, False), y=("array", False, False)),
        extra=[("dy", "another shape than y", np.ones((4, 2)))])
    add("functional.sum_net_input", lambda **a: F.sum_net_input(**a),
        dict(lz=DZ4, b=np.zeros(4)), dict(lz=ARRAY, b=ARRAY),
        extra=[("b", "one bias per wrong map count", np.zeros(3))])
    add("functional.sum_net_input_backward", lambda **a: F.sum_net_input_backward(**a),
        dict(dn=DZ4, b=np.zeros(4)), dict(dn=ARRAY, b=ARRAY),
        extra=[("b", "one bias per wrong map count", np.zeros(3))])
    add("functional.product_net_input", lambda **a: F.product_net_input(**a),
        dict(lz=DZ4, b=np.ones(4)), dict(lz=ARRAY, b=ARRAY),
        extra=[("b", "one bias per wrong map count", np.zeros(3))])
    add("functional.product_net_input_backward", lambda **a: F.product_net_input_backward(**a),
        dict(dn=DZ4, lz=DZ4, b=np.ones(4)), dict(dn=ARRAY, lz=ARRAY, b=ARRAY),
        extra=[("dn", "another shape than lz", np.ones((2, 4, 3, 3)))])

    # -- geometry -----------------------------------------------------------------
    add("geometry.output_size", lambda **a: geometry.output_size(**a),
        dict(n=28, kernel_size=5, stride=1, padding=0, dilation=1),
        dict(n="positive_int", kernel_size="positive_int", stride="positive_int",
             padding="padding", dilation="positive_int"),
        aliases={"n": ("input",)}, allow={"padding": {"huge"}},
        extra=[("kernel_size", "a kernel larger than the input", 40)])
    add("geometry.same_padding", lambda **a: geometry.same_padding(**a),
        dict(kernel_size=3, dilation=1), dict(kernel_size="positive_int", dilation="positive_int"))
    add("geometry.full_padding", lambda **a: geometry.full_padding(**a),
        dict(kernel_size=3, dilation=1), dict(kernel_size="positive_int", dilation="positive_int"))
    add("geometry.normalize_padding", lambda **a: geometry.normalize_padding(**a),
        dict(padding=1, kernel_size=3, stride=2), dict(padding="padding"),
        allow={"padding": {"huge"}}, extra=[("padding", "'same' with stride 2", "same")])
    add("geometry.kernel_size_for", lambda **a: geometry.kernel_size_for(**a),
        dict(n_in=512, n_out=504, stride=1, padding=0),
        dict(n_in="positive_int", n_out="positive_int", stride="positive_int",
             padding="non_negative_int"),
        extra=[("n_out", "more outputs than inputs", 600)])
    add("geometry.receptive_field", lambda **a: geometry.receptive_field(**a),
        dict(layers=[(3, 1, 1)] * 2, output_pixel=(0, 0), input_shape=(8, 8)),
        dict(output_pixel="pixel", input_shape="shape2"),
        allow={"input_shape": {"None"}},
        extra=[("layers", "a string", "conv"), ("layers", "None", None),
               ("layers", "a bad layer", [(3, 0)]), ("layers", "a layer of strings", [("a",)]),
               ("layers", "a number", 3)])

    add("geometry.output_shape2d", lambda **a: geometry.output_shape2d(**a),
        dict(input_hw=(8, 8), kernel_hw=3, stride=1, padding=0, dilation=1),
        dict(input_hw="shape2", kernel_hw="positive_int", stride="positive_int",
             padding="padding", dilation="positive_int"),
        aliases={"input_hw": ("input", "input size"), "kernel_hw": ("kernel", "kernel_size")},
        allow={"padding": {"huge"}}, extra=[("kernel_hw", "larger than the input", 9)])
    for name, kinds in (("conv_window", dict(stride="positive_int", dilation="positive_int")),
                        ("pool_window", dict(stride="positive_int"))):
        valid = dict(input_hw=(8, 8), kernel_size=3, stride=1, padding=1)
        if name == "conv_window":
            valid["dilation"] = 1
        add(f"geometry.{name}", lambda n=name, **a: getattr(geometry, n)(**a), valid,
            dict(kinds, input_hw="shape2", kernel_size="positive_int", padding="padding"),
            aliases={"input_hw": ("input", "input size")},
            extra=[("kernel_size", "larger than the input", 11)])
    add("geometry.padding_limit", lambda **a: geometry.padding_limit(**a),
        dict(padding=1, kernel_size=3, dilation=1, stride=1),
        dict(padding="padding", kernel_size="positive_int", dilation="positive_int"),
        extra=[("padding", "more than the full padding", 3)])
    add("geometry.layer_spec", lambda **a: geometry.layer_spec(**a),
        dict(layer=(3, 1, 1), index=0), {},
        aliases={"layer": ("layers",)},
        extra=[("layer", "a string", "conv"), ("layer", "None", None), ("layer", "empty", ()),
               ("layer", "a zero kernel", (0,)), ("layer", "a bad stride", (3, -1)),
               ("layer", "five entries", (3, 1, 1, 1, 1))])

    # -- theory -------------------------------------------------------------------
    add("theory.conv_matrix", lambda **a: theory.conv_matrix(**a),
        dict(k=K2, input_shape=(5, 5), padding="valid", stride=1, order="C"),
        dict(k=ARRAY, input_shape="shape2", padding="padding", stride="positive_int",
             order="choice"),
        aliases={"input_shape": ("input",)},
        extra=[("k", "a kernel larger than the input", np.ones((6, 6)))])
    add("theory.impulse_response", lambda **a: theory.impulse_response(**a),
        dict(transform=lambda im: im, shape=(3, 3)), dict(shape="shape2"),
        extra=[("transform", "not callable", 3), ("transform", "None", None),
               ("transform", "returns the wrong shape", lambda im: im[:1]),
               ("transform", "returns strings", lambda im: np.full(im.shape, "x"))])
    add("theory.vec", lambda **a: theory.vec(**a), dict(a=X2, order="F"),
        dict(a=ARRAY, order="choice"))
    add("theory.unvec", lambda **a: theory.unvec(**a), dict(v=np.ones(4), shape=(2, 2), order="C"),
        dict(v=ARRAY, shape="shape2", order="choice"),
        extra=[("v", "the wrong length", np.ones(5))])

    # -- layers: constructors ---------------------------------------------------------
    add("layers.Conv2D", lambda **a: L.Conv2D(**a),
        dict(in_channels=1, out_channels=2, kernel_size=3, stride=1, padding=0, dilation=1,
             bias="tied", init="he", rng=0, dtype=np.float64),
        dict(in_channels="positive_int", out_channels="positive_int", kernel_size="positive_int",
             stride="positive_int", padding="padding", dilation="positive_int", bias="choice",
             init="choice", rng="seed", dtype="dtype"),
        extra=[("kernel_size", "huge", 10 ** 6), ("input_size", "zeros", (0, 0)),
               ("padding", "more than the full padding", 3)])
    add("layers.ProductBiasConv2D", lambda **a: L.ProductBiasConv2D(**a),
        dict(in_channels=1, out_channels=2, kernel_size=3), dict(
            in_channels="positive_int", out_channels="positive_int", kernel_size="positive_int"))
    for pool in ("MaxPool2D", "AvgPool2D"):
        add(f"layers.{pool}", lambda p=pool, **a: getattr(L, p)(**a),
            dict(kernel_size=2, stride=2, padding=0),
            dict(kernel_size="positive_int", stride="positive_int", padding="padding"))
    add("layers.Dense", lambda **a: L.Dense(**a),
        dict(in_features=3, out_features=2, bias=True, init="glorot", rng=0, dtype="float32"),
        dict(in_features="positive_int", out_features="positive_int", bias="bool",
             init="choice", rng="seed", dtype="dtype"),
        extra=[("in_features", "huge", 10 ** 9)])
    add("layers.Flatten", lambda **a: L.Flatten(**a), dict(order="C"), dict(order="choice"))
    add("layers.Dropout", lambda **a: L.Dropout(**a), dict(p=0.5, rng=0),
        dict(p="unit_float", rng="seed"))
    add("layers.LeakyReLU", lambda **a: L.LeakyReLU(**a), dict(negative_slope=0.1),
        dict(negative_slope="real"))
    add("layers.Softmax", lambda **a: L.Softmax(**a), dict(axis=1), {},
        extra=[("axis", "a float", 1.5), ("axis", "a string", "1"), ("axis", "None", None)])
    add("layers.Softmax.forward (axis)", lambda **a: L.Softmax(axis=a.pop("axis")).forward(**a),
        dict(x=LOGITS, axis=1), {}, extra=[("axis", "an axis x does not have", 5),
                                           ("axis", "very negative", -10 ** 9)])

    # -- layers: forward and backward ---------------------------------------------------
    def forward_entry(name, make, x):
        add(f"layers.{name}.forward", lambda make=make, **a: make().forward(**a), dict(x=x),
            dict(x=ARRAY))

    def backward_entry(name, make, x):
        def call(make=make, x=x, **a):
            layer = make()
            layer.forward(x)
            return layer.backward(**a)
        y = make().forward(x)
        add(f"layers.{name}.backward", call, dict(dy=y), dict(dy=ARRAY),
            extra=[("dy", "the wrong shape", np.ones(tuple(s + 1 for s in y.shape)))])

    four_d = {"Conv2D": lambda: L.Conv2D(3, 2, 3, rng=0),
              "ProductBiasConv2D": lambda: L.ProductBiasConv2D(3, 2, 3, rng=0),
              "MaxPool2D": lambda: L.MaxPool2D(2), "AvgPool2D": lambda: L.AvgPool2D(2),
              "GlobalAvgPool2D": lambda: L.GlobalAvgPool2D(), "Flatten": lambda: L.Flatten("F")}
    for name, make in four_d.items():
        if name != "Flatten":
            forward_entry(name, make, X4)
        backward_entry(name, make, X4)
    add("layers.Flatten.forward", lambda **a: L.Flatten("F").forward(**a), dict(x=X4),
        dict(x=("array", False, False)),
        extra=[("x", "one axis only", np.ones(4)), ("x", "five axes", np.ones((1,) * 5))])
    add("layers.Conv2D.forward (channels)", lambda **a: L.Conv2D(3, 2, 3, rng=0).forward(**a),
        dict(x=X4), {}, extra=[("x", "two channels instead of three", np.ones((2, 2, 6, 6))),
                               ("x", "smaller than the kernel", np.ones((2, 3, 2, 2)))])
    forward_entry("Dense", lambda: L.Dense(3, 2, rng=0), LOGITS)
    backward_entry("Dense", lambda: L.Dense(3, 2, rng=0), LOGITS)
    add("layers.Dense.forward (features)", lambda **a: L.Dense(3, 2, rng=0).forward(**a),
        dict(x=LOGITS), {}, extra=[("x", "four features instead of three", np.ones((4, 4)))])
    for name, make in {"ReLU": L.ReLU, "LeakyReLU": L.LeakyReLU, "Sigmoid": L.Sigmoid,
                       "Tanh": L.Tanh, "Softmax": L.Softmax, "Dropout": lambda: L.Dropout(0.5, rng=0)
                       }.items():
        add(f"layers.{name}.forward", lambda make=make, **a: make().forward(**a), dict(x=LOGITS),
            dict(x=("array", False, False)))
        backward_entry(name, make, LOGITS)

    # -- losses ----------------------------------------------------------------------
    for name in ("SoftmaxCrossEntropy", "MSELoss"):
        add(f"losses.{name}.forward", lambda n=name, **a: getattr(losses, n)().forward(**a),
            dict(prediction=LOGITS, target=LABELS), dict(prediction=ARRAY),
            extra=[("target", "a label too large", np.array([0, 3, 1, 1])),
                   ("target", "a negative label", np.array([0, -1, 1, 1])),
                   ("target", "a fractional label", np.array([0, 0.5, 1, 1])),
                   ("target", "too few labels", np.array([0, 1])),
                   ("target", "strings", np.array(["a", "b", "c", "d"])),
                   ("target", "None", None),
                   ("target", "one-hot of the wrong width", np.eye(4)),
                   ("target", "booleans", np.array([True, False, True, False]))])

    add("losses.one_hot", lambda **a: losses.one_hot(**a), dict(labels=[0, 2], n_classes=3),
        dict(n_classes="positive_int"),
        extra=[("labels", "a label too large", [0, 3]), ("labels", "negative", [-1]),
               ("labels", "strings", ["a"]), ("labels", "None", None),
               ("labels", "a matrix", [[0, 1]])])
    add("losses.class_labels", lambda **a: losses.class_labels(**a),
        dict(target=np.array([0, 1]), n_samples=2, n_classes=3), {},
        extra=[("target", "a label too large", np.array([0, 3])),
               ("target", "too few", np.array([0])), ("target", "floats", np.array([0.5, 1])),
               ("target", "strings", np.array(["a", "b"])), ("target", "None", None)])

    # -- optimizers ----------------------------------------------------------------------
    add("optim.SGD", lambda **a: optim.SGD(**a),
        dict(lr=0.1, momentum=0.5, nesterov=False, weight_decay=0.0),
        dict(lr="positive_float", momentum="unit_float", nesterov="bool",
             weight_decay="non_negative_float"),
        )
    add("optim.Adam", lambda **a: optim.Adam(**a),
        dict(lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
        dict(lr="positive_float", eps="positive_float", weight_decay="non_negative_float"),
        extra=[("betas", "one number", 0.9), ("betas", "a beta of one", (0.9, 1.0)),
               ("betas", "a triple", (0.9, 0.99, 0.999)), ("betas", "strings", ("a", "b"))])
    add("optim.SGD.step", lambda **a: optim.SGD(0.1).step(**a), dict(model=L.Dense(2, 2, rng=0)),
        {}, extra=[("model", "None", None), ("model", "a number", 3),
                   ("model", "a dict", {"weight": np.ones(2)})])

    # -- Sequential ------------------------------------------------------------------------
    def model():
        return convnet.Sequential(L.Conv2D(3, 2, 3, rng=0), L.ReLU(), L.Flatten(),
                                  L.Dense(32, 3, rng=1))

    add("Sequential", lambda **a: convnet.Sequential(*a["layers"]), dict(layers=[L.ReLU()]), {},
        extra=[("layers", "a number", [3]), ("layers", "None", [None]),
               ("layers", "a function", [np.sum]), ("layers", "a string", ["relu"])])
    add("Sequential.fit", lambda **a: model().fit(**a),
        dict(x=X4, y=np.array([0, 1]), epochs=1, batch_size=2, loss="cross_entropy",
             optimizer=optim.SGD(0.1), validation_data=None, shuffle=True, seed=0,
             verbose=False),
        dict(x=ARRAY, epochs="positive_int", batch_size="positive_int", loss="choice",
             seed="seed", shuffle="bool", verbose="bool"),
        extra=[("y", "a label too large", np.array([0, 3])),
               ("y", "one label per sample missing", np.array([0])),
               ("y", "strings", np.array(["a", "b"])), ("y", "None", None),
               ("optimizer", "None", None), ("optimizer", "a string", "sgd"),
               ("validation_data", "one array", X4),
               ("validation_data", "mismatched lengths", (X4, np.array([0]))),
               ("validation_data", "labels out of range", (X4, np.array([0, 5]))),
               ("x", "two channels instead of three", np.ones((2, 2, 6, 6)))])
    add("Sequential.predict", lambda **a: model().predict(**a), dict(x=X4, batch_size=2),
        dict(x=ARRAY, batch_size="positive_int"))
    add("Sequential.evaluate", lambda **a: model().evaluate(**a),
        dict(x=X4, y=np.array([0, 1]), loss="cross_entropy", batch_size=2),
        dict(x=ARRAY, loss="choice", batch_size="positive_int"),
        extra=[("y", "a label too large", np.array([0, 3])), ("y", "None", None)])
    add("Sequential.summary", lambda **a: model().summary(**a), dict(input_shape=(3, 6, 6)), {},
        extra=[("input_shape", "None", None), ("input_shape", "a string", "3x6x6"),
               ("input_shape", "zeros", (3, 0, 0)), ("input_shape", "two channels", (2, 6, 6)),
               ("input_shape", "too small for the kernel", (3, 2, 2)),
               ("input_shape", "floats", (3.0, 6.5, 6))])
    add("Sequential.save", lambda **a: model().save(**a), dict(path=SCRATCH), dict(path="path"))
    add("convnet.load", lambda **a: convnet.load(**a), dict(path=SCRATCH), dict(path="path"))

    # -- gradient checking ------------------------------------------------------------------------
    add("gradcheck.numerical_gradient", lambda **a: gradcheck.numerical_gradient(**a),
        dict(f=lambda v: float(np.sum(v)), x=np.ones(3), eps=1e-6), dict(eps="positive_float"),
        extra=[("f", "not callable", 3), ("x", "a list", [1.0, 2.0]),
               ("x", "float32", np.ones(3, np.float32)), ("x", "None", None)])
    add("gradcheck.check_gradients", lambda **a: gradcheck.check_gradients(**a),
        dict(layer=L.Dense(3, 2, rng=0), x=LOGITS), dict(x=ARRAY),
        extra=[("layer", "float32 parameters", L.Dense(3, 2, rng=0, dtype=np.float32)),
               ("x", "the wrong width", np.ones((4, 5)))])

    add("gradcheck.check_loss_gradient", lambda **a: gradcheck.check_loss_gradient(**a),
        dict(loss=losses.MSELoss(), prediction=LOGITS, target=LOGITS), dict(prediction=ARRAY),
        extra=[("target", "another shape", np.ones((2, 2))), ("loss", "None", None),
               ("loss", "a function", np.sum)])
    add("gradcheck.compare_gradients", lambda **a: gradcheck.compare_gradients(**a),
        dict(name="w", analytic=np.ones(3), numeric=np.ones(3)), {},
        aliases={"analytic": ("analytic gradient",)},
        extra=[("analytic", "another shape", np.ones(4)), ("numeric", "strings", ["a"]),
               ("analytic", "None", None)])

    # -- datasets and zoo ------------------------------------------------------------------------
    add("datasets.load_digits", lambda **a: datasets.load_digits(**a), dict(dtype="float32"),
        dict(dtype="dtype"))
    add("datasets.make_shapes", lambda **a: datasets.make_shapes(**a),
        dict(n=4, size=15, classes=("square", "diamond"), noise=0.0, max_shift=None, seed=0),
        dict(n="positive_int", size="positive_int", noise="closed_unit_float", seed="seed"),
        extra=[("classes", "an unknown class", ("square", "hexagon")),
               ("classes", "a string", "square"), ("classes", "empty", ()),
               ("classes", "repeated", ("square", "square")), ("size", "too small", 4),
               ("max_shift", "negative", -1), ("max_shift", "a float", 1.5),
               ("noise", "exactly one is allowed, so: two", 2.0)])
    add("datasets.load_mnist", lambda **a: datasets.load_mnist(**a),
        dict(root=os.path.dirname(SCRATCH), download=False), dict(root="path", download="bool"),
        extra=[("mirror", "a number", 3), ("checksums", "a list", ["abc"]),
               ("checksums", "a bad digest", {"train-images-idx3-ubyte.gz": "xyz"})])
    add("datasets.read_idx", lambda **a: datasets.read_idx(**a), dict(path=SCRATCH),
        dict(path="path"))
    for name in ("lenet5", "digits_cnn"):
        add(f"zoo.{name}", lambda n=name, **a: getattr(zoo, n)(**a), dict(seed=0, dtype="float32"),
            dict(seed="seed", dtype="dtype"))
    add("zoo.squares_vs_diamonds", lambda **a: zoo.squares_vs_diamonds(**a), dict(seed=0),
        dict(seed="seed"))
    add("zoo.train_digits", lambda **a: zoo.train_digits(**a),
        dict(epochs=1, seed=0, verbose=False, out=lambda line: None),
        dict(epochs="positive_int", seed="seed"))
    # -- worked solutions ---------------------------------------------------------------
    for name in ("correlate2d", "convolve2d"):
        add(f"explain.{name}", lambda n=name, **a: getattr(explain, n)(**a),
            dict(x=X2, k=K2, padding="valid", stride=1, dilation=1, max_terms=4),
            dict(SINGLE, max_terms="positive_int"),
            allow={"max_terms": {"None"}},
            extra=[("k", "kernel larger than the input", np.ones((7, 7)))])
    add("explain.pool2d", lambda **a: explain.pool2d(**a),
        dict(x=X2, kernel_size=2, stride=2, padding=0, kind="max"),
        dict(x=ARRAY, kernel_size="positive_int", stride="positive_int", padding="padding",
             kind="choice"), aliases={"kind": ("max", "avg")})
    add("explain.output_size", lambda **a: explain.output_size(**a),
        dict(n=227, kernel_size=11, stride=4, padding=0, dilation=1),
        dict(n="positive_int", kernel_size="positive_int", stride="positive_int",
             dilation="positive_int"), aliases={"n": ("input",)},
        extra=[("kernel_size", "a kernel larger than the input", 300)])
    add("explain.summary", lambda **a: explain.summary(**a),
        dict(model=convnet.Sequential(L.Conv2D(3, 2, 3, rng=0)), input_shape=(3, 6, 6)), {},
        extra=[("model", "None", None), ("model", "a number", 3),
               ("input_shape", "None", None), ("input_shape", "too small", (3, 2, 2)),
               ("input_shape", "two channels", (2, 6, 6))])
    add("explain.conv2d_backward", lambda **a: explain.conv2d_backward(**a),
        dict(x=X2, w=K2, dz=np.ones((4, 4)), stride=1, padding=0),
        dict(x=ARRAY, w=ARRAY, dz=ARRAY, stride="positive_int", padding="padding"),
        extra=[("dz", "the wrong output shape", np.ones((5, 5)))])

    # -- pictures (argument checks come before matplotlib is used) -------------------------
    add("viz.plot_kernels", lambda **a: viz.plot_kernels(**a),
        dict(layer=L.Conv2D(1, 2, 3, rng=0), path=None), {},
        extra=[("layer", "a layer without kernels", L.ReLU()), ("layer", "None", None),
               ("path", "not a PNG name", "kernels.pdf"), ("path", "a number", 3)])
    add("viz.plot_feature_maps", lambda **a: viz.plot_feature_maps(**a),
        dict(model=convnet.Sequential(L.Conv2D(3, 2, 3, rng=0)), x=X4[0], path=None, max_maps=2),
        dict(max_maps="positive_int"),
        extra=[("model", "a layer, not a Sequential", L.ReLU()),
               ("x", "a batch of two", X4), ("x", "strings", np.full((3, 6, 6), "x")),
               ("x", "two channels", np.ones((2, 6, 6)))])
    add("viz.plot_history", lambda **a: viz.plot_history(**a), dict(history=None), {},
        extra=[("history", "None", None), ("history", "a list", [1.0, 2.0])])
    add("viz.plot_receptive_field", lambda **a: viz.plot_receptive_field(**a),
        dict(layers=[(3, 1, 1)], output_pixel=(0, 0), input_shape=(8, 8), path=None),
        dict(output_pixel="pixel", input_shape="shape2"),
        extra=[("layers", "a string", "conv"), ("output_pixel", "outside the output", (50, 50))])
    add("viz.plot_conv_matrix", lambda **a: viz.plot_conv_matrix(**a),
        dict(k=K2, input_shape=(5, 5), padding="valid", stride=1, order="C", path=None),
        dict(k=ARRAY, input_shape="shape2", padding="padding", stride="positive_int",
             order="choice"), aliases={"input_shape": ("input",)})
    add("viz.save_pictures", lambda **a: viz.save_pictures(**a),
        dict(folder=os.path.dirname(SCRATCH), drawings={}, out=lambda line: None), {},
        extra=[("folder", "None", None), ("folder", "a number", 3),
               ("drawings", "a list", [lambda path: None]), ("drawings", "None", None),
               ("drawings", "a drawing that is not callable", {"a": 3})])
    return out


ENTRIES = _entries()
