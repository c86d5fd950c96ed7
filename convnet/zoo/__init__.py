"""Ready-made networks: the course's own, and the modern architectures a CNN unit reaches.

* :mod:`convnet.zoo.course`: ``lenet5`` (the benchmarks' network),
  ``digits_cnn`` and ``train_digits`` (the main example), and the
  squares-versus-diamonds networks of the tutorial;
* :mod:`convnet.zoo.classic`: ``alexnet`` (the problem set's table),
  ``vgg11``, ``vgg16``, ``nin``;
* :mod:`convnet.zoo.residual`: ``resnet18``, ``resnet20`` (CIFAR-10),
  ``mobilenet`` (depthwise-separable blocks).

Each modern builder cites its paper, is tested against the published
parameter count, and takes ``shapes_only=True`` to build a model for its
summary without allocating a weight (``convnet shapes --model resnet18
--input 3x224x224`` does so).  :data:`MODELS` names them for the command line.
"""

from .classic import alexnet, nin, vgg11, vgg16
from .course import (LINE_KERNELS, designed_squares_vs_diamonds, digits_cnn, lenet5,
                     squares_vs_diamonds, train_digits)
from .residual import basic_block, digits_resnet, mobilenet, resnet18, resnet20

__all__ = ["lenet5", "digits_cnn", "train_digits", "LINE_KERNELS", "squares_vs_diamonds",
           "designed_squares_vs_diamonds", "alexnet", "vgg11", "vgg16", "nin", "resnet18",
           "resnet20", "mobilenet", "basic_block", "digits_resnet", "MODELS"]

# The builders `convnet shapes --model NAME` knows, with the input each was designed for.
MODELS = {"lenet5": (1, 28, 28), "alexnet": (3, 227, 227), "vgg11": (3, 224, 224),
          "vgg16": (3, 224, 224), "nin": (3, 32, 32), "resnet18": (3, 224, 224),
          "resnet20": (3, 32, 32), "mobilenet": (3, 224, 224)}
