"""Entry points of training data and its evaluation: the new loaders, transforms, metrics.

Rows as in rows_tools.py: ``Entry(name, callable, valid kwargs, kinds, extra=[...])``.
A transform has two rows, its constructor and its call ``transform(x, rng)``.
"""

from __future__ import annotations

import math
import os

import numpy as np

from convnet import datasets, metrics, transforms as T, viz

from .registry import Entry
from .rows import ARRAY, SCRATCH, X4, method, small_model

ROOT = dict(root=os.path.dirname(SCRATCH), download=False)
ROOT_KINDS = dict(root="path", download="bool", dtype="dtype")
ROOT_NONE = {"root": {"None"}}               # root=None is the default folder
LABELS3 = np.array([0, 2, 1])
LABELS2 = np.array([0, 1])                   # for X4 (two samples) and small_model (3 classes)


def _call(make):
    """A row calling ``make()(x, rng)``: the transform's protocol."""
    return lambda x, rng: make()(x, rng)


def _compose(transforms):
    return T.Compose(transforms)


CALL_KINDS = dict(x=ARRAY, rng="seed")
ROWS = (
    # -- data sets -----------------------------------------------------------------
    Entry("datasets.load_fashion_mnist", datasets.load_fashion_mnist, ROOT, ROOT_KINDS,
          allow=ROOT_NONE,
          extra=[("mirror", "a number", 3), ("checksums", "a list", ["abc"]),
                 ("checksums", "an unknown file", {"fashion.gz": "0" * 32}),
                 ("checksums", "a bad digest", {"train-images-idx3-ubyte.gz": "xyz"})]),
    Entry("datasets.load_cifar10", datasets.load_cifar10, ROOT, ROOT_KINDS, allow=ROOT_NONE,
          extra=[("mirror", "None", None), ("checksums", "a string", "c32a"),
                 ("checksums", "the pickled version's name", {"cifar-10-python.tar.gz": "0" * 32}),
                 ("checksums", "a digest of 40 digits", {"cifar-10-binary.tar.gz": "0" * 40})]),

    # -- transforms ------------------------------------------------------------------
    Entry("transforms.RandomCrop", T.RandomCrop, dict(size=4, padding=1),
          dict(size="positive_int", padding="non_negative_int"),
          extra=[("size", "a triple", (1, 2, 3)), ("size", "a zero side", (0, 2))]),
    Entry("transforms.RandomCrop.__call__", _call(lambda: T.RandomCrop(4, padding=1)),
          dict(x=X4, rng=0), CALL_KINDS),
    Entry("transforms.RandomCrop.__call__ (too large)", _call(lambda: T.RandomCrop(9, 1)),
          dict(x=X4, rng=0), {}, extra=[("x", "smaller than the crop", X4)]),
    Entry("transforms.RandomShift", T.RandomShift, dict(max_pixels=2),
          dict(max_pixels="non_negative_int")),
    Entry("transforms.RandomShift.__call__", _call(lambda: T.RandomShift(2)), dict(x=X4, rng=0),
          CALL_KINDS),
    Entry("transforms.RandomHorizontalFlip", T.RandomHorizontalFlip, dict(p=0.5),
          dict(p="closed_unit_float")),
    Entry("transforms.RandomHorizontalFlip.__call__", _call(T.RandomHorizontalFlip),
          dict(x=X4, rng=0), CALL_KINDS),
    Entry("transforms.Normalize", T.Normalize, dict(mean=[0.5, 0.4, 0.3], std=0.25), {},
          extra=[("mean", "None", None), ("mean", "a string", "0.5"), ("mean", "nan", math.nan),
                 ("mean", "a matrix", [[0.5]]), ("mean", "a ragged list", [[0.1], [0.2, 0.3]]),
                 ("std", "zero", 0.0), ("std", "negative", [0.1, -0.1, 0.1]),
                 ("std", "inf", math.inf), ("std", "True", True),
                 ("std", "two numbers for three means", [0.1, 0.2])]),
    Entry("transforms.Normalize.__call__", _call(lambda: T.Normalize([0.5, 0.4, 0.3], 0.25)),
          dict(x=X4, rng=None), dict(x=ARRAY),
          extra=[("x", "two channels for three means", X4[:, :2])]),
    Entry("transforms.Compose", _compose, dict(transforms=[T.RandomHorizontalFlip()]), {},
          extra=[("transforms", "a number", [3]), ("transforms", "a string", ["flip"]),
                 ("transforms", "None", [None])]),
    Entry("transforms.Compose.__call__", _call(lambda: T.Compose(T.RandomShift(1))),
          dict(x=X4, rng=0), CALL_KINDS),

    # -- metrics ------------------------------------------------------------------------
    Entry("metrics.confusion_matrix", metrics.confusion_matrix,
          dict(y_true=LABELS3, y_pred=LABELS3, num_classes=None, classes=None),
          dict(y_true=ARRAY, y_pred=ARRAY, num_classes="positive_int"),
          allow={"num_classes": {"None"}},
          extra=[("y_pred", "a different length", np.array([0, 1])),
                 ("y_true", "negative", np.array([0, -1, 1])), ("y_true", "halves", [0.5, 1, 2]),
                 ("num_classes", "fewer than the labels", 2),
                 ("classes", "a string", "abc"), ("classes", "numbers", [1, 2, 3]),
                 ("classes", "two names for three classes", ["a", "b"]), ("classes", "empty", [])]),
    Entry("metrics.ConfusionMatrix", metrics.ConfusionMatrix,
          dict(counts=np.eye(2, dtype=int), classes=None), dict(counts=ARRAY),
          extra=[("counts", "not square", np.ones((2, 3))), ("counts", "negative", -np.eye(2)),
                 ("counts", "fractions", np.eye(2) / 2), ("classes", "one name", ["a"]),
                 ("classes", "a number", 3)]),
    Entry("metrics.top_k_accuracy", metrics.top_k_accuracy,
          dict(scores=np.eye(3), y=LABELS3, k=2), dict(scores=ARRAY, k="positive_int"),
          extra=[("y", "a label too large", np.array([0, 1, 3])), ("y", "None", None),
                 ("y", "a ragged list", [[0], [1, 2]]), ("y", "too short", [0, 1])]),

    # -- the model's metrics ---------------------------------------------------------------
    Entry("Sequential.predict_proba", method(small_model, "predict_proba"),
          dict(x=X4, batch_size=2), dict(x=ARRAY, batch_size="positive_int")),
    Entry("Sequential.evaluate (top_k)", method(small_model, "evaluate"),
          dict(x=X4, y=LABELS2, top_k=2), dict(top_k="positive_int"),
          allow={"top_k": {"None"}}),

    # -- pictures -------------------------------------------------------------------------
    Entry("viz.plot_confusion_matrix", viz.plot_confusion_matrix,
          dict(cm=metrics.ConfusionMatrix(np.eye(2, dtype=int)), x=None, y=None, classes=None,
               normalize=False, path=None),
          dict(normalize="bool", path="path"), allow={"path": {"None"}},
          extra=[("cm", "a number", 3), ("classes", "too many", ["a", "b", "c"]),
                 ("x", "images with a matrix", X4)]),
    Entry("viz.plot_confusion_matrix (model)", viz.plot_confusion_matrix,
          dict(cm=small_model(), x=X4, y=LABELS2), dict(x=ARRAY),
          extra=[("y", "a label too large", np.array([0, 3])), ("y", "None", None),
                 ("x", "None", None)]),
    Entry("viz.plot_misclassified", viz.plot_misclassified,
          dict(model=small_model(), x=X4, y=LABELS2, classes=None, max_images=16, path=None),
          dict(x=ARRAY, max_images="positive_int", path="path"), allow={"path": {"None"}},
          extra=[("model", "None", None), ("y", "too short", np.array([0])),
                 ("classes", "two names for three classes", ["a", "b"])]),
)
