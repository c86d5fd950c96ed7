"""Pictures of which inputs an output sees: receptive fields and the matrix of Eq. 8.12."""

from __future__ import annotations

import math

import numpy as np

from .._validate import fail, int_pair, real_array
from ..geometry import output_shape2d
from ..receptive_field import layer_spec, receptive_field
from ..theory import conv_matrix
from ._common import _figure, _finish, _matplotlib, _output_path

__all__ = ["plot_receptive_field", "plot_conv_matrix"]


# -- receptive field ----------------------------------------------------------------

def plot_receptive_field(layers, output_pixel, input_shape, path=None):
    """The input pixels one output pixel of a layer stack depends on.

    The input grid (H, W) is drawn with the region seen by ``output_pixel``
    filled.  Where the field reaches beyond the image (onto padding), its
    full extent is outlined dashed and the part on padding hatched.

    Parameters
    ----------
    layers : sequence
        As :func:`convnet.receptive_field.receptive_field` accepts them: tuples
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
    _matplotlib()
    from matplotlib.patches import Rectangle

    (fr0, fr1), (fc0, fc1) = field.region((row, col))                     # unclipped
    (r0, r1), (c0, c1) = field.region((row, col), (height, width))        # on the image
    fig = _figure(8, 6)
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
    _label_field(ax, field, (row, col), (height, width), out, seen)
    return _finish(fig, path)


def _label_field(ax, field, pixel, input_hw, out, seen):
    """Limits, axis labels, legend and title of :func:`plot_receptive_field`'s picture."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator
    (row, col), (height, width) = pixel, input_hw
    (fr0, fr1), (fc0, fc1) = field.region(pixel)                           # unclipped
    (r0, r1), (c0, c1) = field.region(pixel, input_hw)                     # on the image
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
    _matplotlib()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    rows, cols = values.shape
    count = kh * kw
    colours = _tap_colours(count)
    cell = min(0.4, 10.0 / cols, 8.0 / rows)                              # inches per entry
    legend = count <= 25
    legend_columns = math.ceil(count / 13)
    fig = _figure(cols * cell + 1.25 + (1.75 * legend_columns if legend else 0),
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
    return _finish(fig, path)
