"""A small network of residual blocks and branches, built the same way in PyTorch: same numbers.

The convnet model and an ``nn.Module`` written as a course would write it
(``body(x) + shortcut(x)``, ``torch.cat([...], dim=1)``) get the same float64
weights; outputs, the input gradient and every parameter's gradient agree
to 1e-10 in every engine.
"""

import numpy as np
import pytest
import torch
from torch import nn

import convnet
from convnet import layers as L

torch.set_num_threads(1)


def convnet_model():
    rng = np.random.default_rng(0)

    def conv(c, f, k, **options):
        return L.Conv2D(c, f, k, rng=rng, dtype=np.float64, **options)

    return convnet.Sequential(
        conv(2, 4, 3, padding=1), L.ReLU(),
        L.Residual(conv(4, 4, 3, padding=1), L.ReLU(), conv(4, 4, 3, padding=1)),
        L.ReLU(),
        L.Concat(conv(4, 2, 1),
                 [L.MaxPool2D(3, stride=1, padding=1), conv(4, 3, 1)],
                 [L.Residual(conv(4, 4, 3, stride=2, padding=1), L.Tanh(),
                             conv(4, 4, 3, padding=1), shortcut=conv(4, 4, 1, stride=2)),
                  L.Upsample2D(2)]),
        L.AdaptiveAvgPool2D(3), L.Flatten(), L.Dense(9 * 3 * 3, 5, rng=rng, dtype=np.float64))


class Block(nn.Module):
    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


class Branches(nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def torch_model():
    conv = nn.Conv2d
    return nn.Sequential(
        conv(2, 4, 3, padding=1), nn.ReLU(),
        Block(nn.Sequential(conv(4, 4, 3, padding=1), nn.ReLU(), conv(4, 4, 3, padding=1))),
        nn.ReLU(),
        Branches(conv(4, 2, 1),
                 nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv(4, 3, 1)),
                 nn.Sequential(Block(nn.Sequential(conv(4, 4, 3, stride=2, padding=1), nn.Tanh(),
                                                   conv(4, 4, 3, padding=1)),
                                     conv(4, 4, 1, stride=2)),
                               nn.Upsample(scale_factor=2))),
        nn.AdaptiveAvgPool2d(3), nn.Flatten(), nn.Linear(9 * 3 * 3, 5)).double()


# convnet's parameter names and PyTorch's, in the same order
NAMES = {"0": "0", "2.body.0": "2.body.0", "2.body.2": "2.body.2", "4.0.0": "4.branches.0",
         "4.1.1": "4.branches.1.1", "4.2.0.body.0": "4.branches.2.0.body.0",
         "4.2.0.body.2": "4.branches.2.0.body.2", "4.2.0.shortcut.0": "4.branches.2.0.shortcut",
         "7": "7"}


def copy_weights(model, module):
    tensors = dict(module.named_parameters())
    for name, value in model.parameters().items():
        path, key = name.rsplit(".", 1)
        with torch.no_grad():
            tensors[f"{NAMES[path]}.{key}"].copy_(torch.from_numpy(value))
    return tensors


@pytest.mark.parametrize("engine", ["plain", "fast", "reference"])
def test_a_residual_and_branching_network_matches_pytorch(engine):
    model, module = convnet_model(), torch_model()
    tensors = copy_weights(model, module)
    assert len(tensors) == len(model.parameters())
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 8, 8))
    tx = torch.tensor(x, requires_grad=True)
    tz = module(tx)
    dz = rng.standard_normal(tuple(tz.shape))
    tz.backward(torch.tensor(dz))
    with convnet.engine(engine):
        z = model.forward(x)
        dx = model.backward(dz)
    np.testing.assert_allclose(z, tz.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    for name, grad in model.gradients().items():
        path, key = name.rsplit(".", 1)
        np.testing.assert_allclose(grad, tensors[f"{NAMES[path]}.{key}"].grad.numpy(),
                                   rtol=1e-10, atol=1e-10, err_msg=name)
