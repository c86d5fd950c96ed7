"""Pictures of a classifier's mistakes: the confusion matrix and the misclassified images.

Each function builds a ``matplotlib.figure.Figure`` directly (no pyplot, no
global state), returns it, and also writes it as a PNG when ``path`` is
given.  matplotlib is imported only when a picture is drawn.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import fail, integer, real_array
from ..functional import softmax
from ..losses import class_labels
from ..metrics import ConfusionMatrix, confusion_matrix
from ._common import _figure, _finish, _output_path

__all__ = ["plot_confusion_matrix", "plot_misclassified"]


def _model(model, name="model", rule="a model with predict(x), such as a convnet.Sequential"):
    if not hasattr(model, "predict"):
        fail(name, rule, model, error=TypeError)
    return model


def _scores_and_labels(model, x, y):
    """The model's scores (N, K) for ``x`` and the labels ``y`` checked against them."""
    scores = model.predict(x)
    if scores.ndim != 2:
        fail("model", "a classifier whose outputs are class scores (N, K)", model,
             given=f"outputs of shape {scores.shape}")
    return scores, class_labels(y, x.shape[0], scores.shape[1], "y")


def plot_confusion_matrix(cm, x=None, y=None, classes=None, normalize=False, path=None):
    """The confusion matrix as a grid of counts: true class down, prediction across.

    Parameters
    ----------
    cm : ConfusionMatrix or model
        A :class:`convnet.metrics.ConfusionMatrix`, or a model whose
        predictions on ``x`` are compared with the labels ``y``.
    x, y : array_like, optional
        The images ``(N, C, H, W)`` and labels ``(N,)``, with a model only.
    classes : sequence of str, optional
        Class names for the axes (default: the matrix's own).
    normalize : bool, default False
        Colour each row by its share of the true class instead of the counts
        (the numbers written in the cells stay counts).
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    ::

        fig = plot_confusion_matrix(model, x_test, y_test, classes=CIFAR10_CLASSES)
        fig = plot_confusion_matrix(confusion_matrix(y_test, y_pred), path="cm.png")
    """
    if not isinstance(cm, ConfusionMatrix):
        model = _model(cm, "cm", "a ConfusionMatrix, or a model with predict(x) and x, y")
        if x is None or y is None:
            fail("x", "images (N, C, H, W) with labels y when cm is a model", x,
                 error=TypeError)
        x = real_array(x, "x", ndim=range(2, 6), layout="(N, ...)")
        scores, labels = _scores_and_labels(model, x, y)
        cm = confusion_matrix(labels, scores, classes=classes)
    elif x is not None or y is not None:
        fail("x", "None when cm is already a ConfusionMatrix", x, error=TypeError)
    if classes is not None:
        cm = ConfusionMatrix(cm.counts, classes)
    if not isinstance(normalize, (bool, np.bool_)):
        fail("normalize", "True or False", normalize, error=TypeError)
    path = _output_path(path)
    k = len(cm.classes)
    fig = _figure(2.5 + 0.45 * k, 2 + 0.4 * k)
    ax = fig.subplots()
    support = np.maximum(cm.counts.sum(axis=1, keepdims=True), 1)            # (K, 1)
    shade = cm.counts / support if normalize else cm.counts                   # (K, K)
    image = ax.imshow(shade, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, label="share of the true class" if normalize else "count")
    high = shade.max() / 2 if shade.size else 0
    for (i, j), count in np.ndenumerate(cm.counts):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                color="white" if shade[i, j] > high else "black")
    ax.set_xticks(range(k), cm.classes, rotation=45, ha="right")
    ax.set_yticks(range(k), cm.classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"{cm.total:,} samples, accuracy {cm.accuracy:.3f}")
    return _finish(fig, path)


def _displayable(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W) or (N, H, W, 3), each image stretched to [0, 1] for imshow."""
    low = images.min(axis=(1, 2, 3), keepdims=True)                           # (N, 1, 1, 1)
    span = np.maximum(images.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)
    scaled = (images - low) / span                                            # (N, C, H, W)
    return scaled[:, 0] if scaled.shape[1] == 1 else scaled[:, :3].transpose(0, 2, 3, 1)


def plot_misclassified(model, x, y, classes=None, max_images=16, path=None):
    """The first misclassified images, each titled with its true and predicted class.

    The title reads ``true → predicted (p)`` where ``p`` is the probability
    the model gave its wrong answer (the softmax of ``predict``'s scores, as
    :meth:`Sequential.predict_proba`).  Each image is stretched to its own
    minimum and maximum for display; one channel is drawn in grey, three as
    RGB.

    Parameters
    ----------
    model : a classifier with ``predict`` (a :class:`convnet.Sequential`)
    x : array_like of shape (N, C, H, W)
    y : array_like of shape (N,), int labels
    classes : sequence of str, optional
        Class names for the titles (default: the numbers).
    max_images : int, default 16
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure
        With a note instead of images when every sample is right.
    """
    model = _model(model)
    x = real_array(x, "x", ndim=4, layout="(N, C, H, W)")
    max_images = integer(max_images, "max_images", minimum=1)
    path = _output_path(path)
    scores, labels = _scores_and_labels(model, x, y)
    cm = confusion_matrix(labels, scores, classes=classes)    # checks the number of names
    predicted = scores.argmax(axis=1)                                             # (N,)
    confidence = softmax(scores, axis=1)[np.arange(len(x)), predicted]            # (N,)
    wrong = np.flatnonzero(predicted != labels)[:max_images]
    columns = max(1, min(len(wrong), 8))
    rows = max(1, math.ceil(len(wrong) / columns))
    fig = _figure(1.6 * columns, 1.8 * rows)
    if not len(wrong):
        ax = fig.subplots()
        ax.text(0.5, 0.5, f"no misclassified images among {len(x):,}", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _finish(fig, path)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    pictures = _displayable(x[wrong])
    for ax, picture, index in zip(axes, pictures, wrong):
        ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, vmin=0, vmax=1)
        ax.set_title(f"{cm.classes[labels[index]]} → {cm.classes[predicted[index]]}\n"
                     f"({confidence[index]:.2f})", fontsize=8)
    for ax in axes:
        ax.set_axis_off()
    fig.suptitle(f"{np.sum(predicted != labels):,} of {len(x):,} misclassified "
                 f"(true → predicted, probability)", fontsize=9)
    return _finish(fig, path)
