"""How good a classifier is, beyond one accuracy: top-k accuracy and the confusion matrix.

Labels are class numbers ``0 .. K-1``; scores are the model's outputs
``(N, K)`` (logits or probabilities: only their order matters here).

The confusion matrix follows scikit-learn's convention: row ``i`` is the
true class, column ``j`` the predicted one, so ``counts[i, j]`` is the
number of samples of class ``i`` predicted as ``j`` and the diagonal holds
the correct ones.
"""

from __future__ import annotations

import html

import numpy as np

from ._validate import fail, integer, real_array
from .losses import class_labels

__all__ = ["confusion_matrix", "ConfusionMatrix", "top_k_accuracy"]


def top_k_accuracy(scores, y, k=5):
    """Share of samples whose label is among the ``k`` highest scores.

    Ties are broken towards the lower class number, as ``argmax`` does, so
    ``top_k_accuracy(scores, y, 1)`` is the usual accuracy exactly.  The
    rank of the label is the number of classes ranked above it: those with
    a higher score, and those with the same score and a lower number.

    Parameters
    ----------
    scores : array_like of shape (N, K)
    y : array_like of shape (N,), int labels in [0, K)
    k : int >= 1 (k >= K gives 1.0)

    Returns
    -------
    float

    Examples
    --------
    Labels 2 and 0; sample 0 ranks class 2 second, sample 1 ranks class 0 third.

    >>> scores = [[0.1, 0.5, 0.4], [0.2, 0.3, 0.5]]
    >>> top_k_accuracy(scores, [2, 0], k=1), top_k_accuracy(scores, [2, 0], k=2)
    (0.0, 0.5)
    """
    scores = real_array(scores, "scores", ndim=2, layout="(N, K)")
    n, classes = scores.shape
    labels = class_labels(_array(y, "y"), n, classes, "y")                    # (N,)
    k = integer(k, "k", minimum=1)
    own = scores[np.arange(n), labels][:, None]                               # (N, 1)
    lower = np.arange(classes)[None, :] < labels[:, None]                     # (N, K)
    above = (scores > own) | ((scores == own) & lower)                        # (N, K)
    return float(np.mean(above.sum(axis=1) < k))


def confusion_matrix(y_true, y_pred, num_classes=None, classes=None):
    """Count, for every true class, how often each class was predicted.

    Parameters
    ----------
    y_true : array_like of shape (N,)
        Class labels (whole numbers ``>= 0``).
    y_pred : array_like of shape (N,) or (N, K)
        Predicted labels, or scores whose arg-max is the prediction (such as
        ``model.predict(x)``).
    num_classes : int, optional
        ``K``; by default the scores' width, else one more than the largest
        label seen (or ``len(classes)`` if that is more).
    classes : sequence of str, optional
        Names of the classes (such as ``CIFAR10_CLASSES``), for display.

    Returns
    -------
    ConfusionMatrix
        ``counts[i, j]``: samples of true class ``i`` predicted as ``j``.

    Examples
    --------
    >>> cm = confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    >>> cm.counts
    array([[1, 1],
           [1, 2]])
    >>> cm.per_class_accuracy()          # 1 of 2, then 2 of 3
    array([0.5       , 0.66666667])
    """
    truth = _array(y_true, "y_true")
    predicted = _array(y_pred, "y_pred")
    if predicted.ndim == 2 and predicted.dtype.kind in "iuf" and predicted.shape[1] > 0:
        num_classes = predicted.shape[1] if num_classes is None else num_classes
        predicted = predicted.argmax(axis=1)
    names = _class_names(classes)
    given = "" if num_classes is None else f" (num_classes={num_classes})"
    if num_classes is None:
        num_classes = max(len(names or ()), _labels_seen(truth, predicted))
    num_classes = integer(num_classes, "num_classes", minimum=1)
    if truth.ndim != 1 or truth.size == 0:
        fail("y_true", "a non-empty 1-D array of class labels (N,)", y_true,
             given=f"shape {truth.shape}")
    truth = class_labels(truth, truth.size, num_classes, "y_true" + given)        # (N,)
    predicted = class_labels(predicted, truth.size, num_classes, "y_pred" + given)  # (N,)
    counts = np.bincount(truth * num_classes + predicted,
                         minlength=num_classes * num_classes)                      # (K*K,)
    return ConfusionMatrix(counts.reshape(num_classes, num_classes), names)       # (K, K)


def _array(value, name: str) -> np.ndarray:
    """``np.asarray(value)``, or the library's error naming ``name`` for a ragged sequence."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        fail(name, "a rectangular array of numbers", value)


def _labels_seen(*arrays) -> int:
    """One more than the largest finite number in ``arrays`` (labels are checked later)."""
    largest = 0
    for array in arrays:
        if array.size and array.dtype.kind in "iuf" and np.all(np.isfinite(array)):
            largest = max(largest, int(np.max(array)))
    return largest + 1


def _class_names(classes):
    if classes is None:
        return None
    if isinstance(classes, str) or not isinstance(classes, (list, tuple)) \
            or not all(isinstance(name, str) for name in classes) or not classes:
        fail("classes", "None or a non-empty sequence of class names (str)", classes,
             error=TypeError)
    return tuple(classes)


class ConfusionMatrix:
    """A confusion matrix: the counts, per-class accuracy and a table to look at.

    Parameters
    ----------
    counts : array_like of shape (K, K)
        Non-negative whole numbers; row = true class, column = prediction.
    classes : sequence of K str, optional
        Class names for display (default ``"0" .. "K-1"``).

    Attributes
    ----------
    counts : ndarray of int64, shape (K, K)
    classes : tuple of str
    """

    def __init__(self, counts, classes=None):
        array = _array(counts, "counts")
        if (array.ndim != 2 or array.shape[0] != array.shape[1] or array.size == 0
                or array.dtype.kind not in "iuf" or np.any(array < 0)
                or not np.all(array == np.round(array))):
            fail("counts", "a square (K, K) array of whole numbers >= 0", counts,
                 given=f"shape {array.shape}, dtype {array.dtype}")
        self.counts = array.astype(np.int64)
        names = _class_names(classes)
        k = array.shape[0]
        if names is not None and len(names) != k:
            fail("classes", f"{k} names, one per row of counts", classes,
                 given=f"{len(names)} names")
        self.classes = names if names is not None else tuple(str(i) for i in range(k))

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def accuracy(self) -> float:
        """Share of samples on the diagonal (NaN for an empty matrix)."""
        return float(np.trace(self.counts) / self.total) if self.total else float("nan")

    def per_class_accuracy(self) -> np.ndarray:
        """For each true class, the share predicted correctly (its recall); NaN if absent."""
        support = self.counts.sum(axis=1)                                     # (K,)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(support > 0, np.diag(self.counts) / support, np.nan)

    def __str__(self) -> str:
        corner = "true \\ predicted"
        label = max(len(corner), *(len(name) for name in self.classes))
        width = max(5, *(len(name) for name in self.classes), len(str(self.counts.max())))
        lines = [corner.ljust(label) + " " + " ".join(name.rjust(width) for name in self.classes)
                 + "  accuracy"]
        for name, row, share in zip(self.classes, self.counts, self.per_class_accuracy()):
            cells = " ".join(str(c).rjust(width) for c in row)
            lines.append(f"{name.ljust(label)} {cells}  {share:8.3f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"ConfusionMatrix({len(self.classes)} classes, {self.total:,} samples, "
                f"accuracy {self.accuracy:.4f})\n{self}")

    def _repr_html_(self) -> str:
        """The table for notebooks: rows true classes, columns predictions, diagonal in bold."""
        head = "".join(f"<th>{html.escape(name)}</th>" for name in self.classes)
        rows = []
        for i, (name, row, share) in enumerate(zip(self.classes, self.counts,
                                                   self.per_class_accuracy())):
            cells = "".join(f"<td><b>{c}</b></td>" if i == j else f"<td>{c}</td>"
                            for j, c in enumerate(row))
            rows.append(f"<tr><th>{html.escape(name)}</th>{cells}<td>{share:.3f}</td></tr>")
        return (f"<table><caption>confusion matrix: {self.total:,} samples, accuracy "
                f"{self.accuracy:.4f} (rows: true class, columns: predicted)</caption>"
                f"<tr><th></th>{head}<th>accuracy</th></tr>{''.join(rows)}</table>")
