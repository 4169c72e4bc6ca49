"""Where the learned correction of the classical completion pays: ``learned`` (network always
run, ``max_density=None``) against ``auto`` on the Middlebury scenes held out by the k-fold
models, at several sample densities and two patterns. This is the tuning split of
``depthsmith.complete._learned.CORRECT_MAX_DENSITY`` (COMPLETE-KITTI is never read here).

Each of the 17 non-seed COMPLETE-SAMPLES scenes (the task's GT and validity) is scored with
the k-fold model whose held-out fold holds it (``--kfold DIR`` as for
``learn_complete_eval.py``); samples: uniform at the density, or scan lines (every 4th row,
random phase, the density overall), seed 7. RMSE and MAE over the valid GT, means over
scenes, ratio learned / auto.

Run: .venv/bin/python benchmarks/learn_complete_density.py --kfold runs [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from depthsmith.bench import TASKS, machine  # noqa: E402
from depthsmith.complete import complete  # noqa: E402
from depthsmith.datasets import require_data_root  # noqa: E402
from learn_complete_eval import _kfold_models  # noqa: E402

DENSITIES = (0.01, 0.03, 0.1, 0.25)


def _mask(gt_valid, pattern, density, rng):
    if pattern == "uniform":
        return (rng.random(gt_valid.shape) < density) & gt_valid
    m = np.zeros(gt_valid.shape, bool)
    m[int(rng.integers(0, 4))::4] = True
    return m & (rng.random(gt_valid.shape) < density * 4) & gt_valid


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kfold", required=True, help="folder with fold*/complete.onnx")
    ap.add_argument("--json")
    args = ap.parse_args()
    kf = _kfold_models(args.kfold)
    seen, acc = set(), {}
    for case in TASKS["COMPLETE-SAMPLES"].cases(require_data_root()):
        scene = case.scene.split("/")[-1]
        if scene not in kf or scene in seen:
            continue
        seen.add(scene)
        gt, v = case.truth["gt"], case.truth["mask"]
        g = case.inputs.get("guide")
        rng = np.random.default_rng(7)
        for dens in DENSITIES:
            for pat in ("uniform", "lines"):
                m = _mask(v, pat, dens, rng)
                sp = np.where(m, gt, np.nan).astype(np.float32)
                a = complete(sp, g)
                b = complete(sp, g, method="learned", model=kf[scene], max_density=None)
                e = [x[v] - gt[v] for x in (a, b)]
                acc.setdefault(f"{pat} {dens:g}", []).append(
                    [float(np.sqrt(np.mean(x ** 2))) for x in e]
                    + [float(np.mean(np.abs(x))) for x in e])
    print(f"{machine()}; {len(seen)} scenes\n")
    print("| samples | n | RMSE auto | RMSE learned | ratio | MAE ratio |")
    print("|---|---|---|---|---|---|")
    res = {}
    for k, rows in acc.items():
        r = np.mean(np.array(rows), axis=0)
        res[k] = {"n": len(rows), "rmse_auto": r[0], "rmse_learned": r[1], "mae_auto": r[2],
                  "mae_learned": r[3]}
        print(f"| {k} | {len(rows)} | {r[0]:.3f} | {r[1]:.3f} | {r[1] / r[0]:.3f}x | "
              f"{r[3] / r[2]:.3f}x |")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
