"""Normalisation, forward beside backward (the public face): batch norm and group norm.

Both normalise a set of m values to mean 0 and variance 1 and then scale and
shift every channel by a learned ``gamma`` and ``beta`` (Eq. N.1-N.4 of
``docs/backprop.md``, where the backward pass is derived):

* :func:`batch_norm`: the set is one channel over the batch and every
  position ("spatial" batch norm for ``x`` (N, C, H, W), per feature for
  (N, C)); in evaluation mode the running statistics replace the batch's.
* :func:`group_norm`: the set is one group of C / G channels of one sample;
  one group is layer norm, C groups instance norm.

Each call goes to the selected engine; the readable code is in
:mod:`convnet.functional.plain.norm`, the loops in :mod:`convnet.reference.norm`.
"""

from __future__ import annotations

from .engines import backward_engine, implementation

__all__ = ["batch_norm", "batch_norm_backward", "group_norm", "group_norm_backward"]


def batch_norm(x, gamma=None, beta=None, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5, *, return_saved=False):
    """Batch normalisation: every channel normalised over the batch, then scaled and shifted.

    In training mode, for each channel c over the m = N*H*W values of the
    batch (Eq. N.1-N.4)::

        mu = mean(x[:, c]),  var = mean((x[:, c] - mu)^2)    (biased)
        y[:, c] = gamma[c] * (x[:, c] - mu) / sqrt(var + eps) + beta[c]

    and, if running statistics are given, they are updated **in place**
    (Eq. N.5, as PyTorch does)::

        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)

    (the running variance is the unbiased estimate, the normalisation uses
    the biased one).  In evaluation mode (``training=False``) the running
    statistics take the place of ``mu`` and ``var`` and nothing is updated
    (Eq. N.6).

    Parameters
    ----------
    x : array_like of shape (N, C) or (N, C, H, W) (any (N, C, ...))
    gamma, beta : array_like of shape (C,), optional
        The scale and the shift (PyTorch's ``weight`` and ``bias``); None
        leaves them out (scale 1, shift 0).
    running_mean, running_var : ndarray of shape (C,), optional
        Both or neither.  In training mode they must be float32 or float64
        ndarrays, updated in place; in evaluation mode they are required and
        only read.
    training : bool, default True
        Normalise by the batch's statistics (True) or the running ones.
    momentum : float in [0, 1], default 0.1
        The weight of the batch in the running statistics.
    eps : float >= 0, default 1e-5
        Added to the variance before the square root.
    return_saved : bool, default False
        Also return the record (:class:`~convnet.functional.Saved`) that
        :func:`batch_norm_backward` accepts as ``saved=`` (x̂ and 1/σ, or
        what the engine needs to get them).

    Returns
    -------
    y : ndarray, the shape of x
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    ``y`` has the shape of ``x``; ``gamma``, ``beta`` and the running
    statistics are (C,), one per channel (axis 1).

    Raises
    ------
    ValueError, TypeError
        A wrong shape or dtype; only one of the running statistics; none in
        evaluation mode; in training mode running statistics that cannot be
        updated in place (a list, a read-only array) or a single value per
        channel (N*H*W = 1, as PyTorch: "Expected more than 1 value per
        channel when training"); momentum outside [0, 1]; eps < 0.

    Notes
    -----
    The semantics of ``torch.nn.functional.batch_norm``, with two
    differences in the call: the arguments come in the library's order (x,
    then the parameters, as in ``conv2d(x, w, b)``) and ``training`` defaults
    to True with no running statistics required (PyTorch: ``batch_norm(x,
    running_mean, running_var, weight, bias, training=False, ...)``), so
    that ``batch_norm(x)`` normalises by the batch, which is what the
    derivation treats.  Keywords name the same things.  ``momentum`` is a
    number, as in PyTorch's function: the layers' ``momentum=None`` (a
    cumulative average) is theirs to turn into 1 / the batches counted.

    Examples
    --------
    Two samples of one feature, 1 and 3: mean 2, variance ((1-2)^2 + (3-2)^2)/2 = 1,
    so they normalise to -1 and 1 (with eps = 0 exactly; 1e-5 makes it 0.999995):

    >>> x = np.array([[1.0], [3.0]])
    >>> batch_norm(x, eps=0.0)
    array([[-1.],
           [ 1.]])
    >>> batch_norm(x, gamma=[2.0], beta=[0.5], eps=0.0)      # 2 * (-1) + 0.5, 2 * 1 + 0.5
    array([[-1.5],
           [ 2.5]])

    The running statistics move a tenth of the way towards the batch's; the
    variance is the unbiased one, ((1-2)^2 + (3-2)^2) / (2 - 1) = 2:

    >>> running_mean, running_var = np.zeros(1), np.ones(1)
    >>> _ = batch_norm(x, running_mean=running_mean, running_var=running_var)
    >>> running_mean, running_var                # 0.9 * 0 + 0.1 * 2, 0.9 * 1 + 0.1 * 2
    (array([0.2]), array([1.1]))

    In evaluation mode they are used instead: (1 - 2) / sqrt(4) = -0.5.

    >>> batch_norm(x, running_mean=[2.0], running_var=[4.0], training=False, eps=0.0)
    array([[-0.5],
           [ 0.5]])
    """
    return implementation().batch_norm(x, gamma, beta, running_mean, running_var, training,
                                       momentum, eps, return_saved=return_saved)


def batch_norm_backward(dz, x, gamma=None, beta=None, running_mean=None, running_var=None,
                        training=True, eps=1e-5, *, saved=None, input_gradient=True):
    """Gradients of :func:`batch_norm`: ``(dx, dgamma, dbeta)``.

    With x̂ = (x - mu) / σ, σ = sqrt(var + eps), and the sums over the m
    values of a channel (Eq. N.7, N.8, N.13 of ``docs/backprop.md``)::

        dbeta  = sum dz
        dgamma = sum dz * x̂
        dx     = (1/m) (gamma / σ) (m dz - sum dz - x̂ sum(dz * x̂))      (training)
        dx     = (gamma / sqrt(running_var + eps)) dz                     (evaluation, Eq. N.14)

    In training mode the mean and the variance depend on every x, hence
    the two sums; in evaluation mode they are constants.

    Parameters
    ----------
    dz : array_like, the shape of x
        The sensitivity of the output.
    x, gamma, beta, running_mean, running_var, training, eps
        As given to :func:`batch_norm` (the running statistics matter only
        in evaluation mode; ``beta``'s values do not matter, only whether
        it is None).
    saved : Saved, optional
        The record of ``batch_norm(..., return_saved=True)``: the forward's
        x̂ and 1/σ are used instead of being computed again.
    input_gradient : bool, default True
        ``False`` skips ``dx`` (None).

    Returns
    -------
    dx : ndarray, the shape of x (None with ``input_gradient=False``)
    dgamma, dbeta : ndarray of shape (C,), or None where gamma / beta is None

    Raises
    ------
    ValueError, TypeError
        As :func:`batch_norm`; ``dz`` of another shape than x; a record of
        another operation or other arguments.

    Examples
    --------
    x = 1, 1, 3, 3 (one feature): mean 2, variance 1, x̂ = -1, -1, 1, 1.  With
    dz = 1, 0, 0, 0: sum dz = 1, sum dz x̂ = -1, so dx = (4 dz - 1 + x̂) / 4:

    >>> x = np.array([[1.0], [1.0], [3.0], [3.0]])
    >>> dz = np.array([[1.0], [0.0], [0.0], [0.0]])
    >>> dx, dgamma, dbeta = batch_norm_backward(dz, x, [1.0], [0.0], eps=0.0)
    >>> dx.ravel(), dgamma, dbeta        # (4-1-1)/4, (0-1-1)/4, (0-1+1)/4, (0-1+1)/4
    (array([ 0.5, -0.5,  0. ,  0. ]), array([-1.]), array([1.]))
    """
    return backward_engine(saved).batch_norm_backward(
        dz, x, gamma, beta, running_mean, running_var, training, eps, saved=saved,
        input_gradient=input_gradient)


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5, *, return_saved=False):
    """Group normalisation: each sample's channels normalised in groups, then scaled and shifted.

    The C channels of each sample fall into ``num_groups`` groups of C / G
    consecutive channels; each group is normalised over its channels and
    positions by its own mean and (biased) variance (Eq. N.1-N.3), then
    every channel is scaled and shifted (Eq. N.4).  No running statistics:
    training and evaluation compute the same.  ``num_groups=1`` is layer
    normalisation (each sample over all of its values), ``num_groups=C``
    instance normalisation (each map on its own).

    Parameters
    ----------
    x : array_like of shape (N, C, ...)
    num_groups : int
        A divisor of C.
    gamma, beta : array_like of shape (C,), optional
        One scale and one shift per channel (PyTorch's ``weight`` and ``bias``).
    eps : float >= 0, default 1e-5
    return_saved : bool, default False
        Also return the record that :func:`group_norm_backward` accepts.

    Returns
    -------
    y : ndarray, the shape of x
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    ``y`` has the shape of ``x``; ``gamma`` and ``beta`` are (C,).

    Raises
    ------
    ValueError, TypeError
        A wrong shape or dtype, ``num_groups`` that does not divide C, eps < 0.

    Notes
    -----
    The semantics and argument order of ``torch.nn.functional.group_norm``
    (``weight``, ``bias`` are called ``gamma``, ``beta`` here).

    Examples
    --------
    One sample, four channels, two groups: (1, 3) normalises to (-1, 1), and so
    does (10, 14) (mean 12, variance 4):

    >>> group_norm(np.array([[1.0, 3.0, 10.0, 14.0]]), 2, eps=0.0)
    array([[-1.,  1., -1.,  1.]])
    """
    return implementation().group_norm(x, num_groups, gamma, beta, eps,
                                       return_saved=return_saved)


def group_norm_backward(dz, x, num_groups, gamma=None, beta=None, eps=1e-5, *, saved=None,
                        input_gradient=True):
    """Gradients of :func:`group_norm`: ``(dx, dgamma, dbeta)``.

    ``dx`` is Eq. N.13 over each group of each sample (m = C/G * H * W);
    ``dgamma = sum dz * x̂`` and ``dbeta = sum dz`` per channel, over the
    batch and the positions (Eq. N.8, N.7).

    Parameters
    ----------
    dz : array_like, the shape of x
    x, num_groups, gamma, beta, eps
        As given to :func:`group_norm`.
    saved : Saved, optional
        The record of ``group_norm(..., return_saved=True)``.
    input_gradient : bool, default True
        ``False`` skips ``dx`` (None).

    Returns
    -------
    dx : ndarray, the shape of x (None with ``input_gradient=False``)
    dgamma, dbeta : ndarray of shape (C,), or None where gamma / beta is None

    Raises
    ------
    ValueError, TypeError
        As :func:`group_norm`; ``dz`` of another shape than x.

    Examples
    --------
    Layer norm (one group) of one sample 1, 1, 3, 3: the numbers of
    :func:`batch_norm_backward`'s example, now across channels:

    >>> dx, dgamma, dbeta = group_norm_backward([[1.0, 0.0, 0.0, 0.0]], [[1.0, 1.0, 3.0, 3.0]],
    ...                                         1, np.ones(4), np.zeros(4), eps=0.0)
    >>> dx, dgamma, dbeta
    (array([[ 0.5, -0.5,  0. ,  0. ]]), array([-1.,  0.,  0.,  0.]), array([1., 0., 0., 0.]))
    """
    return backward_engine(saved).group_norm_backward(
        dz, x, num_groups, gamma, beta, eps, saved=saved, input_gradient=input_gradient)
