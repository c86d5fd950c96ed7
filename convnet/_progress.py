"""Progress display for ``fit``: what fits where the output goes.

``verbose`` as Keras has it: 0 prints nothing, 2 one line per epoch, 1 a
progress bar where one can be drawn and one line per epoch where not:

* a terminal (standard error is a tty) with tqdm installed: one bar for the
  whole ``fit`` (epochs x batches, the running loss and accuracy in its
  postfix) on standard error, and each epoch's line printed above it;
* a Jupyter notebook with ipywidgets: one widget bar (``tqdm.notebook``);
  without ipywidgets: the per-epoch lines only (no TqdmWarning, no frozen
  text bar stored in the notebook);
* anything else (a file, a pipe, a CI log): the per-epoch lines only, with no
  carriage returns.

``True`` and ``False`` are still accepted and mean 1 and 0.
"""

from __future__ import annotations

import importlib.util
import sys

from ._validate import fail

try:  # optional dependency: pip install "convnet[progress]"
    import tqdm as _tqdm_package
    from tqdm.std import tqdm as _terminal_bar
except ImportError:  # pragma: no cover - depends on the environment
    _tqdm_package = _terminal_bar = None

__all__ = ["FitProgress", "verbosity"]


def verbosity(verbose) -> int:
    """``verbose`` as 0, 1 or 2 (True is 1, False 0)."""
    if isinstance(verbose, bool):
        return int(verbose)
    if not isinstance(verbose, int) or verbose not in (0, 1, 2):
        fail("verbose", "0 (silent), 1 (a progress bar), 2 (one line per epoch) or True/False",
             verbose, error=TypeError if not isinstance(verbose, int) else ValueError)
    return verbose


def in_notebook() -> bool:
    """Is this a Jupyter kernel (its shell has a ``kernel``), not a terminal IPython?"""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def has_widgets() -> bool:
    return importlib.util.find_spec("ipywidgets") is not None


def _bar_kind(verbose: int) -> str | None:
    """"terminal", "notebook" or None (lines only) for this verbosity and place."""
    if verbose != 1 or _tqdm_package is None:
        return None
    if in_notebook():
        return "notebook" if has_widgets() else None
    stream = sys.stderr
    return "terminal" if hasattr(stream, "isatty") and stream.isatty() else None


class FitProgress:
    """The progress of one ``fit``: at most one bar, and one line per epoch."""

    def __init__(self, first_epoch: int, epochs: int, batches: int, verbose: int):
        self.verbose, self.epochs, self.bar = verbose, epochs, None
        kind = _bar_kind(verbose)
        total = (epochs - first_epoch + 1) * batches
        if kind == "terminal":
            self.bar = _terminal_bar(total=total, unit="batch", file=sys.stderr, leave=True)
        elif kind == "notebook":
            from tqdm.notebook import tqdm as notebook_bar
            self.bar = notebook_bar(total=total, unit="batch", leave=True)

    def start_epoch(self, epoch: int) -> None:
        """``epoch`` counted from 1."""
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)

    def update(self, loss: float, accuracy) -> None:
        if self.bar is not None:
            postfix = {"loss": f"{loss:.4f}"}
            if accuracy is not None:
                postfix["accuracy"] = f"{accuracy:.4f}"
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(1)

    def end_epoch(self, line: str) -> None:
        if not self.verbose:
            return
        if self.bar is not None and self.bar.__class__ is _terminal_bar:
            self.bar.write(line, file=sys.stdout)       # above the bar, which stays
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
