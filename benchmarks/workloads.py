"""The workloads: each builder returns a ``step``, one forward+backward (or training step) a call.

The convnet builders run in the script's process, in whichever engine the
calling thread has selected (``convnet.engine``).  The PyTorch builders
(``*_torch``) run in the worker process only (:mod:`torch_worker`, which
finds them here by name); they import PyTorch themselves, so the script's
own process never does.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from convnet import Sequential, functional
from convnet.functional import conv2d, conv2d_backward
from convnet.layers import BatchNorm2D, Conv2D, ConvTranspose2D, Dense, Flatten, MaxPool2D, ReLU
from convnet.losses import SoftmaxCrossEntropy
from convnet.optim import SGD
from convnet.transforms import Compose, RandomCrop, RandomHorizontalFlip
from convnet.zoo import basic_block, lenet5, resnet20

CONV_CASES = {  # name: (x shape, w shape, stride, padding)
    "a": ((64, 1, 28, 28), (6, 1, 5, 5), 1, 0),
    "b": ((64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    "c": ((64, 32, 32, 32), (32, 32, 3, 3), 1, 1),
    "d": ((32, 3, 64, 64), (16, 3, 3, 3), 2, 1),
}


def conv_inputs(rng):
    """``(name, x, w, stride, padding)`` of every case, float32, drawn in turn from ``rng``."""
    for name, (x_shape, w_shape, stride, padding) in CONV_CASES.items():
        x = rng.normal(size=x_shape).astype(np.float32)
        w = (rng.normal(size=w_shape) * 0.1).astype(np.float32)
        yield name, x, w, stride, padding


def conv_ours(x, w, stride, padding):
    """The layer path: a ``Conv2D`` layer's forward and backward."""
    layer = Conv2D(w.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding,
                   rng=0, dtype=np.float32)
    layer.params["weight"][...] = w
    dz = np.random.default_rng(1).normal(size=(x.shape[0], *layer.output_shape(x.shape[1:])))
    return layer_step(layer, x, dz.astype(np.float32))


def conv_functional(x, w, stride, padding, dz):
    """The functional path: ``conv2d`` then ``conv2d_backward``, as a student calls them."""
    def step():
        conv2d(x, w, stride=stride, padding=padding)
        conv2d_backward(dz, x, w, stride=stride, padding=padding)
    return step


def conv_torch(x, w, stride, padding, groups=1):
    import torch  # in the worker process only

    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.zeros(w.shape[0], requires_grad=True)
    options = dict(stride=stride, padding=padding, groups=groups)
    with torch.no_grad():
        out_shape = torch.nn.functional.conv2d(tx, tw, tb, **options).shape
    dz = torch.tensor(np.random.default_rng(1).normal(size=tuple(out_shape)).astype(np.float32))

    def step():
        tx.grad = tw.grad = tb.grad = None
        z = torch.nn.functional.conv2d(tx, tw, tb, **options)
        z.backward(dz)
    return step


# Depthwise 3x3 (MobileNet's block) and a decoder's upsampling step (DCGAN's 4x4, stride 2,
# padding 1: 16x16 -> 32x32), forward+backward of the layer, float32.
DEPTHWISE = ((64, 32, 32, 32), (32, 1, 3, 3), 1, 1)          # x, w, stride, padding
TRANSPOSED = ((32, 64, 16, 16), (64, 32, 4, 4), 2, 1)        # x, w (C_in, C_out, 4, 4), ...


def new_inputs(rng, x_shape, w_shape):
    """x and w (scaled by 0.1), float32, drawn in turn from ``rng``."""
    x = rng.normal(size=x_shape).astype(np.float32)
    return x, (rng.normal(size=w_shape) * 0.1).astype(np.float32)


def depthwise_ours(x, w, stride, padding):
    """A depthwise ``Conv2D`` layer (groups = channels): forward and backward."""
    c = x.shape[1]
    layer = Conv2D(c, w.shape[0], w.shape[2:], stride=stride, padding=padding, groups=c,
                   rng=0, dtype=np.float32)
    layer.params["weight"][...] = w
    dz = np.random.default_rng(1).normal(size=(x.shape[0], *layer.output_shape(x.shape[1:])))
    return layer_step(layer, x, dz.astype(np.float32))


def transposed_ours(x, w, stride, padding):
    """A ``ConvTranspose2D`` layer: forward and backward."""
    layer = ConvTranspose2D(w.shape[0], w.shape[1], w.shape[2:], stride=stride,
                            padding=padding, rng=0, dtype=np.float32)
    layer.params["weight"][...] = w
    dz = np.random.default_rng(1).normal(size=(x.shape[0], *layer.output_shape(x.shape[1:])))
    return layer_step(layer, x, dz.astype(np.float32))


def depthwise_torch(x, w, stride, padding):
    return conv_torch(x, w, stride, padding, groups=x.shape[1])


def transposed_torch(x, w, stride, padding):
    import torch  # in the worker process only

    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = torch.zeros(w.shape[1], requires_grad=True)
    transposed = torch.nn.functional.conv_transpose2d
    with torch.no_grad():
        out_shape = transposed(tx, tw, tb, stride=stride, padding=padding).shape
    dz = torch.tensor(np.random.default_rng(1).normal(size=tuple(out_shape)).astype(np.float32))

    def step():
        tx.grad = tw.grad = tb.grad = None
        transposed(tx, tw, tb, stride=stride, padding=padding).backward(dz)
    return step


def pool_ours(layer, x):
    dz = np.ones((x.shape[0], *layer.output_shape(x.shape[1:])), np.float32)
    return layer_step(layer, x, dz)


def layer_step(layer, x, dz):
    """One forward of ``layer`` on ``x`` and its backward from ``dz``, a call."""
    def step():
        layer.forward(x)
        layer.backward(dz)
    return step


def pool_torch(kind, x):
    import torch  # in the worker process only

    tx = torch.tensor(x, requires_grad=True)
    pool = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    dz = torch.ones(x.shape[0], x.shape[1], x.shape[2] // 2, x.shape[3] // 2)

    def step():
        tx.grad = None
        pool(tx, 2).backward(dz)
    return step


def batchnorm_ours(x):
    """A ``BatchNorm2D`` layer's forward (training mode) and backward."""
    dz = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)
    return layer_step(BatchNorm2D(x.shape[1], dtype=np.float32), x, dz)


def batchnorm_torch(x):
    import torch  # in the worker process only

    layer = torch.nn.BatchNorm2d(x.shape[1])          # training mode, affine, running stats
    tx = torch.tensor(x, requires_grad=True)
    dz = torch.tensor(np.random.default_rng(1).normal(size=x.shape).astype(np.float32))

    def step():
        tx.grad = layer.weight.grad = layer.bias.grad = None
        layer(tx).backward(dz)
    return step


def training_step_ours(model, x, y, lr):
    """One ``train_batch`` of ``model`` (cross-entropy, SGD with momentum 0.9), a call."""
    loss, optimizer = SoftmaxCrossEntropy(), SGD(lr=lr, momentum=0.9)
    return lambda: model.train_batch(x, y, loss, optimizer)


def training_step_torch(model, x, y, lr):
    """The same step in PyTorch: zero the gradients, cross-entropy backward, SGD."""
    import torch  # in the worker process only

    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(tx), ty).backward()
        optimizer.step()
    return step


def lenet_ours(x, y):
    return training_step_ours(lenet5(seed=0, dtype=np.float32), x, y, lr=0.01)


def lenet_torch(x, y):
    import torch  # in the worker process only

    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
        nn.ReLU(), nn.Linear(84, 10))
    return training_step_torch(model, x, y, lr=0.01)


RESNET_BLOCK = (32, 64, 32, 32)      # a basic block's input: batch 32, 64 maps of 32 x 32


def resnet_block_ours(x):
    """He et al.'s basic block (conv-BN-ReLU-conv-BN plus the identity), training mode."""
    block = basic_block(x.shape[1], x.shape[1], rng=0, dtype=np.float32)
    dz = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)
    return layer_step(block, x, dz)


def resnet_block_torch(x):
    import torch  # in the worker process only

    nn, channels = torch.nn, x.shape[1]
    body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(channels))
    tx = torch.tensor(x, requires_grad=True)
    dz = torch.tensor(np.random.default_rng(1).normal(size=x.shape).astype(np.float32))

    def step():
        tx.grad = None
        body.zero_grad(set_to_none=True)
        (body(tx) + tx).backward(dz)
    return step


def resnet20_ours(x, y):
    return training_step_ours(resnet20(seed=0, dtype=np.float32), x, y, lr=0.1)


def resnet20_torch(x, y):
    import torch  # in the worker process only

    nn = torch.nn

    class Block(nn.Module):         # option A: subsample and append zero maps on the shortcut
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
            self.stride, self.extra = stride, cout - cin

        def forward(self, t):
            short = t[:, :, ::self.stride, ::self.stride]
            if self.extra:
                short = nn.functional.pad(short, (0, 0, 0, 0, 0, self.extra))
            return torch.relu(self.body(t) + short)

    layers, cin = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
    for width in (16, 32, 64):
        for block in range(3):
            layers.append(Block(cin, width, 2 if block == 0 and width != 16 else 1))
            cin = width
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    return training_step_torch(model, x, y, lr=0.1)


def small_cifar_net():
    """Issue 15's small CIFAR network: conv 32@3x3 p1, ReLU, pool 2, conv 64@3x3 p1, ReLU,
    pool 2, dense 10; float32."""
    f32 = np.float32
    return Sequential(Conv2D(3, 32, 3, padding=1, rng=0, dtype=f32), ReLU(), MaxPool2D(2),
                      Conv2D(32, 64, 3, padding=1, rng=1, dtype=f32), ReLU(), MaxPool2D(2),
                      Flatten(), Dense(64 * 8 * 8, 10, rng=2, dtype=f32))


def cifar_step_ours(x, y):
    """One training step of :func:`small_cifar_net` (SGD with momentum), a call."""
    return training_step_ours(small_cifar_net(), x, y, lr=0.01)


def augment_ours(x):
    """The usual CIFAR augmentation of one batch: pad 4 and crop 32x32, flip half, a call."""
    augment = Compose(RandomCrop(32, padding=4), RandomHorizontalFlip())
    rng = np.random.default_rng(0)
    return lambda: augment(x, rng)


CIFAR_EPOCH = (2048, 3, 32, 32)     # issue 15's epoch: 2,048 images in 32 batches of 64


def cifar_epoch_ours(x, y):
    """One ``fit`` epoch of the small CIFAR-style network (float32, SGD with momentum 0.9)."""
    model, optimizer = small_cifar_net(), SGD(lr=0.01, momentum=0.9)
    return lambda: model.fit(x, y, epochs=1, batch_size=64, loss="cross_entropy",
                             optimizer=optimizer, seed=0, verbose=False)


def cifar_epoch_torch(x, y):
    """The same epoch as a PyTorch user writes it: shuffle, then step through the batches."""
    import torch  # in the worker process only

    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 8 * 8, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    tx, ty = torch.tensor(x), torch.tensor(y)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        total = 0.0
        order = torch.randperm(tx.shape[0], generator=generator)
        for first in range(0, tx.shape[0], 64):
            index = order[first:first + 64]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(tx[index]), ty[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * index.numel()
        return total
    return epoch


def small_workloads() -> dict:
    """Forward+backward on shapes the loops can manage (float64), in the selected engine."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 12, 12))
    w = rng.normal(size=(4, 3, 3, 3))
    dz = rng.normal(size=(2, 4, 12, 12))
    dz_pool = dz[:, :3, :6, :6]
    return {
        "conv2d forward+backward (2x3x12x12, 4@3x3, pad 1)": lambda: (
            functional.conv2d(x, w, padding=1), functional.conv2d_backward(dz, x, w, padding=1)),
        "max_pool2d forward+backward (2x3x12x12, 2x2)": lambda: (
            functional.max_pool2d(x, 2), functional.max_pool2d_backward(dz_pool, x, 2)),
    }


def peak_memory_c() -> dict:
    """Peak extra memory (tracemalloc) of one Conv2D forward+backward on case c, cold.

    Cold: the thread's work memory is given back first, so that the buffers
    the fast engine keeps from earlier workloads are counted as new.
    """
    functional.release_work_memory()
    x_shape, w_shape, stride, padding = CONV_CASES["c"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=x_shape).astype(np.float32)
    dz = rng.normal(size=(64, 32, 32, 32)).astype(np.float32)
    layer = Conv2D(32, 32, 3, stride=stride, padding=padding, rng=0, dtype=np.float32)
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    layer.forward(x)
    layer.backward(dz)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    n, c, h, w = x_shape
    im2col_bytes = c * 3 * 3 * n * h * w * 4   # (C*kh*kw, N*Ho*Wo) float32
    return {"peak_bytes": peak, "im2col_bytes": im2col_bytes, "ratio": peak / im2col_bytes}
