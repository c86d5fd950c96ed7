"""Optimizers: ``optimizer.step(model)`` updates every parameter in place.

An optimizer reads ``model.parameters()`` and ``model.gradients()`` (both map a
name such as ``"0.weight"`` to an array; the gradients are those of the last
``backward``) and keeps its own state, such as momentum, per parameter name.
Anything with those two methods can be optimised, a single layer or a
container such as ``Residual`` included (names by path: ``"body.0.weight"``).

Each optimizer follows the update rule and the defaults of the PyTorch
optimizer of the same name (``torch.optim``; AdaGrad is ``Adagrad`` there).
``optimizer.state_dict()`` copies what the next steps depend on (the
arguments, and per parameter its arrays and step count) and
``optimizer.load_state_dict(d)`` takes such a copy back: that is how a
checkpoint saves an optimizer and how training resumes.  When a training step
makes a parameter non-finite, :meth:`convnet.Sequential.fit` and
``train_batch`` put the optimizer's state back as it was before that step,
with the parameters.
"""

from __future__ import annotations

import numpy as np

from ._optim_adaptive import AdaGrad, RMSprop
from ._optim_base import Optimizer, checked_betas
from ._validate import boolean, fail, real_number

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "AdaGrad"]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and weight decay.

    For each parameter p with gradient g (the formulation of PyTorch)::

        g = g + weight_decay * p                         # L2 penalty
        v = momentum * v + (1 - dampening) * g           # v starts as g
        g = g + momentum * v   if nesterov  else  v
        p = p - lr * g

    The arguments are ``torch.optim.SGD``'s, in its order and with its
    defaults.

    Parameters
    ----------
    lr : float > 0, default 1e-3
    momentum : float in [0, 1), default 0
    dampening : float in [0, 1], default 0
        The share of each new gradient left out of the velocity (not of
        the first, which starts it).
    weight_decay : float >= 0, default 0
    nesterov : bool, default False
        Needs a momentum > 0 and no dampening.

    Examples
    --------
    >>> from convnet.layers import Dense
    >>> layer = Dense(1, 1, bias=False, rng=0)
    >>> layer.params["weight"][...] = 1.0
    >>> layer.grads["weight"] = np.array([[0.5]])
    >>> SGD(lr=0.1).step(layer)
    >>> layer.params["weight"]
    array([[0.95]], dtype=float32)
    """

    def __init__(self, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(lr)
        self.momentum = real_number(momentum, "momentum", minimum=0.0, maximum=1.0,
                                    inclusive=(True, False))
        self.dampening = real_number(dampening, "dampening", minimum=0.0, maximum=1.0)
        nesterov = boolean(nesterov, "nesterov")
        if nesterov and self.momentum == 0:
            fail("nesterov", "False when momentum is 0 (Nesterov needs momentum)", nesterov)
        if nesterov and self.dampening:
            fail("nesterov", "False when dampening is not 0 (as in PyTorch)", nesterov)
        self.nesterov = bool(nesterov)
        self.weight_decay = real_number(weight_decay, "weight_decay", minimum=0.0)

    def config(self):
        return dict(lr=self.lr, momentum=self.momentum, dampening=self.dampening,
                    weight_decay=self.weight_decay, nesterov=self.nesterov)

    def state_layout(self):
        return {"velocity": "array"} if self.momentum else {}

    def _update(self, name, param, grad):
        grad = self._penalised(grad, param)
        if self.momentum:
            state = self.state.setdefault(name, {})
            if "velocity" not in state:
                state["velocity"] = grad.copy()
            else:                                    # a new array: see Optimizer
                kind = param.dtype.type
                if self.dampening:
                    grad = kind(1 - self.dampening) * grad
                state["velocity"] = kind(self.momentum) * state["velocity"] + grad
            velocity = state["velocity"]
            grad = grad + param.dtype.type(self.momentum) * velocity if self.nesterov else velocity
        param -= param.dtype.type(self.lr) * grad


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's first two moments.

    For each parameter, with t counting its updates::

        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g^2
        v_max = max(v_max, v)                     # amsgrad only; then v_max for v below
        p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    Parameters
    ----------
    lr : float > 0, default 1e-3
    betas : (float, float) in [0, 1), default (0.9, 0.999)
    eps : float >= 0, default 1e-8
        Keeps the division finite; PyTorch allows 0 too (a zero gradient then gives 0/0).
    weight_decay : float >= 0, default 0
        L2 penalty added to the gradient (as ``torch.optim.Adam``).
    amsgrad : bool, default False
        AMSGrad (Reddi, Kale and Kumar, 2018): divide by the largest second
        moment seen so far, so that no step grows because v shrank.

    Examples
    --------
    The first step moves every parameter by about ``lr`` against its gradient's sign:

    >>> from convnet.layers import Dense
    >>> layer = Dense(1, 1, bias=False, rng=0)
    >>> layer.params["weight"][...] = 1.0
    >>> layer.grads["weight"] = np.array([[0.5]])
    >>> Adam(lr=0.1).step(layer)
    >>> np.round(layer.params["weight"], 6)
    array([[0.9]], dtype=float32)
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(lr)
        self.betas = checked_betas(betas)
        self.eps = real_number(eps, "eps", minimum=0.0)       # 0 allowed, as in PyTorch
        self.weight_decay = real_number(weight_decay, "weight_decay", minimum=0.0)
        self.amsgrad = boolean(amsgrad, "amsgrad")

    def config(self):
        return dict(lr=self.lr, betas=self.betas, eps=self.eps, weight_decay=self.weight_decay,
                    amsgrad=self.amsgrad)

    def state_layout(self):
        layout = {"t": "count", "m": "array", "v": "array"}
        return {**layout, "v_max": "array"} if self.amsgrad else layout

    def _update(self, name, param, grad):
        self._adam_step(name, param, self._penalised(grad, param))      # L2 penalty

    def _adam_step(self, name, param, grad):
        beta1, beta2 = self.betas
        kind = param.dtype.type
        state = self.state.setdefault(name, {})
        if not state:
            state.update(t=0, m=np.zeros_like(param), v=np.zeros_like(param))
            if self.amsgrad:
                state["v_max"] = np.zeros_like(param)
        t = state["t"] = state["t"] + 1
        m = state["m"] = kind(beta1) * state["m"] + kind(1 - beta1) * grad          # first moment
        v = state["v"] = kind(beta2) * state["v"] + kind(1 - beta2) * grad * grad   # second moment
        if self.amsgrad:
            v = state["v_max"] = np.maximum(state["v_max"], v)   # the largest second moment yet
        step = self.lr / (1 - beta1 ** t)                         # bias corrections
        denominator = np.sqrt(v / kind(1 - beta2 ** t))
        denominator += kind(self.eps)
        param -= kind(step) * m / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): the decay shrinks p itself.

    For each parameter, with t counting its updates (``torch.optim.AdamW``)::

        p = p * (1 - lr * weight_decay)          # decay, not through the moments
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g^2
        p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    :class:`Adam`'s ``weight_decay`` adds ``weight_decay * p`` to the
    gradient, which the division by ``sqrt(v)`` then rescales: parameters
    with large gradients are hardly decayed.  AdamW decays every parameter by
    the same factor.

    Parameters
    ----------
    lr : float > 0, default 1e-3
    betas : (float, float) in [0, 1), default (0.9, 0.999)
    eps : float >= 0, default 1e-8
        Keeps the division finite; PyTorch allows 0 too (a zero gradient then gives 0/0).
    weight_decay : float >= 0, default 1e-2
        PyTorch's default (Adam's is 0).
    amsgrad : bool, default False
        As :class:`Adam`'s.

    Examples
    --------
    One step from p = 1 with gradient 0.5: decay to 1 - 0.1 * 0.01 = 0.999,
    then Adam's first step of about ``lr``: 0.999 - 0.1 = 0.899.

    >>> from convnet.layers import Dense
    >>> layer = Dense(1, 1, bias=False, rng=0, dtype=np.float64)
    >>> layer.params["weight"][...] = 1.0
    >>> layer.grads["weight"] = np.array([[0.5]])
    >>> AdamW(lr=0.1).step(layer)
    >>> np.round(layer.params["weight"], 6)
    array([[0.899]])
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(lr, betas, eps, weight_decay, amsgrad)

    def _update(self, name, param, grad):
        if self.weight_decay:
            param *= param.dtype.type(1 - self.lr * self.weight_decay)   # decoupled decay
        self._adam_step(name, param, grad)
