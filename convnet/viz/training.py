"""Pictures of a training run: loss and accuracy curves against the epoch."""

from __future__ import annotations

from .._validate import fail
from ..model import History
from ._common import _figure, _finish, _matplotlib, _output_path

__all__ = ["plot_history"]


# -- training curves ----------------------------------------------------------------

def _curve(ax, epochs, values, label, style, colour):
    """Plot the non-None values against their epochs; False if there is none."""
    points = [(e, v) for e, v in zip(epochs, values) if v is not None]
    if not points:
        return False
    xs, ys = zip(*points)
    ax.plot(xs, ys, style, color=colour, label=label,
            marker="o" if len(points) <= 30 else None, markersize=3)
    return True


def plot_history(history, path=None):
    """Training curves: loss (left) and accuracy (right) against the epoch.

    Training curves are solid, validation curves (when the run had
    validation data) dashed.  When the targets were not class labels there
    is no accuracy and the right panel says so.

    Parameters
    ----------
    history : convnet.model.History
        What :meth:`convnet.Sequential.fit` returns.
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    ::

        history = model.fit(x, y, epochs=10, batch_size=32, loss="cross_entropy",
                            optimizer=Adam(), validation_data=(x_val, y_val))
        fig = plot_history(history, "history.png")
    """
    if not isinstance(history, History):
        fail("history", "a convnet.model.History (what Sequential.fit returns)", history,
             error=TypeError)
    if len(history) == 0:
        fail("history", "a History of at least one epoch", history, given="an empty History")
    path = _output_path(path)
    _matplotlib()
    from matplotlib.ticker import MaxNLocator

    fig = _figure(10, 4)
    loss_ax, accuracy_ax = fig.subplots(1, 2)
    epochs = list(history.epoch)
    for ax, title, train, validation in ((loss_ax, "loss", history.loss, history.val_loss),
                                         (accuracy_ax, "accuracy", history.accuracy,
                                          history.val_accuracy)):
        drawn = _curve(ax, epochs, train, "training", "-", "tab:blue")
        drawn = _curve(ax, epochs, validation, "validation", "--", "tab:orange") or drawn
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if drawn:
            ax.legend()
            ax.grid(alpha=0.3)
        else:
            ax.text(0.5, 0.5, "no accuracy:\nthe targets are not class labels",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
    return _finish(fig, path)
