"""Optimizer steps against updates computed by hand (plain Python floats)."""

import math

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.layers import Dense
from convnet.model import DivergenceError
from convnet.optim import SGD, AdaGrad, Adam, AdamW, RMSprop


def one_weight(value=1.0):
    layer = Dense(1, 1, bias=False, rng=0, dtype=np.float64)
    layer.params["weight"][...] = value
    return layer


def run(optimizer, grads, start=1.0):
    layer = one_weight(start)
    values = []
    for g in grads:
        layer.grads["weight"] = np.array([[g]])
        optimizer.step(layer)
        values.append(float(layer.params["weight"][0, 0]))
    return values


def test_plain_sgd():
    # p = 1 - 0.1 * 0.5 = 0.95, then 0.95 - 0.1 * (-2) = 1.15
    assert run(SGD(lr=0.1), [0.5, -2.0]) == pytest.approx([0.95, 1.15], abs=1e-15)


def test_sgd_momentum():
    # v1 = 1, p1 = 1 - 0.1*1 = 0.9; v2 = 0.9*1 + 1 = 1.9, p2 = 0.9 - 0.19 = 0.71
    assert run(SGD(lr=0.1, momentum=0.9), [1.0, 1.0]) == pytest.approx([0.9, 0.71], abs=1e-15)


def test_sgd_nesterov():
    # v1 = 1, step g + 0.9 v1 = 1.9 -> p1 = 0.81
    # v2 = 1.9, step 1 + 0.9*1.9 = 2.71 -> p2 = 0.81 - 0.271 = 0.539
    assert run(SGD(lr=0.1, momentum=0.9, nesterov=True), [1.0, 1.0]) == \
        pytest.approx([0.81, 0.539], abs=1e-15)


def test_sgd_weight_decay():
    # g' = 1 + 0.1 * 1 = 1.1 -> p = 1 - 0.11 = 0.89
    assert run(SGD(lr=0.1, weight_decay=0.1), [1.0]) == pytest.approx([0.89], abs=1e-15)


def test_adam_two_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate([0.5, -1.0], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        expected.append(p)
    # first step: m_hat = 0.5, v_hat = 0.25 -> p = 1 - 0.1 * 0.5 / 0.5 = 0.9 (up to eps)
    assert expected[0] == pytest.approx(0.9, abs=1e-8)
    assert run(Adam(lr=lr), [0.5, -1.0]) == pytest.approx(expected, rel=1e-14)


def test_adamw_decays_the_parameter_itself_then_takes_adam_s_step():
    lr, b1, b2, eps, decay = 0.1, 0.9, 0.999, 1e-8, 0.01
    p, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate([0.5, -1.0], start=1):
        p *= 1 - lr * decay                      # step 1: 1 * (1 - 0.001) = 0.999
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        expected.append(p)
    assert expected[0] == pytest.approx(0.999 - 0.1, abs=1e-8)    # Adam's first step: lr
    assert run(AdamW(lr=lr), [0.5, -1.0]) == pytest.approx(expected, rel=1e-14)
    # with weight_decay=0 it is Adam
    assert run(AdamW(lr=lr, weight_decay=0.0), [0.5, -1.0]) == run(Adam(lr=lr), [0.5, -1.0])


def test_rmsprop_two_plain_steps():
    # s1 = 0.01 * 0.5^2 = 0.0025, sqrt 0.05: p1 = 1 - 0.01 * 0.5 / 0.05 = 0.9 (eps aside)
    # s2 = 0.99 * 0.0025 + 0.01 * 1 = 0.012475: p2 = p1 + 0.01 / sqrt(0.012475) = p1 + 0.0895323
    s2 = 0.99 * 0.0025 + 0.01
    expected = [1 - 0.01 * 0.5 / (0.05 + 1e-8)]
    expected.append(expected[0] + 0.01 * 1.0 / (math.sqrt(s2) + 1e-8))
    assert expected[1] == pytest.approx(0.9 + 0.0895323, abs=1e-6)
    assert run(RMSprop(), [0.5, -1.0]) == pytest.approx(expected, rel=1e-14)


def test_rmsprop_momentum_centered_and_weight_decay():
    d2 = math.sqrt(0.99 * 0.0025 + 0.01) + 1e-8
    # momentum 0.9: b1 = 0.5 / 0.05 = 10 -> p1 = 1 - 0.01 * 10 = 0.9;
    # b2 = 0.9 * 10 - 1 / d2 = 9 - 8.95323 -> p2 = 0.9 - 0.01 * b2
    b1 = 0.5 / (0.05 + 1e-8)
    b2 = 0.9 * b1 - 1.0 / d2
    assert run(RMSprop(momentum=0.9), [0.5, -1.0]) == \
        pytest.approx([1 - 0.01 * b1, 1 - 0.01 * b1 - 0.01 * b2], rel=1e-14)
    # centered: a1 = 0.01 * 0.5 = 0.005, s1 - a1^2 = 0.0025 - 0.000025 = 0.002475
    # p1 = 1 - 0.01 * 0.5 / sqrt(0.002475) = 1 - 0.100504 = 0.899496
    centered = 1 - 0.01 * 0.5 / (math.sqrt(0.002475) + 1e-8)
    assert centered == pytest.approx(0.899496, abs=1e-6)
    assert run(RMSprop(centered=True), [0.5]) == pytest.approx([centered], rel=1e-14)
    # weight decay 0.1: g = 0.5 + 0.1 * 1 = 0.6, s1 = 0.0036, sqrt 0.06 -> p1 = 0.9
    assert run(RMSprop(weight_decay=0.1), [0.5]) == \
        pytest.approx([1 - 0.01 * 0.6 / (0.06 + 1e-8)], rel=1e-14)


def test_adagrad_steps_lr_decay_and_initial_accumulator():
    eps = 1e-10
    # s1 = 0.25 -> p1 = 1 - 0.1 * 0.5 / 0.5 = 0.9; s2 = 0.5 -> p2 = 0.9 - 0.05 / 0.7071068
    plain = [1 - 0.1 * 0.5 / (0.5 + eps)]
    plain.append(plain[0] - 0.1 * 0.5 / (math.sqrt(0.5) + eps))
    assert plain[1] == pytest.approx(0.8292893, abs=1e-7)
    assert run(AdaGrad(lr=0.1), [0.5, 0.5]) == pytest.approx(plain, rel=1e-14)
    # lr_decay 0.5: the second step's rate is 0.1 / (1 + 1 * 0.5) = 0.0666667
    decayed = plain[0] - 0.1 / 1.5 * 0.5 / (math.sqrt(0.5) + eps)
    assert decayed == pytest.approx(0.9 - 0.0471405, abs=1e-7)
    assert run(AdaGrad(lr=0.1, lr_decay=0.5), [0.5, 0.5]) == \
        pytest.approx([plain[0], decayed], rel=1e-14)
    # s starts at 0.75: s1 = 0.75 + 0.25 = 1 -> p1 = 1 - 0.1 * 0.5 / 1 = 0.95
    assert run(AdaGrad(lr=0.1, initial_accumulator_value=0.75), [0.5]) == \
        pytest.approx([1 - 0.1 * 0.5 / (1 + eps)], rel=1e-14)
    # weight decay 0.1: g = 0.6, s1 = 0.36 -> p1 = 1 - 0.1 * 0.6 / 0.6 = 0.9
    assert run(AdaGrad(lr=0.1, weight_decay=0.1), [0.5]) == \
        pytest.approx([1 - 0.1 * 0.6 / (0.6 + eps)], rel=1e-14)


def test_the_defaults_are_pytorch_s():
    assert RMSprop().config() == dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0,
                                      momentum=0.0, centered=False)
    assert AdaGrad().config() == dict(lr=0.01, lr_decay=0.0, weight_decay=0.0,
                                      initial_accumulator_value=0.0, eps=1e-10)
    assert AdamW().config() == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                                    amsgrad=False)
    assert Adam().config() == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                                   amsgrad=False)
    # torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False)
    assert SGD().config() == dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                                  nesterov=False)
    assert list(SGD(0.1, 0.9, 0.5, 0.01).config().values()) == [0.1, 0.9, 0.5, 0.01, False]


def test_sgd_dampening_leaves_part_of_each_later_gradient_out():
    # v1 = g1 = 1 (the first gradient starts v undamped), p1 = 1 - 0.1 * 1 = 0.9;
    # v2 = 0.9 * 1 + (1 - 0.5) * 2 = 1.9, p2 = 0.9 - 0.1 * 1.9 = 0.71
    assert run(SGD(lr=0.1, momentum=0.9, dampening=0.5), [1.0, 2.0]) == \
        pytest.approx([0.9, 0.71], abs=1e-15)
    with pytest.raises(ValueError, match="^nesterov must be False when dampening is not 0"):
        SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("make", [Adam, AdamW])
def test_amsgrad_divides_by_the_largest_second_moment_so_far(make):
    # betas (0.5, 0.5), lr 1, no decay, eps too small to matter; gradients 1 then 0:
    # t=1: m = 0.5, v = 0.5 = v_max; step 0.5/(1 - 0.5) / sqrt(0.5/(1 - 0.5)) = 1 -> p = 0
    # t=2: m = 0.25, v = 0.25 but v_max = 0.5; step 0.25/0.75 / sqrt(0.5/0.75) = 1/sqrt(6)
    # (without amsgrad: 0.25/0.75 / sqrt(0.25/0.75) = 1/sqrt(3))
    options = dict(lr=1.0, betas=(0.5, 0.5), eps=1e-300, weight_decay=0.0)
    assert run(make(**options, amsgrad=True), [1.0, 0.0]) == \
        pytest.approx([0.0, -1 / math.sqrt(6)], abs=1e-15)
    assert run(make(**options), [1.0, 0.0]) == pytest.approx([0.0, -1 / math.sqrt(3)], abs=1e-15)


EVERY_OPTIMIZER = [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.1), lambda: AdamW(0.1),
                   lambda: RMSprop(momentum=0.5, centered=True), lambda: AdaGrad(0.1)]


@pytest.mark.parametrize("make", EVERY_OPTIMIZER)
def test_state_dict_resumes_the_same_trajectory(make):
    grads = [0.5, -1.0, 0.25, 2.0]
    straight = run(make(), grads)
    first = make()
    layer = one_weight()
    for g in grads[:2]:
        layer.grads["weight"] = np.array([[g]])
        first.step(layer)
    saved = first.state_dict()
    layer.grads["weight"] = np.array([[7.0]])
    first.step(layer)                                  # changes first, never saved
    resumed = make()
    resumed.lr = 123.0                                 # replaced by the saved config
    resumed.load_state_dict(saved)
    assert resumed.config() == first.config()
    layer.params["weight"][...] = straight[1]
    for g in grads[2:]:
        layer.grads["weight"] = np.array([[g]])
        resumed.step(layer)
    assert float(layer.params["weight"][0, 0]) == straight[3]


def test_state_dict_is_a_copy_and_load_state_dict_checks_it():
    optimizer = Adam(0.1)
    layer = one_weight()
    layer.grads["weight"] = np.array([[0.5]])
    optimizer.step(layer)
    saved = optimizer.state_dict()
    assert saved["optimizer"] == "Adam" and saved["state"]["weight"]["t"] == 1
    saved["state"]["weight"]["m"][...] = 99.0
    assert optimizer.state["weight"]["m"][0, 0] == pytest.approx(0.05)   # 0.1 * 0.5
    with pytest.raises(ValueError, match="state_dict must be the state of a Adam; got the "
                                         "state of a 'SGD'"):
        optimizer.load_state_dict(SGD(0.1).state_dict())
    with pytest.raises(TypeError, match="state_dict must be a dict with the keys"):
        optimizer.load_state_dict({"state": {}})
    bad = optimizer.state_dict()
    bad["config"]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr must be"):
        optimizer.load_state_dict(bad)
    bad = optimizer.state_dict()
    bad["state"]["weight"]["m"] = "zeros"
    with pytest.raises(TypeError, match=r"state_dict\['state'\]\['weight'\]\['m'\] must be"):
        optimizer.load_state_dict(bad)
    assert optimizer.lr == 0.1 and optimizer.state["weight"]["t"] == 1   # unchanged


@pytest.mark.parametrize("make", [lambda: Adam(0.01), lambda: SGD(0.01, momentum=0.9),
                                  lambda: RMSprop(momentum=0.5)])
def test_a_diverging_step_rolls_the_optimizer_state_back_with_the_parameters(make):
    # A float32 model: a learning rate of 1e39 overflows float32 in the update (the loss of
    # the step is finite), so the update branch of the divergence check is what stops it.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 4)).astype(np.float32), rng.integers(0, 3, 8)
    model = convnet.Sequential(L.Dense(4, 3, rng=0))
    optimizer = make()
    model.train_batch(x, y, "cross_entropy", optimizer)           # a good step
    state, params = optimizer.state_dict(), {k: v.copy() for k, v in model.parameters().items()}
    optimizer.lr = 1e39
    with pytest.raises(DivergenceError, match="non-finite"):
        model.train_batch(x, y, "cross_entropy", optimizer)
    optimizer.lr = state["config"]["lr"]
    after = optimizer.state_dict()
    assert after["state"].keys() == state["state"].keys()
    for name, entries in state["state"].items():
        for key, value in entries.items():
            np.testing.assert_array_equal(after["state"][name][key], value)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, params[name])


def test_state_is_kept_per_parameter_name():
    layer = Dense(1, 1, rng=0, dtype=np.float64)
    layer.params["weight"][...] = 1.0
    opt = SGD(lr=0.1, momentum=0.5)
    layer.grads = {"weight": np.array([[1.0]]), "bias": np.array([2.0])}
    opt.step(layer)
    opt.step(layer)
    assert set(opt.state) == {"weight", "bias"}
    np.testing.assert_allclose(opt.state["bias"]["velocity"], [3.0])   # 0.5*2 + 2


def test_float32_parameters_stay_float32():
    layer = Dense(2, 2, rng=0, dtype=np.float32)
    layer.grads = {"weight": np.ones((2, 2)), "bias": np.ones(2)}
    Adam().step(layer)
    assert layer.params["weight"].dtype == np.float32


def test_missing_gradient_and_bad_options():
    with pytest.raises(RuntimeError, match="no gradient for parameter 'weight'"):
        SGD(lr=0.1).step(Dense(1, 1, rng=0))
    with pytest.raises(ValueError, match=r"^lr must be a number in \(0.0, inf\]; got 0 \(int\)$"):
        SGD(lr=0)
    with pytest.raises(ValueError, match="nesterov must be False when momentum is 0"):
        SGD(lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam(betas=0.9)


@pytest.mark.parametrize("make, key", [(lambda: Adam(0.1), "v"), (lambda: AdamW(0.1), "t"),
                                       (lambda: SGD(0.1, momentum=0.9), "velocity"),
                                       (lambda: RMSprop(momentum=0.5, centered=True), "grad_avg"),
                                       (lambda: AdaGrad(), "sum")])
def test_load_state_dict_refuses_a_parameter_state_missing_a_key(make, key):
    optimizer = make()
    optimizer.step(grad_layer())
    bad = optimizer.state_dict()
    del bad["state"]["weight"][key]
    with pytest.raises(ValueError, match=rf"state_dict\['state'\]\['weight'\] must be .*"
                                         rf"{key!r}.*; got .*keys"):
        make().load_state_dict(bad)
    bad = optimizer.state_dict()
    bad["state"]["weight"]["extra"] = 1
    with pytest.raises(ValueError, match=r"state_dict\['state'\]\['weight'\] must be"):
        make().load_state_dict(bad)


def grad_layer():
    layer = one_weight()
    layer.params["weight"] = np.ones((2, 3))
    layer.grads["weight"] = np.full((2, 3), 0.5)
    return layer


def test_load_state_dict_refuses_wrong_shapes_and_counts_and_step_checks_the_parameters():
    optimizer = Adam(0.1)
    optimizer.step(grad_layer())
    bad = optimizer.state_dict()
    bad["state"]["weight"]["v"] = np.zeros((3, 2))            # m is (2, 3)
    with pytest.raises(ValueError, match=r"state_dict\['state'\]\['weight'\]\['v'\] must be "
                                         r"an array of the shape of the entry's other arrays "
                                         r"\(2, 3\); got shape \(3, 2\)"):
        Adam().load_state_dict(bad)
    bad = optimizer.state_dict()
    bad["state"]["weight"]["t"] = 1.5
    with pytest.raises(TypeError, match=r"state_dict\['state'\]\['weight'\]\['t'\] must be a "
                                        r"step count, an integer >= 0"):
        Adam().load_state_dict(bad)
    bad = optimizer.state_dict()
    bad["state"]["weight"]["m"] = bad["state"]["weight"]["v"] = np.zeros(6)
    other = Adam()
    other.load_state_dict(bad)          # consistent in itself: only a parameter can tell
    with pytest.raises(ValueError, match=r"optimizer state 'weight'\['m'\] must be of the "
                                         r"shape of its parameter \(2, 3\); got shape \(6,\)"):
        other.step(grad_layer())


def test_a_state_dict_from_before_dampening_and_amsgrad_loads_with_their_defaults():
    # Checkpoints written before these arguments existed hold configs without them; loading
    # one sets every argument the optimizer has: the saved ones, and the defaults for the rest.
    for older, key, now in ((SGD(0.1, momentum=0.9), "dampening", SGD(0.2, dampening=0.5)),
                            (Adam(0.1), "amsgrad", Adam(0.2, amsgrad=True))):
        run(older, [1.0])
        saved = older.state_dict()
        del saved["config"][key]
        now.load_state_dict(saved)
        assert now.config() == older.config()


@pytest.mark.parametrize("make", [Adam, AdamW, RMSprop, AdaGrad])
def test_eps_may_be_zero_as_in_pytorch(make):
    # One step of gradient 0.5 from p = 1 with lr 0.1: every one of these divides the step by
    # the root of its squared-gradient estimate, which for the first step gives a step of
    # exactly lr * 0.5 / 0.5 (Adam, AdamW: bias-corrected; AdaGrad: sum 0.25; RMSprop:
    # (1 - 0.99) * 0.25, so 0.5 / sqrt(0.0025) = 10 steps of lr); AdamW first decays by 1e-3.
    expected = {Adam: 0.9, AdamW: 0.999 - 0.1, RMSprop: 1 - 0.1 * 10, AdaGrad: 0.9}[make]
    assert run(make(lr=0.1, eps=0.0), [0.5]) == pytest.approx([expected], abs=1e-12)
