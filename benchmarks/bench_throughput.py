"""Batch throughput, per-frame latency and cold-start cost of the fill and refine defaults.

    python benchmarks/bench_throughput.py                     # 100 RGB-D-D frames, everything
    python benchmarks/bench_throughput.py --frames 20 --only throughput
    python benchmarks/bench_throughput.py --md out.md --json out.json

* **throughput** (frames per second) of ``depthsmith batch refine`` and ``batch fill`` (the
  defaults) on N RGB-D-D frames (512x384, ``../shared/data/rgbdd``; inputs made with the
  benchmark degradations of REFINE-RGBDD and FILL-HOLES-RGBDD, written once, not timed), for
  1 worker x 1 thread, 2 workers x 1 thread, 1 worker x 2 threads and a Dask LocalCluster of
  2 workers; the peer in the same run is a bare Python loop over the same files in one
  process (read, library call, ``numpy.save``), with 1 thread. Each configuration is one
  ``python -m depthsmith batch`` process into a fresh folder; frames/s is N over the run's own
  time (from its manifest: worker start-up included, interpreter start-up not), and the wall
  time of the whole command is given beside it.
* **latency**: the library call alone (no I/O) on one frame resized to 640x480, 1280x720 and
  1920x1080, 1 thread, median of 3 after one warm-up call.
* **cold start**: a fresh interpreter's import and first two calls on one 512x384 frame with an
  empty ``NUMBA_CACHE_DIR`` (numba compiles every kernel: the first call after install) and
  then with that cache filled; ``python -m depthsmith --help`` and one single-file
  ``depthsmith refine`` / ``fill`` command, wall time, median of 3.

The machine's load (``uptime``) is printed before and after: on a shared machine the
throughput ratios are noisy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from depthsmith.bench import machine  # noqa: E402 (the one machine line)

PY = sys.executable
SIZES = [(480, 640), (720, 1280), (1080, 1920)]
CONFIGS = [  # (label, extra batch arguments)
    ("1 worker x 1 thread", ["--workers", "1", "--threads", "1"]),
    ("2 workers x 1 thread", ["--workers", "2", "--threads", "1"]),
    ("1 worker x 2 threads", ["--workers", "1", "--threads", "2"]),
    ("Dask LocalCluster, 2 workers x 1 thread", ["--scheduler", "local", "--workers", "2",
                                                  "--threads", "1"]),
]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def frames(root: Path, n: int) -> list[Path]:
    dirs = sorted(p for p in (root / "rgbdd").iterdir()
                  if (p / "depth_hr_mm.png").exists() and (p / "rgb.jpg").exists())
    if not dirs:
        sys.exit(f"no RGB-D-D frames under {root / 'rgbdd'}")
    return dirs[:n]


def make_inputs(root: Path, dirs: list[Path], work: Path) -> dict[str, Path]:
    """``work/<task>/depth/<id>.npy`` and ``work/<task>/rgb/<id>.jpg`` for refine and fill."""
    from depthsmith.degrade import refine_degrade, sensor_hole_mask
    from depthsmith.io import read_depth

    raw = read_depth(root / "nyu_v2" / "sample_00000" / "depth_raw.png")
    out = {}
    for task in ("refine", "fill"):
        (work / task / "depth").mkdir(parents=True)
        (work / task / "rgb").mkdir()
        out[task] = work / task
    holes = None
    for d in dirs:
        gt = read_depth(d / "depth_hr_mm.png")
        valid = np.isfinite(gt) & (gt > 0)
        if holes is None or holes.shape != gt.shape:
            holes = sensor_hole_mask(gt.shape, raw)
        np.save(work / "refine" / "depth" / f"{d.name}.npy", refine_degrade(gt, valid))
        np.save(work / "fill" / "depth" / f"{d.name}.npy",
                np.where(valid & ~holes, gt, np.nan).astype(np.float32))
        for task in ("refine", "fill"):
            shutil.copyfile(d / "rgb.jpg", work / task / "rgb" / f"{d.name}.jpg")
    return out


def bare_loop(task: str, folder: Path, out: Path, method: str = "auto") -> float:
    """The peer: one process, a plain loop (read, call, save), 1 thread; seconds."""
    code = f"""
import sys, time, numpy as np
from pathlib import Path
from depthsmith._threads import set_threads
from depthsmith.io import read_image
from depthsmith.{task} import {'refine' if task == 'refine' else 'fill_holes'} as fn
set_threads(1)
files = sorted(Path({str(folder)!r}).glob('depth/*.npy'))
t = time.perf_counter()
for f in files:
    d = np.load(f)
    g = read_image(Path({str(folder)!r}) / 'rgb' / (f.stem + '.jpg'))
    np.save(Path({str(out)!r}) / f.name, fn(d, g, method={method!r}))
print(time.perf_counter() - t)
"""
    out.mkdir()
    res = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def throughput(inputs: dict[str, Path], work: Path, n: int, tasks=("refine", "fill"),
               configs=None, method: str = "auto") -> list[dict]:
    rows = []
    for task in tasks:
        secs = bare_loop(task, inputs[task], work / f"bare-{task}", method)
        rows.append({"task": task, "config": "peer: bare loop, 1 process x 1 thread",
                     "seconds": secs, "fps": n / secs, "wall": None, "item_s": None})
        for label, extra in (configs or CONFIGS):
            out = work / f"out-{task}-{len(rows)}"
            cmd = [PY, "-m", "depthsmith", "batch", task, "--input",
                   str(inputs[task] / "depth"), "--guide", str(inputs[task] / "rgb"),
                   "-o", str(out), "--method", method, *extra]
            t = time.perf_counter()
            res = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t
            if res.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed: {res.stderr[-2000:]}")
            man = json.loads((out / "depthsmith-batch.json").read_text())
            run = man["runs"][-1]
            item_s = statistics.median(it["seconds"] for it in man["items"])
            rows.append({"task": task, "config": label, "seconds": run["seconds"],
                         "fps": n / run["seconds"], "wall": wall, "item_s": item_s})
            print(f"  {task} {label}: {n / run['seconds']:.2f} frames/s "
                  f"(run {run['seconds']:.1f} s, wall {wall:.1f} s)", file=sys.stderr)
    return rows


def latency(dirs: list[Path], root: Path) -> list[dict]:
    import cv2

    from depthsmith._threads import threads
    from depthsmith.degrade import refine_degrade, sensor_hole_mask
    from depthsmith.fill import fill_holes
    from depthsmith.io import read_depth, read_image
    from depthsmith.refine import refine

    gt = read_depth(dirs[0] / "depth_hr_mm.png")
    rgb = read_image(dirs[0] / "rgb.jpg")
    raw = read_depth(root / "nyu_v2" / "sample_00000" / "depth_raw.png")
    rows = []
    for h, w in SIZES:
        d = cv2.resize(np.nan_to_num(gt), (w, h), interpolation=cv2.INTER_NEAREST)
        g = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
        valid = d > 0
        cases = {"refine": (refine, refine_degrade(d, valid)),
                 "fill": (fill_holes, np.where(valid & ~sensor_hole_mask((h, w), raw), d,
                                               np.nan).astype(np.float32))}
        for task, (fn, inp) in cases.items():
            with threads(1):
                fn(inp, g)
                ts = []
                for _ in range(3):
                    t = time.perf_counter()
                    fn(inp, g)
                    ts.append(time.perf_counter() - t)
            rows.append({"task": task, "size": f"{w}x{h}", "ms": 1000 * statistics.median(ts)})
    return rows


def cold_start(inputs: dict[str, Path], work: Path) -> list[dict]:
    rows = []
    for task in ("refine", "fill"):
        f = sorted((inputs[task] / "depth").glob("*.npy"))[0]
        g = inputs[task] / "rgb" / (f.stem + ".jpg")
        fn = "refine" if task == "refine" else "fill_holes"
        code = f"""
import json, time
t0 = time.perf_counter()
import numpy as np
from depthsmith.io import read_image
from depthsmith.{task} import {fn} as fn
t1 = time.perf_counter()
d = np.load({str(f)!r}); g = read_image({str(g)!r})
t2 = time.perf_counter(); fn(d, g); t3 = time.perf_counter(); fn(d, g); t4 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "first": t3 - t2, "second": t4 - t3}}))
"""
        cache = work / f"numba-cache-{task}"
        cache.mkdir()
        env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
        for state in ("empty cache (first call after install)", "cache filled"):
            res = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=env,
                                 check=True)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            rows.append({"what": f"{task} default, {state}", **r})
    for what, args in [("depthsmith --help", ["--help"])] + [
            (f"depthsmith {task} (one 512x384 frame, cache filled)",
             [task, str(sorted((inputs[task] / "depth").glob("*.npy"))[0]), "--guide",
              str(sorted((inputs[task] / "rgb").glob("*.jpg"))[0]), "-o",
              str(work / f"one-{task}.npy"), "--overwrite"]) for task in ("refine", "fill")]:
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([PY, "-m", "depthsmith", *args], capture_output=True, check=True)
            ts.append(time.perf_counter() - t)
        rows.append({"what": what, "wall": statistics.median(ts)})
    return rows


def markdown(meta, thr, lat, cold) -> str:
    out = [f"Machine: {meta['machine']}; date {meta['date']}; depthsmith "
           f"{meta['version']}; {meta['frames']} RGB-D-D frames (512x384); throughput "
           f"method {meta.get('method', 'auto')}.", "",
           f"Load before: `{meta['load_before']}`; after: `{meta['load_after']}`.", ""]
    if thr:
        out += ["| task | configuration | frames/s | run s | wall s | median item s | "
                "vs 1 worker x 1 thread |", "|---|---|---|---|---|---|---|"]
        for task in dict.fromkeys(r["task"] for r in thr):
            base = next((r["fps"] for r in thr if r["task"] == task
                         and r["config"] == CONFIGS[0][0]), None)
            for r in (r for r in thr if r["task"] == task):
                wall = "-" if r["wall"] is None else f"{r['wall']:.1f}"
                ratio = "-" if base is None else f"{r['fps'] / base:.2f}x"
                item = "-" if r["item_s"] is None else f"{r['item_s']:.3f}"
                out.append(f"| {task} | {r['config']} | {r['fps']:.2f} | {r['seconds']:.1f} | "
                           f"{wall} | {item} | {ratio} |")
        out.append("")
    if lat:
        out += ["| task (default, 1 thread) | " + " | ".join(f"{w}x{h}" for h, w in SIZES)
                + " |", "|---|" + "---|" * len(SIZES)]
        for task in ("refine", "fill"):
            out.append(f"| {task} | " + " | ".join(f"{r['ms']:.0f} ms" for r in lat
                                                    if r["task"] == task) + " |")
        out.append("")
    if cold:
        out += ["| cold start | import s | first call s | second call s | wall s |",
                "|---|---|---|---|---|"]
        for r in cold:
            cells = [f"{r[k]:.2f}" if k in r else "-" for k in ("import", "first", "second",
                                                                 "wall")]
            out.append(f"| {r['what']} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--data", type=Path, default=None, help="data root (default: shared)")
    ap.add_argument("--only", default="throughput,latency,cold",
                    help="comma list of throughput, latency, cold")
    ap.add_argument("--tasks", default="refine,fill", help="comma list of refine, fill")
    ap.add_argument("--configs", default=None,
                    help="comma list of throughput configurations by number (1-4; default all)")
    ap.add_argument("--method", default="auto",
                    help="method of the throughput runs (default: auto, the default)")
    ap.add_argument("--md", type=Path, default=None, help="also write the markdown here")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    a = ap.parse_args(argv)
    from depthsmith import __version__
    from depthsmith.datasets import data_root

    root = a.data or data_root()
    if root is None or not (Path(root) / "rgbdd").is_dir():
        sys.exit("RGB-D-D data not found: pass --data or set DEPTHSMITH_DATA")
    root = Path(root)
    only = set(a.only.split(","))
    dirs = frames(root, a.frames)
    meta = {"method": a.method, "machine": machine(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "version": __version__, "frames": len(dirs), "load_before": uptime()}
    with tempfile.TemporaryDirectory(prefix="depthsmith-throughput-") as tmp:
        work = Path(tmp)
        inputs = make_inputs(root, dirs, work)
        configs = None if a.configs is None else [CONFIGS[int(i) - 1]
                                                  for i in a.configs.split(",")]
        thr = throughput(inputs, work, len(dirs), tuple(a.tasks.split(",")),
                         configs, a.method) if "throughput" in only else []
        lat = latency(dirs, root) if "latency" in only else []
        cold = cold_start(inputs, work) if "cold" in only else []
    meta["load_after"] = uptime()
    md = markdown(meta, thr, lat, cold)
    print(md)
    if a.md:
        a.md.write_text(md + "\n")
    if a.json:
        a.json.write_text(json.dumps({"meta": meta, "throughput": thr, "latency": lat,
                                      "cold_start": cold}, indent=1))


if __name__ == "__main__":
    main()
