"""DFD-PATCH-REAL (BENCHMARKS.md): DFD-PATCH with noise 0.005 and 8-bit quantisation, disc
kernel, ours and the peers in one run; prints the markdown tables for docs/bench_dfd.md.

    .venv/bin/python benchmarks/dfd_patch_real.py [--json OUT.json] [--methods a,b]

(The task is not in the `depthsmith bench` registry, which this package does not own.)
"""

from __future__ import annotations

import argparse
import json

from depthsmith.bench._core import run
from depthsmith.bench._dfd_tasks import DFD_PATCH_REAL
from depthsmith.datasets import data_root


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=None)
    ap.add_argument("--methods", default=None, help="comma-separated method names")
    args = ap.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("benchmark data absent: set DEPTHSMITH_DATA")
    report = run(DFD_PATCH_REAL, root, progress=False,
                 methods=args.methods.split(",") if args.methods else None)
    print(report.markdown())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report.to_json(), f, indent=1, default=float)


if __name__ == "__main__":
    main()
