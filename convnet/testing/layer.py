"""Checker for a layer of one's own: forward, backward, output_shape, parameter names."""

from __future__ import annotations

import numpy as np

from .. import layers as library_layers
from .._validate import fail, integer
from ..gradcheck import check_gradients
from ._core import CheckResult, Outcome, equal, reference_outputs
from ._report import diagnose, positions
from .conv import CONV2D_BACKWARD

__all__ = ["check_layer"]


def _build(layer_or_factory):
    layer = layer_or_factory
    if isinstance(layer, type) or (not callable(getattr(layer, "forward", None))
                                   and callable(layer)):
        layer = layer()                       # a class or a factory
    for member in ("forward", "backward"):
        if not callable(getattr(layer, member, None)):
            fail("layer_or_factory", "a layer (forward, backward, params, grads) or a callable "
                 "returning one", layer_or_factory, error=TypeError)
    for member in ("params", "grads"):
        if not isinstance(getattr(layer, member, None), dict):
            fail("layer_or_factory", f"a layer with a dict {member!r} (empty without "
                 "parameters)", layer_or_factory, error=TypeError)
    return layer


def _input_shape(layer, input_shape):
    if input_shape is not None:
        if (not isinstance(input_shape, (tuple, list)) or not input_shape
                or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
                           for n in input_shape)):
            fail("input_shape", "a tuple of positive ints, one sample's shape, e.g. (3, 8, 8)",
                 input_shape, error=TypeError if not isinstance(input_shape, (tuple, list))
                 else ValueError)
        return tuple(int(n) for n in input_shape)
    config = layer.config() if callable(getattr(layer, "config", None)) else {}
    if "in_channels" in config:
        kernel = np.max(config.get("kernel_size", 3))
        side = max(6, int(kernel) * 2)
        return (int(config["in_channels"]), side, side)
    if "in_features" in config:
        return (int(config["in_features"]),)
    fail("input_shape", "given (one sample's shape) for a layer whose config names neither "
         "in_channels nor in_features", input_shape)


def _counterpart(layer, counterpart):
    """The library's layer of the same kind, with the same configuration and parameters."""
    if counterpart is None:
        counterpart = getattr(library_layers, type(layer).__name__, None)
        if counterpart is None or not callable(getattr(layer, "config", None)):
            return None, f"no library layer named {type(layer).__name__}"
    try:
        twin = counterpart(**layer.config(), dtype=np.float64)
    except (TypeError, ValueError) as error:
        return None, f"{counterpart.__name__}(**config) failed: {error}"
    if set(twin.params) != set(layer.params):
        return None, (f"{counterpart.__name__} has parameters {sorted(twin.params)}, yours "
                      f"{sorted(layer.params)}")
    for name, value in layer.params.items():
        if np.shape(value) != twin.params[name].shape:
            return None, (f"parameter {name!r} has shape {np.shape(value)}, the library's "
                          f"{twin.params[name].shape}")
        twin.params[name][...] = value
    return twin, None


def _check_forward(layer, twin, x, problems):
    y = np.asarray(layer.forward(x), dtype=np.float64)
    if twin is None:
        return y
    expected = twin.forward(x)
    if y.shape != expected.shape:
        problems.append(f"forward: output shape {y.shape}, the library's {type(twin).__name__} "
                        f"gives {expected.shape}")
    elif not np.allclose(y, expected, rtol=1e-7, atol=1e-9):
        problems.append(f"forward: differs from the library's {type(twin).__name__}: "
                        + positions(y, expected, 1e-7, 1e-9))
    return y


def _check_shape_and_names(layer, x, y, input_shape, problems):
    if callable(getattr(layer, "output_shape", None)):
        try:
            predicted = tuple(layer.output_shape(input_shape))
        except Exception as error:  # noqa: BLE001 - the student's code may raise anything
            predicted = f"an error ({type(error).__name__}: {error})"
        if predicted != y.shape[1:]:
            problems.append(f"output_shape{input_shape} returns {predicted}; the forward pass "
                            f"gives {y.shape[1:]} per sample")
    else:
        problems.append("output_shape(input_shape) is missing: Sequential.summary needs it")
    layer.forward(x)
    layer.backward(np.ones(y.shape))
    if set(layer.grads) != set(layer.params):
        problems.append(f"grads after backward has keys {sorted(layer.grads)}; params has "
                        f"{sorted(layer.params)} (one gradient per parameter, same name)")
    for name in set(layer.grads) & set(layer.params):
        if np.shape(layer.grads[name]) != np.shape(layer.params[name]):
            problems.append(f"grads[{name!r}] has shape {np.shape(layer.grads[name])}, "
                            f"params[{name!r}] {np.shape(layer.params[name])}")


def _run_checks(layer, input_shape, counterpart, seed):
    """Every check; raise AssertionError listing the problems, else return the counterpart."""
    x = np.random.default_rng(seed).normal(size=(2, *input_shape))
    problems = [f"parameter {name!r} is {np.asarray(value).dtype}: build the layer with "
                "dtype=np.float64 for the check" for name, value in layer.params.items()
                if np.asarray(value).dtype != np.float64]
    if problems:
        raise AssertionError("check_layer: " + "\n".join(problems))
    twin, why = _counterpart(layer, counterpart)
    y = _check_forward(layer, twin, x, problems)
    _check_shape_and_names(layer, x, y, input_shape, problems)
    if set(layer.grads) == set(layer.params):           # else the names are the problem
        gradients = check_gradients(layer, x, seed=seed)
        if not gradients.passed:
            problems.append("backward: the gradients differ from central differences:\n"
                            + str(gradients))
            problems += _conv_diagnosis(layer, twin, x, seed)
    if problems:
        header = f"check_layer: {type(layer).__name__} on input {(2, *input_shape)}"
        raise AssertionError("\n".join([header, *problems]))
    return twin, why


def _conv_diagnosis(layer, twin, x, seed) -> list:
    """For a convolution layer: the catalogue's conv2d_backward mistakes that explain backward."""
    config = twin.config() if twin is not None else {}
    if (type(twin) is not library_layers.Conv2D or config.get("groups", 1) != 1
            or config.get("padding_mode", "zeros") != "zeros" or config["bias"] == "untied"):
        return []
    y = layer.forward(x)
    dz = np.random.default_rng(seed).normal(size=np.shape(y))
    dx = layer.backward(dz.copy())
    arguments = dict(dz=dz, x=x, w=np.array(layer.params["weight"]), stride=config["stride"],
                     padding=config["padding"], dilation=config["dilation"])
    expected = reference_outputs(CONV2D_BACKWARD, arguments)
    db = layer.grads.get("bias", expected[2])
    got = tuple(None if g is None else np.asarray(g, dtype=np.float64)
                for g in (dx, layer.grads.get("weight"), db))
    wrong = tuple(name for name, g, e in zip(CONV2D_BACKWARD.outputs, got, expected)
                  if not equal(g, e, CONV2D_BACKWARD.rtol, CONV2D_BACKWARD.atol))
    named, _ = diagnose(CONV2D_BACKWARD, [Outcome(arguments, expected, got, wrong=wrong)])
    return [f"diagnosis: {mistake.name} (reproduces your {', '.join(outputs)} exactly): "
            f"{mistake.explanation}." for mistake, outputs in named]


def check_layer(layer_or_factory, input_shape=None, *, counterpart=None, seed=0):
    """Check a layer of one's own: forward, backward, ``output_shape`` and parameter names.

    The layer protocol it checks (that of :class:`convnet.layers.Layer`):
    ``forward(x) -> y``; ``backward(dy) -> dx`` filling ``grads``;
    ``params`` and ``grads``, dicts with the same keys and shapes;
    ``output_shape(input_shape) -> shape`` per sample (batch axis left out);
    ``config() -> dict``, the constructor's arguments.  Arrays are NCHW for
    images, (N, features) for vectors.

    1. Forward: where the library has a layer of the same class name (or
       ``counterpart``), it is built from ``config()`` in float64 with your
       parameters and must give the same output.
    2. Backward: central differences in float64
       (:func:`convnet.gradcheck.check_gradients`) for the input and every
       parameter; for a convolution layer that fails, the catalogue's
       ``conv2d_backward`` mistakes are tried on its dx, dw, db.
    3. ``output_shape`` agrees with the forward pass; ``grads`` has the keys
       and shapes of ``params`` after a backward.

    Parameters
    ----------
    layer_or_factory : layer, or a callable returning one (a class, a lambda)
        Its parameters must be float64 (build it with ``dtype=np.float64``).
    input_shape : tuple of int, optional
        One sample's shape; by default (in_channels, 6, 6) or (in_features,)
        from ``config()``.
    counterpart : class, optional
        The library layer to compare the forward with (default: the one with
        the same class name, if any).
    seed : int, default 0
        Seed of the input (a batch of two) and of the gradient check.

    Returns
    -------
    CheckResult

    Raises
    ------
    AssertionError
        Listing every problem found, and the gradient check's table.

    Examples
    --------
    >>> from convnet.testing import check_layer
    >>> from convnet.layers import Conv2D
    >>> check_layer(lambda: Conv2D(2, 3, 3, padding=1, rng=0, dtype=np.float64))
    check_layer: Conv2D: forward equals the library's Conv2D; backward agrees with central differences; output_shape and grads agree
    """
    if counterpart is not None and not isinstance(counterpart, type):
        fail("counterpart", "a layer class (or None: the library's layer of the same name)",
             counterpart, error=TypeError)
    layer = _build(layer_or_factory)
    input_shape = _input_shape(layer, input_shape)
    seed = integer(seed, "seed", minimum=0)
    try:
        twin, why = _run_checks(layer, input_shape, counterpart, seed)
    except NotImplementedError as error:
        raise AssertionError(f"check_layer: your layer is not implemented yet "
                             f"(NotImplementedError: {error})") from None
    forward = (f"forward equals the library's {type(twin).__name__}" if twin is not None
               else f"forward not compared ({why})")
    return CheckResult("check_layer", text=f"{type(layer).__name__}: {forward}; backward "
                       "agrees with central differences; output_shape and grads agree")
