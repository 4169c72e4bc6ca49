"""COMPLETE-KITTI at every row phase (issue 13): where the scan-line error is, and the
choice of the gap fill on a tuning split.

For every kitti_depth frame and every COMPLETE-KITTI group it scores griddata linear (the
best peer), ``normconv`` as ``auto`` ran it on scan lines before issue 13
(``gap_fill="pyramid"``) and the gap-fill variants: the level-0 certainty ``c`` of
normconv, and where ``c < T`` the estimate becomes ``a e + (1 - a) (w t + (1 - w) e)`` with
``a = c / T``, ``e`` normconv's estimate and ``t`` the Delaunay interpolation
(:func:`depthsmith.ops._scanline_gaps.delaunay_gap_fill`); ``T = 1 = tau, w = 1`` is the
shipped rule (``gap_fill="delaunay"``).

Prints (markdown): the diagnosis at phase 2 (share of the squared error carried by the
scored pixels with no sample in normconv's 9 x 9 level-0 window, "gaps", and by the rows
above the first / below the last line), then each variant's RMSE relative to griddata per
group on the tuning split A (the 3 ``frame_*`` frames) and on the report split B (the 5
``cropped1216_*`` frames), with the worst ratio over the four row phases (the criterion:
the rule must win at every phase), and the variant each split picks by that criterion
scored on the other split (A -> B, and the swap B -> A).

Run: .venv/bin/python benchmarks/complete_phases.py [--groups "lines phase 2,lines"]
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

import cv2
import numpy as np

from depthsmith.bench import TASKS, machine
from depthsmith.bench._peers import fill_griddata
from depthsmith.complete import LINE_SIGMA, complete, normconv
from depthsmith.datasets import require_data_root
from depthsmith.ops import multiscale_normconv, put_samples
from depthsmith.ops._scanline_gaps import delaunay_gap_fill

TASK = TASKS["COMPLETE-KITTI"]
LINES = ("lines", "lines phase 1", "lines phase 2", "lines phase 3")
VARIANTS = [(t, w) for t in (0.05, 0.3, 1.0, 2.0) for w in (0.5, 0.75, 1.0)]


def _variants(d, v, sigma):
    e, c = multiscale_normconv(d, valid=v, sigma_space=sigma, order=1, ridge=0.3, tau=1.0,
                               clamp=False, levels=3, sigma_range=0.05, edge_spread=0.05)
    out = {}
    for t in sorted({t for t, _ in VARIANTS}):
        tri, cov = delaunay_gap_fill(d, v, c < t)
        a = np.clip(c / t, 0.0, 1.0)
        for tt, w in VARIANTS:
            if tt == t:
                x = np.where(cov, a * e + (1 - a) * (w * tri + (1 - w) * e), e)
                x = x.astype(np.float32)
                put_samples(x, d, v)
                out[f"T={t:g} w={w:g}"] = x
    return out, c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", default="", help="comma-separated groups (default: all)")
    args = ap.parse_args()
    groups = [g for g in args.groups.split(",") if g]
    root = require_data_root()
    rmse: dict = {}
    diag = []
    for case in TASK.cases(root):
        if groups and case.group not in groups:
            continue
        d, v, rgb = case.inputs["depth"], case.inputs["valid"], case.inputs["guide"]
        sigma = LINE_SIGMA if case.group.startswith("lines") else (1.2, 2.5)
        outs, cert = _variants(d, v, sigma)
        outs["griddata linear"] = fill_griddata(d, v)
        outs["pyramid (before)"] = normconv(d, valid=v, sigma_space=sigma, gap_fill="pyramid")
        outs["auto (shipped)"] = complete(d, rgb, valid=v)
        for k, x in outs.items():
            rmse[(case.group, case.scene, k)] = TASK.score(x, case)["rmse"]
        if case.group == "lines phase 2":
            gt, m = case.truth["gt"], case.truth["mask"]
            ys = np.nonzero(m)[0]
            rows = np.flatnonzero(v.any(axis=1))
            outside = (ys < rows[0]) | (ys > rows[-1])
            nbr = cv2.filter2D(v.astype(np.float32), -1, np.ones((9, 9), np.float32),
                               borderType=cv2.BORDER_CONSTANT)  # samples in the window
            gap = (nbr < 0.5)[m]
            row = [case.scene, f"{gap.mean():.1%}"]
            for name in ("pyramid (before)", "griddata linear", "auto (shipped)"):
                se = (outs[name][m].astype(np.float64) - gt[m]) ** 2
                row.append(f"{1000 * np.sqrt(se.mean()):.0f} ({se[gap].sum() / se.sum():.0%}, "
                           f"{se[outside].sum() / se.sum():.1%})")
            diag.append(row)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"### COMPLETE-KITTI row phases: diagnosis and gap-fill split ({date})\n")
    print(f"Machine: {machine()}.\n")
    if diag:
        print("Phase 2, per frame: RMSE mm (share of the squared error on gap pixels, on rows "
              "outside the first / last line)\n")
        print("| frame | scored pixels in gaps | pyramid (before) | griddata linear | "
              "auto (shipped) |")
        print("|---|---|---|---|---|")
        for r in diag:
            print("| " + " | ".join(r) + " |")
        print()
    scenes = sorted({s for _, s, _ in rmse})
    split = {"A (3 frame_*)": [s for s in scenes if s.startswith("frame_")],
             "B (5 cropped1216_*)": [s for s in scenes if not s.startswith("frame_")]}
    gs = list(dict.fromkeys(g for g, _, _ in rmse))
    names = list(dict.fromkeys(k for _, _, k in rmse))
    worst_of: dict = {}
    for label, ss in split.items():
        if not ss:
            continue
        print(f"Split {label}: mean RMSE / griddata linear's mean RMSE\n")
        print("| variant | " + " | ".join(gs) + " | worst lines phase |")
        print("|---|" + "---|" * (len(gs) + 1))
        for n in names:
            if n == "griddata linear":
                continue
            r = {g: np.mean([rmse[(g, s, n)] for s in ss])
                 / np.mean([rmse[(g, s, "griddata linear")] for s in ss]) for g in gs}
            worst = max((r[g] for g in gs if g in LINES), default=float("nan"))
            worst_of[(label[0], n)] = (worst, float(np.mean([r[g] for g in gs if g in LINES])))
            print(f"| {n} | " + " | ".join(f"{r[g]:.3f}" for g in gs) + f" | {worst:.3f} |")
        print()
    _swap(worst_of)


def _swap(worst_of: dict) -> None:
    """The gap-fill variant (T, w) each split picks by the criterion (the worst ratio to
    griddata over the four row phases), scored on the other split: A -> B and the swap."""
    variants = [f"T={t:g} w={w:g}" for t, w in VARIANTS]
    if not all(("A", v) in worst_of and ("B", v) in worst_of for v in variants):
        return
    print("Choice of the gap fill by split (criterion: worst lines phase, ratio to "
          "griddata linear; 'mean' = mean ratio over the four lines phases)\n")
    print("| chosen on | variant | worst phase on A | worst phase on B | mean on A | "
          "mean on B |\n|---|---|---|---|---|---|")
    rows = [("A", min(variants, key=lambda v: worst_of[("A", v)][0])),
            ("B (swap)", min(variants, key=lambda v: worst_of[("B", v)][0])),
            ("shipped (T = tau = 1)", "T=1 w=1")]
    for label, v in rows:
        (wa, ma), (wb, mb) = worst_of[("A", v)], worst_of[("B", v)]
        print(f"| {label} | {v} | {wa:.3f} | {wb:.3f} | {ma:.3f} | {mb:.3f} |")
    print()


if __name__ == "__main__":
    main()
