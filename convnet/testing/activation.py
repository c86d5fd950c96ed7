"""Checker for a student's activation function and its derivative."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._validate import fail, one_of
from . import sheets as s
from ._core import REQUIRED, CheckResult, Operation, Worked, run_check
from .catalogue import mistakes_for

__all__ = ["check_activation", "ACTIVATIONS"]

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "softmax")

_WORKED = {
    "relu": [Worked("Goodfellow sheet, exercise 3(b), the detector stage",
                    dict(x=s.GOODFELLOW_SAME), (s.GOODFELLOW_DETECTOR,))],
    "leaky_relu": [Worked("Goodfellow sheet, exercise 3(a), the same output",
                          dict(x=s.GOODFELLOW_SAME))],
    "sigmoid": [Worked("Hertie problem set 2, 1.3, sigmoid of Z (4 printed digits)",
                       dict(x=s.HERTIE_Z13), (s.HERTIE_A13,), rtol=0.0, atol=5e-5)],
    "tanh": [Worked("Hertie problem set 2, 1.3, the net input Z", dict(x=s.HERTIE_Z13))],
    "softmax": [Worked("large logits [1e4, 0]: softmax is [1, 0] (no overflow)",
                       dict(x=np.array([[1e4, 0.0]])), (np.array([[1.0, 0.0]]),))],
}
_DERIVATIVE_WORKED = {
    "relu": [Worked("Goodfellow sheet, exercise 3(a), the full output (it holds zeros)",
                    dict(x=s.GOODFELLOW_FULL))],
    "leaky_relu": [Worked("Goodfellow sheet, exercise 3(a), the full output (it holds zeros)",
                          dict(x=s.GOODFELLOW_FULL))],
    "sigmoid": [Worked("Hertie problem set 2, 1.3, the net input Z", dict(x=s.HERTIE_Z13))],
    "tanh": [Worked("Hertie problem set 2, 1.3, the net input Z", dict(x=s.HERTIE_Z13))],
    "softmax": [Worked("two equal logits: [[1/4, -1/4], [-1/4, 1/4]]",
                       dict(x=np.array([0.0, 0.0])), (np.array([[0.25, -0.25], [-0.25, 0.25]]),))],
}


def _strategy(large):
    def strategy(taken):
        from ._strategies import elementwise
        return elementwise(taken, large)
    return strategy


def operation(name, derivative=False) -> Operation:
    """The forward (or derivative) of the activation ``name`` as a checkable operation."""
    function = getattr(F, f"{name}_derivative" if derivative else name)
    worked = (_DERIVATIVE_WORKED if derivative else _WORKED)[name]
    label = f"{name}_derivative" if derivative else name
    return Operation(label, (("x", REQUIRED),), ("z",), lambda x: (function(x),),
                     _strategy(large=name == "softmax" and not derivative), tuple(worked),
                     mistakes_for(label))


def check_activation(fn, derivative, name, *, examples=40, seed=0):
    """Check an activation function and its derivative against the library's.

    Your functions are called ``fn(x)`` and ``derivative(x)`` with ``x`` a float64
    array of shape (rows, K), and must return arrays:

    * ``"relu"``, ``"leaky_relu"`` (negative slope 0.01), ``"sigmoid"``,
      ``"tanh"``: elementwise, the shape of ``x``; the derivative ``f'(x)``
      elementwise too, with relu'(0) = 0 and leaky_relu'(0) = 0.01 (as PyTorch).
    * ``"softmax"``: along the last axis, the shape of ``x``; the derivative is
      the Jacobian of each row, shape (..., K, K): ``J[i, j] = s_i (delta_ij - s_j)``.

    Cases: the worked examples (Goodfellow exercise 3, Hertie problem set 2
    1.3; softmax with a large logit), then ``examples`` drawn ones (small
    integers, halves, zeros; for softmax also values near 1000, where ``exp``
    overflows without the max shift).

    Parameters
    ----------
    fn : callable or None
        The activation; None checks only the derivative.
    derivative : callable or None
        Its derivative; None checks only the activation.
    name : {"relu", "leaky_relu", "sigmoid", "tanh", "softmax"}
    examples : int, default 40
        Drawn cases for each of the two functions.
    seed : int, default 0

    Returns, Raises
        As :func:`check_correlate2d`: a :class:`CheckResult`, or
        ``AssertionError`` with the report.

    Examples
    --------
    >>> from convnet.testing import check_activation
    >>> from convnet.functional import relu, relu_derivative
    >>> check_activation(relu, relu_derivative, "relu", examples=5)
    check_activation: 2 worked example(s) and 10 drawn case(s) passed
    """
    name = one_of(name, "name", ACTIVATIONS)
    if fn is None and derivative is None:
        fail("fn", "a callable (or derivative one, to check the derivative only)", fn,
             error=TypeError)
    total = CheckResult("check_activation")
    for function, is_derivative in ((fn, False), (derivative, True)):
        if function is None:
            continue
        argument = "derivative" if is_derivative else "fn"
        if not callable(function):
            fail(argument, "a callable or None", function, error=TypeError)
        label = f"check_activation ({name}{'_derivative' if is_derivative else ''})"
        result = run_check(label, operation(name, is_derivative), function, None, examples, seed)
        total.worked += result.worked
        total.drawn += result.drawn
    return total
