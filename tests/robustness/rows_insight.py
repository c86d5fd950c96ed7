"""Entry points of convnet.insight and their pictures in convnet.viz.

The valid calls run the designed squares-vs-diamonds network (E8.10) on two
15x15 shapes: a few milliseconds each.  A row, e.g. for a (future)
``insight.integrated_gradients(model, x, target, steps)``::

    Entry("insight.integrated_gradients", insight.integrated_gradients,
          dict(model=MODEL, x=X, target=0, steps=8),
          dict(x=("array", True, False), steps="positive_int"),
          extra=[*MODEL_EXTRA, *TARGET_EXTRA])
"""

from __future__ import annotations

import math

import numpy as np

import convnet
from convnet import insight, layers as L, viz
from convnet.datasets import make_shapes
from convnet.zoo import designed_squares_vs_diamonds

from .registry import Entry

MODEL = designed_squares_vs_diamonds()
X, Y = make_shapes(2, seed=0, dtype=np.float64)                      # (2, 1, 15, 15), (2,)
IMAGES = ("array", True, False)
NOT_A_CLASSIFIER = convnet.Sequential(L.Conv2D(1, 2, 3, rng=0))
WITHOUT_CONVOLUTION = convnet.Sequential(L.Flatten(), L.Dense(225, 2, rng=0))
RESULT = insight.fgsm(MODEL, X, Y, 0.1)

MODEL_EXTRA = [("model", "None", None), ("model", "a layer, not a Sequential", L.ReLU()),
               ("model", "a number", 3), ("model", "not a classifier (4-D output)",
                                          NOT_A_CLASSIFIER)]
TARGET_EXTRA = [("target", "outside the classes", 2), ("target", "negative", -1),
                ("target", "a float", 0.5), ("target", "a string", "0"), ("target", "None", None),
                ("target", "True", True), ("target", "one label too many", [0, 1, 0]),
                ("target", "an object", object())]
CLIP_EXTRA = [("clip", "reversed", (1.0, 0.0)), ("clip", "a number", 1.0),
              ("clip", "a triple", (0, 1, 2)), ("clip", "nan", (math.nan, 1.0)),
              ("clip", "strings", ("0", "1"))]

ROWS = (
    Entry("insight.saliency", insight.saliency, dict(model=MODEL, x=X, target=0, batch_size=4),
          dict(x=IMAGES, batch_size="positive_int"), extra=[*MODEL_EXTRA, *TARGET_EXTRA]),
    Entry("insight.grad_cam", insight.grad_cam,
          dict(model=MODEL, x=X, target=Y, layer=None, upsample=True, batch_size=4),
          dict(x=IMAGES, upsample="bool", batch_size="positive_int"),
          extra=[*MODEL_EXTRA, *TARGET_EXTRA,
                 ("model", "without a convolution layer", WITHOUT_CONVOLUTION),
                 ("layer", "an unknown name", "9"), ("layer", "an index too large", 5),
                 ("layer", "an index too negative", -6), ("layer", "a float", 1.5),
                 ("layer", "a layer object", L.ReLU()), ("layer", "True", True),
                 ("layer", "a layer whose output is not maps (Flatten)", 3)]),
    Entry("insight.occlusion", insight.occlusion,
          dict(model=MODEL, x=X, target=Y, patch=5, stride=5, value=0.5, batch_size=16),
          dict(x=IMAGES, patch="positive_int", stride="positive_int", value="real",
               batch_size="positive_int"),
          extra=[*MODEL_EXTRA, *TARGET_EXTRA, ("patch", "larger than the image", 16)]),
    Entry("insight.fgsm", insight.fgsm,
          dict(model=MODEL, x=X, y=Y, epsilon=0.1, clip=(0.0, 1.0), batch_size=4),
          dict(x=IMAGES, epsilon="non_negative_float", batch_size="positive_int"),
          extra=[*MODEL_EXTRA, *CLIP_EXTRA, ("y", "outside the classes", [0, 2]),
                 ("y", "one label", [0]), ("y", "None", None), ("y", "strings", ["a", "b"]),
                 ("x", "one image, not a batch", X[0])]),
    Entry("insight.class_model", insight.class_model,
          dict(model=MODEL, target=0, steps=2, lr=0.1, l2=0.01, input_shape=(1, 15, 15),
               start=X[:1], clip=None),
          dict(steps="non_negative_int", lr="positive_float", l2="non_negative_float",
               start=IMAGES),
          allow={"start": {"None"}},
          extra=[*MODEL_EXTRA, *TARGET_EXTRA[:6], *CLIP_EXTRA,
                 ("input_shape", "two numbers", (15, 15)), ("input_shape", "None", None),
                 ("input_shape", "a zero", (1, 0, 15)), ("input_shape", "floats", (1.0, 15, 15)),
                 ("start", "another shape", np.zeros((1, 8, 8))),
                 ("start", "two images", X)]),

    # -- pictures (arguments are checked before matplotlib is used) ------------------------
    Entry("viz.plot_attributions", viz.plot_attributions,
          dict(x=X, maps=np.ones((2, 15, 15)), titles=None, path=None),
          dict(x=IMAGES, maps=IMAGES),
          extra=[("maps", "one map for two images", np.ones((1, 15, 15))),
                 ("titles", "a string", "ab"), ("titles", "three for two images", ["a", "b", "c"]),
                 ("path", "not a PNG name", "cam.pdf"), ("path", "a number", 3)]),
    Entry("viz.plot_adversarial", viz.plot_adversarial,
          dict(x=X, result=RESULT, titles=None, max_images=2, path=None),
          dict(x=IMAGES, max_images="positive_int"),
          extra=[("result", "None", None), ("result", "the images", X),
                 ("result", "a tuple", tuple(RESULT)), ("titles", "a string", "ab"),
                 ("x", "another batch than the result's", X[:1]),
                 ("path", "not a PNG name", "fgsm.pdf")]),
    Entry("viz.plot_class_models", viz.plot_class_models,
          dict(images=X, titles=None, path=None), dict(images=IMAGES),
          extra=[("images", "two channels", np.ones((2, 2, 4, 4))),
                 ("titles", "one for two images", ["a"]), ("path", "a number", 3)]),
)
