"""Why a network decides: saliency, Grad-CAM, occlusion, adversarial examples, class models.

The name: these are the tools of *looking into* a trained network, the
chapter epilogue's next topic (explainability) and CS231n's third
assignment.  ``convnet.explain`` was taken by the worked solutions of the
chapter's arithmetic; "interpretability" and "attribution" would each
name only part of what is here (an adversarial example explains nothing,
it exposes), so ``insight``: what the network sees, and how little it takes
to change its mind.

Everything is computed with the library's own forward and backward passes
(the gradient of a score with respect to the *input*, Eq. 8.29 run to the
bottom), on (N, C, H, W) batches.  Every function leaves the model as it
found it: parameters, gradients (the same arrays with the same values) and
each layer's training mode; it runs in evaluation mode, and what the last
forward kept for a backward is let go (as by ``model.free_memory()``).

=====================  ==================================================  ============================
function               computes                                            after
=====================  ==================================================  ============================
:func:`saliency`       ``max_c |dS_t/dx_c|`` per pixel                      Simonyan et al. 2014
:func:`grad_cam`       ``ReLU(sum_k alpha_k A^k)``, alpha = mean gradient  Selvaraju et al. 2017
:func:`occlusion`      score drop under a sliding grey patch               Zeiler & Fergus 2014
:func:`fgsm`           ``x + eps sign(dJ/dx)`` and the accuracy left       Goodfellow et al. 2015
:func:`class_model`    ``argmax_I S_t(I) - l2 ||I||^2`` by gradient ascent  Simonyan et al. 2014
=====================  ==================================================  ============================

The maths, with the chapter's notation, is in ``docs/insight.md``; the
pictures are in :mod:`convnet.viz` (``plot_attributions``,
``plot_adversarial``, ``plot_class_models``).
"""

from .cam import grad_cam
from .gradients import Adversarial, ClassModel, class_model, fgsm, saliency
from .occlusion import occlusion

__all__ = ["saliency", "grad_cam", "occlusion", "fgsm", "Adversarial", "class_model",
           "ClassModel"]
