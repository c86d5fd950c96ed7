"""Cross-correlation and convolution, forward beside backward: the public face.

Layout: ``x`` is (N, C, H, W), the weights ``w`` are (F, C, kh, kw), the output
``z`` is (N, F, Ho, Wo).  Single images (H, W) go through :func:`correlate2d`
and :func:`convolve2d`.

Following the chapter (and every deep-learning framework), the operation a
convolution layer computes is the *cross-correlation* of Eq. 8.9 / 8.20; true
convolution (Eq. 8.8) is the cross-correlation with the kernel rotated by 180
degrees (Solved Problem P8.1).

The functions here document the operations and hand each call to the engine
selected with :func:`convnet.engine` (:mod:`convnet.functional.engines`); the
readable implementation is :mod:`convnet.functional.plain.conv`, the loops
:mod:`convnet.reference`, the tuned one the fast engine's.
"""

from __future__ import annotations

from .engines import backward_engine, implementation

__all__ = [
    "rot180",
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv2d_backward",
]


def rot180(k):
    """Rotate the last two axes of ``k`` by 180 degrees (flip rows and columns).

    ``rot180(k)[..., i, j] == k[..., r-1-i, c-1-j]`` for an r x c kernel: the
    flip that turns a correlation kernel into a convolution kernel (P8.1) and
    that appears in the input gradient of Eq. 8.45.

    Parameters
    ----------
    k : array_like of shape (..., r, c)

    Returns
    -------
    ndarray of the same shape (a new array).

    Examples
    --------
    >>> rot180([[1, 2], [3, 4]])
    array([[4., 3.],
           [2., 1.]])
    """
    return implementation().rot180(k)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, padding_mode="zeros",
           return_saved=False):
    """Batched multi-channel 2-D cross-correlation, the convolution layer's weight function.

    Computes Eq. 8.20 for every sample and feature map::

        z[n, h, i, j] = sum_l sum_u sum_v w[h, l, u, v] * a[n, l, i*s + u*d, j*s + v*d] (+ b)

    where ``a`` is ``x`` after padding and, with ``groups``, ``l`` runs over
    the input maps of output map ``h``'s group only (Eq. G.1).  Same
    semantics and argument order as ``torch.nn.functional.conv2d``
    (including any padding it accepts); ``padding_mode`` is ours (see below).

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    w : array_like of shape (F, C/groups, kh, kw)
    b : array_like of shape (F,) or (F, Ho, Wo), optional
        Tied bias (one per feature map, Fig. 8.9) or untied bias (one per
        output neuron, Fig. 8.1).
    stride, dilation : int or (int, int), default 1
    padding : str, int, pair or pair of pairs, default 0
        Any form of :func:`convnet.geometry.normalize_padding`, any amount:
        padding wider than the kernel only adds outputs whose windows see
        zeros (and the bias), as in PyTorch.
    groups : int, default 1
        Split the C input maps and the F output maps into this many groups
        (it must divide both); output map ``h`` of group ``g`` reads the
        ``C/groups`` input maps of group ``g`` only.  ``groups == C`` is a
        *depthwise* convolution: one kernel (or ``F/C`` kernels) per map.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
        What the padding holds: zeros (Eq. 8.16), or copies of the input's
        pixels (Eq. P.1): its mirror image about the edge pixel, the edge
        pixel repeated, or the pixels of the opposite side.  PyTorch's
        functional ``conv2d`` has no such argument: its ``Conv2d`` layer pads
        with ``torch.nn.functional.pad`` first and then convolves without
        padding, which is what this does (``pad2d(x, padding,
        mode=padding_mode)`` shows the padded input).  As there, reflect needs
        padding below the input size and circular at most the input size.
    return_saved : bool, default False
        Also return the :class:`~convnet.functional.Saved` record that
        :func:`conv2d_backward` accepts as ``saved=``, so that the backward
        need not gather ``x`` again (layers use this).

    Returns
    -------
    z : ndarray of shape (N, F, Ho, Wo)
        float32 if every input is float32, else float64.  The fast engine
        returns a view of a channels-first array (memory order (F, N, Ho, Wo),
        as its product makes it); ``np.ascontiguousarray(z)`` gives C order.
    saved : Saved
        Only with ``return_saved=True``.

    Shape
    -----
    x (N, C, H, W), w (F, C/groups, kh, kw), z (N, F, Ho, Wo) with
    ``Ho = floor((H + top + bottom - d*(kh - 1) - 1) / s) + 1`` (Eq. 8.18),
    likewise ``Wo`` (Eq. 8.19).

    Raises
    ------
    ValueError
        Wrong ndim, channel mismatch, groups that do not divide C and F,
        bias of the wrong shape, a kernel that does not fit the padded input,
        stride or dilation < 1, padding too wide for its padding_mode, an
        array (padded input, gathered input, output) beyond the memory budget
        (:func:`convnet.set_memory_budget`).
    TypeError
        Non-numeric, boolean or complex data.

    Notes
    -----
    Engines: the plain tier gathers every receptive field into a column
    (im2col) and multiplies once, once per group
    (:mod:`convnet.functional.plain.conv`); the fast engine picks per shape
    between im2col and gathering only the kernel's rows, and computes a
    depthwise convolution as ``kh*kw`` multiply-adds of shifted maps
    (``docs/performance.md``); the reference engine loops.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.ones((1, 1, 2, 2))
    >>> conv2d(x, w, b=[0.5])
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])

    A 1x1 kernel with padding 1, as PyTorch allows: the border sees only zeros.

    >>> conv2d(np.ones((1, 1, 1, 1)), np.full((1, 1, 1, 1), 2.0), padding=1)[0, 0]
    array([[0., 0., 0.],
           [0., 2., 0.],
           [0., 0., 0.]])

    Two maps, depthwise (``groups=2``): each kernel sees its own map only
    (1*1 + 1*2 = 3 and 10*3 + 10*4 = 70).  With ``"replicate"`` the padded
    border repeats the edge pixel: 1 + 1, 1 + 2, 2 + 2.

    >>> x = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])             # (1, 2, 1, 2)
    >>> conv2d(x, np.array([[[[1.0, 1.0]]], [[[10.0, 10.0]]]]), groups=2)
    array([[[[ 3.]],
    <BLANKLINE>
            [[70.]]]])
    >>> conv2d(x[:, :1], np.ones((1, 1, 1, 2)), padding=(0, 1), padding_mode="replicate")
    array([[[[2., 3., 4.]]]])
    """
    return implementation().conv2d(x, w, b, stride, padding, dilation, groups,
                                   padding_mode=padding_mode, return_saved=return_saved)


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied", groups=1, *,
                    padding_mode="zeros", saved=None, input_gradient=True):
    """Gradients of :func:`conv2d` with respect to its input, weights and bias.

    Parameters
    ----------
    dz : array_like of shape (N, F, Ho, Wo)
        dN = dLZ, the sensitivity at the layer's net input (Eq. 8.35: the
        summation net input passes it through unchanged).
    x, w, stride, padding, dilation, groups, padding_mode
        As given to :func:`conv2d`.
    bias : {"tied", "untied", None}, default "tied"
        Which bias the forward pass used (decides the shape of ``db``).
    saved : Saved, optional
        The record of ``conv2d(x, w, ..., return_saved=True)``; the backward
        then runs in the engine that made it and reuses what it gathered.
        A record serves one backward.
    input_gradient : bool, default True
        ``False`` skips dA (``dx`` is None): the first layer of a network
        never needs it.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W), or None
        dA, the full cross-correlation of dLZ with the 180-degree rotated
        kernels, summed over the output maps (of the input map's group,
        Eq. G.3) (Eq. 8.44-8.45); with a padding_mode, the padded input's
        gradient folded back onto the pixels the padding copied (Eq. P.2).
    dw : ndarray of shape (F, C/groups, kh, kw)
        dLW = dLZ ⊗ A, the cross-correlation of the sensitivities with the
        input (Eq. 8.47-8.48; with groups, each map's own group, Eq. G.2).
    db : ndarray of shape (F,) or (F, Ho, Wo), or None
        Sum of dN over batch and positions for a tied bias (Eq. 8.36-8.37),
        over the batch only for an untied bias, None without bias.

    Shape
    -----
    As :func:`conv2d`: dz (N, F, Ho, Wo), dx the shape of x, dw the shape
    of w, db (F,) or (F, Ho, Wo).

    Notes
    -----
    *Stride.*  Eq. 8.44 is written for stride 1.  A strided forward pass is
    the stride-1 pass with only every s-th window kept, so dLZ is first
    "dilated": ``s - 1`` zeros are put between its rows and columns, and the
    rows of the input that the stride skips end up with zero gradient.

    *Dilation.*  The rotated kernel is applied with the same dilation.

    *Padding.*  The gradient is computed for the padded input and the
    padding is cropped off: padded zeros are constants, not inputs.  With a
    ``padding_mode`` the padded pixels are copies of input pixels, so their
    gradient is added onto the pixels they copy instead (Eq. P.2).

    *Erratum.*  Eq. 8.39-8.44 print the sum over feature maps as
    ``sum_{h=1}^{H^n}`` and Eq. 8.45 as ``sum_{l=1}^{H^n}``; the sum runs over
    the *output* maps ``h = 1..H^m`` of layer m, each of which was computed
    from input map ``l``.

    Examples
    --------
    For one 3x3 input, a 2x2 kernel and dz of ones, dx counts how many
    windows cover each pixel weighted by the kernel:

    >>> x = np.zeros((1, 1, 3, 3)); w = np.ones((1, 1, 2, 2))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> db
    array([4.])

    With ``"replicate"`` padding the edge pixels are read twice more (by
    the padded copies): the padded input's gradient [1, 2, 2, 1] folds back
    onto x as [1 + 2, 2 + 1].

    >>> conv2d_backward(np.ones((1, 1, 1, 3)), np.array([[[[1.0, 2.0]]]]), np.ones((1, 1, 1, 2)),
    ...                 padding=(0, 1), padding_mode="replicate")[0]
    array([[[[3., 3.]]]])
    """
    return backward_engine(saved).conv2d_backward(dz, x, w, stride, padding, dilation, bias,
                                                  groups, padding_mode=padding_mode, saved=saved,
                                                  input_gradient=input_gradient)


def correlate2d(x, k, padding="valid", stride=1, dilation=1):
    """2-D cross-correlation of one image with one kernel (Eq. 8.9, 8.13).

    ``z[m, n] = sum_i sum_j k[i, j] * x_p[m*s + i*d, n*s + j*d]`` with ``x_p``
    the padded image; the kernel slides over the image without being flipped.
    This is what convolution layers compute.

    Parameters
    ----------
    x : array_like of shape (H, W)
    k : array_like of shape (r, c)
    padding : {"valid", "same", "full"}, int, pair or pair of pairs
        ``"valid"``: only positions where the kernel lies inside the image
        (Eq. 8.14-8.15).  ``"same"``: output as large as the input; for an
        even kernel the extra zero row/column goes to the bottom/right, as
        with PyTorch's ``padding="same"`` (SciPy centres even kernels the
        other way).  ``"full"``: every pixel meets every weight.
    stride, dilation : int or (int, int), default 1

    Returns
    -------
    ndarray of shape (Ho, Wo)

    Shape
    -----
    ``Ho = floor((H + top + bottom - d*(r - 1) - 1) / s) + 1``, likewise ``Wo``.

    Raises
    ------
    ValueError, TypeError
        See :func:`conv2d`.

    Examples
    --------
    >>> correlate2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[-4., -4.],
           [-4., -4.]])
    """
    return implementation().correlate2d(x, k, padding, stride, dilation)


def convolve2d(x, k, padding="valid", stride=1, dilation=1):
    """2-D convolution of one image with one kernel (Eq. 8.8): the kernel is flipped.

    Equal to ``correlate2d(x, rot180(k), ...)`` (Solved Problem P8.1).  For odd
    kernels and stride 1 this matches ``scipy.signal.convolve2d`` in all
    three modes.

    Parameters, Returns, Raises
        As :func:`correlate2d`.

    Shape
    -----
    As :func:`correlate2d`.

    Examples
    --------
    The flip is visible with an impulse: convolution copies the kernel,
    correlation copies it rotated.

    >>> impulse = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    >>> convolve2d(impulse, [[1, 2], [3, 4]], padding="full")[1:3, 1:3]
    array([[1., 2.],
           [3., 4.]])
    >>> correlate2d(impulse, [[1, 2], [3, 4]], padding="full")[1:3, 1:3]
    array([[4., 3.],
           [2., 1.]])
    """
    return implementation().convolve2d(x, k, padding, stride, dilation)
