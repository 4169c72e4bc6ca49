"""Held-out check of ``complete``'s density rule, ``GUIDED_MAX_DENSITY`` (issue #13 item 4;
docs/tuning.md, section "complete").

``complete``'s ``auto`` runs ``guided`` when a guide is given and at most
``GUIDED_MAX_DENSITY`` (2 %) of the pixels are valid, else ``normconv`` (with the scan-line
parameters of ``choose_params`` on scan-line input). For every case this script records
the valid fraction and the RMSE of both branches, exactly as ``auto`` would call them, and
of griddata linear (a peer of every task here), then scores the rule at each threshold of
:data:`THRESHOLDS`:

    cost = mean over the split's cases of RMSE(rule) / RMSE(griddata linear)

Splits (the same frames as the other complete tuning, docs/tuning.md):

* **A** = COMPLETE-SAMPLES (21 Middlebury scenes x 4 sample patterns, 1 %) + COMPLETE-KITTI
  on the 3 ``frame_*`` frames (7 groups each): the data the 2 % was chosen on;
* **B** = COMPLETE-SAMPLES-RGBDD (every ``--rgbdd-step``-th of the 204 frames, 4 patterns)
  + COMPLETE-KITTI on the 5 ``cropped1216_*`` frames.

The threshold each split picks is the middle (median) of the thresholds whose cost is
within 1e-4 of its best (the densities only take a few values, so the optimum is a flat
interval); the other split scores it (A -> B and the swap B -> A). The valid fractions per
group are printed too: they say which thresholds are the same rule on these data.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/tune_complete.py [--json F]
    python benchmarks/tune_complete.py --report F     # the tables again from the rows
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from depthsmith.bench import TASKS, machine
from depthsmith.bench._peers import fill_griddata
from depthsmith.complete import GUIDED_MAX_DENSITY, complete
from depthsmith.complete._api import choose_params
from depthsmith.datasets import require_data_root

#: Candidate thresholds (valid fraction); none equals a density the tasks produce.
THRESHOLDS = [0.0, 0.005, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.2]


def _rows(root, rgbdd_step):
    """One dict per case: split, task, scene, group, density, RMSE of each branch."""
    sources = [("COMPLETE-SAMPLES", None), ("COMPLETE-KITTI", None),
               ("COMPLETE-SAMPLES-RGBDD", rgbdd_step)]
    for tn, step in sources:
        task = TASKS[tn]
        scenes = None
        for c in task.cases(root):
            if step is not None:
                if scenes is None:
                    scenes = {}
                idx = scenes.setdefault(c.scene, len(scenes))
                if idx % step:
                    continue
            k = c.inputs
            d, v, g = k["depth"], k["valid"], k["guide"]
            out = {
                "guided": complete(d, g, valid=v, method="guided"),
                "normconv": complete(d, g, valid=v, method="normconv",
                                     **choose_params("normconv", v)),
                "griddata": fill_griddata(d, v),
            }
            if tn == "COMPLETE-KITTI":
                split = "A" if c.scene.startswith("frame_") else "B"
            else:
                split = "A" if tn == "COMPLETE-SAMPLES" else "B"
            yield {"split": split, "task": tn, "scene": c.scene, "group": c.group,
                   "density": float(np.count_nonzero(v)) / v.size,
                   "rmse": {m: task.score(x, c)["rmse"] for m, x in out.items()}}


def rule(r, t):
    """RMSE of ``auto``'s branch for threshold ``t`` (a guide is always given here)."""
    return r["rmse"]["guided" if r["density"] <= t else "normconv"]


def cost(rows, t):
    return float(np.mean([rule(r, t) / r["rmse"]["griddata"] for r in rows]))


def pick(rows):
    cs = [cost(rows, t) for t in THRESHOLDS]
    near = [t for t, c in zip(THRESHOLDS, cs, strict=True) if c <= min(cs) + 1e-4]
    return float(np.median(near)), near


def report(rows):
    A = [r for r in rows if r["split"] == "A"]
    B = [r for r in rows if r["split"] == "B"]
    print("Valid fraction and branch RMSE per split and task (mean RMSE; guided / normconv /"
          " griddata linear):\n")
    print("| split | task | cases | valid fraction min / max | guided | normconv | griddata |"
          " guided better |\n|---|---|---|---|---|---|---|---|")
    for sp, rs in (("A", A), ("B", B)):
        for tn in dict.fromkeys(r["task"] for r in rs):
            x = [r for r in rs if r["task"] == tn]
            dens = [r["density"] for r in x]
            m = {b: np.mean([r["rmse"][b] for r in x]) for b in ("guided", "normconv",
                                                                "griddata")}
            win = np.mean([r["rmse"]["guided"] < r["rmse"]["normconv"] for r in x])
            print(f"| {sp} | {tn} | {len(x)} | {min(dens):.4f} / {max(dens):.4f} | "
                  f"{m['guided']:.3f} | {m['normconv']:.3f} | {m['griddata']:.3f} | {win:.0%} |")
    print("\nCost of the rule (mean RMSE / griddata linear over the split's cases) per "
          "threshold:\n")
    print("| threshold | cost on A | cost on B |\n|---|---|---|")
    for t in THRESHOLDS:
        mark = " (shipped)" if t == GUIDED_MAX_DENSITY else ""
        print(f"| {t:g}{mark} | {cost(A, t):.4f} | {cost(B, t):.4f} |")
    tA, nA = pick(A)
    tB, nB = pick(B)
    print("\n| tuned on | threshold (flat optimum) | cost on A | cost on B |\n|---|---|---|---|")
    print(f"| A | {tA:g} ({min(nA):g}-{max(nA):g}) | {cost(A, tA):.4f} | {cost(B, tA):.4f} |")
    print(f"| B (swap) | {tB:g} ({min(nB):g}-{max(nB):g}) | {cost(A, tB):.4f} | "
          f"{cost(B, tB):.4f} |")
    print(f"| shipped | {GUIDED_MAX_DENSITY:g} | {cost(A, GUIDED_MAX_DENSITY):.4f} | "
          f"{cost(B, GUIDED_MAX_DENSITY):.4f} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rgbdd-step", type=int, default=2,
                    help="every N-th RGB-D-D frame for COMPLETE-SAMPLES-RGBDD (default 2)")
    ap.add_argument("--json", type=Path, help="write the per-case rows here")
    ap.add_argument("--report", type=Path, help="only print the tables of a --json file")
    a = ap.parse_args(argv)
    if a.report:
        report(json.loads(a.report.read_text()))
        return
    cv2.setNumThreads(1)
    t0 = time.time()
    start = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = list(_rows(require_data_root(), a.rgbdd_step))
    if a.json:
        a.json.write_text(json.dumps(rows))
    print(f"### complete: GUIDED_MAX_DENSITY on A / B ({start}; {machine()}; "
          f"{time.time() - t0:.0f} s, load average {os.getloadavg()[0]:.1f})\n")
    report(rows)


if __name__ == "__main__":
    main()
