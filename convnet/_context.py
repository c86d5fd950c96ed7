"""Setting a ContextVar for the body of a ``with`` block: what ``engine()`` and ``inference()`` share.

The object a ``with`` statement enters may be one made once and shared (a
module-level ``quiet = convnet.inference()``), entered by several threads at
a time and nested in each.  So the tokens that undo each entry are kept per
thread, last in first out.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

__all__ = ["ContextSetting"]


class ContextSetting:
    """A context manager that sets ``variable`` to ``value`` in its body, then restores it."""

    def __init__(self, variable: ContextVar, value):
        self._variable = variable
        self._value = value
        self._entries = threading.local()

    def _tokens(self) -> list:
        tokens = getattr(self._entries, "tokens", None)
        if tokens is None:
            tokens = self._entries.tokens = []
        return tokens

    def __enter__(self):
        self._tokens().append(self._variable.set(self._value))
        return self._value

    def __exit__(self, *exc):
        self._variable.reset(self._tokens().pop())
