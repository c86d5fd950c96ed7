"""What the zoo's builders share: the checked options and the context layers are made in."""

from __future__ import annotations

import contextlib

from .._validate import fail, generator, integer
from ..layers.init import placeholder_parameters

__all__ = ["building", "options"]


def building(shapes_only: bool):
    """The context a builder makes its layers in: placeholders for a model of shapes only.

    A placeholder weight is one read-only zero broadcast to the weight's shape
    (:func:`convnet.layers.init.placeholder_parameters`): no random draw and no
    memory, all that ``summary`` needs; such a model cannot be trained.
    """
    if not isinstance(shapes_only, bool):
        fail("shapes_only", "True or False", shapes_only, error=TypeError)
    return placeholder_parameters() if shapes_only else contextlib.nullcontext()


def options(num_classes, seed):
    """``num_classes`` checked, and the generator of ``seed``."""
    return integer(num_classes, "num_classes", minimum=1), generator(seed, "seed")
