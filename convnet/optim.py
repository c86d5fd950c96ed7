"""Optimizers: ``optimizer.step(model)`` updates every parameter in place.

An optimizer reads ``model.parameters()`` and ``model.gradients()`` (both map a
name such as ``"0.weight"`` to an array; the gradients are those of the last
``backward``) and keeps its own state, such as momentum, per parameter name.
Anything with those two methods can be optimised, a single layer or a
container such as ``Residual`` included (names by path: ``"body.0.weight"``).
"""

from __future__ import annotations

import numpy as np

from ._validate import fail, real_number

__all__ = ["Optimizer", "SGD", "Adam"]


def _arrays(model):
    if hasattr(model, "parameters") and callable(model.parameters):
        return model.parameters(), model.gradients()
    if hasattr(model, "params") and hasattr(model, "grads"):
        return model.params, model.grads
    fail("model", "a Sequential or a layer (with parameters()/gradients() or params/grads)",
         model, error=TypeError)


class Optimizer:
    """Base class: subclasses implement ``_update(name, param, grad)``."""

    def __init__(self, lr):
        self.lr = real_number(lr, "lr", minimum=0.0, inclusive=(False, True))
        self.state: dict[str, dict] = {}

    def step(self, model) -> None:
        """Update each parameter of ``model`` in place from its gradient."""
        params, grads = _arrays(model)
        for name, param in params.items():
            if name not in grads:
                raise RuntimeError(f"no gradient for parameter {name!r}: call backward() "
                                   "before step()")
            grad = grads[name]
            if grad.shape != param.shape:
                fail(f"gradient {name!r}", f"of shape {param.shape} like its parameter", grad,
                     given=f"shape {grad.shape}")
            self._update(name, param, grad.astype(param.dtype, copy=False))

    def zero_state(self) -> None:
        """Forget momentum and moment estimates (start afresh)."""
        self.state.clear()

    def _update(self, name, param, grad):  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and weight decay.

    For each parameter p with gradient g (the formulation of PyTorch)::

        g = g + weight_decay * p                 # L2 penalty
        v = momentum * v + g                     # v starts as g
        g = g + momentum * v   if nesterov  else  v
        p = p - lr * g

    Parameters
    ----------
    lr : float > 0
    momentum : float in [0, 1), default 0
    nesterov : bool, default False
        Needs a momentum > 0.
    weight_decay : float >= 0, default 0

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

    def __init__(self, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = real_number(momentum, "momentum", minimum=0.0, maximum=1.0,
                                    inclusive=(True, False))
        if not isinstance(nesterov, (bool, np.bool_)):
            fail("nesterov", "True or False", nesterov, error=TypeError)
        if nesterov and self.momentum == 0:
            fail("nesterov", "False when momentum is 0 (Nesterov needs momentum)", nesterov)
        self.nesterov = bool(nesterov)
        self.weight_decay = real_number(weight_decay, "weight_decay", minimum=0.0)

    def config(self):
        return dict(lr=self.lr, momentum=self.momentum, nesterov=self.nesterov,
                    weight_decay=self.weight_decay)

    def _update(self, name, param, grad):
        if self.weight_decay:
            grad = grad + param.dtype.type(self.weight_decay) * param
        if self.momentum:
            state = self.state.setdefault(name, {})
            if "velocity" not in state:
                state["velocity"] = grad.copy()
            else:
                state["velocity"] *= param.dtype.type(self.momentum)
                state["velocity"] += grad
            velocity = state["velocity"]
            grad = grad + param.dtype.type(self.momentum) * velocity if self.nesterov else velocity
        param -= param.dtype.type(self.lr) * grad


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's first two moments.

    For each parameter, with t counting its updates::

        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g^2
        p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    Parameters
    ----------
    lr : float > 0, default 1e-3
    betas : (float, float) in [0, 1), default (0.9, 0.999)
    eps : float > 0, default 1e-8
    weight_decay : float >= 0, default 0
        L2 penalty added to the gradient (as ``torch.optim.Adam``).

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

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            fail("betas", "a pair (beta1, beta2)", betas, error=TypeError)
        self.betas = tuple(real_number(b, "betas", minimum=0.0, maximum=1.0,
                                       inclusive=(True, False)) for b in betas)
        self.eps = real_number(eps, "eps", minimum=0.0, inclusive=(False, True))
        self.weight_decay = real_number(weight_decay, "weight_decay", minimum=0.0)

    def config(self):
        return dict(lr=self.lr, betas=self.betas, eps=self.eps, weight_decay=self.weight_decay)

    def _update(self, name, param, grad):
        beta1, beta2 = self.betas
        if self.weight_decay:
            grad = grad + param.dtype.type(self.weight_decay) * param
        state = self.state.setdefault(name, {})
        if not state:
            state.update(t=0, m=np.zeros_like(param), v=np.zeros_like(param))
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= param.dtype.type(beta1)
        m += param.dtype.type(1 - beta1) * grad                 # first moment
        v *= param.dtype.type(beta2)
        v += param.dtype.type(1 - beta2) * grad * grad          # second moment
        step = self.lr / (1 - beta1 ** t)                         # bias corrections
        denominator = np.sqrt(v / param.dtype.type(1 - beta2 ** t))
        denominator += param.dtype.type(self.eps)
        param -= param.dtype.type(step) * m / denominator
