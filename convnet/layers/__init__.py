"""Layers: thin classes that hold parameters and call the functional core.

Every layer has ``forward(x)``, ``backward(dy) -> dx``, ``params`` and
``grads`` dicts (keys ``"weight"`` and ``"bias"``), ``train()`` / ``eval()``,
``output_shape(input_shape)`` for summaries without a forward pass, and a
``repr`` showing its configuration.  ``Residual`` and ``Concat`` are layers
that hold layers (``children()``); models, optimizers, files and summaries
see through them.
"""

from .activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .base import Layer
from .containers import Concat, Residual
from .conv import Conv2D, ProductBiasConv2D
from .conv_transpose import ConvTranspose2D
from .dense import Dense, Dropout, Flatten
from .norm import BatchNorm1D, BatchNorm2D, GroupNorm
from .pool import (AdaptiveAvgPool2D, AdaptiveMaxPool2D, AvgPool2D, GlobalAvgPool2D,
                   GlobalMaxPool2D, MaxPool2D)
from .shortcut import ZeroPadShortcut
from .upsample import Upsample2D

__all__ = [
    "Layer",
    "Conv2D", "ProductBiasConv2D", "ConvTranspose2D",
    "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "GlobalMaxPool2D",
    "AdaptiveAvgPool2D", "AdaptiveMaxPool2D", "Upsample2D",
    "Flatten", "Dense", "Dropout",
    "BatchNorm2D", "BatchNorm1D", "GroupNorm",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
    "Residual", "Concat", "ZeroPadShortcut",
]
