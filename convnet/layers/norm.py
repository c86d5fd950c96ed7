"""Normalisation layers: batch norm (over the batch, per channel) and group norm (per sample).

Thin classes over :func:`convnet.functional.batch_norm` and
:func:`convnet.functional.group_norm` and their backward passes (derived in
``docs/backprop.md``, Eq. N.1-N.14).  The learned scale and shift are
``params["weight"]`` and ``params["bias"]`` (γ and β; PyTorch's names);
batch norm's running statistics are ``state["running_mean"]`` and
``state["running_var"]``, with PyTorch's count of training batches
``state["num_batches_tracked"]`` (int64), saved, loaded and converted with
the model and restored by a training step that fails.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional as F
from .._budget import refuse_beyond_budget
from .._validate import boolean, fail, integer, real_number
from ..functional import inferring
from .base import Layer, check_dtype
from .init import initial_constant

__all__ = ["BatchNorm1D", "BatchNorm2D", "GroupNorm"]


def _momentum(value):
    """``momentum``: None (a cumulative average) or a number in [0, 1]."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail("momentum", "None or a real number in [0, 1]", value, error=TypeError)
    return real_number(value, "momentum", minimum=0.0, maximum=1.0)


def _affine_parameters(layer, count: int, name: str) -> None:
    """γ (ones) and β (zeros), one per channel, if ``layer.affine``; ``count`` within the budget.

    Without ``layer.bias`` (PyTorch's ``bias=False``) β is left out: a scale without a shift.
    """
    refuse_beyond_budget([(name, f"the per-channel arrays ({name})",
                           count * np.dtype(layer.dtype).itemsize)])
    if layer.affine:
        layer.params["weight"] = initial_constant(count, 1, layer.dtype)     # γ
        if layer.bias:
            layer.params["bias"] = initial_constant(count, 0, layer.dtype)   # β


def _affine_gradients(layer, dgamma, dbeta) -> None:
    """dγ and dβ (Eq. N.8, N.7) into ``layer.grads``, for the parameters the layer has."""
    if "weight" in layer.params:
        layer.grads["weight"] = dgamma
    if "bias" in layer.params:
        layer.grads["bias"] = dbeta


def _bias_config(layer) -> dict:
    """``bias=False`` when β is left out (unsaid otherwise: older files and reprs unchanged)."""
    return {} if layer.bias else {"bias": False}


class _BatchNorm(Layer):
    """What BatchNorm1D and BatchNorm2D share; they differ in the input they accept."""

    skips_input_gradient = True
    _NDIM: tuple = ()
    _LAYOUT = ""
    # A model file written before the count was kept lacks it: it loads as 0 (as in PyTorch).
    optional_state = ("num_batches_tracked",)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=np.float32, *, bias=True):
        super().__init__()
        self.num_features = integer(num_features, "num_features", minimum=1)
        self.eps = real_number(eps, "eps", minimum=0.0)
        self.momentum = _momentum(momentum)
        self.affine = boolean(affine, "affine")
        self.bias = boolean(bias, "bias")
        self.track_running_stats = boolean(track_running_stats, "track_running_stats")
        self.dtype = check_dtype(dtype)
        _affine_parameters(self, self.num_features, "num_features")
        if self.track_running_stats:
            self.state["running_mean"] = initial_constant(self.num_features, 0, self.dtype)
            self.state["running_var"] = initial_constant(self.num_features, 1, self.dtype)
            self.state["num_batches_tracked"] = np.zeros((), np.int64)     # PyTorch's buffer

    def config(self) -> dict:
        return dict(num_features=self.num_features, eps=self.eps, momentum=self.momentum,
                    affine=self.affine, track_running_stats=self.track_running_stats,
                    **_bias_config(self))

    def state_problem(self, state=None) -> str | None:
        """Why ``state`` (default: the layer's own, as read from a file) cannot be this layer's,
        or None if it can: a variance below zero, or a negative count of batches."""
        state = self.state if state is None else state
        var, count = state.get("running_var"), state.get("num_batches_tracked")
        if var is not None and np.any(var < 0):
            return f"{self!r} has a negative running_var ({float(np.min(var))})"
        if count is not None and count < 0:
            return f"{self!r} has a negative num_batches_tracked ({int(count)})"
        return None

    def output_shape(self, input_shape):
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
        if (shape is None or len(shape) + 1 not in self._NDIM
                or integer(shape[0], "input_shape", minimum=1) != self.num_features):
            fail("input_shape", f"a per-sample shape {self._LAYOUT[4:]} with C = "
                 f"{self.num_features} for {self!r}", input_shape)
        return shape

    def _arguments(self) -> tuple:
        """γ, β and the running statistics (None without them), as the functional pair takes them."""
        return (self.params.get("weight"), self.params.get("bias"),
                self.state.get("running_mean"), self.state.get("running_var"))

    def _factor(self) -> float:
        """The weight of this batch in the running statistics (PyTorch's exponential_average_factor).

        ``momentum``, or with ``momentum=None`` 1 / (the batches counted, this
        one included): the running statistics are then the plain average of
        every batch's (a cumulative moving average).
        """
        if self.momentum is not None:
            return self.momentum
        return 1.0 / float(self.state["num_batches_tracked"] + 1)

    def forward(self, x):
        x = self._input(x, ndim=self._NDIM, layout=self._LAYOUT, dtype=self.dtype)
        if x.shape[1] != self.num_features:
            fail("x", f"of shape {self._LAYOUT} with C = {self.num_features} for {self!r}", x,
                 given=f"shape {x.shape}")
        tracking = self.track_running_stats         # False: the batch's statistics, always
        if inferring():               # evaluation mode; nothing written to the layer
            return F.batch_norm(x, *self._arguments(), not tracking, 0.0, self.eps)
        updating = self._in_training() and tracking   # the running statistics move
        by_batch = self._in_training() or not tracking
        self._cache = None
        y, saved = F.batch_norm(x, *self._arguments(), by_batch,
                                self._factor() if updating else 0.0, self.eps,
                                return_saved=True)
        if updating:
            self.state["num_batches_tracked"] += 1      # in place: model.state() holds it
        self._keep((x, saved, by_batch))
        return y

    def backward(self, dy, input_gradient=True):
        """Eq. N.13 (training mode) or N.14 (evaluation mode); dγ, dβ by Eq. N.8, N.7."""
        x, saved, training = self._saved()
        dy = self._grad_output(dy, x.shape, self.dtype)
        dx, dgamma, dbeta = F.batch_norm_backward(dy, x, *self._arguments(), training,
                                                  self.eps, saved=saved,
                                                  input_gradient=input_gradient)
        _affine_gradients(self, dgamma, dbeta)
        return dx


class BatchNorm2D(_BatchNorm):
    """Batch normalisation of feature maps ("spatial"): each channel over the batch and positions.

    In training mode every channel is normalised by the mean and (biased)
    variance of its N*H*W values in the batch, then scaled by ``weight`` (γ)
    and shifted by ``bias`` (β); the running statistics move towards the
    batch's by ``momentum``, the variance in its unbiased form (Eq. N.1-N.5),
    and ``state["num_batches_tracked"]`` counts the batch.
    In evaluation mode, and always inside :class:`convnet.inference`, the
    running statistics normalise instead and nothing is updated (Eq. N.6).
    As ``torch.nn.BatchNorm2d``, the same arguments in the same order
    (``dtype`` after them; no ``device``, and not its keyword ``bias``).

    Parameters
    ----------
    num_features : int
        C, the channels of the input.
    eps : float >= 0, default 1e-5
        Added to the variance before the square root.
    momentum : float in [0, 1] or None, default 0.1
        ``running = (1 - momentum) * running + momentum * batch statistic``.
        None: a cumulative moving average, the k-th batch weighted 1/k
        (k = ``num_batches_tracked`` after counting it), so the running
        statistics are the plain average of every batch's (PyTorch's
        ``exponential_average_factor``).  PyTorch takes any float; values
        outside [0, 1] are refused here (they make no average).
    affine : bool, default True
        Learn γ (``params["weight"]``, ones at first) and β
        (``params["bias"]``, zeros); without, the output is x̂ itself.
    track_running_stats : bool, default True
        Keep ``state["running_mean"]``, ``state["running_var"]`` and
        ``state["num_batches_tracked"]``.  False: ``state`` is empty (PyTorch's
        buffers are None and not in its ``state_dict``) and the batch's own
        statistics normalise in training *and* evaluation mode.
    dtype : float32 or float64, default float32
    bias : bool, default True (keyword only)
        False leaves β out (with ``affine``): a learnt scale, no shift, as
        PyTorch's keyword of the same name.

    Shape
    -----
    (N, C, H, W) -> (N, C, H, W).  ``weight``, ``bias`` and
    ``state["running_mean"]``, ``state["running_var"]`` (zeros and ones at
    first) are (C,); ``state["num_batches_tracked"]`` is an int64 scalar (0
    at first).  Training needs N*H*W > 1 (and so does evaluation without
    running statistics).

    Examples
    --------
    Two images of one 1x1 map, 1 and 3: mean 2, variance 1, so they become
    about -1 and 1; the running mean moves from 0 a tenth of the way to 2,
    the running variance from 1 a tenth of the way to the unbiased 2:

    >>> layer = BatchNorm2D(1)
    >>> layer.forward(np.array([1.0, 3.0]).reshape(2, 1, 1, 1)).ravel()
    array([-0.999995,  0.999995], dtype=float32)
    >>> layer.state["running_mean"], layer.state["running_var"]
    (array([0.2], dtype=float32), array([1.1], dtype=float32))
    >>> layer.eval().forward(np.full((1, 1, 1, 1), 1.3)).ravel()    # (1.3 - 0.2) / sqrt(1.1)
    array([1.0488], dtype=float32)
    >>> layer.state["num_batches_tracked"]          # one training batch counted
    array(1)

    With ``momentum=None`` two batches, of means 2 and 7, leave their
    average (2 + 7) / 2:

    >>> layer = BatchNorm2D(1, momentum=None)
    >>> for batch in ([1.0, 3.0], [5.0, 9.0]):
    ...     _ = layer.forward(np.array(batch).reshape(2, 1, 1, 1))
    >>> layer.state["running_mean"], layer.state["num_batches_tracked"]
    (array([4.5], dtype=float32), array(2))
    """

    _NDIM = (4,)
    _LAYOUT = "(N, C, H, W)"


class BatchNorm1D(_BatchNorm):
    """Batch normalisation of features (after ``Dense``): each feature over the batch.

    As :class:`BatchNorm2D` with one value per feature and sample, or a
    sequence of them: the input is (N, C), or (N, C, L) normalised over N
    and L, as ``torch.nn.BatchNorm1d``.

    Parameters
    ----------
    num_features, eps, momentum, affine, track_running_stats, dtype
        As :class:`BatchNorm2D`.

    Shape
    -----
    (N, C) -> (N, C), or (N, C, L) -> (N, C, L).  Training needs N*L > 1.

    Examples
    --------
    >>> layer = BatchNorm1D(2, eps=0.0)
    >>> layer.forward(np.array([[1.0, 10.0], [3.0, 30.0]]))   # each column: mean, spread
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """

    _NDIM = (2, 3)
    _LAYOUT = "(N, C) or (N, C, L)"


class GroupNorm(Layer):
    """Group normalisation: each sample's channels, in groups, by their own mean and variance.

    The C channels fall into ``num_groups`` groups of C / G consecutive
    channels; each group of each sample is normalised over its channels
    and positions (Eq. N.1-N.3), then every channel is scaled by ``weight``
    (γ) and shifted by ``bias`` (β).  The same in training and evaluation:
    no running statistics.  As ``torch.nn.GroupNorm``.

    * ``GroupNorm(1, C)`` is **layer normalisation**: each sample over all
      of its values (``torch.nn.LayerNorm((C, H, W))`` with one γ, β per
      channel rather than per value);
    * ``GroupNorm(C, C)`` is **instance normalisation**: each map on its own
      (``torch.nn.InstanceNorm2d(C, affine=True)``).

    Parameters
    ----------
    num_groups : int
        G, a divisor of ``num_channels``.
    num_channels : int
        C.
    eps : float >= 0, default 1e-5
    affine : bool, default True
        Learn γ (ones at first) and β (zeros), one per channel.
    dtype : float32 or float64, default float32
    bias : bool, default True (keyword only)
        False leaves β out (with ``affine``), as PyTorch's keyword.

    Shape
    -----
    (N, C, ...) -> the same shape; ``weight`` and ``bias`` are (C,).

    Examples
    --------
    One sample, two channels of two positions each:

    >>> x = np.array([-7.0, -1.0, 1.0, 7.0]).reshape(1, 2, 2, 1)
    >>> GroupNorm(1, 2, eps=0.0).forward(x).ravel()    # layer norm: mean 0, variance 100/4
    array([-1.4, -0.2,  0.2,  1.4], dtype=float32)
    >>> GroupNorm(2, 2, eps=0.0).forward(x).ravel()    # instance norm: (-7, -1), (1, 7)
    array([-1.,  1., -1.,  1.], dtype=float32)
    """

    skips_input_gradient = True

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=np.float32, *,
                 bias=True):
        super().__init__()
        self.num_groups = integer(num_groups, "num_groups", minimum=1)
        self.num_channels = integer(num_channels, "num_channels", minimum=1)
        if self.num_channels % self.num_groups:
            fail("num_channels", f"divisible by num_groups = {self.num_groups}",
                 num_channels)
        self.eps = real_number(eps, "eps", minimum=0.0)
        self.affine = boolean(affine, "affine")
        self.bias = boolean(bias, "bias")
        self.dtype = check_dtype(dtype)
        _affine_parameters(self, self.num_channels, "num_channels")

    def config(self) -> dict:
        return dict(num_groups=self.num_groups, num_channels=self.num_channels, eps=self.eps,
                    affine=self.affine, **_bias_config(self))

    def output_shape(self, input_shape):
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
        if not shape or integer(shape[0], "input_shape", minimum=1) != self.num_channels:
            fail("input_shape", f"a per-sample shape (C, ...) with C = {self.num_channels} "
                 f"for {self!r}", input_shape)
        return shape

    def forward(self, x):
        x = self._input(x, ndim=range(2, 33), layout="(N, C, ...)", dtype=self.dtype)
        if x.shape[1] != self.num_channels:
            fail("x", f"of shape (N, {self.num_channels}, ...) for {self!r}", x,
                 given=f"shape {x.shape}")
        gamma, beta = self.params.get("weight"), self.params.get("bias")
        if inferring():
            return F.group_norm(x, self.num_groups, gamma, beta, self.eps)
        self._cache = None
        y, saved = F.group_norm(x, self.num_groups, gamma, beta, self.eps, return_saved=True)
        self._keep((x, saved))
        return y

    def backward(self, dy, input_gradient=True):
        """Eq. N.13 over each group; dγ, dβ by Eq. N.8, N.7."""
        x, saved = self._saved()
        dy = self._grad_output(dy, x.shape, self.dtype)
        dx, dgamma, dbeta = F.group_norm_backward(
            dy, x, self.num_groups, self.params.get("weight"), self.params.get("bias"),
            self.eps, saved=saved, input_gradient=input_gradient)
        _affine_gradients(self, dgamma, dbeta)
        return dx
