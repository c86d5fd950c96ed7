"""Weight initialisation from a seeded ``numpy.random.Generator``.

* He (Kaiming) normal, for ReLU layers: ``std = sqrt(2 / fan_in)``, which
  keeps the variance of the activations constant from layer to layer when
  half of the units are cut to zero.
* Glorot (Xavier) uniform, for sigmoid / tanh / linear layers:
  ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, the compromise
  between keeping forward and backward variances constant.

``fan_in`` counts the inputs of one output neuron: ``C*kh*kw`` for a
convolution, ``in_features`` for a dense layer.
"""

from __future__ import annotations

import numpy as np

from .._validate import one_of

__all__ = ["INITS", "initial_weights"]

INITS = ("he", "glorot")


def initial_weights(shape, fan_in: int, fan_out: int, init: str, rng: np.random.Generator,
                    dtype) -> np.ndarray:
    one_of(init, "init", INITS)
    # Drawn directly in the target dtype: no float64 copy of a large matrix.
    if init == "he":
        weights = rng.standard_normal(size=shape, dtype=dtype)
        weights *= dtype(np.sqrt(2.0 / fan_in))
    else:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights = rng.random(size=shape, dtype=dtype)          # U[0, 1)
        weights *= dtype(2 * limit)
        weights -= dtype(limit)                                # U[-a, a)
    return weights
