"""The seed research's four-scene x8 table (SR-MIDDLEBURY on cones, teddy, tsukuba, venus,
never trained on) with our learned models beside the research's rows.

Rows run here, same inputs, same run: OpenCV bicubic, the default (``auto``: its input rule
reads this point-sampled input as aliased and runs ``optimize``),
the shipped ``learned`` model (``upsample(method="learned")``, with and without the
consistency step) and the time-boxed SeedSRGAN reproduction (``--srgan RUN/generator.pt``,
needs torch). Degradation and score are SR-MIDDLEBURY's (``depthsmith.degrade.sr_degrade``:
nearest-filled PNG-scale GT, cv2 INTER_CUBIC down, RMSE over known GT in PNG units). The
research's rows (bicubic, its NN and NN+gan_loss, MSG-Net) are copied from the seed slides
for comparison; their protocol is not stated in the slides.

    .venv/bin/python benchmarks/learn_seed_table.py [--srgan RUN/generator.pt] [--json F]
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from depthsmith.bench import machine
from depthsmith.datasets import load, require_data_root, scenes
from depthsmith.degrade import sr_degrade
from depthsmith.upsample import upsample

SEED = ("cones", "teddy", "tsukuba", "venus")
#: The seed slides' "Comparison of Super-resolution (x8)", RMSE (Cones, Teddy, Tsukuba, Venus).
PUBLISHED = {
    "seed slides: Bicubic": (9.64, 5.33, 7.52, 2.65),
    "seed slides: NN": (9.90, 11.13, 8.10, 10.0),
    "seed slides: NN+gan_loss": (9.35, 6.48, 5.05, 5.58),
    "seed slides: MSG-Net [6]": (2.75, 2.28, 3.64, 0.76),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--srgan", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    methods = {
        "bicubic (cv2)": lambda lr, g: cv2.resize(lr, g.shape[1::-1],
                                                  interpolation=cv2.INTER_CUBIC),
        "auto (default; input rule: optimize here)": lambda lr, g: upsample(lr, guide=g),
        "learned (shipped)": lambda lr, g: upsample(lr, guide=g, method="learned"),
        "learned, no consistency": lambda lr, g: upsample(lr, guide=g, method="learned",
                                                          consistency=False),
    }
    if a.srgan is not None:
        from depthsmith.learn._checkpoint import load_model
        from depthsmith.learn._train_srgan import srgan_upsample

        gen, _ = load_model(a.srgan)
        methods["SeedSRGAN (ours, time-boxed, depth only)"] = lambda lr, g: srgan_upsample(
            gen, lr)
    root = require_data_root()
    res = {n: {} for n in methods}
    for f in scenes("middlebury", root):
        if f.name not in SEED:
            continue
        s = load(f)
        png = np.where(s.valid, s.depth * s.scale, 0).astype(np.float32)
        lr, g, gt, v = sr_degrade(png, s.valid, s.rgb, 8)
        for n, fn in methods.items():
            p = fn(lr, g)
            res[n][f.name] = float(np.sqrt(np.mean((p[v].astype(np.float64) - gt[v]) ** 2)))
    lines = ["| x8 RMSE (PNG units) | " + " | ".join(SEED) + " | mean |",
             "|---|" + "---|" * (len(SEED) + 1)]
    for n, r in res.items():
        vals = [r[k] for k in SEED]
        lines.append(f"| {n} | " + " | ".join(f"{v:.2f}" for v in vals)
                     + f" | {np.mean(vals):.2f} |")
    for n, vals in PUBLISHED.items():
        lines.append(f"| {n} | " + " | ".join(f"{v:.2f}" for v in vals)
                     + f" | {np.mean(vals):.2f} |")
    lines.append(f"\nmachine: {machine()}; date: "
                 f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    print("\n".join(lines))
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
