"""Shared by every picture: the lazy matplotlib import, figure sizes and PNG files.

matplotlib is imported inside :func:`_pyplot`, called by each drawing
function after its arguments are checked, never when the package is imported.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .._validate import fail

DPI = 100                               # dots per inch of every saved PNG
INSTALL = 'pip install "convnet[plot]"'


# -- shared helpers -------------------------------------------------------------

def _pyplot():
    """``matplotlib.pyplot``, imported now, or an ImportError naming the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"convnet.viz draws with matplotlib, which is not installed "
                          f"({exc}); install it with: {INSTALL}") from exc
    return plt


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


def _figure(plt, width, height):
    return plt.figure(figsize=(_inches(width), _inches(height)), dpi=DPI, layout="constrained")


def _finish(plt, fig, path):
    """Save ``fig`` as a PNG at ``path`` (if given) and return it."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with plt.rc_context({"savefig.bbox": "standard"}):   # the whole figure, never "tight"
            fig.savefig(path, dpi=DPI, format="png")
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
        plt = _pyplot()
    except ImportError:
        out(f"matplotlib is not installed: no pictures ({INSTALL})")
        return []
    written = []
    for name, draw in drawings.items():
        path = folder / f"{name}.png"
        plt.close(draw(path))
        written.append(path)
    out(f"wrote {len(written)} pictures to {folder}/: {', '.join(p.name for p in written)}")
    return written
