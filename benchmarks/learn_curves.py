"""Training curves of the learned SR runs as one PNG (loss, and held-out RMSE / bicubic).

Reads ``curve.json`` of every run folder given (``depthsmith train`` writes it) and, for
the seed SRGAN run, its generator / discriminator losses.

    .venv/bin/python benchmarks/learn_curves.py RUN [RUN ...] -o docs/img/learn_sr_curves.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("-o", "--output", required=True, type=Path)
    a = ap.parse_args(argv)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for run in a.runs:
        data = json.loads((run / "curve.json").read_text())
        curve = data["curve"]
        if not curve:
            continue
        name = run.name
        if "g_loss" in curve[0]:  # the seed SRGAN
            ax1.plot([c["cpu_s"] / 60 for c in curve], [c["g_loss"] for c in curve],
                     "--", label=f"{name}: generator loss (MSE+GAN+TV+grad, [-1,1] units)")
            continue
        x = [c["elapsed_s"] / 60 for c in curve]
        ax1.plot(x, [c["loss"] for c in curve], label=f"{name}: L1 (normalised)")
        for k, style in (("x4", ":"), ("x8", "-"), ("x16", "--")):
            pts = [(c["elapsed_s"] / 60, c["val"][k]["rmse"] / c["val"][k]["bicubic"])
                   for c in curve if k in c.get("val", {})]
            if pts:
                ax2.plot(*zip(*pts, strict=True), style, label=f"{name} {k}")
    ax1.set_xlabel("training CPU minutes")
    ax1.set_ylabel("training loss")
    ax1.set_yscale("log")
    ax1.legend(fontsize=7)
    ax2.set_xlabel("training CPU minutes")
    ax2.set_ylabel("held-out Middlebury-30 RMSE / bicubic")
    ax2.axhline(1.0, color="grey", lw=0.5)
    ax2.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    a.output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.output, dpi=110)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
