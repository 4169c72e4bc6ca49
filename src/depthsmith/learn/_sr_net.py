"""``GuidedSRNet``: a small guided depth super-resolution network (PyTorch, training only).

Inputs (all at the output resolution, height and width multiples of :data:`MULTIPLE`):
the bicubic-upsampled low-res depth, normalised per image from the low-res input's robust
range (:func:`depthsmith.learn._sr_infer.normalise`); the RGB guide in [0, 1]; and the
factor as ``log2(factor) / 4`` in a (N, 1, 1, 1) tensor. Both streams go through
space-to-depth by 4 (pixel unshuffle), a small residual trunk runs at a quarter of the
resolution, and a pixel shuffle (Shi et al., CVPR 2016, "Real-time single image and video
super-resolution using an efficient sub-pixel convolutional neural network") brings the
residual back to full resolution, added to the bicubic input.

This module imports torch: inference paths never import it (they run the exported ONNX
file through onnxruntime).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["GuidedSRNet", "MULTIPLE"]

#: Height and width of the network's inputs must be multiples of this (the space-to-depth).
MULTIPLE = 4


class _Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.a = nn.Conv2d(c, c, 3, padding=1)
        self.b = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.b(F.relu(self.a(x)))


class GuidedSRNet(nn.Module):
    """Guided depth super-resolution over mixed factors 2-16 (one network for all).

    Parameters
    ----------
    channels : int
        Width of the residual trunk.
    blocks : int
        Number of residual blocks (two 3x3 convolutions each, no batch norm).

    Notes
    -----
    ``forward(depth, rgb, logf)`` takes ``depth`` (N, 1, H, W) normalised bicubic-upsampled
    depth, ``rgb`` (N, 3, H, W) in [0, 1] and ``logf`` (N, 1, 1, 1) = log2(factor) / 4, and
    returns the normalised depth (N, 1, H, W). The factor enters as a learned per-channel
    bias (a constant input plane of log2(factor) through a 1x1 convolution is the same
    thing). Residual learning on the interpolated input follows Kim et al., CVPR 2016
    (VDSR); the space-to-depth / pixel-shuffle layout keeps the cost at 1/16 of the
    pixels (Shi et al. 2016).
    """

    def __init__(self, channels: int = 32, blocks: int = 8):
        super().__init__()
        s = MULTIPLE
        self.config = {"channels": int(channels), "blocks": int(blocks)}
        c = int(channels)
        self.head_d = nn.Conv2d(s * s, c, 3, padding=1)
        self.head_g = nn.Conv2d(3 * s * s, c, 3, padding=1)
        self.fuse = nn.Conv2d(2 * c, c, 1)
        self.factor = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.trunk = nn.Sequential(*[_Block(c) for _ in range(int(blocks))])
        self.tail = nn.Conv2d(c, s * s, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, depth, rgb, logf):
        s = MULTIPLE
        d = F.pixel_unshuffle(depth, s)
        g = F.pixel_unshuffle(rgb - 0.5, s)
        x = torch.cat([F.relu(self.head_d(d)), F.relu(self.head_g(g))], 1)
        x = F.relu(self.fuse(x) + self.factor * logf)
        x = self.trunk(x)
        return depth + F.pixel_shuffle(self.tail(x), s)
