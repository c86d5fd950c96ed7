"""convnet: convolutional networks in NumPy, written to be read beside the textbook.

The chapter's notation is used throughout: ``correlate2d`` is the
cross-correlation ⊗ of Eq. 8.9-8.10 that convolution layers compute,
``convolve2d`` the true convolution * of Eq. 8.8, ``rot180`` the kernel flip
between them.  Batched NCHW operations live in :mod:`convnet.functional`,
sizes in :mod:`convnet.geometry`, receptive fields in
:mod:`convnet.receptive_field`, loop versions of every sum in
:mod:`convnet.reference`.

Every operation runs in one of three engines with the same results:
``convnet.engine("reference")`` (the loops), ``"plain"`` (readable vectorised
NumPy, :mod:`convnet.functional.plain`) or ``"fast"`` (the default).

An operation that would make an array larger than the memory budget (4 GiB
unless :func:`set_memory_budget` or the environment variable
``CONVNET_MEMORY_BUDGET`` says otherwise) refuses with a ValueError before
allocating anything.
"""

from ._budget import get_memory_budget, set_memory_budget
from . import (callbacks, datasets, explain, functional, geometry, gradcheck, insight, interop,
               layers, losses, metrics, optim, receptive_field, reference, schedules, testing,
               theory, training, transforms, window, zoo)
from .functional import (convolve2d, correlate2d, engine, get_engine, inference, pad2d, rot180,
                         set_engine)
from .model import ModelFileError, Sequential, load
from ._registry import register_layer
from .training import TrainingPolicy

__version__ = "0.1.0"

__all__ = [
    "correlate2d",
    "convolve2d",
    "rot180",
    "pad2d",
    "Sequential",
    "load",
    "register_layer",
    "ModelFileError",
    "TrainingPolicy",
    "engine",
    "set_engine",
    "get_engine",
    "inference",
    "set_memory_budget",
    "get_memory_budget",
    "datasets",
    "explain",
    "functional",
    "interop",
    "geometry",
    "receptive_field",
    "layers",
    "losses",
    "optim",
    "gradcheck",
    "insight",
    "reference",
    "testing",
    "theory",
    "training",
    "window",
    "zoo",
    "metrics",
    "transforms",
    "callbacks",
    "schedules",
]
