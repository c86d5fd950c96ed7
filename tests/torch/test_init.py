"""init="pytorch" draws from the law of PyTorch's own default initialisation.

For each layer, PyTorch's fans (``torch.nn.init._calculate_fan_in_and_fan_out``)
give the bound, and both libraries' weights and biases, about 200,000
weights each, must fill U(-bound, bound): never beyond it, reaching it, with
the variance bound^2 / 3 within 1 % (five standard errors).
"""

import numpy as np
import pytest
import torch

from convnet import layers as L

PAIRS = {
    "Conv2D": (lambda: L.Conv2D(64, 128, 5, init="pytorch", rng=0, dtype=np.float64),
               lambda: torch.nn.Conv2d(64, 128, 5, dtype=torch.float64)),
    "ConvTranspose2D": (lambda: L.ConvTranspose2D(128, 64, 5, init="pytorch", rng=0,
                                                  dtype=np.float64),
                        lambda: torch.nn.ConvTranspose2d(128, 64, 5, dtype=torch.float64)),
    "Dense": (lambda: L.Dense(400, 500, init="pytorch", rng=0, dtype=np.float64),
              lambda: torch.nn.Linear(400, 500, dtype=torch.float64)),
}


def uniform_within(values, bound, rel=0.01):
    assert np.abs(values).max() <= bound
    if values.size > 10_000:
        assert np.abs(values).max() > 0.999 * bound
        assert values.var() == pytest.approx(bound ** 2 / 3, rel=rel)


@pytest.mark.parametrize("name", PAIRS)
def test_the_law_is_pytorch_s(name):
    torch.manual_seed(0)
    ours, theirs = PAIRS[name][0](), PAIRS[name][1]()
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)
    bound = 1 / np.sqrt(fan_in)
    assert ours.params["weight"].shape == tuple(theirs.weight.shape)
    for values in (ours.params["weight"], theirs.weight.detach().numpy()):
        uniform_within(values, bound)
    for values in (ours.params["bias"], theirs.bias.detach().numpy()):
        uniform_within(values, bound)
