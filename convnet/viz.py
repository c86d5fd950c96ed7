"""Pictures for teaching: kernels, feature maps, training curves, receptive fields, Eq. 8.12.

matplotlib is optional.  It is imported inside the functions, never when this
module is imported, and without it every function raises an ``ImportError``
that says what to install: ``pip install "convnet[plot]"``.  Nothing global is
changed: no backend is selected and no style or ``rcParams`` are set.

Every function returns the matplotlib ``Figure``.  With ``path`` it also
writes a PNG there (parent folders are created) at :data:`DPI` dots per inch.
Figure sizes depend only on the *shapes* of the inputs and are whole quarter
inches, so the same inputs always give a PNG of the same pixel size,
``fig.get_size_inches() * DPI``.

Layouts follow the rest of the library: weights ``(F, C, kh, kw)``, one
sample ``(C, H, W)``, pixel positions ``(row, col)``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ._validate import fail, int_pair, integer, real_array
from .geometry import layer_spec, output_shape2d, receptive_field
from .model import History, Sequential
from .theory import conv_matrix

__all__ = ["DPI", "plot_kernels", "plot_feature_maps", "plot_history", "plot_receptive_field",
           "plot_conv_matrix", "save_pictures"]

DPI = 100                               # dots per inch of every saved PNG
INSTALL = 'pip install "convnet[plot]"'
DIVERGING = "RdBu_r"                    # negative blue, zero white, positive red
GRID_LIMIT = 64                         # more kernels are tiled into one image (fast)


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


def _symmetric_limit(values):
    """The largest finite |value| (1 when there is none), for a colour scale centred at 0."""
    finite = np.abs(values[np.isfinite(values)])
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def _shape_text(shape):
    return " x ".join(str(v) for v in shape)


# -- kernels ----------------------------------------------------------------------

def _kernel_grid(fig, weight, limit, fontsize):
    """One titled subplot per kernel w[f, c]; returns the last image (for the colour bar)."""
    maps, channels = weight.shape[:2]
    axes = fig.subplots(maps, channels, squeeze=False)
    for f in range(maps):
        for c in range(channels):
            ax = axes[f, c]
            image = ax.imshow(weight[f, c], cmap=DIVERGING, vmin=-limit, vmax=limit,
                              interpolation="nearest")                   # w[f, c]: (kh, kw)
            ax.set_title(f"map {f}, channel {c}", fontsize=fontsize)
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
    subplot each, titled "map f, channel c"; larger layers are tiled into one
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
    plt = _pyplot()

    maps, channels = weight.shape[:2]
    largest = max(maps, channels)
    cell = 1.25 if largest <= 4 else 1.0 if largest <= 8 else 0.75 if largest <= 16 else 0.5
    fig = _figure(plt, max(3.5, channels * cell + 1.25), maps * cell + 1.0)
    limit = _symmetric_limit(weight)
    if maps * channels <= GRID_LIMIT:
        image = _kernel_grid(fig, weight, limit, fontsize=8 if cell >= 1.0 else 6)
    else:
        image = _kernel_mosaic(fig, weight, limit)
    fig.colorbar(image, ax=fig.axes, label="weight", shrink=1.0 if maps <= 8 else 0.5)
    fig.suptitle(f"{type(layer).__name__} kernels w[f, c]\n(F, C, kh, kw) = {weight.shape}",
                 fontsize=9)
    return _finish(plt, fig, path)


# -- feature maps -----------------------------------------------------------------

def _activations(model, x):
    """Run one sample through ``model`` in evaluation mode, layer by layer.

    Returns the rows to draw, ``[(label, maps (C, H, W))]`` starting with the
    input, and the last vector output as ``(label, values (n,))`` or None.
    The layers' training flags are restored afterwards.
    """
    modes = [layer.training for layer in model.layers]
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
        for layer, mode in zip(model.layers, modes):
            layer.train(mode)
    return rows, vector


def plot_feature_maps(model, x, path=None, max_maps=8):
    """One sample's way through a network: the feature maps of every layer.

    The sample is run layer by layer in evaluation mode (Dropout off; the
    layers' training flags are restored afterwards).  The first row shows the
    input's channels, then one row per layer whose output is a stack of
    feature maps, labelled with the layer and its output shape (C x H x W);
    each row has its own colour scale.  The network's last vector output
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
    plt = _pyplot()

    rows, vector = _activations(model, x)
    columns = min(max_maps, max(maps.shape[0] for _, maps in rows))
    if vector is not None:
        columns = max(columns, 4)              # room for the bar chart
    cell = 1.25 if columns <= 4 else 1.0
    count = len(rows) + (vector is not None)
    fig = _figure(plt, columns * cell + 1.75, count * cell + 0.5)
    grid = fig.add_gridspec(count, columns)
    for r, (name, maps) in enumerate(rows):
        shown = min(maps.shape[0], max_maps)
        label = f"{name}\n{_shape_text(maps.shape)}"
        if shown < maps.shape[0]:
            label += f"\n(first {shown})"
        finite = maps[np.isfinite(maps)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        for c in range(shown):
            ax = fig.add_subplot(grid[r, c])
            ax.imshow(maps[c], cmap="gray" if r == 0 else "viridis", vmin=low, vmax=high,
                      interpolation="nearest")                            # (H, W)
            ax.set_title(f"{'channel' if r == 0 else 'map'} {c}", fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    if vector is not None:
        name, values = vector
        ax = fig.add_subplot(grid[-1, :])
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
    return _finish(plt, fig, path)


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
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig = _figure(plt, 10, 4)
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
    return _finish(plt, fig, path)


# -- receptive field ----------------------------------------------------------------

def plot_receptive_field(layers, output_pixel, input_shape, path=None):
    """The input pixels one output pixel of a layer stack depends on.

    The input grid (H, W) is drawn with the region seen by ``output_pixel``
    filled.  Where the field reaches beyond the image (onto padding), its
    full extent is outlined dashed and the part on padding hatched.

    Parameters
    ----------
    layers : sequence
        As :func:`convnet.geometry.receptive_field` accepts them: tuples
        ``(kernel, stride, padding, dilation)``, dicts or layer objects.
    output_pixel : (int, int)
        (row, col) in the stack's output.
    input_shape : (int, int)
        The input's (H, W).
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``output_pixel`` lies outside the stack's output for this input
        size, or a layer does not fit.

    Examples
    --------
    LMU sheet 4-2(b): ten 5x5 "same" layers, the pixel in a corner.

    ::

        fig = plot_receptive_field([(5, 1, "same")] * 10, (0, 0), (64, 64))
    """
    if hasattr(layers, "__iter__") and not isinstance(layers, (str, bytes, dict)):
        layers = list(layers)                  # a generator is read twice below
    field = receptive_field(layers)            # validates the layers
    row, col = int_pair(output_pixel, "output_pixel", minimum=0)
    height, width = int_pair(input_shape, "input_shape", minimum=1)
    out = (height, width)
    for index, layer in enumerate(layers):
        kernel, stride, pads, dilation = layer_spec(layer, index)
        out = output_shape2d(out, kernel, stride, pads, dilation)         # Eq. 8.18
    if row >= out[0] or col >= out[1]:
        fail("output_pixel", f"a pixel of the {out[0]}x{out[1]} output (row < {out[0]}, "
             f"col < {out[1]})", output_pixel)
    path = _output_path(path)
    plt = _pyplot()
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import MaxNLocator

    (fr0, fr1), (fc0, fc1) = field.region((row, col))                     # unclipped
    (r0, r1), (c0, c1) = field.region((row, col), (height, width))        # on the image
    fig = _figure(plt, 8, 6)
    ax = fig.add_subplot()
    # pixel (r, c) covers [c - 0.5, c + 0.5] x [r - 0.5, r + 0.5]
    ax.add_patch(Rectangle((fc0 - 0.5, fr0 - 0.5), fc1 - fc0 + 1, fr1 - fr0 + 1,
                           facecolor="none", edgecolor="tab:orange", hatch="//",
                           linewidth=0, zorder=1))                        # hatch shows on padding
    ax.add_patch(Rectangle((-0.5, -0.5), width, height, facecolor="#eeeeee",
                           edgecolor="black", linewidth=1.0, zorder=2))   # the input image
    if max(height, width) <= 64:                                          # one line per pixel
        ax.vlines(np.arange(width + 1) - 0.5, -0.5, height - 0.5, color="#999999",
                  linewidth=0.5, zorder=3.5)
        ax.hlines(np.arange(height + 1) - 0.5, -0.5, width - 0.5, color="#999999",
                  linewidth=0.5, zorder=3.5)
    seen = r0 <= r1 and c0 <= c1
    if seen:
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1,
                               facecolor="tab:orange", alpha=0.6, edgecolor="tab:red",
                               linewidth=1.5, zorder=3))
    ax.add_patch(Rectangle((fc0 - 0.5, fr0 - 0.5), fc1 - fc0 + 1, fr1 - fr0 + 1,
                           facecolor="none", edgecolor="tab:red", linestyle="--",
                           linewidth=1.2, zorder=4))                      # the whole field
    margin = 1.0
    ax.set_xlim(min(-0.5, fc0 - 0.5) - margin, max(width - 0.5, fc1 + 0.5) + margin)
    ax.set_ylim(max(height - 0.5, fr1 + 0.5) + margin,
                min(-0.5, fr0 - 0.5) - margin)                            # row 0 on top
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input column")
    ax.set_ylabel("input row")
    size_h, size_w = field.size
    on_image = (r1 - r0 + 1) * (c1 - c0 + 1) if seen else 0
    padded = size_h * size_w - on_image
    ax.legend(handles=[
        Patch(facecolor="#eeeeee", edgecolor="black", label=f"input {height} x {width}"),
        Patch(facecolor="tab:orange", alpha=0.6, edgecolor="tab:red",
              label=f"seen by output pixel ({row}, {col})"),
        Patch(facecolor="none", edgecolor="tab:red", linestyle="--", hatch="//",
              label=f"whole field; on padding: {padded} of {size_h * size_w}"),
    ], loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    where = (f"rows {r0}-{r1}, columns {c0}-{c1}" if seen else "padding only")
    ax.set_title(f"receptive field {size_h}x{size_w} of output pixel ({row}, {col}) "
                 f"of the {out[0]}x{out[1]} output\nsees input {where}", fontsize=10)
    return _finish(plt, fig, path)


# -- the weight-sharing matrix ------------------------------------------------------

def _tap_colours(count):
    """``count`` distinguishable colours, one per kernel weight."""
    from matplotlib import colormaps
    if count <= 10:
        return [colormaps["tab10"](i) for i in range(count)]
    if count <= 20:
        return [colormaps["tab20"](i) for i in range(count)]
    return [colormaps["turbo"](v) for v in np.linspace(0.05, 0.95, count)]


def plot_conv_matrix(k, input_shape, padding="valid", stride=1, order="C", path=None):
    """The weight-sharing matrix M of Eq. 8.12, ``vec(Z) = M vec(X)``, as a picture.

    Row r of M belongs to output pixel r, column j to input pixel j (in the
    stacking order ``order``).  Entries no kernel weight reaches are white;
    each kernel weight ``k[i, j]`` has its own colour wherever it appears, so
    the same weights can be seen repeated, shifted, in every row (weight
    sharing) in a narrow band (a local receptive field).  A weight that is
    itself 0 keeps its colour, so the band stays visible.  Matrices up to
    20 x 20 show the values in their cells.

    Parameters
    ----------
    k : array_like of shape (r, c)
    input_shape : (int, int)
        The image size (H, W).
    padding, stride, order
        As in :func:`convnet.theory.conv_matrix`.
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    Eq. 8.12: a 2x2 kernel on a 3x3 image, columns stacked.

    ::

        fig = plot_conv_matrix([[1, 3], [2, 4]], (3, 3), order="F")
    """
    k = real_array(k, "k", ndim=2, layout="(rows, cols)")                 # (r, c)
    values = conv_matrix(k, input_shape, padding, stride, order)          # (Ho*Wo, H*W)
    kh, kw = k.shape
    # The same matrix for the kernel 1, 2, ..., r*c names the weight behind each
    # entry (one output reads one input pixel through at most one weight).
    numbers = np.arange(1, kh * kw + 1, dtype=np.float64).reshape(kh, kw)
    taps = np.rint(conv_matrix(numbers, input_shape, padding, stride, order)).astype(int)
    path = _output_path(path)
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    rows, cols = values.shape
    count = kh * kw
    colours = _tap_colours(count)
    cell = min(0.4, 10.0 / cols, 8.0 / rows)                              # inches per entry
    legend = count <= 25
    legend_columns = math.ceil(count / 13)
    fig = _figure(plt, cols * cell + 1.25 + (1.75 * legend_columns if legend else 0),
                  max(3.0, rows * cell + 1.5))
    ax = fig.add_subplot()
    ax.imshow(taps, cmap=ListedColormap(["white", *colours]), vmin=-0.5, vmax=count + 0.5,
              interpolation="nearest")                                    # 0 = no weight
    if max(rows, cols) <= 40:
        ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="#cccccc", linewidth=0.5)
        ax.tick_params(which="minor", length=0)
    if cols <= 20:
        ax.set_xticks(np.arange(cols))
    if rows <= 20:
        ax.set_yticks(np.arange(rows))
    ax.tick_params(labelsize=7)
    if rows <= 20 and cols <= 20:
        for r, c in zip(*np.nonzero(taps)):
            ax.text(c, r, f"{values[r, c]:g}", ha="center", va="center", fontsize=7)
    ax.set_xlabel("input pixel (vec index)")
    ax.set_ylabel("output pixel")
    if legend:
        handles = [Patch(facecolor=colours[i * kw + j], label=f"k[{i}, {j}] = {k[i, j]:g}")
                   for i in range(kh) for j in range(kw)]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7,
                  ncol=legend_columns, title="kernel weight", title_fontsize=8)
    height, width = int_pair(input_shape, "input_shape")
    ax.set_title(f"Eq. 8.12: vec(Z) = M vec(X), M is {rows} x {cols}\n"
                 f"{kh}x{kw} kernel on a {height}x{width} image, {order!r}-order vec",
                 fontsize=9)
    return _finish(plt, fig, path)


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
