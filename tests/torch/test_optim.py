"""Every optimizer of convnet.optim against torch.optim: the same gradients, the same trajectory.

Both sides start from the same float64 parameters and are fed the same drawn
gradients (not computed by a network, so only the update rules are
compared) for a dozen steps, with hypothesis-drawn hyperparameters; the
trajectories agree to summation order (rtol 1e-10).
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from convnet import optim

torch.set_num_threads(1)
SHAPES = {"weight": (3, 4), "bias": (4,)}
STEPS = 12


class Parameters:
    """The params / grads protocol of a layer, for two named arrays."""

    def __init__(self, rng):
        self.params = {name: rng.normal(size=shape) for name, shape in SHAPES.items()}
        self.grads = {}


unit = st.floats(0.0, 0.99)
rate = st.floats(1e-3, 0.5)
decay = st.sampled_from([0.0, 0.01, 0.3])

CASES = {
    "SGD": (st.fixed_dictionaries(dict(lr=rate, momentum=unit, weight_decay=decay)),
            optim.SGD, torch.optim.SGD),
    "SGD dampening": (st.fixed_dictionaries(dict(lr=rate, momentum=unit, dampening=unit,
                                                 weight_decay=decay)),
                      optim.SGD, torch.optim.SGD),
    "SGD nesterov": (st.fixed_dictionaries(dict(lr=rate, momentum=st.floats(0.1, 0.99),
                                                nesterov=st.just(True), weight_decay=decay)),
                     optim.SGD, torch.optim.SGD),
    "Adam": (st.fixed_dictionaries(dict(lr=rate, betas=st.tuples(unit, st.floats(0.5, 0.999)),
                                        eps=st.sampled_from([1e-8, 1e-3, 0.0]), weight_decay=decay,
                                        amsgrad=st.booleans())),
             optim.Adam, torch.optim.Adam),
    "AdamW": (st.fixed_dictionaries(dict(lr=rate, betas=st.tuples(unit, st.floats(0.5, 0.999)),
                                         eps=st.sampled_from([1e-8, 1e-3, 0.0]),
                                         weight_decay=decay, amsgrad=st.booleans())),
              optim.AdamW, torch.optim.AdamW),
    "RMSprop": (st.fixed_dictionaries(dict(lr=rate, alpha=st.floats(0.5, 0.999),
                                           eps=st.sampled_from([1e-8, 1e-3, 0.0]), weight_decay=decay,
                                           momentum=unit, centered=st.booleans())),
                optim.RMSprop, torch.optim.RMSprop),
    "AdaGrad": (st.fixed_dictionaries(dict(lr=rate, lr_decay=st.sampled_from([0.0, 0.1]),
                                           weight_decay=decay,
                                           initial_accumulator_value=st.sampled_from([0.0, 0.5]),
                                           eps=st.sampled_from([1e-10, 1e-3, 0.0]))),
                optim.AdaGrad, torch.optim.Adagrad),
}


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=10, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_the_trajectory_is_pytorch_s(name, data, seed):
    strategy, ours_class, theirs_class = CASES[name]
    options = data.draw(strategy)
    rng = np.random.default_rng(seed)
    ours = Parameters(rng)
    theirs = {key: torch.tensor(value.copy(), requires_grad=True)
              for key, value in ours.params.items()}
    ours_optimizer = ours_class(**options)
    theirs_optimizer = theirs_class(list(theirs.values()), **options)
    for _ in range(STEPS):
        for key, shape in SHAPES.items():
            grad = rng.normal(size=shape) * rng.choice([0.01, 1.0, 10.0])
            ours.grads[key] = grad
            theirs[key].grad = torch.tensor(grad.copy())
        ours_optimizer.step(ours)
        theirs_optimizer.step()
        for key in SHAPES:
            np.testing.assert_allclose(ours.params[key], theirs[key].detach().numpy(),
                                       rtol=1e-10, atol=1e-12, err_msg=f"{name} {options}")


@pytest.mark.parametrize("ours_class, theirs_class", [
    (optim.RMSprop, torch.optim.RMSprop), (optim.AdaGrad, torch.optim.Adagrad),
    (optim.AdamW, torch.optim.AdamW), (optim.Adam, torch.optim.Adam)])
def test_the_defaults_are_pytorch_s(ours_class, theirs_class):
    theirs = theirs_class([torch.zeros(1, requires_grad=True)]).defaults
    for key, value in ours_class().config().items():
        assert theirs[key] == value, key
