"""SoftmaxCrossEntropy against torch.nn.functional.cross_entropy: every option, both kinds of target."""

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from convnet.losses import MSELoss, SoftmaxCrossEntropy


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), k=st.integers(2, 5), seed=st.integers(0, 2 ** 16),
       smoothing=st.sampled_from([0.0, 0.05, 0.3, 1.0]), weighted=st.booleans(),
       reduction=st.sampled_from(["mean", "sum"]), rows=st.booleans())
def test_the_loss_and_its_gradient_are_pytorch_s(n, k, seed, smoothing, weighted, reduction,
                                                   rows):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 3
    target = rng.dirichlet(np.ones(k), size=n) if rows else rng.integers(0, k, size=n)
    weight = rng.uniform(0.1, 2.0, size=k) if weighted else None
    loss = SoftmaxCrossEntropy(weight=weight, reduction=reduction, label_smoothing=smoothing)
    ours = loss.forward(logits, target)
    grad = loss.backward()
    tz = torch.tensor(logits, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(
        tz, torch.tensor(target), weight=None if weight is None else torch.tensor(weight),
        reduction=reduction, label_smoothing=smoothing)
    theirs.backward()
    np.testing.assert_allclose(ours, theirs.item(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, tz.grad.numpy(), rtol=1e-10, atol=1e-14)


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(3,), (2, 4), (2, 3, 4, 4)]), seed=st.integers(0, 2 ** 16),
       reduction=st.sampled_from(["mean", "sum"]))
def test_mse_and_its_gradient_are_pytorch_s(shape, seed, reduction):
    rng = np.random.default_rng(seed)
    y, t = rng.normal(size=shape), rng.normal(size=shape)
    loss = MSELoss(reduction=reduction)
    ours = loss.forward(y, t)
    ty = torch.tensor(y, requires_grad=True)
    theirs = torch.nn.functional.mse_loss(ty, torch.tensor(t), reduction=reduction)
    theirs.backward()
    np.testing.assert_allclose(ours, theirs.item(), rtol=1e-12)
    np.testing.assert_allclose(loss.backward(), ty.grad.numpy(), rtol=1e-12)
