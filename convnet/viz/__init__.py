"""Pictures for teaching: kernels, feature maps, training curves, receptive fields, Eq. 8.12.

Also where a classifier goes wrong (``plot_confusion_matrix``,
``plot_misclassified``) and why it decides (``plot_attributions``,
``plot_adversarial``, ``plot_class_models``, for :mod:`convnet.insight`).

matplotlib is optional.  It is imported inside the functions, never when this
module is imported, and without it every function raises an ``ImportError``
that says what to install: ``pip install "convnet[plot]"``.  Nothing global is
changed: no backend is selected and no style or ``rcParams`` are set.

Every function returns a matplotlib ``Figure`` built without pyplot (as
matplotlib recommends for libraries): pyplot never knows of it, so a notebook
shows it exactly once when it is a cell's last expression (as a PNG), it is
never left open and never counts towards pyplot's "too many figures"
warning.  ``display(fig)`` shows one that is not a cell's last expression;
``fig.savefig(...)`` writes other formats.  With ``path`` a function also
writes a PNG there (parent folders are created) at :data:`DPI` dots per inch.
Figure sizes depend only on the *shapes* of the inputs and are whole quarter
inches, so the same inputs always give a PNG of the same pixel size,
``fig.get_size_inches() * DPI``.

Layouts follow the rest of the library: weights ``(F, C, kh, kw)``, one
sample ``(C, H, W)``, pixel positions ``(row, col)``.
"""

from ._common import DPI, save_pictures
from .connectivity import plot_conv_matrix, plot_receptive_field
from .insight import plot_adversarial, plot_attributions, plot_class_models
from .network import plot_feature_maps, plot_kernels
from .metrics import plot_confusion_matrix, plot_misclassified
from .training import plot_history

__all__ = ["DPI", "plot_kernels", "plot_feature_maps", "plot_history", "plot_receptive_field",
           "plot_conv_matrix", "save_pictures", "plot_confusion_matrix", "plot_misclassified",
           "plot_attributions", "plot_adversarial", "plot_class_models"]
