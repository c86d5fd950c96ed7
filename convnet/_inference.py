"""Inference: the calling thread's promise that no backward pass will follow.

Inside ``with convnet.inference():`` layers behave as in evaluation mode and
nothing keeps what a backward pass would need: not the layers (so a model
shared by threads that predict at the same time is never written to) and
not the fast engine (its remembered gather).  A ContextVar, so per thread
(and per asyncio task).
"""

from __future__ import annotations

from contextvars import ContextVar

from ._context import ContextSetting

__all__ = ["inference", "inferring"]

_inferring: ContextVar = ContextVar("convnet_inference", default=False)


class inference(ContextSetting):  # noqa: N801 - used like a function: with convnet.inference(): ...
    """Run the body in inference: layers behave as in evaluation mode and nothing is kept.

    Inside ``with convnet.inference():`` (in this thread only) ``Dropout``
    passes its input through, whatever the layers' own ``training`` flags
    say, and no layer keeps what a backward pass would need, so no layer is
    written to at all: a model may be shared by threads that predict at the
    same time.  The functional forward passes keep nothing either (the fast
    engine's remembered gather, see ``conv2d``).  ``Sequential.predict`` and
    ``evaluate`` run in it.  A ``backward`` after a forward in inference
    raises RuntimeError.

    Examples
    --------
    >>> from convnet.layers import Dropout
    >>> layer = Dropout(0.5, rng=0)                 # in training mode
    >>> with inference():
    ...     layer.forward(np.ones(3))
    array([1., 1., 1.])
    """

    def __init__(self):
        super().__init__(_inferring, True)

    def __enter__(self):
        super().__enter__()
        return self


def inferring() -> bool:
    """Whether this thread runs in :class:`inference`."""
    return _inferring.get()
