"""Batch norm and group norm against PyTorch: the functions, the layers, the running statistics.

Every engine of convnet, float64 on both sides, on drawn shapes (N, C),
(N, C, L) and (N, C, H, W), in training and in evaluation mode, with and
without γ and β.  The layers run several steps side by side with
``torch.nn.BatchNorm2d`` / ``BatchNorm1d`` / ``GroupNorm``: outputs,
gradients and running statistics agree at every step, and so do the
evaluation-mode outputs afterwards.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import convnet
from convnet import functional as F, layers as L

ENGINES = ["plain", "fast", "reference"]
torch.set_num_threads(1)
TOLERANCE = dict(rtol=1e-10, atol=1e-10)


def as_torch(a, grad=False):
    return torch.tensor(np.ascontiguousarray(a), dtype=torch.float64, requires_grad=grad)


def close(ours, theirs):
    if theirs is None:
        assert ours is None
        return
    np.testing.assert_allclose(ours, theirs.detach().numpy(), **TOLERANCE)


@st.composite
def cases(draw):
    ndim = draw(st.integers(2, 4))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(ndim - 2))
    training = draw(st.booleans())
    if training and n * int(np.prod(spatial)) == 1:
        n = 2
    return dict(shape=(n, c, *spatial), training=training, affine=draw(st.booleans()),
                momentum=draw(st.sampled_from([0.1, 0.3, 1.0])),
                eps=draw(st.sampled_from([1e-5, 0.1])), seed=draw(st.integers(0, 2 ** 16)))


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(case=cases())
def test_batch_norm_matches_pytorch(engine, case):
    rng = np.random.default_rng(case["seed"])
    c = case["shape"][1]
    x = rng.standard_normal(case["shape"]) * 2 + 1
    gamma, beta = (rng.standard_normal(c), rng.standard_normal(c)) if case["affine"] else \
        (None, None)
    running = [rng.standard_normal(c), rng.uniform(0.5, 2.0, c)]
    ours_running = [r.copy() for r in running]
    theirs_running = [as_torch(r) for r in running]
    tx = as_torch(x, True)
    tg, tb = (as_torch(gamma, True), as_torch(beta, True)) if case["affine"] else (None, None)
    ty = torch.nn.functional.batch_norm(tx, *theirs_running, tg, tb, case["training"],
                                        case["momentum"], case["eps"])
    dz = rng.standard_normal(case["shape"])
    ty.backward(as_torch(dz))
    with convnet.engine(engine):
        y = F.batch_norm(x, gamma, beta, *ours_running, case["training"], case["momentum"],
                         case["eps"])
        dx, dgamma, dbeta = F.batch_norm_backward(dz, x, gamma, beta, *ours_running,
                                                  case["training"], case["eps"])
    close(y, ty)
    close(dx, tx.grad)
    close(dgamma, tg.grad if tg is not None else None)
    close(dbeta, tb.grad if tb is not None else None)
    for ours, theirs in zip(ours_running, theirs_running):
        close(ours, theirs)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(case=cases(), groups=st.integers(1, 4))
def test_group_norm_matches_pytorch(engine, case, groups):
    rng = np.random.default_rng(case["seed"])
    c = case["shape"][1]
    groups = max(g for g in range(1, groups + 1) if c % g == 0)
    x = rng.standard_normal(case["shape"]) * 2 + 1
    gamma, beta = (rng.standard_normal(c), rng.standard_normal(c)) if case["affine"] else \
        (None, None)
    tx = as_torch(x, True)
    tg, tb = (as_torch(gamma, True), as_torch(beta, True)) if case["affine"] else (None, None)
    if x.size // groups == 1:                  # one value in the batch's only group: refused
        with pytest.raises(ValueError, match="more than 1 value per"):
            torch.nn.functional.group_norm(tx, groups, tg, tb, case["eps"])
        with convnet.engine(engine), pytest.raises(ValueError, match="more than 1 value per"):
            F.group_norm(x, groups, gamma, beta, case["eps"])
        return
    ty = torch.nn.functional.group_norm(tx, groups, tg, tb, case["eps"])
    dz = rng.standard_normal(case["shape"])
    ty.backward(as_torch(dz))
    with convnet.engine(engine):
        y = F.group_norm(x, groups, gamma, beta, case["eps"])
        dx, dgamma, dbeta = F.group_norm_backward(dz, x, groups, gamma, beta, case["eps"])
    close(y, ty)
    close(dx, tx.grad)
    close(dgamma, tg.grad if tg is not None else None)
    close(dbeta, tb.grad if tb is not None else None)


F64 = np.float64
PAIRS = {
    "BatchNorm2D": (lambda: L.BatchNorm2D(3, momentum=0.2, dtype=F64),
                    lambda: torch.nn.BatchNorm2d(3, momentum=0.2), (4, 3, 5, 6)),
    "BatchNorm1D": (lambda: L.BatchNorm1D(3, eps=1e-3, dtype=F64),
                    lambda: torch.nn.BatchNorm1d(3, eps=1e-3), (6, 3)),
    "BatchNorm1D (N, C, L)": (lambda: L.BatchNorm1D(3, dtype=F64),
                              lambda: torch.nn.BatchNorm1d(3), (2, 3, 4)),
    "GroupNorm": (lambda: L.GroupNorm(2, 4, dtype=F64), lambda: torch.nn.GroupNorm(2, 4),
                  (3, 4, 2, 3)),
    # momentum=None: the running statistics are the plain average of every batch's
    "BatchNorm2D momentum=None": (lambda: L.BatchNorm2D(3, momentum=None, dtype=F64),
                                  lambda: torch.nn.BatchNorm2d(3, momentum=None), (4, 3, 3, 2)),
    "BatchNorm1D momentum=None": (lambda: L.BatchNorm1D(3, momentum=None, dtype=F64),
                                  lambda: torch.nn.BatchNorm1d(3, momentum=None), (2, 3, 4)),
    # no running statistics: the batch's own, in evaluation mode too
    "BatchNorm2D untracked": (lambda: L.BatchNorm2D(3, track_running_stats=False, dtype=F64),
                              lambda: torch.nn.BatchNorm2d(3, track_running_stats=False),
                              (4, 3, 2, 3)),
    "BatchNorm1D untracked": (lambda: L.BatchNorm1D(3, momentum=None, track_running_stats=False,
                                                    dtype=F64),
                              lambda: torch.nn.BatchNorm1d(3, momentum=None,
                                                           track_running_stats=False), (5, 3)),
    # PyTorch's keyword-only bias=False: a learnt scale γ and no shift
    "BatchNorm2D bias=False": (lambda: L.BatchNorm2D(3, dtype=F64, bias=False),
                               lambda: torch.nn.BatchNorm2d(3, bias=False), (4, 3, 2, 3)),
    "GroupNorm bias=False": (lambda: L.GroupNorm(2, 4, dtype=F64, bias=False),
                             lambda: torch.nn.GroupNorm(2, 4, bias=False), (3, 4, 2, 3)),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(PAIRS))
def test_layers_match_pytorch_over_several_steps(engine, name):
    make_ours, make_theirs, shape = PAIRS[name]
    ours, theirs = make_ours(), make_theirs().double()
    rng = np.random.default_rng(0)
    assert set(ours.params) == {key for key, _ in theirs.named_parameters()}
    with torch.no_grad():                      # the same γ and β, not the initial ones
        for key in ours.params:
            value = rng.standard_normal(ours.params[key].shape)
            ours.params[key][...] = value
            getattr(theirs, key).copy_(as_torch(value))
    with convnet.engine(engine):
        for step in range(4):
            x = rng.standard_normal(shape) * (step + 1) + step
            dz = rng.standard_normal(shape)
            tx = as_torch(x, True)
            theirs.zero_grad()
            ty = theirs(tx)
            ty.backward(as_torch(dz))
            close(ours.forward(x), ty)
            close(ours.backward(dz), tx.grad)
            for key in ours.params:
                close(ours.grads[key], getattr(theirs, key).grad)
            # running_mean, running_var, num_batches_tracked: those PyTorch has, equal
            assert set(ours.state) == {key for key, _ in theirs.named_buffers()}
            for key in ours.state:
                close(ours.state[key], getattr(theirs, key))
        ours.eval()
        theirs.eval()
        theirs.zero_grad()
        x = rng.standard_normal(shape)
        tx = as_torch(x, True)
        ty = theirs(tx)
        dz = rng.standard_normal(shape)
        ty.backward(as_torch(dz))
        close(ours.forward(x), ty)
        close(ours.backward(dz), tx.grad)
        for key in ours.params:
            close(ours.grads[key], getattr(theirs, key).grad)


def test_bias_false_crosses_to_pytorch_and_back():
    from convnet.interop import from_torch, to_torch, torch_source

    model = convnet.Sequential(L.Conv2D(1, 4, 3, rng=0, dtype=F64), L.BatchNorm2D(4, dtype=F64,
                                                                                  bias=False),
                               L.GroupNorm(2, 4, dtype=F64, bias=False), L.BatchNorm2D(4, dtype=F64))
    model.layers[1].params["weight"][...] = [0.5, 1.5, 2.0, -1.0]
    x = np.random.default_rng(1).standard_normal((3, 1, 6, 6))
    module = to_torch(model)
    assert module[1].bias is None and module[2].bias is None and module[3].bias is not None
    with torch.no_grad():
        close(model.forward(x), module(as_torch(x)))
    back = from_torch(module, (1, 6, 6))
    assert [layer.bias for layer in back.layers[1:]] == [False, False, True]
    assert set(back.layers[1].params) == {"weight"}
    np.testing.assert_array_equal(back.layers[1].params["weight"], [0.5, 1.5, 2.0, -1.0])
    source = torch_source(model)
    assert source.count("bias=False") == 2
