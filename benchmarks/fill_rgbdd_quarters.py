"""FILL-HOLES-RGBDD by quarter of the frame list: the tuning split and the held-out ones.

The 204 shared RGB-D-D frames in sorted-name order; quarter q = the frames whose index is
q mod 4. Quarter 3 tuned ``fill.planes``' constants (docs/bench_fill.md), quarter 0 is the
51-frame subset of docs/bench_real.md, quarters 1 and 2 were not used for any choice.
Prints mean RMSE (mm) / bad-10mm (%) per quarter for the default (``auto``), the previous
default (``guided``) and skimage's biharmonic inpainting (the best peer by RMSE), and the
ratio default / biharmonic.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/fill_rgbdd_quarters.py

``--thin-plate 0,0.1,0.2`` instead prints, per thin-plate weight of ``auto``'s blend
(``fill._api.THIN_PLATE``; frames whose edges measure sharp get none, as in ``auto``), the
mean RMSE per quarter and over quarters 0-2 with its ratio to biharmonic's: the table the
weight was chosen from (on quarter 3) in docs/tuning.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from depthsmith.bench._peers import fill_biharmonic
from depthsmith.bench._rgbdd_tasks import FILL_HOLES_RGBDD
from depthsmith.datasets import data_root
from depthsmith.fill import fill_holes, planes
from depthsmith.fill._planes import SHARP_EDGE
from depthsmith.fill._smooth import edge_sharpness
from depthsmith.ops import biharmonic_fill


def thin_plate_table(cases, weights) -> None:
    """Mean RMSE per quarter of the blend at each weight (planes and thin plate once)."""
    rows = {w: [] for w in weights}
    peer = []
    for c in cases:
        k = c.inputs
        pl = planes(k["depth"], k["guide"], valid=k["valid"])
        tp = biharmonic_fill(k["depth"], k["valid"])
        soft = edge_sharpness(k["depth"], k["valid"]) < SHARP_EDGE
        for w in weights:
            wt = w if soft else 0.0
            rows[w].append(FILL_HOLES_RGBDD.score((1 - wt) * pl + wt * tp, c)["rmse"])
        peer.append(FILL_HOLES_RGBDD.score(fill_biharmonic(k["depth"], k["valid"]), c)["rmse"])
    peer = np.array(peer)
    print("| thin-plate weight | quarter 0 | quarter 1 | quarter 2 | quarter 3 | quarters 0-2 |")
    print("|---|---|---|---|---|---|")
    held = np.arange(len(cases)) % 4 != 3
    for w in weights:
        r = np.array(rows[w])
        cells = [f"{r[q::4].mean():.2f} ({r[q::4].mean() / peer[q::4].mean():.3f}x)"
                 for q in range(4)]
        cells.append(f"{r[held].mean():.2f} ({r[held].mean() / peer[held].mean():.3f}x)")
        print(f"| {w:g} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--thin-plate", default="",
                    help="comma-separated thin-plate weights: print the weight table")
    args = ap.parse_args()
    root = data_root() or Path("../shared/data")
    cases = sorted(FILL_HOLES_RGBDD.cases(root), key=lambda c: c.scene)
    if args.thin_plate:
        thin_plate_table(cases, [float(x) for x in args.thin_plate.split(",")])
        return
    methods = {
        "auto": lambda k: fill_holes(k["depth"], k["guide"], valid=k["valid"]),
        "guided": lambda k: fill_holes(k["depth"], k["guide"], valid=k["valid"],
                                       method="guided"),
        "biharmonic": lambda k: fill_biharmonic(k["depth"], k["valid"]),
    }
    scores = {m: [] for m in methods}
    for c in cases:
        for m, fn in methods.items():
            s = FILL_HOLES_RGBDD.score(fn(c.inputs), c)
            scores[m].append((s["rmse"], s["bad10"]))
    for q in range(4):
        row = []
        for m in methods:
            a = np.array(scores[m][q::4])
            row.append(f"{m} {a[:, 0].mean():.2f} / {a[:, 1].mean():.2f}")
        ratio = (np.array(scores["auto"][q::4])[:, 0].mean()
                 / np.array(scores["biharmonic"][q::4])[:, 0].mean())
        print(f"quarter {q} ({len(scores['auto'][q::4])} frames): " + ", ".join(row)
              + f"; auto / biharmonic RMSE {ratio:.3f}")


if __name__ == "__main__":
    main()
