"""What the input gradient shows: saliency maps, adversarial examples, class models.

All three are made of one quantity, the gradient of a class score (or of the
loss) with respect to the input image, computed by the model's own backward
pass (Eq. 8.29 run down to the input, Eq. 8.44-8.45 in each convolution).
Scores are the network's outputs *before* any softmax (Simonyan et al.
2014, Sec. 2: the softmax couples the classes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import fail, integer, real_number
from ..losses import SoftmaxCrossEntropy, class_labels
from ._session import (batches, checked_images, checked_model, checked_target, class_scores,
                       input_gradient, model_dtype, target_seed, untouched)

__all__ = ["saliency", "fgsm", "Adversarial", "class_model", "ClassModel"]


def saliency(model, x, target, batch_size=256):
    """Image-specific class saliency: ``M_ij = max_c |dS_t / dx_cij|`` (Simonyan et al. 2014).

    Parameters
    ----------
    model : Sequential
        A classifier whose output is (N, K) class scores.
    x : array_like of shape (N, C, H, W), or one image (C, H, W)
    target : int or array_like of shape (N,)
        The class ``t`` whose score is explained, for every image or one each.
    batch_size : int, default 256
        Images per forward-backward pass.

    Returns
    -------
    ndarray of shape (N, H, W), or (H, W) for one image
        The largest absolute derivative over the channels, in the model's dtype.

    Raises
    ------
    TypeError, ValueError
        A model that is not a Sequential or not a classifier, an ``x`` that
        is not an image batch or does not get through the model, a target
        outside ``[0, K)``.

    Notes
    -----
    ``w = dS_t/dx`` is the linear approximation ``S_t(x + d) ~ S_t(x) + w . d``
    (Simonyan et al., Eq. 2); the map keeps ``|w|`` and the channel where it
    is largest (their Sec. 3.1).  The model's parameters, gradients and
    modes are left as they were (it runs in evaluation mode).

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep inside convolutional
    networks: visualising image classification models and saliency maps",
    ICLR workshop 2014.

    Examples
    --------
    A one-layer "network" whose score is ``2 x_00 - 3 x_01``: its saliency
    is the absolute weights.

    >>> from convnet import Sequential
    >>> from convnet.layers import Flatten, Dense
    >>> model = Sequential(Flatten(), Dense(2, 1, dtype=np.float64, rng=0))
    >>> model[1].params["weight"][:] = [[2.0, -3.0]]
    >>> saliency(model, np.zeros((1, 1, 2)), 0)
    array([[2., 3.]])
    """
    model = checked_model(model)
    x, single = checked_images(x)
    batch_size = integer(batch_size, "batch_size", minimum=1)
    target = _per_sample(model, x, target)
    maps = np.empty((x.shape[0], x.shape[2], x.shape[3]), dtype=model_dtype(model))  # (N, H, W)
    with untouched(model):
        for part in batches(len(x), batch_size):
            _, dx = input_gradient(model, x[part], target_seed(target[part]))  # (n, C, H, W)
            maps[part] = np.abs(dx).max(axis=1)                  # max over channels of |w|
    return maps[0] if single else maps


class Adversarial(NamedTuple):
    """What :func:`fgsm` returns: the adversarial images and what they do to the model."""

    x: np.ndarray               # (N, C, H, W) adversarial images
    accuracy: float             # on the adversarial images
    clean_accuracy: float       # on the images given
    predictions: np.ndarray     # (N,) classes predicted for the adversarial images
    clean_predictions: np.ndarray   # (N,) classes predicted for the images given


def fgsm(model, x, y, epsilon, clip=None, batch_size=256) -> Adversarial:
    """Fast gradient sign adversarial examples: ``x + epsilon sign(dJ/dx)`` (Goodfellow et al. 2015).

    Parameters
    ----------
    model : Sequential
        A classifier whose output is (N, K) class scores.
    x : array_like of shape (N, C, H, W)
    y : array_like of shape (N,)
        The true classes.
    epsilon : float >= 0
        The size of the step of every pixel (the max-norm of the change).
    clip : (low, high), optional
        Keep the pixels of the adversarial images in ``[low, high]`` (e.g.
        ``(0, 1)`` for the digits); None: no clipping, as in the paper.
    batch_size : int, default 256

    Returns
    -------
    Adversarial
        ``(x, accuracy, clean_accuracy, predictions, clean_predictions)``.

    Notes
    -----
    ``J`` is the mean softmax cross-entropy of the model's scores for the
    labels ``y``; ``sign(dJ/dx)`` moves every pixel by ``epsilon`` in the
    direction that increases it to first order, the largest increase a
    change of max-norm ``epsilon`` can make to a linear function (Goodfellow
    et al., Sec. 3, ``eta = epsilon sign(grad_x J(theta, x, y))``).  Where
    the gradient is exactly 0 the pixel stays.  The model is left as it was.

    References
    ----------
    I. Goodfellow, J. Shlens, C. Szegedy, "Explaining and harnessing
    adversarial examples", ICLR 2015.
    """
    model = checked_model(model)
    x, _ = checked_images(x, batch_only=True)
    epsilon = real_number(epsilon, "epsilon", minimum=0.0)
    low, high = _clip(clip)
    batch_size = integer(batch_size, "batch_size", minimum=1)
    scores = class_scores(model, x[:1])
    y = class_labels(y, len(x), scores.shape[1], "y")
    adversarial = np.empty_like(x, dtype=np.result_type(x, model_dtype(model)))
    clean = np.empty(len(x), dtype=np.intp)
    loss = SoftmaxCrossEntropy()
    with untouched(model):
        for part in batches(len(x), batch_size):
            def seed(scores, labels=y[part]):
                loss.forward(scores, labels)                         # J
                return loss.backward()                               # dJ/dscores (n, K)
            scores, dx = input_gradient(model, x[part], seed)         # (n, K), (n, C, H, W)
            clean[part] = scores.argmax(axis=1)
            adversarial[part] = np.clip(x[part] + epsilon * np.sign(dx), low, high)
    predicted = class_scores(model, adversarial).argmax(axis=1)      # (N,)
    return Adversarial(adversarial, float(np.mean(predicted == y)), float(np.mean(clean == y)),
                       predicted, clean)


class ClassModel(NamedTuple):
    """What :func:`class_model` returns: the image and the objective along the way."""

    image: np.ndarray           # (C, H, W)
    scores: np.ndarray          # (steps + 1,) S_t(I) before each step and after the last
    objective: np.ndarray       # (steps + 1,) S_t(I) - l2 ||I||^2


def class_model(model, target, steps=100, lr=0.1, l2=0.01, *, input_shape, start=None,
                clip=None) -> ClassModel:
    """The image a class likes best: gradient ascent on ``S_t(I) - l2 ||I||^2`` (Simonyan et al. 2014).

    Parameters
    ----------
    model : Sequential
        A classifier whose output is (N, K) class scores.
    target : int
        The class ``t``.
    steps : int >= 0, default 100
    lr : float > 0, default 0.1
        The step size of the ascent.
    l2 : float >= 0, default 0.01
        The weight ``lambda`` of the L2 penalty that keeps the image small.
    input_shape : tuple of 3 ints
        ``(C, H, W)`` of the model's images.
    start : array_like of shape input_shape, optional
        Where the ascent starts; the zero image by default (as in the paper).
        A network whose units are all off at zero (a ReLU after a negative
        bias everywhere) has a zero gradient there: start elsewhere.
    clip : (low, high), optional
        Keep the pixels in ``[low, high]`` after every step.

    Returns
    -------
    ClassModel
        ``(image, scores, objective)``.

    Notes
    -----
    One step: ``I <- I + lr (dS_t/dI - 2 l2 I)``, the gradient of the
    objective of Simonyan et al. (Eq. 1, ``argmax_I S_c(I) - lambda
    ||I||_2^2``).  The model is left as it was.
    """
    model = checked_model(model)
    shape = _shape(input_shape)
    steps = integer(steps, "steps", minimum=0)
    lr = real_number(lr, "lr", minimum=0.0, inclusive=(False, True))
    l2 = real_number(l2, "l2", minimum=0.0)
    low, high = _clip(clip)
    image = np.zeros((1, *shape), dtype=model_dtype(model))          # (1, C, H, W)
    if start is not None:
        start, _ = checked_images(start, "start")
        if start.shape[1:] != shape or len(start) != 1:
            fail("start", f"an image of shape {shape} (input_shape)", start,
                 given=f"shape {start.shape[1:] if len(start) == 1 else start.shape}")
        image[:] = start
    target = checked_target(target, 1, class_scores(model, image).shape[1])
    scores, objective = np.empty(steps + 1), np.empty(steps + 1)
    with untouched(model):
        for step in range(steps + 1):
            score, ds_di = input_gradient(model, image, target_seed(target))  # (1, K), (1, C, H, W)
            scores[step] = score[0, target[0]]
            objective[step] = scores[step] - l2 * float(np.sum(image * image))
            if step < steps:
                image = np.clip(image + lr * (ds_di - 2 * l2 * image), low, high)  # ascent
    return ClassModel(image[0], scores, objective)


def _per_sample(model, x, target) -> np.ndarray:
    """The target of every image, checked against the number of classes the model gives."""
    return checked_target(target, len(x), class_scores(model, x[:1]).shape[1])


def _clip(clip) -> tuple:
    if clip is None:
        return None, None
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        fail("clip", "None or a pair (low, high)", clip, error=TypeError)
    low = real_number(clip[0], "clip")
    high = real_number(clip[1], "clip")
    if low >= high:
        fail("clip", "a pair (low, high) with low < high", clip)
    return low, high


def _shape(input_shape) -> tuple:
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        fail("input_shape", "the shape (C, H, W) of one image", input_shape, error=TypeError)
    return tuple(integer(v, "input_shape", minimum=1) for v in input_shape)
