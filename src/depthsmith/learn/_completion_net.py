"""CompletionNet: learned normalized convolution plus an RGB-guided refiner (PyTorch; training
and export only, never imported by inference)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["NConv2d", "CompletionNet", "EPS"]

#: Added to normalized-convolution denominators (no division by zero where nothing is seen).
EPS = 1e-6


class NConv2d(nn.Module):
    """A normalized-convolution layer with learned non-negative weights.

    ``out = conv(x c, w) / (conv(c, w) + eps) + b`` and the propagated confidence
    ``c_out = conv(c, w) / sum(w)``, with ``w = softplus(raw)`` >= 0 (Eldesokey et al.):
    pixels of zero confidence are never read, and the output confidence says how much data
    supported each output.

    Parameters
    ----------
    cin, cout : int
        Input and output channels.
    kernel : int
        Odd kernel size (zero padding: outside the image has zero confidence).

    References
    ----------
    .. [1] A. Eldesokey, M. Felsberg and F. S. Khan, "Propagating confidences through CNNs
       for sparse data regression", BMVC 2018.
    .. [2] A. Eldesokey, M. Felsberg and F. S. Khan, "Confidence propagation through CNNs for
       guided sparse depth regression", IEEE TPAMI 42(10), 2019.
    """

    def __init__(self, cin: int, cout: int, kernel: int = 5):
        super().__init__()
        self.pad = kernel // 2
        # softplus(raw) starts as a Gaussian-like bump with some spread (a smooth interpolator)
        r = torch.arange(kernel, dtype=torch.float32) - kernel // 2
        g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (kernel ** 2 / 8 + 1e-6))
        init = g[None, None].repeat(cout, cin, 1, 1) * (1.0 + 0.2 * torch.rand(cout, cin, 1, 1))
        self.raw = nn.Parameter(torch.log(torch.expm1(init.clamp_min(1e-3))))
        self.bias = nn.Parameter(torch.zeros(cout))

    def forward(self, x, c):
        """``(out, confidence)`` of the layer for data ``x`` and confidence ``c``."""
        w = F.softplus(self.raw)
        den = F.conv2d(c, w, padding=self.pad)
        num = F.conv2d(x * c, w, padding=self.pad)
        out = num / (den + EPS) + self.bias.view(1, -1, 1, 1)
        cout = den / w.sum(dim=(1, 2, 3)).view(1, -1, 1, 1)
        return out, cout


def _pool(x, c):
    """Halve the resolution: confidence-weighted mean of the data, max of the confidence."""
    num = F.avg_pool2d(x * c, 2)
    den = F.avg_pool2d(c, 2)
    return num / (den + EPS), F.max_pool2d(c, 2)


def _up(t):
    return F.interpolate(t, scale_factor=2.0, mode="nearest")


class _ResBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.a = nn.Conv2d(ch, ch, 3, padding=1)
        self.b = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.b(F.relu(self.a(x)))


class CompletionNet(nn.Module):
    """Sparse depth + validity (+ RGB) -> dense depth and confidence.

    Stage 1, unguided: a multi-scale normalized-convolution network (Eldesokey et al. 2018,
    2019) of :class:`NConv2d` layers with non-negative weights: one 3 x 3 layer at full
    resolution, then ``levels`` halvings (confidence-weighted mean pooling, max-pooled
    confidence) each with a 5 x 5 and a 3 x 3 layer; every coarser estimate is brought back
    up and fused with the finer one by a normalized convolution over both (their
    confidences decide), down to one channel of depth and its propagated confidence.
    Stage 2, guided: a small residual CNN at 1 / ``refine_factor`` of the resolution
    (space-to-depth of RGB, stage-1 depth and confidence, sparse depth and mask; ``blocks``
    residual blocks of ``features`` channels; depth-to-space back to four full-resolution
    channels) and one full-resolution 3 x 3 convolution over them, the colour and the
    stage-1 depth, adding a correction to the stage-1 depth.

    ``prior=True`` makes the refiner correct a classical estimate instead of the stage-1
    one: ``forward`` takes a fourth input, ``prior``, the classical default's dense
    completion (:func:`depthsmith.complete.auto` on the same samples and guide, normalised
    like the depth), the refiner sees it beside the other channels, and the output is
    ``prior + correction`` (the correction's last layer starts at zero, so an untrained
    model returns the classical estimate). Stage 1 still runs: its depth is a refiner
    input and its propagated confidence the confidence output.

    ``fast=True`` is the "downscale, interpolate, upscale" variant of the research
    (Makarov et al.): the sparse input is pooled to half resolution first, stage 1 runs
    there and its output is upsampled bilinearly before the refiner.

    Depth is in normalised units: the caller maps the samples' robust range to about
    [0, 1] and maps the output back (:func:`depthsmith.complete._learned.normalise`).
    Inputs: ``depth`` (N, 1, H, W) (0 where ``mask`` is 0), ``mask`` (N, 1, H, W) in {0, 1},
    ``rgb`` (N, 3, H, W) in [0, 1]; H and W multiples of :attr:`multiple`. Outputs:
    ``(depth, confidence)``, each (N, 1, H, W).

    Parameters
    ----------
    channels : int
        Channels of the normalized-convolution stage.
    levels : int
        Number of halvings in stage 1.
    features, blocks : int
        Width and depth of the refiner.
    refine_factor : int
        Space-to-depth factor of the refiner.
    fast : bool
        The downscale-interpolate-upscale variant.
    guided : bool
        False: stage 1 only (the unguided normalized-convolution network; ``rgb`` unused).
    prior : bool
        Refine a classical estimate given as a fourth input (see above; needs ``guided``).

    References
    ----------
    .. [1] A. Eldesokey, M. Felsberg and F. S. Khan, "Confidence propagation through CNNs for
       guided sparse depth regression", IEEE TPAMI 42(10), 2019.
    .. [2] I. Makarov, A. Korinevskaya and V. Aliev, "Sparse depth map interpolation using
       deep convolutional neural networks", TSP 2018 (downscale, interpolate, upscale).
    .. [3] W. Shi et al., "Real-time single image and video super-resolution using an
       efficient sub-pixel convolutional neural network", CVPR 2016 (depth-to-space).
    """

    def __init__(self, channels: int = 4, levels: int = 5, features: int = 24, blocks: int = 3,
                 refine_factor: int = 4, fast: bool = False, guided: bool = True,
                 prior: bool = False):
        super().__init__()
        if prior and not guided:
            raise ValueError("prior=True needs the refiner (guided=True)")
        self.config = {"channels": channels, "levels": levels, "features": features,
                       "blocks": blocks, "refine_factor": refine_factor, "fast": fast,
                       "guided": guided}
        if prior:  # older checkpoints have no such key
            self.config["prior"] = True
        self.prior = prior
        c = channels
        self.levels = levels
        self.fast = fast
        self.guided = guided
        self.r = refine_factor
        self.inp = NConv2d(1, c, 3)
        self.enc = nn.ModuleList([NConv2d(c, c, 5) for _ in range(levels)])
        self.enc2 = nn.ModuleList([NConv2d(c, c, 3) for _ in range(levels)])
        self.fuse = nn.ModuleList([NConv2d(2 * c, c, 3) for _ in range(1, levels)])
        self.out = NConv2d(2 * c, 1, 3)
        if guided:
            k = int(prior)
            self.head = nn.Conv2d((7 + k) * refine_factor ** 2, features, 3, padding=1)
            self.body = nn.Sequential(*[_ResBlock(features) for _ in range(blocks)])
            self.tail = nn.Conv2d(features, 4 * refine_factor ** 2, 3, padding=1)
            self.fine = nn.Conv2d(4 + 4 + k, 1, 3, padding=1)
            nn.init.zeros_(self.fine.weight)
            nn.init.zeros_(self.fine.bias)

    @property
    def multiple(self) -> int:
        """H and W must be multiples of this."""
        return max(2 ** (self.levels + int(self.fast)), self.r)

    def stage1(self, d, m):
        """The normalized-convolution stage: ``(depth, confidence)``."""
        x, c = self.inp(d, m)
        xs, cs = [x], [c]
        for i in range(self.levels):
            x, c = _pool(x, c)
            x, c = self.enc[i](x, c)
            x, c = self.enc2[i](x, c)
            xs.append(x)
            cs.append(c)
        for i in range(self.levels - 1, 0, -1):
            x, c = self.fuse[i - 1](torch.cat([xs[i], _up(x)], 1), torch.cat([cs[i], _up(c)], 1))
        return self.out(torch.cat([xs[0], _up(x)], 1), torch.cat([cs[0], _up(c)], 1))

    def forward(self, depth, mask, rgb, prior=None):
        """``(depth, confidence)`` in normalised units (see the class docstring)."""
        out, conf, _ = self.forward_all(depth, mask, rgb, prior)
        return out, conf

    def forward_all(self, depth, mask, rgb, prior=None):
        """``(depth, confidence, stage-1 depth)`` (training uses the last for its auxiliary
        loss); ``prior`` is required when the model was built with ``prior=True``."""
        d = depth * mask
        if self.fast:
            d0, c0 = self.stage1(*_pool(d, mask))
            d0 = F.interpolate(d0, scale_factor=2.0, mode="bilinear", align_corners=False)
            c0 = F.interpolate(c0, scale_factor=2.0, mode="bilinear", align_corners=False)
        else:
            d0, c0 = self.stage1(d, mask)
        if not self.guided:
            return d0, c0, d0
        if self.prior:
            if prior is None:
                raise ValueError("this CompletionNet refines a classical estimate: pass prior")
            x = torch.cat([rgb, d0, c0, d, mask, prior], 1)
        else:
            x = torch.cat([rgb, d0, c0, d, mask], 1)
        f = F.relu(self.head(F.pixel_unshuffle(x, self.r)))
        f = self.tail(F.relu(self.body(f)))
        f = F.relu(F.pixel_shuffle(f, self.r))
        if self.prior:
            return prior + self.fine(torch.cat([f, rgb, d0, prior], 1)), c0, d0
        return d0 + self.fine(torch.cat([f, rgb, d0], 1)), c0, d0
