"""Interleaved timing of complete() (default) against the IP_Basic-style pipeline on the
COMPLETE-KITTI inputs: each round calls both on the same input back to back, so machine load
hits both alike; prints the median per-round time ratio per pattern as a markdown table.

Run: .venv/bin/python benchmarks/complete_speed.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone

import numpy as np

from depthsmith.bench._complete_tasks import COMPLETE_KITTI
from depthsmith.bench._core import machine
from depthsmith.complete import complete, morphological
from depthsmith.datasets import require_data_root


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    root = require_data_root()
    ratios: dict = {}
    ours_ms: dict = {}
    peer_ms: dict = {}
    for case in COMPLETE_KITTI.cases(root):
        d, g, v = case.inputs["depth"], case.inputs["guide"], case.inputs["valid"]
        complete(d, g, valid=v)
        morphological(d, valid=v, preset="paper")
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            morphological(d, valid=v, preset="paper")
            t1 = time.perf_counter()
            complete(d, g, valid=v)
            t2 = time.perf_counter()
            ratios.setdefault(case.group, []).append((t2 - t1) / (t1 - t0))
            ours_ms.setdefault(case.group, []).append(1000 * (t2 - t1) / case.megapixels)
            peer_ms.setdefault(case.group, []).append(1000 * (t1 - t0) / case.megapixels)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"### complete() default vs IP_Basic-style, interleaved ({date})\n")
    print(f"Machine: {machine()}. {args.rounds} rounds per frame and pattern.\n")
    print("| pattern | ours ms/MP (median) | IP_Basic-style ms/MP (median) | "
          "median per-round ratio | rounds ours faster |")
    print("|---|---|---|---|---|")
    for grp, r in ratios.items():
        print(f"| {grp} | {statistics.median(ours_ms[grp]):.1f} | "
              f"{statistics.median(peer_ms[grp]):.1f} | {statistics.median(r):.2f}x | "
              f"{int(np.sum(np.array(r) < 1))}/{len(r)} |")


if __name__ == "__main__":
    main()
