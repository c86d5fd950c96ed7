"""Layers: thin classes that hold parameters and call the functional core.

Every layer has ``forward(x)``, ``backward(dy) -> dx``, ``params`` and
``grads`` dicts (keys ``"weight"`` and ``"bias"``), ``train()`` / ``eval()``,
``output_shape(input_shape)`` for summaries without a forward pass, and a
``repr`` showing its configuration.
"""

from .activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .base import Layer
from .conv import Conv2D, ProductBiasConv2D
from .conv_transpose import ConvTranspose2D
from .dense import Dense, Dropout, Flatten
from .pool import AvgPool2D, GlobalAvgPool2D, MaxPool2D

__all__ = [
    "Layer",
    "Conv2D", "ProductBiasConv2D", "ConvTranspose2D",
    "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D",
    "Flatten", "Dense", "Dropout",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
]
