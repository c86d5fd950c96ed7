"""What the interop tests share: random weights, and one training step on both sides."""

import numpy as np
import torch

from convnet import interop


def randomize(model, seed=0):
    """Every parameter and running statistic drawn at random (variances positive, counts
    of batches whole numbers >= 0: what a layer can hold)."""
    rng = np.random.default_rng(seed)
    for name, value in {**model.parameters(), **model.state()}.items():
        if name.endswith("running_var"):
            draw = rng.uniform(0.5, 1.5, value.shape)
        elif name.endswith("num_batches_tracked"):
            draw = rng.integers(0, 10, value.shape)
        else:
            draw = rng.normal(0.0, 0.5, value.shape)
        value[...] = draw.astype(value.dtype)
    return model


def close(actual, expected, tolerance, what):
    """Equal within ``tolerance`` relative to the largest magnitude of ``expected``."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    error = float(np.abs(actual - expected).max(initial=0.0))
    assert error <= tolerance * scale, f"{what}: off by {error:.3g} (scale {scale:.3g})"


def tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def check_same_numbers(model, module, x, tolerance, lr=0.1, seed=1):
    """Outputs, input gradient, every parameter's gradient, one SGD step and the state agree.

    The loss is ``sum(output * R)`` for a fixed random R (its gradient is R),
    so any layer at the end works.
    """
    out = model.forward(x)
    xt = tensor(x).clone().requires_grad_(True)
    out_t = module(xt)
    close(out_t.detach().numpy(), out, tolerance, "output")
    dy = np.random.default_rng(seed).normal(size=out.shape).astype(out.dtype)
    dx = model.backward(dy)
    (out_t * tensor(dy)).sum().backward()
    close(xt.grad.numpy(), dx, tolerance, "input gradient")
    named = dict(module.named_parameters())
    grads = model.gradients()
    assert set(named) == set(grads)
    for name, grad in grads.items():
        close(named[name].grad.numpy(), grad, tolerance, f"gradient of {name}")
    with torch.no_grad():
        for name, value in model.parameters().items():             # one SGD step on both
            value -= value.dtype.type(lr) * grads[name]
            named[name] -= lr * named[name].grad
    state = module.state_dict()
    for name, value in interop.state_dict(model).items():
        if name.endswith("num_batches_tracked"):          # PyTorch's count; convnet has none
            continue
        close(state[name].numpy(), value, tolerance, f"after the step, {name}")
