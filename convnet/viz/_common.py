"""Shared by every picture: the lazy matplotlib import, figure sizes and PNG files.

matplotlib is imported inside :func:`_matplotlib`, called by each drawing
function after its arguments are checked, never when the package is imported.

Figures are built without pyplot, as matplotlib recommends for libraries:
a :class:`Picture` (a ``matplotlib.figure.Figure``) is never registered with
pyplot's figure manager, so it is not shown a second time at the end of a
notebook cell, never stays open after being saved, and never counts towards
matplotlib's "more than 20 figures open" warning.  It shows itself once, as
a PNG, when it is a cell's last expression (``_repr_png_``; where pyplot's
inline backend is active, its own formatter for figures is used instead).
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

from .._validate import fail

DPI = 100                               # dots per inch of every saved PNG
INSTALL = 'pip install "convnet[plot]" (from a checkout: pip install -e ".[plot]")'


# -- shared helpers -------------------------------------------------------------

def _matplotlib():
    """``matplotlib``, imported now, or an ImportError naming the extra to install."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"convnet.viz draws with matplotlib, which is not installed "
                          f"({exc}); install it with: {INSTALL}") from exc
    return matplotlib


_PICTURE = []                           # the Picture class, made on first use


def _picture_class():
    """:class:`Picture`, defined when matplotlib is first needed."""
    if not _PICTURE:
        figure = _matplotlib().figure

        class Picture(figure.Figure):
            """A ``matplotlib.figure.Figure`` that a notebook shows once, as a PNG."""

            def _repr_png_(self):
                buffer = io.BytesIO()
                _save(self, buffer)
                return buffer.getvalue()

        Picture.__module__, Picture.__qualname__ = __name__, "Picture"   # for pickle
        _PICTURE.append(Picture)
    return _PICTURE[0]


def __getattr__(name):                  # ``Picture`` is made lazily (matplotlib is optional)
    if name == "Picture":
        return _picture_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _output_path(path):
    """None, or ``path`` as a Path ending in ``.png``."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        fail("path", "None or a file name ending in .png", path, error=TypeError)
    path = Path(path)
    if path.suffix.lower() != ".png":
        fail("path", "a file name ending in .png (the pictures are PNGs)", str(path))
    return path


def _inches(value, minimum=1.0):
    """A figure side in whole quarter inches, so that ``inches * DPI`` is an exact integer."""
    return max(minimum, math.ceil(value * 4) / 4)


def _figure(width, height):
    """A new :class:`Picture` of ``width`` x ``height`` inches (rounded up to quarters)."""
    return _picture_class()(figsize=(_inches(width), _inches(height)), dpi=DPI,
                            layout="constrained")


def _save(fig, target):
    """Write the whole figure (never "tight": the size is the figure's) as a PNG."""
    with _matplotlib().rc_context({"savefig.bbox": "standard"}):
        fig.savefig(target, dpi=DPI, format="png")


def _finish(fig, path):
    """Save ``fig`` as a PNG at ``path`` (if given) and return it."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _save(fig, path)
    return fig


# -- several pictures at once, for scripts -----------------------------------------

def save_pictures(folder, drawings, out=print):
    """Write one PNG per drawing into ``folder``, or say that matplotlib is missing.

    For scripts that should run with or without matplotlib: ``drawings`` maps
    a name to a function of the PNG path (such as ``lambda path:
    plot_history(history, path)``) that draws and returns its figure.

    Returns
    -------
    list of pathlib.Path
        The files written (empty without matplotlib).
    """
    if not isinstance(folder, (str, os.PathLike)):
        fail("folder", "a folder name (str or os.PathLike)", folder, error=TypeError)
    if not isinstance(drawings, dict) or not all(callable(d) for d in drawings.values()):
        fail("drawings", "a dict of name -> function(path) returning a figure", drawings,
             error=TypeError)
    folder = Path(folder)
    try:
        _matplotlib()
    except ImportError:
        out(f"matplotlib is not installed: no pictures ({INSTALL})")
        return []
    written = []
    for name, draw in drawings.items():
        path = folder / f"{name}.png"
        draw(path)                      # a Picture: nothing to close
        written.append(path)
    out(f"wrote {len(written)} pictures to {folder}/: {', '.join(p.name for p in written)}")
    return written
