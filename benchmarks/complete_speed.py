"""Interleaved timing of complete() (default) against the IP_Basic-style pipeline on the
COMPLETE-KITTI inputs: each round calls both on the same input back to back, so machine load
hits both alike; prints the median per-round time ratio per pattern as a markdown table.

Also prints the mean RMSE / MAE (mm) of both over the frames, so a non-default option can be
judged in the same process: ``--param robust=0.05`` passes ``robust=0.05`` to complete(),
``--param gap_fill=pyramid`` the scan-line rule before issue 13.

Run: .venv/bin/python benchmarks/complete_speed.py [--rounds 15] [--param NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone

import numpy as np

from depthsmith.bench import TASKS, machine
from depthsmith.complete import complete, morphological
from depthsmith.datasets import require_data_root

COMPLETE_KITTI = TASKS["COMPLETE-KITTI"]


def _value(x: str):
    """A --param value: None for "none", a float when it parses as one, else the text."""
    if x.lower() == "none":
        return None
    try:
        return float(x)
    except ValueError:
        return x


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--param", action="append", default=[],
                    help="NAME=VALUE (float, none or a word such as gap_fill=pyramid) passed "
                         "to complete(); repeatable")
    args = ap.parse_args()
    params = {k: _value(x) for k, x in (p.split("=", 1) for p in args.param)}
    root = require_data_root()
    quality: dict = {}
    ratios: dict = {}
    ours_ms: dict = {}
    peer_ms: dict = {}
    for case in COMPLETE_KITTI.cases(root):
        d, g, v = case.inputs["depth"], case.inputs["guide"], case.inputs["valid"]
        ours = complete(d, g, valid=v, **params)
        peer = morphological(d, valid=v, preset="paper")
        q = quality.setdefault(case.group, {"ours": [], "peer": []})
        q["ours"].append(COMPLETE_KITTI.score(ours, case))
        q["peer"].append(COMPLETE_KITTI.score(peer, case))
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            morphological(d, valid=v, preset="paper")
            t1 = time.perf_counter()
            complete(d, g, valid=v, **params)
            t2 = time.perf_counter()
            ratios.setdefault(case.group, []).append((t2 - t1) / (t1 - t0))
            ours_ms.setdefault(case.group, []).append(1000 * (t2 - t1) / case.megapixels)
            peer_ms.setdefault(case.group, []).append(1000 * (t1 - t0) / case.megapixels)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"### complete() default vs IP_Basic-style, interleaved ({date})\n")
    label = ", ".join(f"{k}={x}" for k, x in params.items()) or "default"
    print(f"Machine: {machine()}. {args.rounds} rounds per frame and pattern. "
          f"complete() parameters: {label}.\n")
    print("| pattern | ours RMSE / MAE (mm) | IP_Basic-style RMSE / MAE | "
          "ours ms/MP (median) | IP_Basic-style ms/MP (median) | "
          "median per-round ratio | rounds ours faster |")
    print("|---|---|---|---|---|---|---|")

    def qm(rows, key):
        return float(np.mean([r[key] for r in rows]))

    for grp, r in ratios.items():
        q = quality[grp]
        print(f"| {grp} | {qm(q['ours'], 'rmse'):.1f} / {qm(q['ours'], 'mae'):.1f} | "
              f"{qm(q['peer'], 'rmse'):.1f} / {qm(q['peer'], 'mae'):.1f} | "
              f"{statistics.median(ours_ms[grp]):.1f} | "
              f"{statistics.median(peer_ms[grp]):.1f} | {statistics.median(r):.2f}x | "
              f"{int(np.sum(np.array(r) < 1))}/{len(r)} |")


if __name__ == "__main__":
    main()
