"""What every insight function shares: checking the model and its input, leaving the model as found.

:func:`untouched` runs a computation in evaluation mode and then puts back
every layer's mode and gradients exactly (the same dict objects holding the
same arrays with the same values).  :func:`input_gradient` is one forward and
one backward of the model's own layers, seeded at the scores.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .._validate import fail, real_array
from ..functional import inference
from ..layers import Conv2D, ConvTranspose2D
from ..layers.base import walk
from ..losses import class_labels
from ..model import Sequential

CONVOLUTIONS = (Conv2D, ConvTranspose2D)


def checked_model(model) -> Sequential:
    if not isinstance(model, Sequential):
        fail("model", "a convnet.Sequential", model, error=TypeError)
    return model


def checked_images(x, name: str = "x", batch_only: bool = False):
    """``x`` as an (N, C, H, W) batch and whether one (C, H, W) image was given."""
    if batch_only:
        x = real_array(x, name, ndim=4, layout="(N, C, H, W) batch")
    else:
        x = real_array(x, name, ndim=(3, 4), layout="(C, H, W) image or (N, C, H, W) batch")
    if not np.all(np.isfinite(x)):
        fail(name, "finite pixel values", x, given="NaN or infinity")
    return (x[np.newaxis], True) if x.ndim == 3 else (x, False)


def model_dtype(model):
    """The dtype of the model's parameters (float64 when it has none)."""
    params = list(model.parameters().values())
    return params[0].dtype if params else np.dtype(np.float64)


def class_scores(model, x) -> np.ndarray:
    """The (N, K) scores of the model for ``x``, in inference (nothing kept, nothing changed)."""
    with untouched(model), inference():
        scores = model.forward(x)                                    # (N, K)
    if scores.ndim != 2:
        fail("model", "a classifier whose output is (N, K) class scores", model,
             given=f"an output of shape {scores.shape}")
    return scores


def checked_target(target, n: int, n_classes: int, name: str = "target") -> np.ndarray:
    """One class for every sample: an int for all of them, or (N,) labels, in [0, K)."""
    if isinstance(target, (bool, np.bool_)) or target is None:
        fail(name, f"a class in [0, {n_classes - 1}] or one per sample", target,
             error=TypeError)
    if np.ndim(target) == 0:
        target = np.full(n, target) if np.asarray(target).dtype.kind in "iuf" else [target]
    return class_labels(target, n, n_classes, name)


@contextmanager
def untouched(model):
    """Evaluation mode inside; afterwards every layer's mode and gradients as they were.

    What the last forward kept for a backward is let go (as by
    ``model.free_memory()``): it may share work memory with what runs here.
    """
    layers = [layer for _, layer in walk(enumerate(model.layers))]
    modes = [layer.training for layer in layers]
    grads = [(layer.grads, {k: (v, v.copy()) for k, v in layer.grads.items()}) for layer in layers]
    model.eval()
    try:
        yield model
    finally:
        for layer, mode, (kept, arrays) in zip(layers, modes, grads):
            layer.training = mode
            layer.forget()
            kept.clear()
            for key, (array, values) in arrays.items():
                np.copyto(array, values)
                kept[key] = array
            layer.grads = kept


def input_gradient(model, x, seed):
    """Scores and d(seed . scores)/dx: one forward and one backward through the model's layers.

    ``seed(scores)`` gives dL/dscores (N, K); run inside :func:`untouched`.
    """
    scores = model.forward(x)                                        # (N, K)
    if scores.ndim != 2:
        fail("model", "a classifier whose output is (N, K) class scores", model,
             given=f"an output of shape {scores.shape}")
    dx = model.backward(seed(scores))                                # (N, C, H, W)
    return scores, dx


def target_seed(target, name: str = "target"):
    """dScore/dscores: the one-hot rows of the targets (checked against the scores)."""
    def seed(scores):
        labels = checked_target(target, scores.shape[0], scores.shape[1], name)
        dscores = np.zeros_like(scores)                              # (N, K)
        dscores[np.arange(len(labels)), labels] = 1.0                # dS_c / dS_k
        return dscores
    return seed


def batches(n: int, batch_size: int):
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))
