"""Variants of learned SR's training-free consistency step, on SR-STANDARD's protocol.

One network run per case (no consistency), then each variant of the step on that output:
``none``; ``block`` (the shipped step: the area-downsampling residual added back per block,
nearest upsampling; Metzger et al. 2023); ``bilinear xN`` (the residual upsampled
bilinearly, N iterations of area-down / residual / bilinear-up: iterative back-projection,
Irani and Peleg 1991, a smoother correction that converges to the same constraint).

Sets: ``middlebury_sr30`` (k-fold models from ``--runs``, the fold that never saw the
scene; seed scenes fold ``crc32 % 4``), ``lu2014_kinect`` and every ``--rgbdd-step``-th
``rgbdd`` frame (the shipped model, never trained on them). RMSE as SR-STANDARD scores it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sr_consistency_variants.py \\
        --runs /tmp/l1_runs/kfold [--rgbdd-step 12]
"""

from __future__ import annotations

import argparse
import zlib
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from depthsmith.bench import machine
from depthsmith.datasets import load, require_data_root, scenes
from depthsmith.degrade import sr_standard_degrade
from depthsmith.learn._data import SEED_SCENES, fold_of, scene_key
from depthsmith.learn._runtime import model_path
from depthsmith.learn._sr_infer import consistency_step, guide_input, normalise, run_sr

FACTORS = (4, 8, 16)


def back_project(out, lr, iterations):
    """``iterations`` steps of: residual = lr - area_down(out); out += bilinear_up(residual)."""
    h, w = lr.shape
    H, W = out.shape
    o = out.astype(np.float32, copy=True)
    for _ in range(iterations):
        r = (lr - cv2.resize(o, (w, h), interpolation=cv2.INTER_AREA)).astype(np.float32)
        o += cv2.resize(r, (W, H), interpolation=cv2.INTER_LINEAR)
    return o


VARIANTS = {
    "none": lambda o, dn: o,
    "block (shipped)": lambda o, dn: consistency_step(o, dn, np.ones(dn.shape, bool)),
    "bilinear x1": lambda o, dn: back_project(o, dn, 1),
    "bilinear x3": lambda o, dn: back_project(o, dn, 3),
    "bilinear x10": lambda o, dn: back_project(o, dn, 10),
    "bilinear x3 + block": lambda o, dn: consistency_step(back_project(o, dn, 3), dn,
                                                          np.ones(dn.shape, bool)),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=Path, default=Path("/tmp/l1_runs/kfold"))
    ap.add_argument("--rgbdd-step", type=int, default=12)
    a = ap.parse_args(argv)
    root = require_data_root()
    all_keys = [scene_key(f) for f in scenes("middlebury", root)
                + scenes("middlebury_sr30", root) + scenes("middlebury2014", root)
                if scene_key(f) not in SEED_SCENES]
    sets = {"Middlebury-30 (k-fold)": scenes("middlebury_sr30", root),
            "Lu": scenes("lu2014_kinect", root),
            "RGB-D-D": scenes("rgbdd", root)[::a.rgbdd_step]}
    res = {}
    for label, folders in sets.items():
        for f in folders:
            s = load(f)
            if "png" in s.extra:
                key = scene_key(f)
                i = (zlib.crc32(key.encode()) % 4 if key in SEED_SCENES
                     else fold_of(key, all_keys, 4))
                model, hr, div, clip = str(a.runs / f"fold{i}" / "model.onnx"), \
                    s.extra["png"].astype(np.float32), 1.0, True
            else:
                model = str(model_path("sr"))
                hr = np.nan_to_num(s.depth, nan=0.0).astype(np.float32)
                div, clip = (10.0, False) if label == "RGB-D-D" else (1.0, True)
            for k in FACTORS:
                lr, g, gt = sr_standard_degrade(hr, s.rgb, k)
                lo, scale = normalise(lr.ravel())
                dn = ((lr - lo) / scale).astype(np.float32)
                up = cv2.resize(dn, gt.shape[::-1], interpolation=cv2.INTER_CUBIC)
                raw = run_sr(model, up, guide_input(g.astype(np.float32)), float(k))
                for name, fn in VARIANTS.items():
                    p = fn(raw, dn).astype(np.float64) * scale + lo
                    if clip:
                        p = np.clip(p, 0, 255)
                    e = float(np.sqrt(np.mean(((p - gt) / div) ** 2)))
                    res.setdefault((label, k, name), []).append(e)
                bic = cv2.resize(lr, gt.shape[::-1], interpolation=cv2.INTER_CUBIC)
                bic = np.clip(bic, 0, 255) if clip else bic
                res.setdefault((label, k, "bicubic"), []).append(
                    float(np.sqrt(np.mean(((bic - gt) / div) ** 2))))
    names = [*VARIANTS, "bicubic"]
    print("| set | factor | n | " + " | ".join(names) + " |\n|" + "---|" * (3 + len(names)))
    for label in sets:
        for k in FACTORS:
            vals = [np.mean(res[(label, k, n)]) for n in names]
            print(f"| {label} | x{k} | {len(res[(label, k, 'none')])} | "
                  + " | ".join(f"{v:.3f}" for v in vals) + " |")
    print(f"\nmachine: {machine()}; date: "
          f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")


if __name__ == "__main__":
    main()
