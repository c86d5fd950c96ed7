"""RMSprop and AdaGrad: a step per parameter scaled by a running size of its gradients.

Exported by :mod:`convnet.optim`; the rules and defaults are those of
``torch.optim.RMSprop`` and ``torch.optim.Adagrad``.
"""

from __future__ import annotations

import numpy as np

from ._optim_base import Optimizer
from ._validate import boolean, real_number

__all__ = ["RMSprop", "AdaGrad"]


class RMSprop(Optimizer):
    """RMSprop: divide each step by the root of a running mean of the squared gradient.

    For each parameter (the formulation of ``torch.optim.RMSprop``)::

        g = g + weight_decay * p                        # L2 penalty
        s = alpha * s + (1 - alpha) * g^2               # s starts at 0
        d = sqrt(s) + eps
            or, centered:  a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps
        b = momentum * b + g / d;  p = p - lr * b       # with momentum (b starts at 0)
            or, without:  p = p - lr * g / d

    Parameters
    ----------
    lr : float > 0, default 0.01
    alpha : float in [0, 1], default 0.99
        Smoothing of the running mean of g^2.
    eps : float >= 0, default 1e-8
        Added to the root; PyTorch allows 0 too (a gradient that has always
        been zero then gives 0/0).
    weight_decay : float >= 0, default 0
    momentum : float in [0, 1), default 0
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead
        of its root mean square.

    Examples
    --------
    One step from p = 1 with gradient 0.5 and the defaults: s = 0.01 * 0.25 =
    0.0025, whose root is 0.05, so p = 1 - 0.01 * 0.5 / 0.05 = 0.9 (up to eps):

    >>> from convnet.layers import Dense
    >>> layer = Dense(1, 1, bias=False, rng=0, dtype=np.float64)
    >>> layer.params["weight"][...] = 1.0
    >>> layer.grads["weight"] = np.array([[0.5]])
    >>> RMSprop().step(layer)
    >>> np.round(layer.params["weight"], 6)
    array([[0.9]])
    """

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(lr)
        self.alpha = real_number(alpha, "alpha", minimum=0.0, maximum=1.0)
        self.eps = real_number(eps, "eps", minimum=0.0)       # 0 allowed, as in PyTorch
        self.weight_decay = real_number(weight_decay, "weight_decay", minimum=0.0)
        self.momentum = real_number(momentum, "momentum", minimum=0.0, maximum=1.0,
                                    inclusive=(True, False))
        self.centered = boolean(centered, "centered")

    def config(self):
        return dict(lr=self.lr, alpha=self.alpha, eps=self.eps, weight_decay=self.weight_decay,
                    momentum=self.momentum, centered=self.centered)

    def state_layout(self):
        return {"step": "count", "square_avg": "array",
                **({"momentum_buffer": "array"} if self.momentum else {}),
                **({"grad_avg": "array"} if self.centered else {})}

    def _update(self, name, param, grad):
        kind = param.dtype.type
        grad = self._penalised(grad, param)
        state = self.state.setdefault(name, {})
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
        state["step"] += 1
        square_avg = state["square_avg"] = (kind(self.alpha) * state["square_avg"]
                                            + kind(1 - self.alpha) * grad * grad)
        if self.centered:
            grad_avg = state["grad_avg"] = (kind(self.alpha) * state.get("grad_avg", 0)
                                            + kind(1 - self.alpha) * grad)
            denominator = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denominator = np.sqrt(square_avg)
        denominator += kind(self.eps)
        if self.momentum:
            state["momentum_buffer"] = (kind(self.momentum) * state.get("momentum_buffer", 0)
                                        + grad / denominator)
            param -= kind(self.lr) * state["momentum_buffer"]
        else:
            param -= kind(self.lr) * grad / denominator


class AdaGrad(Optimizer):
    """AdaGrad: divide each step by the root of the sum of all squared gradients so far.

    For each parameter, with t counting its updates (``torch.optim.Adagrad``)::

        g = g + weight_decay * p                        # L2 penalty
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2                                     # s starts at initial_accumulator_value
        p = p - lr_t * g / (sqrt(s) + eps)

    Parameters
    ----------
    lr : float > 0, default 0.01
    lr_decay : float >= 0, default 0
    weight_decay : float >= 0, default 0
    initial_accumulator_value : float >= 0, default 0
    eps : float >= 0, default 1e-10
        Keeps the division finite; PyTorch allows 0 too (a zero gradient then gives 0/0).

    Examples
    --------
    One step from p = 1 with gradient 0.5: s = 0.25, whose root is 0.5, so
    p = 1 - 0.1 * 0.5 / 0.5 = 0.9; a second equal gradient gives s = 0.5 and
    p = 0.9 - 0.1 * 0.5 / sqrt(0.5) = 0.9 - 0.0707107 = 0.8292893:

    >>> from convnet.layers import Dense
    >>> layer = Dense(1, 1, bias=False, rng=0, dtype=np.float64)
    >>> layer.params["weight"][...] = 1.0
    >>> layer.grads["weight"] = np.array([[0.5]])
    >>> optimizer = AdaGrad(lr=0.1)
    >>> optimizer.step(layer)
    >>> optimizer.step(layer)
    >>> np.round(layer.params["weight"], 7)
    array([[0.8292893]])
    """

    def __init__(self, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
        super().__init__(lr)
        self.lr_decay = real_number(lr_decay, "lr_decay", minimum=0.0)
        self.weight_decay = real_number(weight_decay, "weight_decay", minimum=0.0)
        self.initial_accumulator_value = real_number(
            initial_accumulator_value, "initial_accumulator_value", minimum=0.0)
        self.eps = real_number(eps, "eps", minimum=0.0)       # 0 allowed, as in PyTorch

    def config(self):
        return dict(lr=self.lr, lr_decay=self.lr_decay, weight_decay=self.weight_decay,
                    initial_accumulator_value=self.initial_accumulator_value, eps=self.eps)

    def state_layout(self):
        return {"step": "count", "sum": "array"}

    def _update(self, name, param, grad):
        kind = param.dtype.type
        grad = self._penalised(grad, param)
        state = self.state.setdefault(name, {})
        if not state:
            state.update(step=0, sum=np.full_like(param, self.initial_accumulator_value))
        state["step"] += 1
        lr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        total = state["sum"] = state["sum"] + grad * grad
        param -= kind(lr) * grad / (np.sqrt(total) + kind(self.eps))
