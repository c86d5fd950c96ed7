"""BatchNorm's count of batches, momentum=None and track_running_stats=False through interop.

The count (``num_batches_tracked``) goes to PyTorch and comes back with the
running statistics; both sides then train on and count alike.  A model with
``momentum=None`` or without running statistics converts both ways (it used
to be refused) and keeps the same numbers.
"""

import numpy as np
import pytest
import torch

import convnet
from convnet import interop, layers as L
from convnet.layers.base import walk

F64 = dict(dtype=np.float64)


def model(momentum=None, track=True):
    return convnet.Sequential(
        L.Conv2D(1, 3, 3, rng=0, **F64), L.BatchNorm2D(3, momentum=momentum, **F64),
        L.Residual(L.BatchNorm2D(3, track_running_stats=track, **F64)), L.Flatten(),
        L.Dense(12, 4, rng=1, **F64), L.BatchNorm1D(4, momentum=momentum,
                                                    track_running_stats=track, **F64))


def batches(count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(5, 1, 4, 4)) * (k + 1) + k for k in range(count)]


def counts(state):
    return {name: int(value) for name, value in state.items()
            if name.endswith("num_batches_tracked")}


def norms(net):
    """The batch norms' reprs: momentum and track_running_stats included."""
    return [repr(layer) for _, layer in walk(enumerate(net.layers))
            if isinstance(layer, (L.BatchNorm1D, L.BatchNorm2D))]


def same_state(ours, module):
    theirs = {name: value.detach().numpy() for name, value in module.state_dict().items()}
    assert set(theirs) == set(interop.state_dict(ours))
    for name, value in interop.state_dict(ours).items():
        np.testing.assert_allclose(value, theirs[name], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("momentum, track", [(None, True), (0.1, True), (None, False)])
def test_the_count_and_the_statistics_go_to_pytorch_and_back(momentum, track):
    ours = model(momentum, track)
    for x in batches(3):
        ours.forward(x)
    module = interop.to_torch(ours)
    same_state(ours, module)
    assert counts(ours.state()) == {"1.num_batches_tracked": 3, **(
        {"2.body.0.num_batches_tracked": 3, "5.num_batches_tracked": 3} if track else {})}
    with torch.no_grad():
        for x in batches(2, seed=1):                  # both go on counting and averaging
            np.testing.assert_allclose(ours.forward(x), module(torch.from_numpy(x)).numpy(),
                                       rtol=1e-10, atol=1e-10)
    same_state(ours, module)
    back = interop.from_torch(module, (1, 4, 4))
    assert norms(back) == norms(ours)
    same_state(back, module)
    ours.eval(), back.eval(), module.eval()
    x = batches(1, seed=2)[0]
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.forward(x), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(back.forward(x), expected, rtol=1e-10, atol=1e-10)


def test_a_pytorch_state_dict_loads_with_its_count_and_without_it():
    module = interop.to_torch(model())
    with torch.no_grad():
        for x in batches(4):
            module(torch.from_numpy(x))
    ours = model()
    interop.load_state_dict(ours, module.state_dict())
    assert set(counts(ours.state()).values()) == {4}
    same_state(ours, module)
    older = {k: v for k, v in module.state_dict().items() if not k.endswith("tracked")}
    fresh = model()
    interop.load_state_dict(fresh, older)            # as PyTorch: the count stays as it was
    assert set(counts(fresh.state()).values()) == {0}
    strict = interop.to_torch(ours).load_state_dict(module.state_dict(), strict=True)
    assert strict.missing_keys == strict.unexpected_keys == []
