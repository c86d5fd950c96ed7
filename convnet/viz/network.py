"""Pictures of what a network holds: its kernels and one sample's feature maps."""

from __future__ import annotations

import math

import numpy as np

from .._validate import fail, integer, real_array
from ..layers.base import walk
from ..model import Sequential
from ._common import _figure, _finish, _matplotlib, _output_path

__all__ = ["plot_kernels", "plot_feature_maps"]

DIVERGING = "RdBu_r"                    # negative blue, zero white, positive red
GRID_LIMIT = 64                         # more kernels are tiled into one image (fast)


# -- colour scales and labels ---------------------------------------------------

def _symmetric_limit(values):
    """The largest finite |value| (1 when there is none), for a colour scale centred at 0."""
    finite = np.abs(values[np.isfinite(values)])
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def _shape_text(shape):
    return " x ".join(str(v) for v in shape)


# -- kernels ----------------------------------------------------------------------

def _kernel_cells(maps, channels):
    """Where each kernel goes: ``(rows, columns, [(f, c, row, col, title)])``.

    Row f, column c in general; a layer with one input channel (or one output
    map) has a single line of kernels, folded into a near-square grid so that
    16 kernels make 4 x 4, not a 16 x 1 strip.
    """
    if channels == 1 or maps == 1:
        count = maps * channels
        columns = math.ceil(math.sqrt(count))
        rows = math.ceil(count / columns)
        name = "map" if channels == 1 else "channel"
        cells = [(i if channels == 1 else 0, i if maps == 1 else 0, i // columns, i % columns,
                  f"{name} {i}") for i in range(count)]
        return rows, columns, cells
    cells = [(f, c, f, c, f"map {f}, channel {c}") for f in range(maps) for c in range(channels)]
    return maps, channels, cells


def _kernel_grid(fig, weight, limit, fontsize):
    """One titled subplot per kernel w[f, c]; returns the last image (for the colour bar)."""
    rows, columns, cells = _kernel_cells(*weight.shape[:2])
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()                                                # cells left empty
    for f, c, row, col, title in cells:
        ax = axes[row, col]
        ax.set_axis_on()
        image = ax.imshow(weight[f, c], cmap=DIVERGING, vmin=-limit, vmax=limit,
                          interpolation="nearest")                       # w[f, c]: (kh, kw)
        ax.set_title(title, fontsize=fontsize)
        ax.set_xticks([])
        ax.set_yticks([])
    return image


def _kernel_mosaic(fig, weight, limit):
    """All kernels tiled into one image, one-pixel grey gaps between them.

    Hundreds of subplots take matplotlib many seconds; one image with the
    same layout (rows = maps f, columns = channels c) takes a fraction of one.
    """
    maps, channels, kh, kw = weight.shape
    mosaic = np.full((maps * (kh + 1) - 1, channels * (kw + 1) - 1), np.nan)
    for f in range(maps):
        for c in range(channels):
            top, left = f * (kh + 1), c * (kw + 1)
            mosaic[top:top + kh, left:left + kw] = weight[f, c]         # w[f, c]: (kh, kw)
    from matplotlib import colormaps

    ax = fig.add_subplot()
    colours = colormaps[DIVERGING].with_extremes(bad="#999999")         # the gaps
    image = ax.imshow(mosaic, cmap=colours, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_yticks(np.arange(maps) * (kh + 1) + (kh - 1) / 2, [f"map {f}" for f in range(maps)],
                  fontsize=6)
    ax.set_xticks(np.arange(channels) * (kw + 1) + (kw - 1) / 2,
                  [f"channel {c}" for c in range(channels)], fontsize=6, rotation=90)
    ax.tick_params(length=0)
    return image


def plot_kernels(layer, path=None):
    """Every kernel of a convolution layer as a grid of small images.

    Row ``f`` shows the kernels of output map ``f``, column ``c`` those that
    read input channel ``c``: the image in cell (f, c) is ``w[f, c]``.  All
    cells share one colour scale, symmetric about 0 (white), so positive and
    negative weights can be compared across kernels.  Up to 64 kernels get a
    subplot each, titled "map f, channel c"; a layer with one input channel
    (or one output map) has its kernels folded into a near-square grid
    (16 kernels: 4 x 4), titled "map f" (or "channel c"); larger layers are tiled into one
    image with the same rows and columns, labelled on the axes (hundreds of
    subplots would take matplotlib many seconds).

    Parameters
    ----------
    layer : Conv2D or any object with ``params["weight"]`` of shape (F, C, kh, kw)
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``layer`` has no ``params["weight"]`` (an activation, a pooling layer).
    ValueError
        If the weight is not 4-D (a Dense layer).
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    ::

        from convnet.layers import Conv2D
        fig = plot_kernels(Conv2D(1, 4, 3, rng=0), "kernels.png")
    """
    params = getattr(layer, "params", None)
    if not isinstance(params, dict) or "weight" not in params:
        fail("layer", "a convolution layer such as Conv2D, with params['weight'] of shape "
             "(F, C, kh, kw)", layer, error=TypeError)
    weight = real_array(params["weight"], "layer.params['weight']", ndim=4,
                        layout="(F, C, kh, kw)")                         # (F, C, kh, kw)
    path = _output_path(path)
    _matplotlib()

    maps, channels = weight.shape[:2]
    grid = maps * channels <= GRID_LIMIT
    rows, columns = _kernel_cells(maps, channels)[:2] if grid else (maps, channels)
    largest = max(rows, columns)
    cell = 1.25 if largest <= 4 else 1.0 if largest <= 8 else 0.75 if largest <= 16 else 0.5
    fig = _figure(max(4.0, columns * cell + 1.5), max(3.0, rows * cell + 1.0))
    limit = _symmetric_limit(weight)
    if grid:
        image = _kernel_grid(fig, weight, limit, fontsize=8 if cell >= 1.0 else 6)
    else:
        image = _kernel_mosaic(fig, weight, limit)
    fig.colorbar(image, ax=fig.axes, label="weight", shrink=1.0 if rows <= 8 else 0.5)
    fig.suptitle(f"{type(layer).__name__} kernels w[f, c]\n(F, C, kh, kw) = {weight.shape}",
                 fontsize=9)
    return _finish(fig, path)


# -- feature maps -----------------------------------------------------------------

def _activations(model, x):
    """Run one sample through ``model`` in evaluation mode, layer by layer.

    Returns the rows to draw, ``[(label, maps (C, H, W))]`` starting with the
    input, and the last vector output as ``(label, values (n,))`` or None.
    The layers' training flags are restored afterwards.
    """
    modes = [(layer, layer.training) for _, layer in walk(enumerate(model.layers))]
    model.eval()
    rows, vector = [("input", np.array(x[0]))], None
    try:
        out = x                                                          # (1, C, H, W)
        for index, layer in enumerate(model.layers):
            out = layer.forward(out)
            name = f"{index} {type(layer).__name__}"
            if out.ndim == 4:
                rows.append((name, np.array(out[0])))                     # (C, H, W), a copy
            elif out.ndim == 2:
                vector = (name, np.array(out[0]))                         # (n,)
    finally:
        for layer, mode in modes:                     # every layer, containers' included
            layer.training = mode
    return rows, vector


def plot_feature_maps(model, x, path=None, max_maps=8):
    """One sample's way through a network: the feature maps of every layer.

    The sample is run layer by layer in evaluation mode (Dropout off; the
    layers' training flags are restored afterwards).  The first row shows the
    input's channels, then one row per layer whose output is a stack of
    feature maps, labelled with the layer and its output shape (C x H x W);
    each row has its own colour scale, drawn as a colour bar at its right.
    The network's last vector output
    (after Flatten / Dense, usually the class scores) is a bar chart in the
    last row, the largest value highlighted.

    Parameters
    ----------
    model : convnet.Sequential
    x : array_like of shape (C, H, W) or (1, C, H, W)
        One sample.
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.
    max_maps : int, default 8
        Show at most this many maps per layer (the first ones).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        For a model that is not a ``Sequential``, a batch of more than one
        sample or a ``max_maps`` below 1.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    ::

        fig = plot_feature_maps(model, x_test[0], "maps.png", max_maps=4)
    """
    if not isinstance(model, Sequential):
        fail("model", "a convnet.Sequential", model, error=TypeError)
    x = real_array(x, "x", ndim=(3, 4), layout="(C, H, W) or (1, C, H, W)")
    if x.ndim == 4 and x.shape[0] != 1:
        fail("x", "one sample of shape (C, H, W) or (1, C, H, W)", x, given=f"shape {x.shape}")
    x = x.reshape((1, *x.shape[-3:]))                                     # (1, C, H, W)
    max_maps = integer(max_maps, "max_maps", minimum=1)
    path = _output_path(path)
    _matplotlib()

    rows, vector = _activations(model, x)
    columns = min(max_maps, max(maps.shape[0] for _, maps in rows))
    if vector is not None:
        columns = max(columns, 4)              # room for the bar chart
    cell = 1.25 if columns <= 4 else 1.0
    count = len(rows) + (vector is not None)
    fig = _figure(columns * cell + 2.5, count * cell + 0.5)
    grid = fig.add_gridspec(count, columns + 1, width_ratios=[1.0] * columns + [0.08])
    for r, (name, maps) in enumerate(rows):
        shown = min(maps.shape[0], max_maps)
        label = f"{name}\n{_shape_text(maps.shape)}"
        if shown < maps.shape[0]:
            label += f"\n(first {shown})"
        finite = maps[np.isfinite(maps)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        for c in range(shown):
            ax = fig.add_subplot(grid[r, c])
            image = ax.imshow(maps[c], cmap="gray" if r == 0 else "viridis", vmin=low, vmax=high,
                      interpolation="nearest")                            # (H, W)
            ax.set_title(f"{'channel' if r == 0 else 'map'} {c}", fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        scale = fig.colorbar(image, cax=fig.add_subplot(grid[r, -1]))    # the row's scale
        scale.ax.tick_params(labelsize=6)
    if vector is not None:
        name, values = vector
        ax = fig.add_subplot(grid[-1, :-1])
        colours = ["tab:blue"] * values.size
        if np.isfinite(values).any():
            colours[int(np.nanargmax(values))] = "tab:orange"            # the winning unit
        ax.bar(np.arange(values.size), values, color=colours)
        ax.axhline(0.0, color="black", linewidth=0.5)
        if values.size <= 20:
            ax.set_xticks(np.arange(values.size))
        ax.tick_params(labelsize=7)
        ax.set_xlabel("unit", fontsize=8)
        ax.set_ylabel(f"{name}\n{values.size}", rotation=0, ha="right", va="center",
                      fontsize=8)
    fig.suptitle("one sample through the network, layer by layer (evaluation mode)",
                 fontsize=9)
    return _finish(fig, path)
