"""The classic deep networks of a course: AlexNet, VGG and Network in Network.

Each builder follows its paper and is tested against the published parameter
count.  With ``shapes_only=True`` the layers get placeholder weights (no
random draw, no memory: :func:`convnet.layers.init.placeholder_parameters`),
which is all ``summary`` and ``convnet shapes --model ...`` need; such a model
cannot be trained.
"""

from __future__ import annotations

import numpy as np

from ..layers import (AdaptiveAvgPool2D, AvgPool2D, Conv2D, Dense, Dropout, Flatten,
                      GlobalAvgPool2D, MaxPool2D, ReLU)
from ..model import Sequential
from ._common import building, options

__all__ = ["alexnet", "vgg11", "vgg16", "nin"]

# VGG's configurations (Simonyan and Zisserman 2015, Table 1): maps of each 3x3
# convolution, "M" a 2x2 max pooling of stride 2.
VGG_LAYERS = {
    "A": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),      # VGG-11
    "D": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M"),                                                 # VGG-16
}


def alexnet(num_classes=1000, seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """AlexNet as the problem set's table has it: one tower, 3 x 227 x 227 inputs.

    Five convolutions (96@11x11 stride 4, 256@5x5, 384@3x3, 384@3x3,
    256@3x3) with ReLU, max pooling 3x3 stride 2 after the first, second and
    fifth, then three dense layers (4096, 4096, ``num_classes``) with
    dropout 0.5 before the first two.  Local response normalisation and the
    two-GPU split of the paper are left out, as in the problem set (and in
    torchvision, whose version also has fewer maps).

    References
    ----------
    A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification with
    deep convolutional neural networks", NIPS 2012.

    Examples
    --------
    >>> alexnet(shapes_only=True).summary((3, 227, 227)).total      # problem set 1.5
    62378344
    """
    num_classes, rng = options(num_classes, seed)
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(
            Conv2D(3, 96, 11, stride=4, **kw), ReLU(), MaxPool2D(3, stride=2),      # 96 x 27 x 27
            Conv2D(96, 256, 5, padding=2, **kw), ReLU(), MaxPool2D(3, stride=2),    # 256 x 13 x 13
            Conv2D(256, 384, 3, padding=1, **kw), ReLU(),
            Conv2D(384, 384, 3, padding=1, **kw), ReLU(),
            Conv2D(384, 256, 3, padding=1, **kw), ReLU(), MaxPool2D(3, stride=2),   # 256 x 6 x 6
            Flatten(), Dropout(0.5, rng=rng),                                      # 9216
            Dense(9216, 4096, **kw), ReLU(), Dropout(0.5, rng=rng),
            Dense(4096, 4096, **kw), ReLU(),
            Dense(4096, num_classes, **kw))


def _vgg(config, num_classes, seed, dtype, shapes_only) -> Sequential:
    num_classes, rng = options(num_classes, seed)
    kw = dict(rng=rng, dtype=dtype)
    layers, channels = [], 3
    with building(shapes_only):
        for item in VGG_LAYERS[config]:
            if item == "M":
                layers.append(MaxPool2D(2))
            else:
                layers += [Conv2D(channels, item, 3, padding=1, **kw), ReLU()]
                channels = item
        return Sequential(
            *layers, AdaptiveAvgPool2D(7), Flatten(),                              # 512·7·7
            Dense(512 * 7 * 7, 4096, **kw), ReLU(), Dropout(0.5, rng=rng),
            Dense(4096, 4096, **kw), ReLU(), Dropout(0.5, rng=rng),
            Dense(4096, num_classes, **kw))


def vgg11(num_classes=1000, seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """VGG-11 (configuration A): eight 3x3 convolutions in five groups, three dense layers.

    Every convolution is 3x3 with padding 1 and a ReLU; each group ends in a
    2x2 max pooling; an adaptive average pooling to 7 x 7 (as torchvision,
    so inputs other than 224 x 224 work) precedes the dense layers 4096,
    4096 and ``num_classes`` (dropout 0.5 after the first two).

    References
    ----------
    K. Simonyan and A. Zisserman, "Very deep convolutional networks for
    large-scale image recognition", ICLR 2015, Table 1.

    Examples
    --------
    >>> vgg11(shapes_only=True).summary((3, 224, 224)).total
    132863336
    """
    return _vgg("A", num_classes, seed, dtype, shapes_only)


def vgg16(num_classes=1000, seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """VGG-16 (configuration D): thirteen 3x3 convolutions in five groups, three dense layers.

    As :func:`vgg11` with two or three convolutions per group.

    References
    ----------
    K. Simonyan and A. Zisserman, "Very deep convolutional networks for
    large-scale image recognition", ICLR 2015, Table 1.

    Examples
    --------
    >>> vgg16(shapes_only=True).summary((3, 224, 224)).total
    138357544
    """
    return _vgg("D", num_classes, seed, dtype, shapes_only)


def _mlpconv(in_channels, maps, kernel_size, padding, kw) -> list:
    """One mlpconv block: a convolution, then two 1x1 convolutions (the micro network)."""
    first, second, third = maps
    return [Conv2D(in_channels, first, kernel_size, padding=padding, **kw), ReLU(),
            Conv2D(first, second, 1, **kw), ReLU(),
            Conv2D(second, third, 1, **kw), ReLU()]


def nin(num_classes=10, seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """Network in Network for 3 x 32 x 32 images (the authors' CIFAR-10 model).

    Three mlpconv blocks (a 5x5, 5x5 and 3x3 convolution, each followed by
    two 1x1 convolutions: 192-160-96, 192-192-192, 192-192-``num_classes``),
    3x3 stride-2 max and average pooling with dropout 0.5 between them, and
    global average pooling instead of dense layers: each of the last maps
    is one class's score.  The poolings have padding 1, which gives the
    16 x 16 and 8 x 8 maps of the authors' Caffe model (that rounds up).

    References
    ----------
    M. Lin, Q. Chen and S. Yan, "Network in network", ICLR 2014.

    Examples
    --------
    >>> nin(shapes_only=True).summary((3, 32, 32)).total
    966986
    """
    num_classes, rng = options(num_classes, seed)
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(
            *_mlpconv(3, (192, 160, 96), 5, 2, kw),
            MaxPool2D(3, stride=2, padding=1), Dropout(0.5, rng=rng),          # 96 x 16 x 16
            *_mlpconv(96, (192, 192, 192), 5, 2, kw),
            AvgPool2D(3, stride=2, padding=1), Dropout(0.5, rng=rng),          # 192 x 8 x 8
            *_mlpconv(192, (192, 192, num_classes), 3, 1, kw)[:-1],            # scores: no ReLU
            GlobalAvgPool2D())                                                 # (N, classes)
