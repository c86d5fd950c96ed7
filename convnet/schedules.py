"""Learning-rate schedules: the rate of each epoch, as PyTorch's schedulers of the same name give it.

A schedule is a callable ``schedule(epoch, base_lr) -> lr``: the learning
rate to use during epoch ``epoch`` (counted from 0, as PyTorch's
``last_epoch``) when training started with ``base_lr``.  It holds no state,
so the rate of any epoch can be asked at any time (resuming training at
``initial_epoch`` needs nothing more).  :class:`convnet.callbacks.LearningRateScheduler`
sets ``optimizer.lr`` from it at the start of every epoch.

Each schedule equals, epoch by epoch, the PyTorch scheduler named in its
docstring when that scheduler's ``step()`` is called once per epoch
(``tests/torch/test_schedules.py`` compares them over many epochs).

Examples
--------
>>> from convnet.schedules import StepLR
>>> [StepLR(step_size=2, gamma=0.5)(epoch, 0.1) for epoch in range(5)]
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import bisect
import math

from ._validate import fail, integer, one_of, real_number

__all__ = ["Schedule", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearWarmup",
           "OneCycleLR"]


class Schedule:
    """Base class: subclasses implement ``rate(epoch, base_lr)``; calling the schedule checks."""

    def __call__(self, epoch, base_lr) -> float:
        epoch = integer(epoch, "epoch", minimum=0)
        base_lr = real_number(base_lr, "base_lr", minimum=0.0)
        return float(self.rate(epoch, base_lr))

    def rate(self, epoch: int, base_lr: float) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class StepLR(Schedule):
    """``base_lr * gamma ** (epoch // step_size)``: as ``torch.optim.lr_scheduler.StepLR``.

    Parameters
    ----------
    step_size : int >= 1
        Epochs between two reductions.
    gamma : float > 0, default 0.1
        Factor of each reduction.
    """

    def __init__(self, step_size, gamma=0.1):
        self.step_size = integer(step_size, "step_size", minimum=1)
        self.gamma = real_number(gamma, "gamma", minimum=0.0, inclusive=(False, True))

    def rate(self, epoch, base_lr):
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(Schedule):
    """``base_lr * gamma ** (milestones passed)``: as ``torch.optim.lr_scheduler.MultiStepLR``.

    The rate is multiplied by ``gamma`` at each milestone epoch: He et al.'s
    ResNet-20 schedule on CIFAR-10 divides by 10 twice (at 32k and 48k
    iterations; ``MultiStepLR([82, 123])`` in epochs of 391 batches).  A
    milestone listed twice counts twice, as in PyTorch.

    Parameters
    ----------
    milestones : sequence of int >= 0
        The epochs (counted from 0) from which on the rate is lower.
    gamma : float > 0, default 0.1
    """

    def __init__(self, milestones, gamma=0.1):
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            fail("milestones", "a sequence of epochs", milestones, error=TypeError)
        self.milestones = sorted(integer(m, "milestones", minimum=0) for m in milestones)
        self.gamma = real_number(gamma, "gamma", minimum=0.0, inclusive=(False, True))

    def rate(self, epoch, base_lr):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(Schedule):
    """``base_lr * gamma ** epoch``: as ``torch.optim.lr_scheduler.ExponentialLR``.

    Parameters
    ----------
    gamma : float > 0
        Factor applied every epoch.
    """

    def __init__(self, gamma):
        self.gamma = real_number(gamma, "gamma", minimum=0.0, inclusive=(False, True))

    def rate(self, epoch, base_lr):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(Schedule):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs.

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``, the
    closed form of ``torch.optim.lr_scheduler.CosineAnnealingLR`` (SGDR without
    restarts).  Past ``T_max`` the cosine goes on, back up towards
    ``base_lr``, as PyTorch's does.

    Parameters
    ----------
    T_max : int >= 1
        Epochs from ``base_lr`` to ``eta_min``.
    eta_min : float >= 0, default 0
    """

    def __init__(self, T_max, eta_min=0.0):          # noqa: N803 - PyTorch's name
        self.T_max = integer(T_max, "T_max", minimum=1)
        self.eta_min = real_number(eta_min, "eta_min", minimum=0.0)

    def rate(self, epoch, base_lr):
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LinearWarmup(Schedule):
    """A linear ramp over the first ``epochs`` epochs, then another schedule (or ``base_lr``).

    During the warm-up the rate is
    ``base_lr * (start_factor + (1 - start_factor) * epoch / epochs)``, which is
    ``torch.optim.lr_scheduler.LinearLR(start_factor=start_factor,
    end_factor=1.0, total_iters=epochs)``.  From epoch ``epochs`` on, ``then``
    takes over counting its own epochs from 0 (``then(epoch - epochs,
    base_lr)``), which is PyTorch's ``SequentialLR([LinearLR(...), then],
    milestones=[epochs])``.  Without ``then`` the rate stays ``base_lr``
    (LinearLR alone).

    Parameters
    ----------
    epochs : int >= 1
        Length of the warm-up.
    then : Schedule, optional
        The schedule after the warm-up (StepLR, CosineAnnealingLR, ...).
    start_factor : float in (0, 1], default 1/3
        The first epoch's share of ``base_lr`` (PyTorch's LinearLR default).

    Examples
    --------
    >>> warm = LinearWarmup(4, then=ExponentialLR(0.5), start_factor=0.2)
    >>> [round(warm(epoch, 1.0), 6) for epoch in range(6)]
    [0.2, 0.4, 0.6, 0.8, 1.0, 0.5]
    """

    def __init__(self, epochs, then=None, start_factor=1 / 3):
        self.epochs = integer(epochs, "epochs", minimum=1)
        if then is not None and not isinstance(then, Schedule):
            fail("then", "None or a schedule such as CosineAnnealingLR(T_max=10)", then,
                 error=TypeError)
        self.then = then
        self.start_factor = real_number(start_factor, "start_factor", minimum=0.0, maximum=1.0,
                                        inclusive=(False, True))

    def rate(self, epoch, base_lr):
        if epoch >= self.epochs:
            return base_lr if self.then is None else self.then.rate(epoch - self.epochs, base_lr)
        return base_lr * (self.start_factor + (1 - self.start_factor) * epoch / self.epochs)


class OneCycleLR(Schedule):
    """Leslie Smith's one-cycle policy: up to ``max_lr``, then far below the start.

    As ``torch.optim.lr_scheduler.OneCycleLR`` stepped once per epoch with
    ``total_steps`` = the number of epochs: from ``max_lr / div_factor`` up to
    ``max_lr`` over the first ``pct_start`` of the steps, then down to
    ``max_lr / div_factor / final_div_factor`` (cosine or linear annealing;
    ``three_phase`` first comes back to the start rate, then goes down).  The
    rate does not depend on ``base_lr``, as in PyTorch.  PyTorch also cycles
    the momentum; this schedule sets the learning rate only.

    Parameters
    ----------
    max_lr : float > 0
    total_steps : int >= 2
        Epochs in the cycle; asking for an epoch after ``total_steps`` is an error, as
        in PyTorch.
    pct_start : float in (0, 1), default 0.3
    anneal_strategy : {"cos", "linear"}, default "cos"
    div_factor : float > 0, default 25
    final_div_factor : float > 0, default 1e4
    three_phase : bool, default False
    """

    def __init__(self, max_lr, total_steps, pct_start=0.3, anneal_strategy="cos",
                 div_factor=25.0, final_div_factor=1e4, three_phase=False):
        positive = dict(minimum=0.0, inclusive=(False, True))
        self.max_lr = real_number(max_lr, "max_lr", **positive)
        self.total_steps = integer(total_steps, "total_steps", minimum=2)
        self.pct_start = real_number(pct_start, "pct_start", minimum=0.0, maximum=1.0,
                                     inclusive=(False, False))
        self.anneal_strategy = one_of(anneal_strategy, "anneal_strategy", ("cos", "linear"))
        self.div_factor = real_number(div_factor, "div_factor", **positive)
        self.final_div_factor = real_number(final_div_factor, "final_div_factor", **positive)
        if not isinstance(three_phase, bool):
            fail("three_phase", "True or False", three_phase, error=TypeError)
        self.three_phase = three_phase
        ends = [0.0] + [end for end, _, _ in self._phases()]
        if any(a == b for a, b in zip(ends, ends[1:])):
            fail("pct_start", f"a share giving every phase of the cycle some steps (with "
                 f"total_steps={self.total_steps} a phase has none: PyTorch divides by zero)",
                 pct_start)

    def _phases(self):
        """(end step, start rate, end rate) of each phase, as PyTorch's ``_schedule_phases``."""
        initial = self.max_lr / self.div_factor
        minimum = initial / self.final_div_factor
        up = self.pct_start * self.total_steps - 1
        last = self.total_steps - 1
        if self.three_phase:
            return [(up, initial, self.max_lr), (2 * self.pct_start * self.total_steps - 2,
                                                 self.max_lr, initial), (last, initial, minimum)]
        return [(up, initial, self.max_lr), (last, self.max_lr, minimum)]

    def rate(self, epoch, base_lr):
        if epoch > self.total_steps:              # PyTorch's bound (it allows total_steps)
            fail("epoch", f"at most total_steps ({self.total_steps}) of the OneCycleLR", epoch)
        phases = self._phases()
        start_step = 0.0
        for i, (end_step, start, end) in enumerate(phases):
            if epoch <= end_step or i == len(phases) - 1:
                share = (epoch - start_step) / (end_step - start_step)
                if self.anneal_strategy == "cos":
                    return end + (start - end) / 2.0 * (math.cos(math.pi * share) + 1)
                return (end - start) * share + start
            start_step = end_step
        raise AssertionError("unreachable")  # pragma: no cover
