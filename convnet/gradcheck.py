"""Gradient checking by central differences: a teaching tool and the tests' second oracle.

The derivative of a scalar function f at x, one coordinate at a time::

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

has an error of order eps^2 (plus rounding of order 1e-16 |f| / eps), so in
float64 with eps = 1e-6 a correct analytic gradient agrees to about 1e-9,
while one wrong index is off by the size of a gradient entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._html import html_table
from ._validate import fail, real_array, real_number

__all__ = ["numerical_gradient", "check_gradients", "check_loss_gradient",
           "compare_gradients", "GradientReport", "TensorCheck"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.  It may also read ``x`` from elsewhere: ``x`` is
        perturbed *in place* and restored, so ``f`` can ignore its argument
        and look at a layer's parameter array.
    x : ndarray of float64
        Perturbed in place, one element at a time, then restored exactly.
    eps : float, default 1e-6

    Returns
    -------
    ndarray, the shape of ``x``

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 6)
    array([2., 4.])
    """
    if not callable(f):
        fail("f", "a callable returning a float", f, error=TypeError)
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        fail("x", "a float64 ndarray (it is perturbed in place)", x, error=TypeError)
    eps = real_number(eps, "eps", minimum=0.0, inclusive=(False, True))
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)  # views
    if not np.shares_memory(flat, x):
        fail("x", "a contiguous array (it is perturbed in place)", x)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = float(f(x))
        flat[i] = original - eps
        minus = float(f(x))
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * eps)
    return grad


@dataclass(frozen=True)
class TensorCheck:
    """One tensor's comparison of analytic against numerical gradient."""

    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    passed: bool


@dataclass(frozen=True)
class GradientReport:
    """The result of a gradient check: one row per tensor, and the tolerance used.

    Prints as a text table; in a notebook it shows as an HTML table.
    """

    checks: tuple
    rtol: float
    atol: float

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def __getitem__(self, name: str) -> TensorCheck:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def __str__(self) -> str:
        width = max([12] + [len(c.name) for c in self.checks])   # "body.0.weight" in a container
        lines = [f"gradient check (pass: |analytic - numeric| <= {self.atol:g} + "
                 f"{self.rtol:g} |numeric| everywhere)",
                 f"{'tensor':<{width}} {'shape':<18} {'max abs err':>12} {'max rel err':>12}  "
                 "result"]
        for c in self.checks:
            lines.append(f"{c.name:<{width}} {str(c.shape):<18} {c.max_abs_error:12.3e} "
                         f"{c.max_rel_error:12.3e}  {'ok' if c.passed else 'FAIL'}")
        lines.append("passed" if self.passed else "FAILED")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = [(c.name, str(c.shape), f"{c.max_abs_error:.3e}", f"{c.max_rel_error:.3e}",
                 "ok" if c.passed else "FAIL") for c in self.checks]
        return html_table(("tensor", "shape", "max abs err", "max rel err", "result"), rows,
                          right=(2, 3), caption=f"gradient check (pass: |analytic - numeric| <= "
                          f"{self.atol:g} + {self.rtol:g} |numeric| everywhere)",
                          footer="passed" if self.passed else "FAILED")


def compare_gradients(name, analytic, numeric, rtol=1e-6, atol=1e-8) -> TensorCheck:
    """Compare two gradients elementwise; pass iff ``|a - n| <= atol + rtol |n|`` everywhere."""
    analytic = real_array(analytic, "analytic gradient", allow_empty=True).astype(np.float64)
    numeric = real_array(numeric, "numeric", allow_empty=True).astype(np.float64)
    if analytic.shape != numeric.shape:
        fail(f"analytic gradient of {name}", f"of shape {numeric.shape}", analytic,
             given=f"shape {analytic.shape}")
    error = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-300)
    return TensorCheck(
        name, numeric.shape,
        float(error.max(initial=0.0)), float((error / scale).max(initial=0.0)),
        bool(np.all(error <= atol + rtol * np.abs(numeric))))


def _parameter_arrays(model):
    if hasattr(model, "parameters") and callable(model.parameters):
        return model.parameters(), model.gradients
    return model.params, lambda: model.grads


def check_gradients(layer, x, *, seed=0, eps=1e-6, rtol=1e-6, atol=1e-8) -> GradientReport:
    """Check a layer's (or a model's) backward pass against central differences.

    The scalar function checked is ``L = sum(P ∘ layer.forward(x))`` with a
    fixed random projection ``P``, so that every output element matters and
    ``dL/dy = P`` is what is given to ``backward``.  The gradient with respect
    to ``x`` and to every parameter is computed both ways.

    Parameters
    ----------
    layer : object with ``forward``, ``backward`` and ``parameters()`` / ``gradients()``
        (every layer, containers such as :class:`~convnet.layers.Residual`
        included, and :class:`convnet.Sequential`), or ``params`` / ``grads``.
        Parameters must be float64; layers with randomness (Dropout) must be
        in evaluation mode.
    x : array_like
        The input; converted to float64.
    seed : int
        Seed of the projection ``P``.
    eps, rtol, atol : float
        Step and tolerance; the defaults are tight enough that one wrong
        index in a gradient fails.

    Returns
    -------
    GradientReport
        Prints as a table; ``report.passed`` is the verdict.

    Examples
    --------
    >>> from convnet.layers import Conv2D
    >>> layer = Conv2D(1, 2, 3, rng=0)
    >>> x = np.random.default_rng(1).normal(size=(2, 1, 5, 5))
    >>> check_gradients(layer, x).passed
    True
    """
    x = real_array(x, "x").astype(np.float64).copy()
    params, gradients = _parameter_arrays(layer)
    for name, value in params.items():
        if value.dtype != np.float64:
            fail("layer", "float64 in every parameter for a gradient check (build it with "
                 "dtype=np.float64)", layer, given=f"parameter {name!r} of dtype {value.dtype}")
    y = np.asarray(layer.forward(x))
    projection = np.random.default_rng(seed).normal(size=y.shape)

    def objective(_):
        return float(np.sum(projection * layer.forward(x)))

    layer.forward(x)
    dx = layer.backward(projection.copy())
    analytic = {name: np.array(grad, copy=True) for name, grad in gradients().items()}
    checks = [compare_gradients("input", dx, numerical_gradient(objective, x, eps), rtol, atol)]
    for name, value in params.items():
        checks.append(compare_gradients(name, analytic[name],
                                        numerical_gradient(objective, value, eps), rtol, atol))
    return GradientReport(tuple(checks), rtol, atol)


def check_loss_gradient(loss, prediction, target, *, eps=1e-6, rtol=1e-6,
                        atol=1e-8) -> GradientReport:
    """Check ``loss.backward()`` against central differences of ``loss.forward``.

    Examples
    --------
    >>> from convnet.losses import SoftmaxCrossEntropy
    >>> logits = np.random.default_rng(0).normal(size=(4, 3))
    >>> check_loss_gradient(SoftmaxCrossEntropy(), logits, [0, 2, 1, 1]).passed
    True
    """
    if not (callable(getattr(loss, "forward", None)) and callable(getattr(loss, "backward", None))):
        fail("loss", "a loss object with forward(prediction, target) and backward()", loss,
             error=TypeError)
    prediction = real_array(prediction, "prediction").astype(np.float64).copy()
    loss.forward(prediction, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda p: loss.forward(p, target), prediction, eps)
    return GradientReport((compare_gradients("prediction", analytic, numeric, rtol, atol),),
                          rtol, atol)
