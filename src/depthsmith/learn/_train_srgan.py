"""Time-boxed training of the seed research's SR GAN (:mod:`depthsmith.learn._seed_srgan`).

x8, depth only, on the non-seed Middlebury scenes (the four seed scenes are never trained
on, so the seed's four-scene table is a clean test). Adam for both networks; the
generator first trains ``pretrain_frac`` of the budget on its content loss alone (the
usual SRGAN warm start), then adversarially.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import _checkpoint, _data
from ._sr_infer import normalise

__all__ = ["train_srgan", "srgan_upsample"]


def _batch(scenes, batch, patch, factor, rng):
    """(lr, hr, mask) in [-1, 1] from the scene's robust range (as the input's would be)."""
    L = np.empty((batch, 1, patch // factor, patch // factor), np.float32)
    Hr = np.empty((batch, 1, patch, patch), np.float32)
    M = np.empty_like(Hr)
    areas = np.array([s.depth.size for s in scenes], np.float64)
    for i in range(batch):
        s = scenes[rng.choice(len(scenes), p=areas / areas.sum())]
        H, W = s.depth.shape
        y, x = rng.integers(0, H - patch + 1), rng.integers(0, W - patch + 1)
        d = s.depth[y:y + patch, x:x + patch]
        v = s.valid[y:y + patch, x:x + patch]
        k = rng.integers(0, 4)
        d, v = np.rot90(d, k), np.rot90(v, k)
        if rng.random() < 0.5:
            d, v = d[:, ::-1], v[:, ::-1]
        d = np.ascontiguousarray(d, np.float32)
        lr, _ = _data.degrade_crop(d, factor, rng, s.lo_hi[1])
        lo, sc = s.lo_hi
        L[i, 0] = 2 * (lr - lo) / sc - 1
        Hr[i, 0] = 2 * (d - lo) / sc - 1
        M[i, 0] = v
    return L, Hr, M


def srgan_upsample(gen, lr: np.ndarray) -> np.ndarray:
    """Run a trained generator on a low-res depth (h, w) whose size times the factor is
    wanted; normalisation from the input's robust range, back to its units."""
    import torch

    lo, sc = normalise(lr[np.isfinite(lr)])
    x = torch.from_numpy((2 * (lr - lo) / sc - 1).astype(np.float32))[None, None]
    gen.eval()
    with torch.no_grad():
        y = gen(x)[0, 0].numpy().astype(np.float64)
    return ((y + 1) / 2 * sc + lo).astype(np.float32)


def train_srgan(data_dir, out_dir, *, minutes: float = 8.0, seed: int = 0, factor: int = 8,
                batch: int = 16, patch: int = 96, lr: float = 1e-4,
                pretrain_frac: float = 0.3, wall_minutes: float | None = None,
                progress: bool = True) -> Path:
    """Train SeedSRGAN for ``minutes`` of CPU time (or ``wall_minutes``); writes
    ``generator.pt`` and ``curve.json`` in ``out_dir``; returns the generator's path.

    References
    ----------
    Ledig et al., "Photo-realistic single image super-resolution using a generative
    adversarial network", CVPR 2017 (SRGAN); the seed slides (ELU / BN / tanh generator,
    LeakyReLU / BN discriminator, MSE + VGG + GAN + TV loss, VGG left out here).
    """
    torch = _checkpoint.require_torch()
    from ._seed_srgan import (
        SeedSRDiscriminator,
        SeedSRGenerator,
        discriminator_loss,
        generator_loss,
    )

    torch.manual_seed(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scenes = [s for s in _data.load_scenes(data_dir) if min(s.depth.shape) >= patch]
    G, D = SeedSRGenerator(factor), SeedSRDiscriminator()
    og = torch.optim.Adam(G.parameters(), lr=lr * 10, betas=(0.9, 0.999))
    od = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    budget, wall_budget = minutes * 60.0, None if wall_minutes is None else wall_minutes * 60
    c0, w0 = time.process_time(), time.monotonic()
    step, curve, acc = 0, [], []

    def frac():
        f = (time.process_time() - c0) / budget
        if wall_budget:
            f = max(f, (time.monotonic() - w0) / wall_budget)
        return f

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=100, unit="%", desc="train seed SRGAN")
    while frac() < 1.0:
        rng = np.random.default_rng([seed, step])
        L, Hr, M = (torch.from_numpy(a) for a in _batch(scenes, batch, patch, factor, rng))
        adv = frac() >= pretrain_frac
        fake = G(L)
        if adv:
            d_loss = discriminator_loss(D(Hr), D(fake.detach()))
            od.zero_grad(set_to_none=True)
            d_loss.backward()
            od.step()
            g_loss = generator_loss(fake, Hr, D(fake))
        else:
            d_loss = torch.zeros(())
            g_loss = generator_loss(fake, Hr, torch.zeros(batch, 1), beta=0.0)
        for pg in og.param_groups:
            pg["lr"] = lr * (10 if not adv else 1)
        og.zero_grad(set_to_none=True)
        g_loss.backward()
        og.step()
        step += 1
        acc.append((float(g_loss.detach()), float(d_loss.detach())))
        if step % 50 == 0:
            g_mean, d_mean = np.mean(acc, axis=0)
            curve.append({"step": step, "cpu_s": round(time.process_time() - c0, 1),
                          "g_loss": float(g_mean), "d_loss": float(d_mean),
                          "adversarial": adv})
            acc = []
        if bar is not None:
            bar.update(int(100 * min(frac(), 1.0)) - bar.n)
    if bar is not None:
        bar.close()
    meta = {"data": sorted({f"{s.source}/{s.key}" for s in scenes}), "factor": factor,
            "steps": step, "cpu_seconds": round(time.process_time() - c0, 1),
            "wall_seconds": round(time.monotonic() - w0, 1), "minutes": minutes,
            "seed": seed, "batch": batch, "patch": patch,
            "loss": "MSE + 1e-3 GAN + 1e-4 TV + 0.1 gradient (no VGG)",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    path = _checkpoint.save(out / "generator.pt", G, meta)
    _checkpoint.save(out / "discriminator.pt", D, meta)
    (out / "curve.json").write_text(json.dumps({"meta": meta, "curve": curve}, indent=1))
    return path
