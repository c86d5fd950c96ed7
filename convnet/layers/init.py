"""Weight initialisation from a seeded ``numpy.random.Generator``, chosen by name (``init=``).

``fan_in`` counts the inputs of one output neuron: ``C/groups*kh*kw`` for a
convolution, ``in_features`` for a dense layer; ``fan_out`` the outputs one
input reaches (``F*kh*kw``, ``out_features``), as ``torch.nn.init`` counts them.

The names, and the law of each weight:

* ``he_normal`` (alias ``"he"``): N(0, 2 / fan_in), for ReLU layers: it keeps
  the variance of the activations from layer to layer when half of the
  units are cut to zero;
* ``he_uniform``: U(-a, a) with a = sqrt(6 / fan_in), the same variance;
* ``glorot_uniform`` (alias ``"glorot"``): U(-a, a) with
  a = sqrt(6 / (fan_in + fan_out)), for sigmoid / tanh / linear layers: the
  compromise between keeping forward and backward variances constant;
* ``glorot_normal``: N(0, 2 / (fan_in + fan_out)), the same variance;
* ``lecun_normal``: N(0, 1 / fan_in), for linear and SELU layers;
* ``zeros``: every weight 0 (to see why the symmetry must be broken);
* ``pytorch``: U(-a, a) with a = 1 / sqrt(fan_in), PyTorch's default for
  ``Conv2d``, ``ConvTranspose2d`` and ``Linear``.

The uniform laws' variance is a^2 / 3.  ``pytorch`` is
``kaiming_uniform_(w, a=sqrt(5))``: gain sqrt(2 / (1 + 5)), bound
sqrt(3) * gain / sqrt(fan_in) = 1 / sqrt(fan_in); with it the bias too is
drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch does, where every
other name starts the bias at 0.  ``he_normal`` and ``lecun_normal`` are
plain normal laws, as ``torch.nn.init.kaiming_normal_`` (Keras truncates
its normal initialisers at two standard deviations).

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

__all__ = ["INITS", "initial_weights", "initial_bias", "initial_constant",
           "placeholder_parameters"]

# name: (law, its scale from (fan_in, fan_out)): a normal's standard deviation or the a of U[-a, a)
_RULES = {
    "he_normal": ("normal", lambda fan_in, fan_out: np.sqrt(2.0 / fan_in)),
    "he_uniform": ("uniform", lambda fan_in, fan_out: np.sqrt(6.0 / fan_in)),
    "glorot_uniform": ("uniform", lambda fan_in, fan_out: np.sqrt(6.0 / (fan_in + fan_out))),
    "glorot_normal": ("normal", lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out))),
    "lecun_normal": ("normal", lambda fan_in, fan_out: np.sqrt(1.0 / fan_in)),
    "zeros": ("zeros", lambda fan_in, fan_out: 0.0),
    "pytorch": ("uniform", lambda fan_in, fan_out: 1.0 / np.sqrt(fan_in)),
}
_ALIASES = {"he": "he_normal", "glorot": "glorot_uniform"}
INITS = tuple(_RULES) + tuple(_ALIASES)

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


def initial_bias(shape, fan_in: int, init: str, rng: np.random.Generator, dtype) -> np.ndarray:
    """A bias for ``init``: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for ``"pytorch"``, else zeros.

    Drawn from ``rng`` after the weights (or a placeholder, see the module notes).
    """
    if one_of(init, "init", INITS) != "pytorch" or _PLACEHOLDERS.get():
        return initial_constant(shape, 0, dtype)
    limit = 1.0 / np.sqrt(fan_in)
    return (rng.random(shape) * (2 * limit) - limit).astype(dtype)        # U[-a, a)


def initial_weights(shape, fan_in: int, fan_out: int, init: str, rng: np.random.Generator,
                    dtype) -> np.ndarray:
    """Weights drawn by ``init`` from ``rng`` (or a placeholder, see the module notes)."""
    init = _ALIASES.get(one_of(init, "init", INITS), init)
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
    law, scale = _RULES[init]
    scale = scale(fan_in, fan_out)
    if law == "normal":
        return rng.standard_normal(count) * scale                         # N(0, scale^2)
    if law == "uniform":
        return rng.random(count) * (2 * scale) - scale                    # U[-a, a)
    return np.zeros(count)
