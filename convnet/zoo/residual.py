"""Residual networks and MobileNet: the modern blocks (batch norm, shortcuts, depthwise) at work.

Every convolution that batch normalisation follows has no bias (the
normalisation's β takes its place), as in the papers and in torchvision.
With ``shapes_only=True`` the layers get placeholder weights, for summaries
(see :mod:`convnet.zoo.classic`).
"""

from __future__ import annotations

import numpy as np

from .._validate import fail, generator, one_of, real_number
from ..layers import (BatchNorm2D, Conv2D, Dense, GlobalAvgPool2D, MaxPool2D, ReLU, Residual,
                      ZeroPadShortcut)
from ..model import Sequential
from ._common import building, options

__all__ = ["basic_block", "resnet18", "resnet20", "mobilenet", "digits_resnet"]


def _conv_bn(in_channels, out_channels, kernel_size, stride, kw, groups=1) -> list:
    """Convolution without bias, then batch normalisation (the normalisation's β is the bias)."""
    return [Conv2D(in_channels, out_channels, kernel_size, stride=stride,
                   padding=kernel_size // 2, groups=groups, bias=None, **kw),
            BatchNorm2D(out_channels, dtype=kw["dtype"])]


def basic_block(in_channels, out_channels, stride=1, shortcut="B", rng=None,
                dtype=np.float32) -> Residual:
    """ResNet's basic block: two 3x3 convolutions with batch norm, and the shortcut added.

    ``y = BN(conv(ReLU(BN(conv(x))))) + shortcut(x)``, the ReLU after the sum
    being the next layer (He et al. 2016, Fig. 2).  The shortcut is the
    identity when the shape stays; otherwise option ``"A"`` (subsample and
    zero maps, :class:`~convnet.layers.ZeroPadShortcut`, no parameters) or
    ``"B"`` (a 1x1 convolution with the stride, then batch norm).
    """
    one_of(shortcut, "shortcut", ("A", "B"))
    kw = dict(rng=generator(rng, "rng"), dtype=dtype)
    body = (*_conv_bn(in_channels, out_channels, 3, stride, kw), ReLU(),
            *_conv_bn(out_channels, out_channels, 3, 1, kw))
    path = None
    if stride != 1 or in_channels != out_channels:
        path = ZeroPadShortcut(in_channels, out_channels, stride) if shortcut == "A" else \
            _conv_bn(in_channels, out_channels, 1, stride, kw)
    return Residual(*body, shortcut=path)


def _stages(widths, blocks, first_stride, shortcut, kw) -> list:
    """Stages of basic blocks; each stage after the first halves the maps in its first block."""
    layers, channels = [], widths[0]
    for index, (width, count) in enumerate(zip(widths, blocks)):
        for block in range(count):
            stride = (first_stride if index == 0 else 2) if block == 0 else 1
            layers += [basic_block(channels, width, stride, shortcut, **kw), ReLU()]
            channels = width
    return layers


def resnet18(num_classes=1000, seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """ResNet-18 for 3 x 224 x 224 images: a 7x7 stem, four stages of two basic blocks.

    conv 64@7x7 stride 2, batch norm, ReLU, max pooling 3x3 stride 2; stages
    of 64, 128, 256 and 512 maps (each after the first starts with stride 2
    and a projection shortcut, option B); global average pooling; a dense
    layer to ``num_classes``.

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
    recognition", CVPR 2016, Table 1.

    Examples
    --------
    >>> resnet18(shapes_only=True).summary((3, 224, 224)).total
    11689512
    """
    num_classes, rng = options(num_classes, seed)
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(
            *_conv_bn(3, 64, 7, 2, kw), ReLU(), MaxPool2D(3, stride=2, padding=1),  # 64 x 56 x 56
            *_stages((64, 128, 256, 512), (2, 2, 2, 2), 1, "B", kw),             # 512 x 7 x 7
            GlobalAvgPool2D(), Dense(512, num_classes, **kw))


def resnet20(num_classes=10, shortcut="A", seed=0, dtype=np.float32,
             shapes_only=False) -> Sequential:
    """ResNet-20 for 3 x 32 x 32 images (CIFAR-10): three stages of three basic blocks.

    conv 16@3x3, batch norm, ReLU; stages of 16, 32 and 64 maps on 32 x 32,
    16 x 16 and 8 x 8 (6n + 2 layers with n = 3); global average pooling; a
    dense layer.  ``shortcut="A"`` is the paper's choice for these networks
    (§4.2: identity shortcuts, zero maps where the number grows); ``"B"``
    uses 1x1 projections there instead.

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
    recognition", CVPR 2016, §4.2.

    Examples
    --------
    >>> resnet20(shapes_only=True).summary((3, 32, 32)).total           # 0.27M in Table 6
    269722
    """
    num_classes, rng = options(num_classes, seed)
    one_of(shortcut, "shortcut", ("A", "B"))
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(
            *_conv_bn(3, 16, 3, 1, kw), ReLU(),                                  # 16 x 32 x 32
            *_stages((16, 32, 64), (3, 3, 3), 1, shortcut, kw),                  # 64 x 8 x 8
            GlobalAvgPool2D(), Dense(64, num_classes, **kw))


def digits_resnet(seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """A small ResNet for the 1 x 8 x 8 digits: a stem and two stages of one basic block.

    conv 16@3x3, batch norm, ReLU; a block of 16 maps on 8 x 8, a block of
    32 maps on 4 x 4 (stride 2, projection shortcut); global average pooling;
    a dense layer to the 10 digits.  19,706 parameters; a test trains it to
    97 % or more on the bundled test digits.  ``shapes_only=True``:
    placeholder weights, for a summary.

    Examples
    --------
    >>> digits_resnet().summary((1, 8, 8)).total
    19706
    """
    _, rng = options(10, seed)
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(*_conv_bn(1, 16, 3, 1, kw), ReLU(),                   # 16 x 8 x 8
                          *_stages((16, 32), (1, 1), 1, "B", kw),                # 32 x 4 x 4
                          GlobalAvgPool2D(), Dense(32, 10, **kw))


# MobileNet (Howard et al. 2017, Table 1): (maps, stride) of each depthwise-separable block.
MOBILENET_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def mobilenet(width_multiplier=1.0, num_classes=1000, seed=0, dtype=np.float32,
              shapes_only=False) -> Sequential:
    """MobileNet (v1) for 3 x 224 x 224 images: thirteen depthwise-separable blocks.

    A full 3x3 convolution of 32 maps with stride 2, then blocks of a 3x3
    *depthwise* convolution (``groups`` = maps: each map filtered on its own)
    and a 1x1 *pointwise* convolution that mixes the maps, each followed by
    batch norm and ReLU; global average pooling; a dense layer.
    ``width_multiplier`` (α) scales every number of maps, e.g. 0.25 for a
    small network of 0.47 million parameters.

    References
    ----------
    A. G. Howard et al., "MobileNets: efficient convolutional neural networks
    for mobile vision applications", arXiv:1704.04861, 2017, Table 1.

    Examples
    --------
    >>> mobilenet(shapes_only=True).summary((3, 224, 224)).total
    4231976
    >>> mobilenet(0.25, shapes_only=True).summary((3, 224, 224)).total
    470072
    """
    alpha = real_number(width_multiplier, "width_multiplier", minimum=0.0)
    if alpha <= 0 or int(32 * alpha) < 1:
        fail("width_multiplier", "large enough to leave every layer one map (> 1/32)",
             width_multiplier)
    num_classes, rng = options(num_classes, seed)
    kw = dict(rng=rng, dtype=dtype)
    channels = int(32 * alpha)
    with building(shapes_only):
        layers = [*_conv_bn(3, channels, 3, 2, kw), ReLU()]                      # 32α x 112 x 112
        for maps, stride in MOBILENET_BLOCKS:
            maps = int(maps * alpha)
            layers += [*_conv_bn(channels, channels, 3, stride, kw, groups=channels), ReLU(),
                       *_conv_bn(channels, maps, 1, 1, kw), ReLU()]
            channels = maps                                                      # 1024α x 7 x 7
        return Sequential(*layers, GlobalAvgPool2D(), Dense(channels, num_classes, **kw))
