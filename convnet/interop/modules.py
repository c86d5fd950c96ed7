"""The PyTorch modules of convnet's layers that ``torch.nn`` lacks: small, documented, no magic.

This module imports PyTorch (``pip install -e ".[torch]"``); :func:`to_torch`
and :func:`torch_source` use it.  Each module's parameters have PyTorch's
names and convnet's layout, so ``state_dict`` keys are convnet's array names:

* :class:`Residual` (``body``, ``shortcut``) and :class:`Concat` (branches
  ``0``, ``1``, ...): the containers, as ``body(x) + shortcut(x)`` and
  ``torch.cat([...], dim=1)``;
* :class:`PaddedConv2d`: ``nn.Conv2d`` with any padding (``"same"`` for an
  even kernel pads one more row at the bottom than at the top, which
  ``nn.Conv2d`` cannot say);
* :class:`UntiedBiasConv2d`: one bias per output neuron (Fig. 8.1), shape
  (F, Ho, Wo);
* :class:`ProductBiasConv2d`: the bias multiplies, ``b[f] * (w[f] ⊗ x)``
  (exercise E8.9);
* :class:`CroppedConvTranspose2d`: ``nn.ConvTranspose2d`` with different
  cuts at the top and bottom (or left and right);
* :class:`ColumnFlatten`: ``vec`` of Eq. 8.26, column by column;
* :class:`ZeroPadShortcut`: He et al.'s option-A shortcut.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Residual", "Concat", "PaddedConv2d", "UntiedBiasConv2d", "ProductBiasConv2d",
           "CroppedConvTranspose2d", "ColumnFlatten", "ZeroPadShortcut"]


class Residual(nn.Module):
    """``body(x) + shortcut(x)``; an empty ``shortcut`` is the identity (convnet's Residual)."""

    def __init__(self, body, shortcut=()):
        super().__init__()
        self.body = nn.Sequential(*body)
        self.shortcut = nn.Sequential(*shortcut)      # nn.Sequential() returns its input

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class Concat(nn.ModuleList):
    """Branches applied to the same input, joined along the channels (convnet's Concat)."""

    def __init__(self, *branches):
        super().__init__(nn.Sequential(*branch) for branch in branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self], dim=1)


class PaddedConv2d(nn.Conv2d):
    """``nn.Conv2d`` whose input is padded ``((top, bottom), (left, right))`` first, with
    ``padding_mode``'s fill ("zeros", "reflect", "replicate" or "circular")."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 padding=((0, 0), (0, 0)), dilation=1, groups=1, bias=True,
                 padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups,
                         bias, dtype=dtype)
        (top, bottom), (left, right) = padding
        self.pads = (left, right, top, bottom)              # F.pad's order: last axis first
        self.fill = padding_mode

    def correlate(self, x):
        """The weight function alone: the padded input correlated with the kernels."""
        mode = "constant" if self.fill == "zeros" else self.fill
        return F.conv2d(F.pad(x, self.pads, mode=mode), self.weight, None, self.stride, 0,
                        self.dilation, self.groups)

    def forward(self, x):
        z = self.correlate(x)
        return z if self.bias is None else z + self.bias[:, None, None]

    def extra_repr(self):
        (left, right, top, bottom) = self.pads
        return super().extra_repr() + f", pads=(({top}, {bottom}), ({left}, {right}))"


class UntiedBiasConv2d(PaddedConv2d):
    """A convolution with one bias per output neuron, ``bias`` of shape (F, Ho, Wo) (Fig. 8.1)."""

    def __init__(self, in_channels, out_channels, kernel_size, output_size, stride=1,
                 padding=((0, 0), (0, 0)), dilation=1, groups=1, padding_mode="zeros",
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, False, padding_mode, dtype)
        self.bias = nn.Parameter(torch.zeros(out_channels, *output_size, dtype=dtype))

    def forward(self, x):
        return self.correlate(x) + self.bias


class ProductBiasConv2d(PaddedConv2d):
    """A convolution whose bias multiplies: ``bias[f] * (w[f] ⊗ x)`` (exercise E8.9)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 padding=((0, 0), (0, 0)), dilation=1, groups=1, padding_mode="zeros",
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, False, padding_mode, dtype)
        self.bias = nn.Parameter(torch.ones(out_channels, dtype=dtype))

    def forward(self, x):
        return self.correlate(x) * self.bias[:, None, None]


class CroppedConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` cutting ``((top, bottom), (left, right))`` off its output."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 padding=((0, 0), (0, 0)), output_padding=0, groups=1, bias=True, dilation=1,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, output_padding,
                         groups, bias, dilation, dtype=dtype)
        self.cuts = padding

    def forward(self, x):
        (top, bottom), (left, right) = self.cuts
        z = super().forward(x)
        return z[:, :, top:z.shape[2] - bottom, left:z.shape[3] - right]


class ColumnFlatten(nn.Module):
    """Flatten each sample column by column within each map, ``vec`` of Eq. 8.26."""

    def forward(self, x):
        return (x.transpose(-1, -2) if x.dim() >= 3 else x).flatten(1)


class ZeroPadShortcut(nn.Module):
    """Every ``stride``-th pixel of each map, then ``out_channels - in_channels`` zero maps."""

    def __init__(self, in_channels, out_channels, stride=(2, 2)):
        super().__init__()
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x):
        kept = x[:, :, ::self.stride[0], ::self.stride[1]]
        return F.pad(kept, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"
