"""``SeedSRGAN``: the seed research's depth super-resolution GAN (PyTorch, training only).

A faithful, time-boxed reproduction of the generator and discriminator described in
``cnn-depth-interpolation-and-sr-slides`` (Makarov et al., "Semi-dense depth interpolation
using deep convolutional neural networks", ACM MM 2017, and its SR follow-up): a
depth-only generator built from residual blocks with batch normalisation and ELU
activations, sub-pixel convolution (pixel shuffle, Shi et al. 2016) upsampling and a tanh
output; a discriminator of strided convolutions with batch normalisation and LeakyReLU;
loss ``MSE + beta * GAN + gamma * TV`` (+ a gradient term). The VGG-16 feature term of the
original loss is left out: it needs ImageNet weights that cannot be had here.

Depth enters and leaves normalised to about [-1, 1] (the low-res input's robust range),
the range of tanh.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SeedSRGenerator", "SeedSRDiscriminator", "generator_loss", "discriminator_loss",
           "tv_loss", "gradient_loss"]


class _ResBN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ELU(),
                                  nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.body(x)


class SeedSRGenerator(nn.Module):
    """The seed's SR generator: low-res depth in ((N, 1, h, w), in [-1, 1]), high-res depth
    out ((N, 1, h * factor, w * factor), tanh).

    Parameters
    ----------
    factor : int
        A power of two (one conv + pixel shuffle x2 + ELU stage per octave).
    channels, blocks : int
        Width and number of residual blocks (conv-BN-ELU-conv-BN).
    """

    def __init__(self, factor: int = 8, channels: int = 32, blocks: int = 6):
        super().__init__()
        n = int(round(math.log2(factor)))
        if 2 ** n != factor:
            raise ValueError(f"factor must be a power of two, got {factor}")
        self.config = {"factor": int(factor), "channels": int(channels), "blocks": int(blocks)}
        c = int(channels)
        self.head = nn.Sequential(nn.Conv2d(1, c, 5, padding=2), nn.ELU())
        self.body = nn.Sequential(*[_ResBN(c) for _ in range(int(blocks))],
                                  nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))
        ups = []
        for _ in range(n):
            ups += [nn.Conv2d(c, 4 * c, 3, padding=1), nn.PixelShuffle(2), nn.ELU()]
        self.up = nn.Sequential(*ups)
        self.tail = nn.Conv2d(c, 1, 5, padding=2)

    def forward(self, lr):
        x = self.head(lr)
        x = x + self.body(x)
        return torch.tanh(self.tail(self.up(x)))

    @staticmethod
    def onnx_spec(config, h, w):
        """Example input, names and dynamic axes for :mod:`depthsmith.learn._export`."""
        f = int(config.get("factor", 8))
        ins = (torch.rand(1, 1, max(1, h // f), max(1, w // f),
                          generator=torch.Generator().manual_seed(0)) * 2 - 1,)
        return ins, ["depth_lr"], ["out"], {"depth_lr": {2: "h", 3: "w"},
                                            "out": {2: "H", 3: "W"}}


class SeedSRDiscriminator(nn.Module):
    """The seed's discriminator: strided conv + batch norm + LeakyReLU stages, global
    average pooling, one logit per image."""

    def __init__(self, channels: int = 32, stages: int = 4):
        super().__init__()
        self.config = {"channels": int(channels), "stages": int(stages)}
        layers, cin = [], 1
        for i in range(int(stages)):
            c = int(channels) * 2 ** min(i, 3)
            layers += [nn.Conv2d(cin, c, 3, stride=2, padding=1)]
            if i:
                layers += [nn.BatchNorm2d(c)]
            layers += [nn.LeakyReLU(0.2)]
            cin = c
        self.features = nn.Sequential(*layers)
        self.out = nn.Linear(cin, 1)

    def forward(self, x):
        return self.out(self.features(x).mean((2, 3)))


def tv_loss(y):
    """Anisotropic total variation (mean absolute finite differences)."""
    return (y[..., 1:, :] - y[..., :-1, :]).abs().mean() + \
        (y[..., :, 1:] - y[..., :, :-1]).abs().mean()


def gradient_loss(y, t):
    """L1 between the finite differences of prediction and target."""
    return (F.l1_loss(y[..., 1:, :] - y[..., :-1, :], t[..., 1:, :] - t[..., :-1, :])
            + F.l1_loss(y[..., :, 1:] - y[..., :, :-1], t[..., :, 1:] - t[..., :, :-1]))


def generator_loss(pred, target, fake_logit, *, beta=1e-3, gamma=1e-4, delta=0.1):
    """``MSE + beta * GAN + gamma * TV + delta * gradient`` (the seed's loss without the
    VGG term; GAN in the non-saturating form of -log D(G(z)))."""
    gan = F.binary_cross_entropy_with_logits(fake_logit, torch.ones_like(fake_logit))
    return (F.mse_loss(pred, target) + beta * gan + gamma * tv_loss(pred)
            + delta * gradient_loss(pred, target))


def discriminator_loss(real_logit, fake_logit):
    """The seed's cross-entropy: ``-1/2 E log D(x) - 1/2 E log(1 - D(G(z)))``."""
    return 0.5 * (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                  + F.binary_cross_entropy_with_logits(fake_logit,
                                                       torch.zeros_like(fake_logit)))
