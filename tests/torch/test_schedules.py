"""Learning-rate schedules against torch.optim.lr_scheduler, epoch by epoch over many epochs.

PyTorch's scheduler is stepped once per epoch on an SGD optimizer; the rate
read from the optimizer before each step is compared with our
``schedule(epoch, base_lr)``.  LinearWarmup is matched with LinearLR alone
and with ``SequentialLR([LinearLR, then], milestones=[warm-up])``.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch.optim import lr_scheduler as S

from convnet import schedules

EPOCHS = 80
TOLERANCE = dict(rtol=1e-12, atol=1e-15)
base_lrs = st.sampled_from([0.1, 1.0, 3e-4])


def torch_rates(make, base_lr, epochs=EPOCHS):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=base_lr)
    scheduler = make(optimizer)
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(epochs - 1):
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates)


def ours(schedule, base_lr, epochs=EPOCHS):
    return np.array([schedule(epoch, base_lr) for epoch in range(epochs)])


@settings(max_examples=15, deadline=None)
@given(step=st.integers(1, 12), gamma=st.floats(0.05, 1.0), base_lr=base_lrs)
def test_step_lr(step, gamma, base_lr):
    np.testing.assert_allclose(ours(schedules.StepLR(step, gamma), base_lr),
                               torch_rates(lambda o: S.StepLR(o, step, gamma), base_lr),
                               **TOLERANCE)


@settings(max_examples=15, deadline=None)
@given(milestones=st.lists(st.integers(0, EPOCHS + 5), max_size=5), gamma=st.floats(0.05, 1.0),
       base_lr=base_lrs)
def test_multi_step_lr(milestones, gamma, base_lr):
    np.testing.assert_allclose(ours(schedules.MultiStepLR(milestones, gamma), base_lr),
                               torch_rates(lambda o: S.MultiStepLR(o, milestones, gamma), base_lr),
                               **TOLERANCE)


@settings(max_examples=15, deadline=None)
@given(gamma=st.floats(0.8, 1.0), base_lr=base_lrs)
def test_exponential_lr(gamma, base_lr):
    np.testing.assert_allclose(ours(schedules.ExponentialLR(gamma), base_lr),
                               torch_rates(lambda o: S.ExponentialLR(o, gamma), base_lr),
                               rtol=1e-11)


@settings(max_examples=15, deadline=None)
@given(t_max=st.integers(1, 30), eta_min=st.sampled_from([0.0, 1e-5, 0.01]), base_lr=base_lrs)
def test_cosine_annealing_lr_past_t_max_too(t_max, eta_min, base_lr):
    np.testing.assert_allclose(
        ours(schedules.CosineAnnealingLR(t_max, eta_min), base_lr),
        torch_rates(lambda o: S.CosineAnnealingLR(o, t_max, eta_min), base_lr), rtol=1e-10,
        atol=1e-14)


@settings(max_examples=15, deadline=None)
@given(warm=st.integers(1, 10), start=st.floats(0.01, 1.0), base_lr=base_lrs)
def test_linear_warmup_is_linear_lr(warm, start, base_lr):
    np.testing.assert_allclose(
        ours(schedules.LinearWarmup(warm, start_factor=start), base_lr),
        torch_rates(lambda o: S.LinearLR(o, start, 1.0, warm), base_lr), rtol=1e-11)


@settings(max_examples=15, deadline=None)
@given(warm=st.integers(1, 10), start=st.floats(0.01, 1.0), base_lr=base_lrs,
       then=st.sampled_from(["cosine", "step", "exponential"]))
def test_linear_warmup_then_another_is_sequential_lr(warm, start, base_lr, then):
    ours_then, theirs_then = {
        "cosine": (schedules.CosineAnnealingLR(20, 1e-4),
                   lambda o: S.CosineAnnealingLR(o, 20, 1e-4)),
        "step": (schedules.StepLR(7, 0.5), lambda o: S.StepLR(o, 7, 0.5)),
        "exponential": (schedules.ExponentialLR(0.95), lambda o: S.ExponentialLR(o, 0.95)),
    }[then]

    def make(optimizer):
        return S.SequentialLR(optimizer, [S.LinearLR(optimizer, start, 1.0, warm),
                                          theirs_then(optimizer)], milestones=[warm])
    np.testing.assert_allclose(
        ours(schedules.LinearWarmup(warm, then=ours_then, start_factor=start), base_lr),
        torch_rates(make, base_lr), rtol=1e-10, atol=1e-14)


@settings(max_examples=20, deadline=None)
@given(total=st.integers(4, 60), pct=st.floats(0.1, 0.45), max_lr=st.sampled_from([0.01, 1.0]),
       anneal=st.sampled_from(["cos", "linear"]), three_phase=st.booleans(),
       div=st.sampled_from([25.0, 10.0]), final_div=st.sampled_from([1e4, 100.0]))
def test_one_cycle_lr(total, pct, max_lr, anneal, three_phase, div, final_div):
    kwargs = dict(pct_start=pct, anneal_strategy=anneal, div_factor=div,
                  final_div_factor=final_div, three_phase=three_phase)

    def make(optimizer):
        return S.OneCycleLR(optimizer, max_lr, total_steps=total, cycle_momentum=False, **kwargs)
    try:
        schedule = schedules.OneCycleLR(max_lr, total, **kwargs)
    except ValueError:                   # a phase without steps: PyTorch divides by zero
        with pytest.raises(ZeroDivisionError):
            torch_rates(make, 0.5, 1)
        return
    np.testing.assert_allclose(ours(schedule, 0.5, total + 1), torch_rates(make, 0.5, total + 1),
                               rtol=1e-10, atol=1e-15)


def test_one_cycle_lr_refuses_a_phase_without_steps_as_pytorch_fails():
    with pytest.raises(ValueError, match="pct_start must be a share giving every phase"):
        schedules.OneCycleLR(1.0, 4, pct_start=0.25)          # 0.25 * 4 - 1 = 0 steps up
    with pytest.raises(ZeroDivisionError):
        torch_rates(lambda o: S.OneCycleLR(o, 1.0, total_steps=4, pct_start=0.25), 0.5, 1)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.sampled_from([3.0, 2.9, 2.5, 2.0, 1.99, 1.0, -1.0,
                                       np.inf, -np.inf, np.nan]), min_size=1,
                       max_size=30),
       factor=st.sampled_from([0.1, 0.5, 0.9]), patience=st.integers(0, 3),
       threshold=st.sampled_from([0.0, 1e-4, 0.02, 0.5]),
       threshold_mode=st.sampled_from(["rel", "abs"]), cooldown=st.integers(0, 2),
       min_lr=st.sampled_from([0.0, 0.05]), mode=st.sampled_from(["min", "max"]))
def test_reduce_lr_on_plateau_follows_pytorch(values, factor, patience, threshold,
                                              threshold_mode, cooldown, min_lr, mode):
    from convnet.callbacks import ReduceLROnPlateau
    from convnet.optim import SGD

    options = dict(factor=factor, patience=patience, threshold=threshold,
                   threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    theirs = S.ReduceLROnPlateau(optimizer, mode=mode, **options)
    ours = ReduceLROnPlateau(monitor="val_loss", mode=mode, **options)
    ours.optimizer = SGD(1.0)
    ours.on_train_begin({})
    for epoch, value in enumerate(values):
        theirs.step(value)
        ours.on_epoch_end(epoch, {"val_loss": value})
        np.testing.assert_allclose(ours.optimizer.lr, optimizer.param_groups[0]["lr"], **TOLERANCE)
