"""Learning-rate schedules, by hand (tests/torch/test_schedules.py compares them with PyTorch)."""

import math

import pytest

from convnet.schedules import (CosineAnnealingLR, ExponentialLR, LinearWarmup, MultiStepLR,
                               OneCycleLR, StepLR)


def rates(schedule, epochs, base_lr=1.0):
    return [schedule(epoch, base_lr) for epoch in range(epochs)]


def test_step_lr_halves_every_three_epochs():
    # 0.2 * 0.5 ** (epoch // 3)
    assert rates(StepLR(3, gamma=0.5), 7, 0.2) == [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05]


def test_exponential_lr():
    # 1 * 0.9 ** epoch: 1, 0.9, 0.81, 0.729
    assert rates(ExponentialLR(0.9), 4) == pytest.approx([1, 0.9, 0.81, 0.729], rel=1e-15)


def test_cosine_annealing_quarter_points_and_beyond_t_max():
    # eta_min + (1 - eta_min) * (1 + cos(pi e / 4)) / 2 with eta_min 0.2:
    # e=0: 1;  e=2: 0.2 + 0.8 * 0.5 = 0.6;  e=4: 0.2;  e=6: back up to 0.6;  e=8: 1
    got = rates(CosineAnnealingLR(4, eta_min=0.2), 9)
    assert got[0] == 1.0 and got[4] == pytest.approx(0.2, abs=1e-15)
    assert got[2] == pytest.approx(0.6, rel=1e-15) and got[6] == pytest.approx(0.6, rel=1e-15)
    assert got[8] == pytest.approx(1.0, rel=1e-15)
    # e=1: 0.2 + 0.8 * (1 + sqrt(2)/2) / 2
    assert got[1] == pytest.approx(0.2 + 0.4 * (1 + math.sqrt(0.5)), rel=1e-15)


def test_linear_warmup_alone_and_composed():
    # start 0.25, four epochs: 0.25, 0.4375, 0.625, 0.8125 of base_lr (steps of 0.75 / 4)
    assert rates(LinearWarmup(4, start_factor=0.25), 6) == [0.25, 0.4375, 0.625, 0.8125, 1, 1]
    # then StepLR(2, 0.1) counting from 0 at epoch 4: 1, 1, 0.1, 0.1
    composed = rates(LinearWarmup(4, then=StepLR(2, 0.1), start_factor=0.25), 8)
    assert composed[4:] == pytest.approx([1, 1, 0.1, 0.1], rel=1e-15)


def test_one_cycle_three_anchor_points():
    # max 1, div 10, final div 100, 11 steps, pct 0.3: the peak at step 0.3 * 11 - 1 = 2.3;
    # step 0 = 1 / 10 = 0.1; the last step (10) = 0.1 / 100 = 0.001
    schedule = OneCycleLR(1.0, 11, div_factor=10, final_div_factor=100)
    got = rates(schedule, 11)
    assert got[0] == pytest.approx(0.1, rel=1e-15)
    assert got[10] == pytest.approx(0.001, rel=1e-12)
    # step 2, rising (share 2 / 2.3): 1 + (0.1 - 1) / 2 * (cos(pi * 2 / 2.3) + 1)
    assert got[2] == pytest.approx(1 - 0.45 * (math.cos(math.pi * 2 / 2.3) + 1), rel=1e-14)
    # step 3, falling from 1 to 0.001 over steps 2.3 .. 10 (share 0.7 / 7.7)
    assert got[3] == pytest.approx(0.001 + 0.4995 * (math.cos(math.pi * 0.7 / 7.7) + 1),
                                   rel=1e-14)
    # linear, step 1 of the rise: 0.1 + 0.9 * 1 / 2.3
    linear = OneCycleLR(1.0, 11, anneal_strategy="linear", div_factor=10,
                        final_div_factor=100)
    assert linear(1, 1.0) == pytest.approx(0.1 + 0.9 / 2.3, rel=1e-14)
    with pytest.raises(ValueError, match="epoch must be at most total_steps"):
        schedule(12, 1.0)


def test_schedules_show_their_settings():
    assert repr(StepLR(3)) == "StepLR(step_size=3, gamma=0.1)"


def test_multi_step_lr_divides_at_each_milestone():
    # milestones 2 and 4 (given out of order), 4 twice: 1, 1, 0.1, 0.1, 0.001, 0.001
    assert rates(MultiStepLR([4, 2, 4], gamma=0.1), 6) == \
        pytest.approx([1, 1, 0.1, 0.1, 1e-3, 1e-3], rel=1e-12)
    with pytest.raises(TypeError, match="^milestones must be a sequence of epochs"):
        MultiStepLR(5)
    with pytest.raises(ValueError, match="^milestones must be"):
        MultiStepLR([3, -1])
