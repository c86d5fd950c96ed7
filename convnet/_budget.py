"""The memory budget: how many bytes one array made by one call may take.

Every entry point that makes arrays in proportion to its arguments (the
convolutions and their backward pass, pooling, ``pad2d``, the weights and
untied biases of the layers, ...) works out the largest arrays it would make
(:mod:`convnet._checks` says what is counted for each operation) and refuses,
before it allocates anything, when one of them is larger than the budget::

    padding must be small enough to keep the padded input (N x C x Hp x Wp) within the
    memory budget of 4.0 GiB (convnet.set_memory_budget); got 7.3 GiB

The budget bounds each array, counted in its own dtype (float32 takes half
the room of float64), not the sum of a call's arrays: a convolution's
backward pass holds two or three such arrays at once.  It is 4 GiB unless
the environment variable ``CONVNET_MEMORY_BUDGET`` (read once, at import)
or :func:`set_memory_budget` says otherwise.
"""

from __future__ import annotations

import os
import re

from ._validate import fail, integer

__all__ = ["DEFAULT_MEMORY_BUDGET", "ENVIRONMENT_VARIABLE", "set_memory_budget",
           "get_memory_budget", "parse_budget", "format_bytes", "refuse_beyond_budget"]

DEFAULT_MEMORY_BUDGET = 4 * 2 ** 30   # 4 GiB: a batch of 256 ImageNet images through a 7x7 layer
ENVIRONMENT_VARIABLE = "CONVNET_MEMORY_BUDGET"

_UNITS = {"": 1, "b": 1, "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40}
_SPELLING = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")
_RULE = "a number of bytes >= 1, optionally with a unit B, KiB, MiB, GiB or TiB (e.g. 8GiB)"


def parse_budget(text: str, name: str = ENVIRONMENT_VARIABLE) -> int:
    """A budget in bytes from text such as ``"8589934592"``, ``"8GiB"`` or ``"1.5 TiB"``.

    Raises ValueError, naming ``name``, for anything else (units are
    case-insensitive; KiB = 1024 bytes).
    """
    match = _SPELLING.fullmatch(text)
    unit = match and _UNITS.get(match.group(2).lower())
    if not unit:
        fail(name, _RULE, text)
    number, whole = match.group(1), unit * int(match.group(1).split(".")[0])
    if "." in number:
        digits = number.split(".")[1]
        whole += unit * int(digits) // 10 ** len(digits)
    if whole < 1:
        fail(name, _RULE, text)
    return whole


def _initial_budget() -> int:
    """The budget at import: ``CONVNET_MEMORY_BUDGET`` if set (a bad value raises), else 4 GiB."""
    text = os.environ.get(ENVIRONMENT_VARIABLE)
    return DEFAULT_MEMORY_BUDGET if text is None else parse_budget(text)


_budget = _initial_budget()


def set_memory_budget(nbytes: int) -> int:
    """Set how many bytes one array made by one call may take; returns the previous budget.

    Every operation that makes arrays in proportion to its arguments (the
    convolutions and their backward pass, pooling, ``pad2d``, the layers'
    weights and untied biases) refuses with a ValueError, before allocating
    anything, a call whose largest array would be larger.  Each array is
    counted in its own dtype; a call may hold a few of them at once.  The
    default is 4 GiB, or the environment variable ``CONVNET_MEMORY_BUDGET``
    (bytes, or e.g. ``16GiB``) read at import.  The setting is process-wide.

    Parameters
    ----------
    nbytes : int
        The new budget in bytes, at least 1.

    Returns
    -------
    int
        The budget it replaces (to restore it later).

    Raises
    ------
    TypeError
        ``nbytes`` is not an integer (or is a bool).
    ValueError
        ``nbytes`` < 1.

    Examples
    --------
    >>> previous = set_memory_budget(16 * 2 ** 30)     # a machine with room to spare
    >>> get_memory_budget()
    17179869184
    >>> _ = set_memory_budget(previous)
    """
    global _budget
    nbytes = integer(nbytes, "nbytes", minimum=1)
    previous, _budget = _budget, nbytes
    return previous


def get_memory_budget() -> int:
    """How many bytes one array made by one call may take (see :func:`set_memory_budget`)."""
    return _budget


_BINARY = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def format_bytes(count: int) -> str:
    """``count`` bytes for a reader: ``"512 bytes"``, ``"1.5 KiB"``, ``"7.3 GiB"``."""
    if count < 1024:
        return f"{count:,} bytes"
    if count >= 2 ** 80 * 10 ** 12:                       # beyond any float's comfort
        return f"about 10^{len(str(count)) - 1} bytes"
    power = min(len(_BINARY), (count.bit_length() - 1) // 10)
    if power < len(_BINARY) and round(count / 2 ** (10 * power), 1) >= 1024:
        power += 1                                         # 1023.99 KiB is 1.0 MiB
    return f"{count / 2 ** (10 * power):,.1f} {_BINARY[power - 1]}"


def refuse_beyond_budget(arrays, area=(1, 1)) -> None:
    """Raise ValueError for the first of ``arrays`` larger than the budget.

    ``arrays`` holds ``(argument, what, bytes)``: the argument a message
    names, the array in words, its size.  ``area`` is ``(H*W, Hp*Wp)``, the
    input's area without and with padding, for arrays that grow with the
    padding: the message names ``padding`` instead when the array would fit
    without it.
    """
    budget = _budget
    unpadded, padded = area
    for name, what, nbytes in arrays:
        if nbytes <= budget:
            continue
        if nbytes * unpadded <= budget * padded:
            name = "padding"
        got, limit = format_bytes(nbytes), format_bytes(budget)
        if got == limit:                                  # just over: show the bytes
            got, limit = f"{nbytes:,} bytes", f"{budget:,} bytes"
        fail(name, f"small enough to keep {what} within the memory budget of {limit} "
             "(convnet.set_memory_budget)", None, given=got)
