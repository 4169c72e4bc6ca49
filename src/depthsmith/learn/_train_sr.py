"""Train :class:`~depthsmith.learn._sr_net.GuidedSRNet` (PyTorch; the ``learn`` extra).

Time-boxed, resumable training: L1 loss on the normalised depth over the valid ground-truth
pixels, Adam with a cosine learning-rate decay over the time budget, random crops with
flips / rot90, mixed factors 2-16 and degradations (:mod:`depthsmith.learn._data`).
A checkpoint (``last.pt``, optimizer and RNG step included) is written every
``checkpoint_s`` seconds; running the same command again resumes from it. With
``folds``/``fold`` the held-out fold's ``middlebury_sr30`` scenes are scored (SR-STANDARD
degradation, x4 / x8 / x16) through the same pre/post-processing as inference.
"""

from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path

import numpy as np

from . import _checkpoint, _data
from ._sr_infer import sr_upsample

__all__ = ["train", "validate", "torch_runner"]

VAL_FACTORS = (4, 8, 16)


def _clock() -> float:
    """The training clock: this process's CPU time (all its threads), so that a budget in
    minutes means the same amount of computation on a busy shared machine."""
    return time.process_time()


def _machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def torch_runner(model, device="cpu"):
    """A ``runner`` for :func:`~depthsmith.learn._sr_infer.sr_upsample` running a torch SR
    model (pads to the network's multiple like the ONNX path)."""
    import torch

    from ._sr_infer import MULTIPLE, pad_to

    def run(up, rgb, factor):
        H, W = up.shape
        d = torch.from_numpy(np.ascontiguousarray(pad_to(up, MULTIPLE))[None, None])
        g = torch.from_numpy(np.ascontiguousarray(
            pad_to(rgb[0].transpose(1, 2, 0), MULTIPLE).transpose(2, 0, 1)[None]))
        lf = torch.full((1, 1, 1, 1), math.log2(factor) / 4.0)
        with torch.no_grad():
            out = model(d.to(device), g.to(device), lf.to(device))
        return out[0, 0, :H, :W].cpu().numpy().astype(np.float32)

    return run


def validate(model, held, factors=VAL_FACTORS, device="cpu", consistency=False) -> dict:
    """Mean RMSE (PNG units, clipped to [0, 255]) and bicubic's on the held-out
    ``middlebury_sr30`` scenes under SR-STANDARD's degradation, per factor."""
    import cv2

    from ..degrade import sr_standard_degrade
    from ..upsample._common import prepare

    run = torch_runner(model, device)
    res = {}
    sr30 = [s for s in held if s.source == "middlebury_sr30"]
    if not sr30:
        return res
    model.eval()
    for k in factors:
        ours, bic = [], []
        for s in sr30:
            gt = np.where(s.valid, s.depth, 0).astype(np.float32)
            lr, guide, truth = sr_standard_degrade(gt, s.rgb, k)
            d, v, g, size = prepare(lr, None, guide, None, True, "learned")
            out = sr_upsample(d, v, g.levels, size, consistency=consistency, runner=run)
            b = cv2.resize(lr, size[::-1], interpolation=cv2.INTER_CUBIC)
            ours.append(np.sqrt(np.mean((np.clip(out, 0, 255) - truth) ** 2)))
            bic.append(np.sqrt(np.mean((np.clip(b, 0, 255) - truth) ** 2)))
        res[f"x{k}"] = {"rmse": float(np.mean(ours)), "bicubic": float(np.mean(bic))}
    model.train()
    return res


def _synthetic_scenes(n: int, seed: int) -> list:
    """``n`` procedural RGB-D scenes from :mod:`depthsmith.learn._synthetic` (if present)."""
    if n <= 0:
        return []
    try:
        from . import _synthetic
    except ImportError:
        return []
    make = getattr(_synthetic, "render_scene", None)
    if make is None:
        return []
    out = []
    for i in range(n):
        depth, rgb = make(seed * 100003 + i, 384, 384)[:2]
        sc = _data._scene(f"synthetic_{i}", "synthetic", depth, rgb)
        if sc is not None:
            out.append(sc)
    return out


def train(data_dir, out_dir, *, minutes: float = 30.0, folds: int | None = None,
          fold: int | None = None, seed: int = 0, progress: bool = True,
          channels: int = 32, blocks: int = 8, batch: int = 12, patch: int = 128,
          lr: float = 2e-3, synthetic: int = 24, checkpoint_s: float = 120.0,
          val_s: float = 300.0, threads: int | None = None, device: str | None = None,
          max_steps: int | None = None, wall_minutes: float | None = None) -> Path:
    """Train (or resume) a GuidedSRNet for ``minutes`` of CPU time; returns ``model.pt``.

    Parameters
    ----------
    data_dir : path
        The shared data folder (``middlebury/``, ``middlebury_sr30/``, ``middlebury2014/``).
    out_dir : path
        Receives ``last.pt`` (resumable), ``model.pt`` (final weights) and ``curve.json``.
    minutes : float
        Budget of the whole run in CPU minutes of this process (on one thread: core
        minutes; validation and checkpoints not counted; resumed runs continue the same
        budget). The wall time is longer on a busy machine.
    folds, fold : int, optional
        k-fold by scene: train without fold ``fold`` and score it.
    seed : int
        Seeds the crops, degradations and initial weights (deterministic per step).
    synthetic : int
        Number of procedural scenes from :mod:`depthsmith.learn._synthetic` to add.
    max_steps : int, optional
        Stop after this many steps (smoke tests).
    wall_minutes : float, optional
        Also stop after this much wall time of this invocation; the learning-rate decay
        then follows whichever budget runs out first.

    References
    ----------
    Kingma and Ba, "Adam", ICLR 2015; Loshchilov and Hutter, "SGDR" (cosine decay), ICLR
    2017; Lim et al., "EDSR", CVPRW 2017 (residual blocks without batch norm, L1 loss).
    """
    torch = _checkpoint.require_torch()
    from torch.nn import functional as F

    from ._sr_net import GuidedSRNet

    if threads:
        torch.set_num_threads(int(threads))
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scenes = _data.load_scenes(data_dir)
    train_s, held = _data.split(scenes, folds, fold)
    train_s = train_s + _synthetic_scenes(synthetic, seed)
    torch.manual_seed(seed)
    model = GuidedSRNet(channels, blocks).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    step, elapsed, curve = 0, 0.0, []
    last = out / "last.pt"
    if last.is_file():
        ck = _checkpoint.load_dict(last)
        model.load_state_dict(ck["state_dict"])
        opt.load_state_dict(ck["optim"])
        step, elapsed = int(ck["step"]), float(ck["elapsed"])
        curve = json.loads(ck["curve"])
    budget = float(minutes) * 60.0
    meta = {"data": sorted({f"{s.source}/{s.key}" for s in train_s}),
            "held_out": sorted({f"{s.source}/{s.key}" for s in held}),
            "folds": folds, "fold": fold, "seed": seed, "minutes": minutes,
            "batch": batch, "patch": patch, "lr": lr, "machine": _machine(),
            "device": device, "threads": torch.get_num_threads()}

    def snapshot(path, final=False):
        wall = wall_done + time.monotonic() - wall0
        extra = {} if final else {"optim": opt.state_dict(), "step": step,
                                  "elapsed": elapsed, "curve": json.dumps(curve),
                                  "wall": json.dumps(wall)}
        m = dict(meta, steps=step, train_cpu_seconds=round(elapsed, 1),
                 wall_seconds=round(wall, 1),
                 date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        if final:
            m["curve"] = json.dumps(curve)
        _checkpoint.save(path, model, m, **extra)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=int(budget), initial=int(min(elapsed, budget)), unit="s",
                   desc=f"train sr{'' if folds is None else f' fold {fold}/{folds}'}")
    t_ck = t_val = _clock()
    t_prev = _clock()
    run_loss, n_loss = 0.0, 0
    model.train()
    wall0 = time.monotonic()
    wall_budget = None if wall_minutes is None else float(wall_minutes) * 60.0
    wall_done = 0.0
    if last.is_file():
        wall_done = float(json.loads(ck.get("wall", "0")))

    def progress_frac():
        f = elapsed / budget
        if wall_budget is not None:
            f = max(f, (wall_done + time.monotonic() - wall0) / wall_budget)
        return min(1.0, f)

    while progress_frac() < 1.0 and (max_steps is None or step < max_steps):
        rng = np.random.default_rng([seed, step])
        D, G, L, T, M = (torch.from_numpy(a).to(device)
                         for a in _data.sample_batch(train_s, batch, patch, rng))
        frac = progress_frac()
        warm = min(1.0, (step + 1) / 200.0)
        for pg in opt.param_groups:
            pg["lr"] = lr * warm * 0.5 * (1.0 + math.cos(math.pi * frac))
        pred = model(D, G, L)
        loss = (F.l1_loss(pred, T, reduction="none") * M).sum() / M.sum().clamp_min(1.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        run_loss += float(loss.detach())
        n_loss += 1
        now = _clock()
        elapsed += now - t_prev
        t_prev = now
        if bar is not None:
            bar.update(int(elapsed) - bar.n)
        done = progress_frac() >= 1.0 or (max_steps is not None and step >= max_steps)
        if now - t_val >= val_s or done:
            entry = {"step": step, "elapsed_s": round(elapsed, 1),
                     "loss": run_loss / max(n_loss, 1)}
            if held:
                entry["val"] = validate(model, held, device=device)
            curve.append(entry)
            run_loss, n_loss = 0.0, 0
            if bar is not None:
                v = entry.get("val", {})
                bar.set_postfix(loss=f"{entry['loss']:.4f}", **{
                    k: f"{r['rmse']:.2f}/{r['bicubic']:.2f}" for k, r in v.items()})
            t_val = _clock()
            t_prev = t_val  # validation time is not training time
        if now - t_ck >= checkpoint_s or done:
            snapshot(last)
            t_ck = _clock()
            t_prev = t_ck
    if bar is not None:
        bar.close()
    snapshot(last)
    final = out / "model.pt"
    snapshot(final, final=True)
    from ..io import atomic_path

    with atomic_path(out / "curve.json") as tmp:
        tmp.write_text(json.dumps({"meta": meta, "curve": curve}, indent=1))
    return final
