"""Which engine computes the functional core: the loops, the readable tier or the tuned one.

Every operation of :mod:`convnet.functional` exists three times, with the same
names, signatures and results:

``"reference"``
    :mod:`convnet.reference`, one ``for`` per index of the chapter's sums.
    Slow on purpose: for inputs of a few pixels.
``"plain"``
    :mod:`convnet.functional.plain`, vectorised NumPy as a course writes it on
    the board: im2col and one matrix product, the backward as the book
    derives it.  The tier to step through in a debugger.
``"fast"`` (the default)
    The tuned engine behind a fence (``convnet/functional/_fast/``): work
    buffers, per-shape gathers, BLAS-friendly layouts (``docs/performance.md``).

The selection is per thread (a :class:`contextvars.ContextVar`, so per task
under asyncio too): a thread starts with ``"fast"`` whatever other threads
chose.  Inside ``with engine("plain"):`` every functional call, every
layer and ``Sequential.fit`` / ``predict`` run through the readable code.

Examples
--------
>>> import numpy as np
>>> from convnet import functional as F
>>> get_engine()
'fast'
>>> with engine("reference"):
...     F.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))[0, 0]
array([[4., 4.],
       [4., 4.]])
>>> get_engine()
'fast'
"""

from __future__ import annotations

import importlib
from contextvars import ContextVar

from .._context import ContextSetting
from .._operations import OPERATIONS  # noqa: F401 - re-exported: engines.OPERATIONS
from .._validate import boolean, fail
from .._checks import Saved

__all__ = ["ENGINES", "OPERATIONS", "engine", "set_engine", "get_engine", "implementation",
           "backward_engine", "reuse_work_memory", "release_work_memory", "step_memory",
           "temporary_work_memory"]

ENGINES = ("reference", "plain", "fast")


_MODULES = {"reference": "convnet.reference",
            "plain": "convnet.functional.plain",
            "fast": "convnet.functional._fast"}

_selected: ContextVar = ContextVar("convnet_engine", default="fast")   # the default engine


def _checked(name) -> str:
    if not isinstance(name, str):
        fail("name", f"one of {', '.join(map(repr, ENGINES))}", name, error=TypeError)
    if name not in ENGINES:
        fail("name", f"one of {', '.join(map(repr, ENGINES))} (the engines of "
             "convnet.functional)", name)
    return name


def get_engine() -> str:
    """The name of the engine selected in this thread (``"fast"`` unless changed)."""
    return _selected.get()


def set_engine(name: str) -> None:
    """Select the engine for this thread from now on: ``"reference"``, ``"plain"`` or ``"fast"``.

    Raises
    ------
    ValueError, TypeError
        For any other name.
    """
    _selected.set(_checked(name))


class _Selection(ContextSetting):
    """The context manager :func:`engine` returns (the name is checked when it is made)."""

    def __init__(self, name: str):
        super().__init__(_selected, name)
        self.name = name

    def __repr__(self) -> str:
        return f"engine({self.name!r})"


def engine(name: str):
    """A context manager: the body runs with engine ``name`` in this thread, then the previous one.

    Parameters
    ----------
    name : {"reference", "plain", "fast"}

    Raises
    ------
    ValueError, TypeError
        For any other name (at once, not when the ``with`` block starts).

    Examples
    --------
    >>> with engine("plain"):
    ...     get_engine()
    'plain'
    """
    return _Selection(_checked(name))


_loaded: dict = {}


def implementation(name: str | None = None):
    """The module that implements engine ``name`` (default: this thread's selection).

    Every one of them defines each function of ``convnet.functional.__all__``
    with the same signature.
    """
    name = get_engine() if name is None else _checked(name)
    module = _loaded.get(name)
    if module is None:          # imported on first use: reference and plain may never be needed
        module = _loaded[name] = importlib.import_module(_MODULES[name])
    return module


def backward_engine(saved):
    """The engine that runs a backward pass: the one that made ``saved``, else this thread's."""
    return implementation(saved.engine if isinstance(saved, Saved) else None)


def reuse_work_memory(flag: bool = True):
    """A context manager: whether engines keep their work buffers between calls in this thread.

    Only the fast engine keeps any (:mod:`convnet.functional._fast.memory`):
    each thread lends its buffers to one call at a time and takes them back
    when the call, or the backward pass of a saved record, is done.  Inside
    ``with reuse_work_memory(False):`` every buffer is made afresh and
    dropped after use; the numbers are the same either way.  Reuse is on
    unless switched off.
    """
    flag = boolean(flag, "flag")
    from ._fast import memory            # the fence: only the fast engine holds work memory
    return memory.reuse(flag)


def step_memory():
    """A context manager around one training step: arrays handed back may live in work memory.

    Inside it, the fast engine may hand back arrays (layer outputs, input
    gradients) that live in this thread's work memory; they go back to it
    when the thread's next step begins, so the caller must be done with them
    by then (``Sequential``'s training step is: every array is consumed
    within the step).  Outside it every returned array is new.  Without work
    memory reuse (:func:`reuse_work_memory`) it changes nothing.
    """
    from ._fast import memory
    return memory.step_outputs()


def temporary_work_memory():
    """A context manager: work buffers first made inside it are given back when it ends.

    Those this thread kept before stay (``Sequential.predict`` runs in it, so
    a prediction on a large batch leaves no buffers behind that training at
    its own batch size would not keep anyway).
    """
    from ._fast import memory
    return memory.temporary()


def release_work_memory(every_thread: bool = False) -> None:
    """Give back the work buffers this thread keeps (every thread's with ``every_thread``)."""
    every_thread = boolean(every_thread, "every_thread")
    from ._fast import conv, memory
    conv.forget_last_gather()            # this thread's remembered gather goes back first
    memory.release_all(every_thread)
