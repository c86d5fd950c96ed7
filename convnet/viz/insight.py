"""Pictures of :mod:`convnet.insight`: attribution maps over their images, adversarial examples,
class models.

Built as :class:`~convnet.viz._common.Picture` figures (a
``matplotlib.figure.Figure`` unknown to pyplot): nothing stays open, and a
notebook shows the returned figure once, as a PNG.  Each function returns its figure and
writes a PNG when given ``path`` (a file name ending in ``.png``).
"""

from __future__ import annotations

import numpy as np

from .._validate import fail, integer, real_array
from ..insight import Adversarial
from ._common import _figure, _finish, _output_path

__all__ = ["plot_attributions", "plot_adversarial", "plot_class_models"]

HEAT = "inferno"                        # attribution maps: dark = nothing, bright = much
DIVERGING = "RdBu_r"                    # perturbations: negative blue, positive red
PANEL = 1.75                            # inches per image panel


def plot_attributions(x, maps, titles=None, path=None):
    """Each image above its attribution map (saliency, Grad-CAM or occlusion), with a colour scale.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W), or one image (C, H, W)
        Shown in grey (the mean over channels).
    maps : array_like of shape (N, h, w), or (h, w) for one image
        What :func:`~convnet.insight.saliency`, :func:`~convnet.insight.grad_cam`
        or :func:`~convnet.insight.occlusion` returned.  Drawn over the faint
        image; a map of another size than the image (an occlusion map of patch
        positions) is stretched over it.
    titles : sequence of str, optional
        One per image (e.g. "7, p = 0.98").
    path : str or os.PathLike, optional
        Also write the figure there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows and N columns, about 1.75 inches per panel.
    """
    x = _images(x, "x")
    maps = real_array(maps, "maps", ndim=(2, 3), layout="(h, w) or (N, h, w)")
    maps = maps[np.newaxis] if maps.ndim == 2 else maps
    if len(maps) != len(x):
        fail("maps", f"one map per image ({len(x)})", maps, given=f"shape {maps.shape}")
    titles = _titles(titles, len(x))
    path = _output_path(path)
    fig = _figure(PANEL * len(x) + 0.5, 2 * PANEL + 0.5)
    axes = fig.subplots(2, len(x), squeeze=False)
    for n in range(len(x)):
        grey = x[n].mean(axis=0)                                     # (H, W)
        extent = (-0.5, grey.shape[1] - 0.5, grey.shape[0] - 0.5, -0.5)
        axes[0, n].imshow(grey, cmap="gray", interpolation="nearest")
        axes[0, n].set_title(titles[n] if titles else f"image {n}", fontsize=8)
        axes[1, n].imshow(grey, cmap="gray", interpolation="nearest", alpha=0.35)
        heat = axes[1, n].imshow(maps[n], cmap=HEAT, alpha=0.75, extent=extent,
                                 interpolation="nearest")
        fig.colorbar(heat, ax=axes[1, n], shrink=0.8)
        for ax in axes[:, n]:
            ax.set_xticks([])
            ax.set_yticks([])
    return _finish(fig, path)


def plot_adversarial(x, result, titles=None, max_images=4, path=None):
    """Images, the FGSM perturbation, and the adversarial images, with the predicted classes.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
        The images given to :func:`~convnet.insight.fgsm`.
    result : Adversarial
        What :func:`~convnet.insight.fgsm` returned for them.
    titles : sequence of str, optional
        Class names, indexed by class (default: the class numbers).
    max_images : int, default 4
        The first ``max_images`` images are drawn, one per column.
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure
        Three rows: the image ("predicted: 3"), ``x_adv - x`` on a scale
        symmetric about 0, the adversarial image ("predicted: 8").
    """
    x = _images(x, "x", batch_only=True)
    if not isinstance(result, Adversarial):
        fail("result", "the Adversarial that convnet.insight.fgsm returned", result,
             error=TypeError)
    if result.x.shape != x.shape:
        fail("result", f"fgsm's result for x (adversarial images of shape {x.shape})", result,
             given=f"adversarial images of shape {result.x.shape}")
    count = min(integer(max_images, "max_images", minimum=1), len(x))
    names = None if titles is None else _titles(titles, None)
    path = _output_path(path)
    name = (lambda k: str(k)) if names is None else (lambda k: names[k] if k < len(names) else str(k))
    delta = result.x[:count] - x[:count]                             # (n, C, H, W)
    limit = float(np.abs(delta).max()) or 1.0
    fig = _figure(PANEL * count + 0.5, 3 * PANEL)
    axes = fig.subplots(3, count, squeeze=False)
    for n in range(count):
        axes[0, n].imshow(x[n].mean(axis=0), cmap="gray", interpolation="nearest")
        axes[0, n].set_title(f"predicted: {name(result.clean_predictions[n])}", fontsize=8)
        change = axes[1, n].imshow(delta[n].mean(axis=0), cmap=DIVERGING, vmin=-limit,
                                   vmax=limit, interpolation="nearest")
        axes[1, n].set_title("x_adv - x", fontsize=8)
        axes[2, n].imshow(result.x[n].mean(axis=0), cmap="gray", interpolation="nearest")
        axes[2, n].set_title(f"predicted: {name(result.predictions[n])}", fontsize=8)
        for ax in axes[:, n]:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(change, ax=axes[1, :].tolist(), shrink=0.8)
    return _finish(fig, path)


def plot_class_models(images, titles=None, path=None):
    """Class models (what :func:`~convnet.insight.class_model` found) side by side.

    Parameters
    ----------
    images : array_like of shape (K, C, H, W)
        One image per class; each is shown on its own grey scale (C = 1) or
        scaled to [0, 1] as colours (C = 3).
    titles : sequence of str, optional
        One per image (default "class k").
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = _images(images, "images", batch_only=True)
    if images.shape[1] not in (1, 3):
        fail("images", "grey (C = 1) or colour (C = 3) images", images,
             given=f"shape {images.shape}")
    titles = _titles(titles, len(images))
    path = _output_path(path)
    fig = _figure(PANEL * len(images), PANEL + 0.25)
    axes = fig.subplots(1, len(images), squeeze=False)[0]
    for k, (ax, image) in enumerate(zip(axes, images)):
        if image.shape[0] == 1:
            ax.imshow(image[0], cmap="gray", interpolation="nearest")
        else:
            low, high = image.min(), image.max()
            ax.imshow(np.moveaxis((image - low) / ((high - low) or 1.0), 0, -1),
                      interpolation="nearest")                       # (H, W, 3) in [0, 1]
        ax.set_title(titles[k] if titles else f"class {k}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return _finish(fig, path)


# -- helpers ----------------------------------------------------------------------------

def _images(x, name, batch_only=False):
    ndim = 4 if batch_only else (3, 4)
    x = real_array(x, name, ndim=ndim, layout="(N, C, H, W)" if batch_only else
                   "(C, H, W) or (N, C, H, W)")
    return x[np.newaxis] if x.ndim == 3 else x


def _titles(titles, count):
    if titles is None:
        return None
    if isinstance(titles, str) or not isinstance(titles, (list, tuple)):
        fail("titles", "None or a list of str", titles, error=TypeError)
    if count is not None and len(titles) != count:
        fail("titles", f"one title per image ({count})", titles, given=f"{len(titles)} titles")
    return [str(t) for t in titles]
