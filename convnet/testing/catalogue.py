"""The catalogue of classic mistakes that the checkers recognise and name.

Each entry is one deliberate error (the functions in
:mod:`convnet.testing._mistakes` compute what it produces).  When a checked
function's output differs from the library's, every entry that applies to
the operation is computed on the same case; an entry that reproduces the
function's wrong output *exactly* (within the checker's tolerance) on the
smallest failing case, and on the first failing case drawn, is named in the
report.  ``tests/testing/test_catalogue.py`` plants each mistake in an
implementation and checks that the report names it.

=====================================  =====================================================
entry                                  operations
=====================================  =====================================================
kernel flipped                         correlate2d, conv2d, conv_transpose2d, grouped conv2d
kernel not flipped                     convolve2d
padding on the wrong side              correlate2d, convolve2d, conv2d
padding one pixel too wide             correlate2d, convolve2d, conv2d
padding one pixel too narrow           correlate2d, convolve2d, conv2d
bias not added                         conv2d, grouped conv2d
missing rot180 in the input gradient   conv2d_backward (dx), grouped conv2d_backward
dz not dilated for stride > 1          conv2d_backward (dx, dw)
weight gradient transposed (F, C)      conv2d_backward (dw)
weight gradient transposed (rows)      conv2d_backward (dw)
weight gradient rotated                conv2d_backward (dw)
db not summed over the batch           conv2d_backward (db)
db not summed over positions           conv2d_backward (db)
db summed over every axis              conv2d_backward (db)
db not computed                        conv2d_backward (db)
channels pooled together               max_pool2d, avg_pool2d
max pooling padded with zeros          max_pool2d
average not divided by the window      avg_pool2d, avg_pool2d_backward
max gradient to every tied maximum     max_pool2d_backward
max gradient to the last maximum       max_pool2d_backward
ReLU derivative 1 at 0                 relu_derivative
softmax without the max shift          softmax
softmax derivative elementwise         softmax_derivative
derivative of the output               sigmoid_derivative, tanh_derivative
batch norm with the unbiased variance  batch_norm
batch norm statistics per position     batch_norm
batch norm dx, frozen statistics       batch_norm_backward
group norm statistics per channel      group_norm
group norm groups interleaved          group_norm
group norm dx, frozen statistics       group_norm_backward
channels mixed across groups           grouped conv2d, grouped conv2d_backward (dx, dw)
output maps dealt to groups in turn    grouped conv2d, grouped conv2d_backward (dx, dw)
adaptive window end rounded down       adaptive_avg_pool2d, adaptive_max_pool2d, and backwards
nearest index rounded, not floored     upsample2d, upsample2d_backward
=====================================  =====================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from ..functional import engine
from . import _mistakes as m, _mistakes_groups as mg, _mistakes_resample as mr
from ._core import equal

__all__ = ["Mistake", "MISTAKES", "mistakes_for", "catalogue_table"]


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: its name, what the code did, where it applies, what it computes."""

    name: str
    explanation: str
    operations: tuple
    compute: Callable = None           # compute(**arguments) -> {output: array} or None

    def __repr__(self):
        return f"Mistake({self.name!r})"


_SINGLE = ("correlate2d", "convolve2d", "conv2d")

MISTAKES = (
    Mistake("kernel flipped", "your output is the convolution (kernel rotated by 180 degrees, "
            "rot180) where the cross-correlation of Eq. 8.9 was asked: slide the kernel as it is",
            ("correlate2d", "conv2d", "conv_transpose2d", "grouped conv2d"), None),
    Mistake("kernel not flipped", "your output is the cross-correlation with the kernel as "
            "given: a convolution (Eq. 8.8) flips the kernel once (P8.1); not at all, or twice, "
            "gives this", ("convolve2d",), m.flipped_single(convolve=True)),
    Mistake("padding on the wrong side", "your padding puts the extra row/column on the other "
            "side: 'same' with an even kernel pads one more at the bottom/right (as PyTorch)",
            _SINGLE, m.padding_wrong_side),
    Mistake("padding one pixel too wide", "your output is what one more pixel of padding on "
            "every side gives (count the padding as in Eq. 8.16-8.19)", _SINGLE,
            m.padding_one_too_wide),
    Mistake("padding one pixel too narrow", "your output is what one pixel less of padding on "
            "every side gives (count the padding as in Eq. 8.16-8.19)", _SINGLE,
            m.padding_one_too_narrow),
    Mistake("bias not added", "your output is the correlation without the bias b (Eq. 8.20 "
            "adds b to every output of its feature map)", ("conv2d", "grouped conv2d"),
            m.bias_not_added),
    Mistake("missing rot180 in the input gradient", "your dx correlates dz with w itself; "
            "Eq. 8.44-8.45 correlate (full) with the rotated kernel rot180(w)",
            ("conv2d_backward", "grouped conv2d_backward"), m.no_rot180_in_dx),
    Mistake("dz not dilated for stride > 1", "your gradient uses dz as if the stride were 1; "
            "with stride s put s - 1 zeros between dz's rows and columns first",
            ("conv2d_backward",), m.dz_not_dilated),
    Mistake("weight gradient transposed (F, C)", "your dw has its first two axes swapped: "
            "dw must have w's layout (F, C, kh, kw)", ("conv2d_backward",),
            m.dw_channels_swapped),
    Mistake("weight gradient transposed (rows)", "your dw has rows and columns swapped "
            "(dw[f, c, v, u] where dw[f, c, u, v] belongs)", ("conv2d_backward",),
            m.dw_rows_and_columns_swapped),
    Mistake("weight gradient rotated", "your dw is rotated by 180 degrees: Eq. 8.48 is the "
            "cross-correlation dLZ ⊗ A, not a convolution", ("conv2d_backward",), m.dw_rotated),
    Mistake("db not summed over the batch", "your db sums dz over the positions of each "
            "sample but not over the samples (shape (N, F) instead of (F,), Eq. 8.36)",
            ("conv2d_backward",), m.db_not_summed_over_batch),
    Mistake("db not summed over positions", "your db sums dz over the batch only (an untied "
            "bias's gradient); a tied bias sums over every position too (Eq. 8.36)",
            ("conv2d_backward",), m.db_not_summed_over_positions),
    Mistake("db summed over every axis", "your db sums dz over the feature maps too: each map "
            "has its own bias, sum over axes (0, 2, 3) only", ("conv2d_backward",),
            m.db_summed_over_everything),
    Mistake("db not computed", "your db is zero: the bias gradient is the sum of dz over "
            "batch and positions (Eq. 8.36)", ("conv2d_backward",), m.db_left_at_zero),
    Mistake("channels pooled together", "your window spans every channel; pooling acts on "
            "each feature map on its own, so C stays C", ("max_pool2d", "avg_pool2d"), None),
    Mistake("max pooling padded with zeros", "your padding holds zeros, which win over "
            "negative inputs; max pooling pads with -inf", ("max_pool2d",),
            m.max_padded_with_zeros),
    Mistake("average not divided by the window", "your average is the window's sum: divide "
            "by kh*kw (Eq. 8.22 with w = 1/(kh*kw))", ("avg_pool2d", "avg_pool2d_backward"),
            None),
    Mistake("max gradient to every tied maximum", "where a window holds its maximum twice, "
            "your dx sends dz to each; it belongs to the first only (row-major, as PyTorch)",
            ("max_pool2d_backward",), m.max_grad_to_every_tie),
    Mistake("max gradient to the last maximum", "where a window holds its maximum twice, your "
            "dx sends dz to the last; it belongs to the first (row-major, as PyTorch)",
            ("max_pool2d_backward",), m.max_grad_to_last_tie),
    Mistake("ReLU derivative 1 at 0", "your relu'(0) is 1; the library (and PyTorch) use 0",
            ("relu_derivative",), m.relu_derivative_one_at_zero),
    Mistake("softmax without the max shift", "exp overflows for large inputs (inf/inf = nan): "
            "subtract the row's maximum first, softmax(x) = softmax(x - max x)",
            ("softmax",), m.softmax_no_shift),
    Mistake("softmax derivative elementwise", "your derivative is s(1 - s) elementwise; each "
            "softmax output depends on every input: the Jacobian diag(s) - s s^T",
            ("softmax_derivative",), m.softmax_derivative_elementwise),
    Mistake("derivative of the output", "your derivative is the formula in terms of the "
            "output (s(1 - s), 1 - t^2) applied to the input x: apply the function first",
            ("sigmoid_derivative", "tanh_derivative"), None),
    Mistake("batch norm with the unbiased variance", "your variance divides by m - 1; the "
            "normalisation uses the biased one, divided by m = N*H*W (Eq. N.2; only the "
            "running variance is unbiased)", ("batch_norm",), m.batch_norm_unbiased),
    Mistake("batch norm statistics per position", "your mean and variance run over the batch "
            "only, one per pixel (the fully-connected formula); for maps they run over N, H "
            "and W, one per channel", ("batch_norm",), m.batch_norm_per_position),
    Mistake("batch norm dx, frozen statistics", "your dx is gamma dz / sigma, as if the "
            "mean and variance were constants (the evaluation formula); in training they "
            "depend on every x, which adds two sums (Eq. N.13)", ("batch_norm_backward",),
            m.batch_norm_backward_frozen),
    Mistake("group norm statistics per channel", "your mean and variance run over each "
            "channel on its own (instance norm); group norm shares them among the C/G "
            "channels of a group, over those channels and every position (Eq. N.1-N.3 over "
            "the group)", ("group_norm",), mg.group_norm_per_channel),
    Mistake("group norm groups interleaved", "your groups take every G-th channel (channel "
            "c in group c % G: a reshape to (N, C/G, G, ...)); a group is C/G consecutive "
            "channels, the reshape (N, G, C/G, ...)", ("group_norm",),
            mg.group_norm_interleaved),
    Mistake("group norm dx, frozen statistics", "your dx is gamma dz / sigma, as if each "
            "group's mean and variance were constants; they depend on every x of the group, "
            "which adds two sums over the group (Eq. N.13)", ("group_norm_backward",),
            mg.group_norm_backward_frozen),
    Mistake("channels mixed across groups", "every output map of yours reads every input "
            "map (w repeated over the groups); with groups G, output map h reads only the "
            "C/G maps of its own group (Eq. G.1-G.3)",
            ("grouped conv2d", "grouped conv2d_backward"), mg.grouped_conv_mixed),
    Mistake("output maps dealt to groups in turn", "your output map h reads the input "
            "maps of group h % G; the F output maps form G consecutive blocks of F/G, map h "
            "in group h // (F/G), like the input maps (PyTorch's layout)",
            ("grouped conv2d", "grouped conv2d_backward"), mg.grouped_conv_in_turn),
    Mistake("adaptive window end rounded down", "your windows end at floor((i+1)*H/Ho); "
            "they end at ceil((i+1)*H/Ho), so that neighbouring windows may share a pixel "
            "(Eq. R.1, PyTorch's rule)",
            ("adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d_backward",
             "adaptive_max_pool2d_backward"), None),
    Mistake("nearest index rounded, not floored", "your output pixel p copies input "
            "round(p / s); nearest upsampling copies floor(p / s) (Eq. R.6, PyTorch's "
            "'nearest')", ("upsample2d", "upsample2d_backward"), mr.nearest_rounded()),
)

_BY_OPERATION = {
    ("kernel flipped", "correlate2d"): m.flipped_single(convolve=False),
    ("kernel flipped", "conv2d"): m.flipped_conv2d,
    ("kernel flipped", "conv_transpose2d"): m.flipped_transposed,
    ("padding on the wrong side", "convolve2d"): partial(m.padding_wrong_side, convolve=True),
    ("padding one pixel too wide", "convolve2d"): partial(m.padding_one_too_wide, convolve=True),
    ("padding one pixel too narrow", "convolve2d"):
        partial(m.padding_one_too_narrow, convolve=True),
    ("channels pooled together", "max_pool2d"): m.pool_across_channels("max"),
    ("channels pooled together", "avg_pool2d"): m.pool_across_channels("avg"),
    ("average not divided by the window", "avg_pool2d"): m.avg_not_divided,
    ("average not divided by the window", "avg_pool2d_backward"): m.avg_backward_not_divided,
    ("kernel flipped", "grouped conv2d"): mg.grouped_flipped,
    ("bias not added", "grouped conv2d"): mg.grouped_bias_not_added,
    ("missing rot180 in the input gradient", "grouped conv2d_backward"):
        mg.grouped_no_rot180_in_dx,
    ("channels mixed across groups", "grouped conv2d_backward"): mg.grouped_conv_backward_mixed,
    ("output maps dealt to groups in turn", "grouped conv2d_backward"):
        mg.grouped_conv_backward_in_turn,
    ("adaptive window end rounded down", "adaptive_avg_pool2d"): mr.adaptive_end_floored("avg"),
    ("adaptive window end rounded down", "adaptive_max_pool2d"): mr.adaptive_end_floored("max"),
    ("adaptive window end rounded down", "adaptive_avg_pool2d_backward"):
        mr.adaptive_end_floored("avg", backward=True),
    ("adaptive window end rounded down", "adaptive_max_pool2d_backward"):
        mr.adaptive_end_floored("max", backward=True),
    ("nearest index rounded, not floored", "upsample2d_backward"):
        mr.nearest_rounded(backward=True),
    ("derivative of the output", "sigmoid_derivative"):
        m.derivative_of_the_output(lambda x: x * (1 - x)),
    ("derivative of the output", "tanh_derivative"):
        m.derivative_of_the_output(lambda x: 1 - x ** 2),
}


def mistakes_for(operation: str) -> tuple:
    """The entries that apply to ``operation``, each with its computation for it."""
    found = []
    for entry in MISTAKES:
        if operation in entry.operations:
            compute = _BY_OPERATION.get((entry.name, operation), entry.compute)
            found.append(Mistake(entry.name, entry.explanation, entry.operations, compute))
    return tuple(found)


def catalogue_table() -> str:
    """The catalogue as a plain-text table: entry, operations, explanation.

    Examples
    --------
    >>> print(catalogue_table().splitlines()[2])
    kernel flipped                         correlate2d, conv2d, conv_transpose2d, grouped conv2d
    """
    width = max(len(entry.name) for entry in MISTAKES) + 2
    lines = [f"{'entry':<{width}}operations", "-" * 72]
    lines += [f"{entry.name:<{width}}{', '.join(entry.operations)}" for entry in MISTAKES]
    return "\n".join(lines)


def reproduces(mistake, arguments, got, wrong, outputs, tolerance) -> tuple:
    """The wrong outputs that ``mistake`` reproduces exactly on this case (maybe none)."""
    try:
        with engine("plain"), np.errstate(all="ignore"):
            produced = mistake.compute(**arguments)
    except (ValueError, TypeError):
        return ()
    if not produced:
        return ()
    return tuple(name for name in wrong if name in produced
                 and equal(got[outputs.index(name)], np.asarray(produced[name], dtype=float),
                           *tolerance))
