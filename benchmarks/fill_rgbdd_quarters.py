"""FILL-HOLES-RGBDD by quarter of the frame list: the tuning split and the held-out ones.

The 204 shared RGB-D-D frames in sorted-name order; quarter q = the frames whose index is
q mod 4. Quarter 3 tuned ``fill.planes``' constants (docs/bench_fill.md), quarter 0 is the
51-frame subset of docs/bench_real.md, quarters 1 and 2 were not used for any choice.
Prints mean RMSE (mm) / bad-10mm (%) per quarter for the default (``auto``), the previous
default (``guided``) and skimage's biharmonic inpainting (the best peer by RMSE), and the
ratio default / biharmonic.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/fill_rgbdd_quarters.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from depthsmith.bench._peers import fill_biharmonic
from depthsmith.bench._rgbdd_tasks import FILL_HOLES_RGBDD
from depthsmith.datasets import data_root
from depthsmith.fill import fill_holes


def main() -> None:
    root = data_root() or Path("../shared/data")
    cases = sorted(FILL_HOLES_RGBDD.cases(root), key=lambda c: c.scene)
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
