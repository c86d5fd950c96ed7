"""The transposed convolution ("deconvolution"), forward beside backward: the public face.

A transposed convolution runs a convolution's backward pass forward: it maps
x (N, C_in, H, W) to a larger (N, C_out, Hout, Wout) exactly as the input
gradient of a convolution from C_out maps to C_in maps with the same
weights, stride, padding and dilation maps dLZ to dA (Eq. T.1, Eq. 8.45).
Its own backward pass is that convolution's forward pass (Eq. T.2) and
weight gradient (Eq. T.3).  ``docs/backprop.md`` derives the three; the
plain engine (:mod:`convnet.functional.plain.conv_transpose`) calls the
convolution's own functions.
"""

from __future__ import annotations

from .engines import backward_engine, implementation

__all__ = ["conv_transpose2d", "conv_transpose2d_backward"]


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     *, return_saved=False):
    """Batched 2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    Each input pixel spreads ``x[n, c, i, j] * w[c, f]`` over the output
    window at ``(i*s - top, j*s - left)`` (taps ``d`` apart), and the
    windows add up (Eq. T.1)::

        z[n, f, i*s + u*d - top, j*s + v*d - left] += sum_c x[n, c, i, j] * w[c, f, u, v] (+ b[f])

    with ``c`` running over the input maps of output map ``f``'s group.  It
    is the input gradient of the convolution ``conv2d(z, w, stride=s,
    padding=p, dilation=d, groups=g)``, which maps the output back to the
    input's size: a stride-2 transposed convolution doubles the size where
    the convolution halves it (decoders, segmentation, GAN generators).

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W)
    w : array_like of shape (C_in, C_out/groups, kh, kw)
        The weights' layout of PyTorch (that of the convolution from C_out
        maps to C_in this one transposes).
    b : array_like of shape (C_out,), optional
        One bias per output map.
    stride, dilation : int or (int, int), default 1
    padding : int, pair or ((top, bottom), (left, right)), default 0
        The padding of the convolution being transposed: it is cut off the
        output (no strings, as in PyTorch).
    output_padding : int or (int, int), default 0
        Rows and columns added at the bottom and right of the output, to
        pick among the sizes a stride above 1 maps to the same H; smaller
        than the stride or the dilation, as in PyTorch.  Only the bias
        reaches them.
    groups : int, default 1
        Must divide C_in; C_out = ``w.shape[1] * groups``.
    return_saved : bool, default False
        Also return the :class:`~convnet.functional.Saved` record that
        :func:`conv_transpose2d_backward` accepts as ``saved=`` (it holds
        nothing but what it was made for: the backward needs only x, w and
        dz).

    Returns
    -------
    z : ndarray of shape (N, C_out, Hout, Wout)
        float32 if every input is float32, else float64 (the fast engine may
        return a view of a channels-first array, as :func:`conv2d`).
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    ``Hout = (H - 1)*s - top - bottom + d*(kh - 1) + output_padding + 1``,
    likewise ``Wout`` (PyTorch's rule; :func:`convnet.geometry.transposed_output_size`).

    Raises
    ------
    ValueError
        Wrong ndim, channel mismatch, groups that do not divide C_in, bias of
        the wrong shape, output_padding not below the stride or dilation, an
        output smaller than 1x1, arrays beyond the memory budget.
    TypeError
        Non-numeric data, padding given as a string.

    Examples
    --------
    One row [1, 2] through a 1x2 kernel [1, 10] at stride 2: each pixel
    pastes a scaled copy of the kernel, two columns apart.

    >>> conv_transpose2d(np.array([[[[1.0, 2.0]]]]), np.array([[[[1.0, 10.0]]]]), stride=2)
    array([[[[ 1., 10.,  2., 20.]]]])

    At stride 1 the copies overlap and add up (2*1 + 1*10 = 12 in the middle),
    the full correlation of Eq. 8.45; padding 1 cuts the border off again.

    >>> conv_transpose2d(np.array([[[[1.0, 2.0]]]]), np.array([[[[1.0, 10.0]]]]))
    array([[[[ 1., 12., 20.]]]])
    >>> conv_transpose2d(np.array([[[[1.0, 2.0]]]]), np.array([[[[1.0, 10.0]]]]),
    ...                  padding=(0, 1))
    array([[[[12.]]]])
    """
    return implementation().conv_transpose2d(x, w, b, stride, padding, output_padding, groups,
                                             dilation, return_saved=return_saved)


def conv_transpose2d_backward(dz, x, w, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, bias=True, *, saved=None, input_gradient=True):
    """Gradients of :func:`conv_transpose2d` with respect to its input, weights and bias.

    Parameters
    ----------
    dz : array_like of shape (N, C_out, Hout, Wout)
        The gradient at the output.
    x, w, stride, padding, output_padding, groups, dilation
        As given to :func:`conv_transpose2d`.
    bias : bool, default True
        Whether the forward pass added a bias (``db`` is None otherwise).
    saved : Saved, optional
        The record of ``conv_transpose2d(..., return_saved=True)``; the
        backward then runs in the engine that made it.  A record serves one
        backward.
    input_gradient : bool, default True
        ``False`` skips dx (None).

    Returns
    -------
    dx : ndarray of shape (N, C_in, H, W), or None
        The convolution of dz with w (Eq. T.2): ``conv2d(dz, w, stride=s,
        padding=p, dilation=d, groups=g)``, the forward pass of the
        convolution this one transposes.
    dw : ndarray of shape (C_in, C_out/groups, kh, kw)
        That convolution's weight gradient with x as its sensitivities and
        dz as its input (Eq. T.3, Eq. 8.48).
    db : ndarray of shape (C_out,), or None
        The sum of dz over batch and positions (Eq. 8.36).

    Shape
    -----
    As :func:`conv_transpose2d`: dz (N, C_out, Hout, Wout), dx the shape of
    x, dw the shape of w.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv_transpose2d`, and dz of the wrong shape.

    Examples
    --------
    Back through the stride-2 example above: dx[j] reads dz through the
    same window that x[j] was pasted into (1*1 + 10*2 = 21, 1*3 + 10*4 = 43),
    and dw[v] pairs each x[j] with what its copy of w[v] touched
    (1*1 + 2*3 = 7, 1*2 + 2*4 = 10).

    >>> dx, dw, db = conv_transpose2d_backward(np.array([[[[1.0, 2.0, 3.0, 4.0]]]]),
    ...                                        np.array([[[[1.0, 2.0]]]]),
    ...                                        np.array([[[[1.0, 10.0]]]]), stride=2)
    >>> dx
    array([[[[21., 43.]]]])
    >>> dw
    array([[[[ 7., 10.]]]])
    >>> db
    array([10.])
    """
    return backward_engine(saved).conv_transpose2d_backward(
        dz, x, w, stride, padding, output_padding, groups, dilation, bias, saved=saved,
        input_gradient=input_gradient)
