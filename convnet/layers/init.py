"""Weight initialisation from a seeded ``numpy.random.Generator``.

* He (Kaiming) normal, for ReLU layers: ``std = sqrt(2 / fan_in)``, which
  keeps the variance of the activations constant from layer to layer when
  half of the units are cut to zero.
* Glorot (Xavier) uniform, for sigmoid / tanh / linear layers:
  ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, the compromise
  between keeping forward and backward variances constant.

``fan_in`` counts the inputs of one output neuron: ``C*kh*kw`` for a
convolution, ``in_features`` for a dense layer.

Within ``with placeholder_parameters():`` (what :func:`convnet.load` uses,
since the file's weights replace them at once) layers get read-only
placeholders of the right shape and dtype instead: no random draw and no
memory, however large the layer a file describes.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np

from .._validate import one_of

__all__ = ["INITS", "initial_weights", "initial_constant", "placeholder_parameters"]

INITS = ("he", "glorot")

_PIECE = 1 << 20        # weights drawn (in float64) at a time

_PLACEHOLDERS = contextvars.ContextVar("convnet_placeholder_parameters", default=False)


@contextlib.contextmanager
def placeholder_parameters():
    """Within this block, new layers get placeholder parameters (in this thread or task).

    A placeholder is one zero broadcast to the parameter's shape: it has the
    shape and dtype a loaded array is compared with, takes no memory and is
    read-only.  The caller must replace every one before the layer is used.
    Layers check their sizes against the element budget before asking.
    """
    token = _PLACEHOLDERS.set(True)
    try:
        yield
    finally:
        _PLACEHOLDERS.reset(token)


def _placeholder(shape, dtype) -> np.ndarray:
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def initial_constant(shape, value: float, dtype) -> np.ndarray:
    """A bias filled with ``value`` (or a placeholder within :func:`placeholder_parameters`)."""
    if _PLACEHOLDERS.get():
        return _placeholder(shape, dtype)
    return np.zeros(shape, dtype=dtype) if value == 0 else np.full(shape, value, dtype=dtype)


def initial_weights(shape, fan_in: int, fan_out: int, init: str, rng: np.random.Generator,
                    dtype) -> np.ndarray:
    """Weights drawn by ``init`` from ``rng`` (or a placeholder, see the module notes)."""
    one_of(init, "init", INITS)
    if _PLACEHOLDERS.get():
        return _placeholder(shape, dtype)
    # Drawn in float64 and then rounded, so that one seed gives the same weights in every
    # dtype; in pieces, so that a large float32 layer never needs a float64 copy of itself.
    weights = np.empty(shape, dtype=dtype)
    flat = weights.reshape(-1)
    for start in range(0, flat.size, _PIECE):
        flat[start:start + _PIECE] = _draw(rng, min(_PIECE, flat.size - start), fan_in, fan_out,
                                           init)
    return weights


def _draw(rng: np.random.Generator, count: int, fan_in: int, fan_out: int,
          init: str) -> np.ndarray:
    """``count`` float64 initial weights; drawn in pieces, they continue one stream."""
    if init == "he":
        return rng.standard_normal(count) * np.sqrt(2.0 / fan_in)        # N(0, 2 / fan_in)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.random(count) * (2 * limit) - limit                        # U[-a, a)
