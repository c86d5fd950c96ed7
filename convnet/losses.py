"""Loss functions with the layer protocol: ``forward(prediction, target)`` and ``backward()``.

``forward`` returns the loss as a Python float (the mean over the batch) and
remembers what ``backward`` needs; ``backward()`` returns the gradient of that
loss with respect to the prediction, the first sensitivity of
backpropagation.
"""

from __future__ import annotations

import inspect

import numpy as np

from ._validate import fail, integer, one_of, real_array, real_number
from .functional.activations import log_softmax

__all__ = ["Loss", "SoftmaxCrossEntropy", "MSELoss", "one_hot", "class_labels"]


def class_labels(target, n_samples: int, n_classes: int, name: str = "target") -> np.ndarray:
    """Validate integer class labels: shape (N,), whole numbers in [0, n_classes)."""
    labels = np.asarray(target)
    if labels.dtype.kind == "b" or labels.dtype.kind not in "iuf":
        fail(name, f"integer class labels in [0, {n_classes - 1}]", target, error=TypeError,
             given=f"dtype {labels.dtype}")
    if labels.shape != (n_samples,):
        fail(name, f"of shape ({n_samples},) (one label per sample)", target,
             given=f"shape {labels.shape}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels) & (labels == np.round(labels))):
        fail(name, "whole-number class labels", target, given="non-integer values")
    bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if bad.size:
        fail(name, f"class labels in [0, {n_classes - 1}]", target,
             given=f"{labels[bad[0]].item()!r} at index {bad[0]}")
    return labels.astype(np.intp)


def one_hot(labels, n_classes: int, dtype=np.float64) -> np.ndarray:
    """Rows of the identity: ``one_hot([2, 0], 3) = [[0, 0, 1], [1, 0, 0]]``.

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    n_classes = integer(n_classes, "n_classes", minimum=1)
    array = np.asarray(labels) if labels is not None else None
    if array is None or array.ndim != 1:
        fail("labels", "a 1-D sequence of class labels", labels, error=TypeError
             if array is None else ValueError)
    labels = class_labels(array, array.shape[0], n_classes, "labels")
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


class Loss:
    """Base class: ``loss = forward(prediction, target)``, then ``backward()``."""

    def __init__(self):
        self._cache = None

    def __call__(self, prediction, target) -> float:
        return self.forward(prediction, target)

    def forward(self, prediction, target) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def backward(self) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def config(self) -> dict:
        return {}

    def __repr__(self) -> str:
        """The class and the settings that differ from its defaults (as a student would write)."""
        defaults = {name: parameter.default for name, parameter in
                    inspect.signature(type(self)).parameters.items()}
        changed = [f"{key}={value!r}" for key, value in self.config().items()
                   if key not in defaults or value != defaults[key]]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _saved(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before forward()")
        return self._cache

    @staticmethod
    def _target(target, prediction: np.ndarray) -> np.ndarray:
        """Integer labels (N,) become one-hot rows; other targets must match the prediction."""
        n, k = prediction.shape
        array = np.asarray(target) if target is not None else None
        if array is not None and array.ndim == 1 and array.dtype.kind in "iu":
            return np.eye(k, dtype=prediction.dtype)[class_labels(array, n, k)]  # one-hot rows
        if array is not None and array.ndim == 1 and array.dtype.kind == "f" and k == 1:
            target = array[:, None]              # one regression target per sample
        target = real_array(target, "target", ndim=(1, 2), layout="(N,) labels or (N, K)")
        if target.shape != prediction.shape:
            fail("target", f"class labels of shape ({n},) or one-hot rows of shape {(n, k)}",
                 target, given=f"shape {target.shape}")
        return target.astype(prediction.dtype, copy=False)


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of the softmax of the logits, averaged over the batch.

    ``loss = -(1/N) sum_n sum_k t[n, k] log softmax(z[n])_k`` with the log-softmax
    computed by the log-sum-exp trick, so logits of any size are safe.  The
    gradient with respect to the logits is ``(softmax(z) - t) / N``.

    Targets are integer labels (N,) or rows (N, K) that are one-hot or, more
    generally, probability distributions.  The arguments are those of
    ``torch.nn.CrossEntropyLoss``, with its meanings (see :meth:`forward`).

    Parameters
    ----------
    weight : array_like of shape (K,), optional
        A non-negative weight per class: sample n's term is multiplied by the
        weight of its class (of every class k, for row targets and smoothing).
        With labels and ``reduction="mean"`` the sum is divided by the total
        weight of the samples' classes instead of N, as PyTorch does.
    reduction : {"mean", "sum"}, default "mean"
        PyTorch's ``"none"`` is not offered: a training step needs one number.
    label_smoothing : float in [0, 1], default 0
        Train towards ``(1 - eps) t + eps / K`` instead of ``t`` (Szegedy et
        al., 2016).

    Examples
    --------
    >>> loss = SoftmaxCrossEntropy()
    >>> round(loss.forward(np.array([[0.0, 0.0]]), np.array([1])), 4)   # log 2
    0.6931
    >>> loss.backward()
    array([[ 0.5, -0.5]])
    """

    def __init__(self, weight=None, reduction="mean", label_smoothing=0.0):
        super().__init__()
        self.weight = None if weight is None else real_array(weight, "weight", ndim=1,
                                                              layout="(K,) class weights")
        if self.weight is not None and not np.all(np.isfinite(self.weight) & (self.weight >= 0)):
            fail("weight", "non-negative class weights", weight,
                 given="a negative, infinite or NaN weight")
        self.reduction = one_of(reduction, "reduction", ("mean", "sum"))
        self.label_smoothing = real_number(label_smoothing, "label_smoothing", minimum=0.0,
                                           maximum=1.0)

    def config(self) -> dict:
        weight = None if self.weight is None else self.weight.tolist()
        return dict(weight=weight, reduction=self.reduction,
                    label_smoothing=self.label_smoothing)

    def forward(self, prediction, target) -> float:
        """The loss; labels, no weight, no smoothing: ``-(1/N) sum_n log p[n, y_n]``.

        In general every sample n has a coefficient per class, ``c[n, k]``:
        with labels ``(1 - eps) w[y_n] [k = y_n] + (eps/K) w[k]``, with rows
        ``w[k] ((1 - eps) t[n, k] + eps/K)`` (w = 1 without weights); the
        loss is ``-sum c log p / D`` with D = N, or the labels' total weight
        ``sum_n w[y_n]`` with labels and weights, or 1 for ``"sum"``.
        """
        logits = real_array(prediction, "prediction", ndim=2, layout="(N, K) logits")
        n, k = logits.shape
        if self.weight is not None and self.weight.shape != (k,):
            fail("weight", f"one weight per class, shape ({k},) for these {k} logits",
                 self.weight, given=f"shape {self.weight.shape}")
        labels = np.asarray(target) if target is not None else None
        plain = self.weight is None and self.label_smoothing == 0 and self.reduction == "mean"
        if labels is not None and labels.ndim == 1:   # class labels: t is one-hot
            t = class_labels(labels, n, k)
            log_p = log_softmax(logits, axis=1)                              # (N, K)
            if plain:
                self._cache = (np.exp(log_p), t, n)
                return float(-log_p[np.arange(n), t].sum() / n) + 0.0        # no "-0.0"
        else:
            t = self._target(target, logits)
            if np.any(t < 0) or not np.allclose(t.sum(axis=1), 1.0, atol=1e-6):
                fail("target", "rows that are probability distributions (one-hot or soft "
                     "labels, non-negative, summing to 1)", target, given="other rows")
            log_p = log_softmax(logits, axis=1)                              # (N, K)
        c, divisor = self._coefficients(t, logits.dtype, n, k)
        self._cache = (np.exp(log_p), c, divisor)
        # Classes with c = 0 contribute nothing, even where log p is -inf (logits
        # spanning more than the float range): 0 * log p is taken as 0, not NaN.
        products = np.multiply(c, log_p, out=np.zeros_like(log_p), where=c != 0)
        return float(-products.sum() / divisor) + 0.0          # + 0.0: no "-0.0"

    def _coefficients(self, t, dtype, n: int, k: int):
        """``(c, D)`` of :meth:`forward` for labels (N,) or rows (N, K) ``t``."""
        w = np.ones(k, dtype) if self.weight is None else self.weight.astype(dtype)
        eps = dtype.type(self.label_smoothing)
        if t.ndim == 1:                                       # labels
            c = np.zeros((n, k), dtype)
            c[np.arange(n), t] = (1 - eps) * w[t]
            c += eps / k * w
            total = n if self.weight is None else w[t].sum()  # the labels' total weight
        else:                                                 # rows (one-hot or soft)
            c = w * ((1 - eps) * t + eps / k)
            total = n
        return c, (1.0 if self.reduction == "sum" else total)

    def backward(self) -> np.ndarray:
        p, t, divisor = self._saved()
        n = p.shape[0]
        if t.ndim == 1:                                       # labels: subtract the one-hot
            grad = p.copy()
            grad[np.arange(n), t] -= 1
            grad /= n
            return grad                                       # (N, K)
        # d/dz of -sum_k c_k log p_k is (sum_k c_k) p - c
        return (t.sum(axis=1, keepdims=True) * p - t) / divisor   # (N, K)


class MSELoss(Loss):
    """Mean squared error over every element: ``mean((y - t)^2)``.

    Integer labels (N,) with a prediction of shape (N, K) are turned into
    one-hot targets; float targets (N,) go with a prediction of shape (N, 1).
    The gradient is ``2 (y - t) / y.size``.

    Parameters
    ----------
    reduction : {"mean", "sum"}, default "mean"
        As ``torch.nn.MSELoss``: the mean or the sum of the squares (then
        the gradient is ``2 (y - t)``); its ``"none"`` is not offered.

    Examples
    --------
    >>> loss = MSELoss()
    >>> loss.forward(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]]))
    2.5
    >>> loss.backward()
    array([[1., 2.]])
    """

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = one_of(reduction, "reduction", ("mean", "sum"))

    def config(self) -> dict:
        return dict(reduction=self.reduction)

    def forward(self, prediction, target) -> float:
        y = real_array(prediction, "prediction", ndim=(1, 2, 3, 4))
        if y.ndim == 2:
            t = self._target(target, y)
        else:
            t = real_array(target, "target")
            if t.shape != y.shape:
                fail("target", f"of shape {y.shape} like the prediction", target,
                     given=f"shape {t.shape}")
            t = t.astype(y.dtype, copy=False)
        diff = y - t
        self._cache = diff
        if self.reduction == "sum":
            return float(np.sum(diff * diff))
        return float(np.mean(diff * diff))

    def backward(self) -> np.ndarray:
        diff = self._saved()
        return 2.0 * diff / (diff.size if self.reduction == "mean" else 1)
