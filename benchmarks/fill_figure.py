"""The README picture of depthsmith.fill: one FILL-OCC and one FILL-HOLES case side by side.

Rows: stereo occlusions (FILL-OCC) and Kinect-style holes (FILL-HOLES) on a Middlebury scene;
columns: guide, input (holes black), ``fill_holes`` default, Levin colorization (the NYU
toolbox's fill, our fast solve of the same system), ``cv2.inpaint`` NS, ground truth. The RMSE
over the scored holes is in each title.

    .venv/bin/python benchmarks/fill_figure.py [--scene teddy] [-o docs/fill_example.png]
"""

from __future__ import annotations

import argparse

import numpy as np

from depthsmith.bench import TASKS, fill_cv2_ns
from depthsmith.datasets import require_data_root
from depthsmith.fill import fill_holes
from depthsmith.io import colorize, save_panel
from depthsmith.ops import colorization_fill

FILL_OCC = TASKS["FILL-OCC"]
FILL_HOLES = TASKS["FILL-HOLES"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scene", default="teddy")
    ap.add_argument("-o", "--output", default="docs/fill_example.png")
    args = ap.parse_args()
    root = require_data_root()
    images, titles = [], []
    for task, occ in ((FILL_OCC, True), (FILL_HOLES, False)):
        case = next(c for c in task.cases(root) if c.scene == args.scene)
        k = case.inputs
        gt = case.truth["gt"]
        lo, hi = np.nanpercentile(gt, [1, 99])
        outs = {
            "depthsmith auto": fill_holes(k["depth"], k["guide"], valid=k["valid"],
                                          occlusion=occ, disparity=True),
            "Levin (NYU toolbox)": colorization_fill(k["depth"], k["guide"], valid=k["valid"]),
            "cv2.inpaint NS": fill_cv2_ns(k["depth"], k["valid"]),
        }
        images += [k["guide"], colorize(k["depth"], vmin=lo, vmax=hi)]
        titles += [f"{task.name}: {args.scene}", "input (holes black)"]
        for name, out in outs.items():
            s = task.score(out, case)
            images.append(colorize(out, vmin=lo, vmax=hi))
            titles.append(f"{name}: RMSE {s['rmse']:.2f}, bad-1 {s['bad1']:.1f}%")
        images.append(colorize(gt, vmin=lo, vmax=hi))
        titles.append("ground truth")
    save_panel(args.output, images, titles, ncols=6, width_in=3.0)
    print(args.output)


if __name__ == "__main__":
    main()
