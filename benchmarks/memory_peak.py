"""Peak memory of each CLI command per pixel: the numbers behind ``depthsmith._memory``.

Runs each command's default (and its costlier methods) in a fresh subprocess on synthetic
inputs of three sizes, reads the child's peak RSS (``os.wait4`` rusage ``ru_maxrss``), fits
``peak = bytes_per_pixel * pixels + constant`` by least squares and prints a table (and the
Python literal to paste into ``_memory.TABLE``) with each size's error of the fit.

    python benchmarks/memory_peak.py                   # 1, 4 and 9 MP, every case
    python benchmarks/memory_peak.py --mp 0.25,1,2 --only fill,refine:weighted_median
    python benchmarks/memory_peak.py --json peaks.json

The pixel count is the one the CLI's memory guard uses: the depth's, except for upsample
(the output's; the input is a quarter of its side, the guide the output's size).

Linux starts a child's ``ru_maxrss`` at its parent's resident size, so this process never
holds an image: the inputs are made by a subprocess (``--make FOLDER MP``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: (command, method, needs a guide); method None = the command's default (no --method).
CASES = [
    ("info", None, False),
    ("eval", None, False),
    ("colorize", None, False),
    ("fill", None, True),
    ("fill", "normconv", True),
    ("fill", "colorization", True),
    ("fill", "background", True),
    ("refine", None, True),
    ("refine", "joint_bilateral", True),
    ("refine", "guided", True),
    ("refine", "weighted_median", True),
    ("refine", "solver", True),
    ("complete", None, False),
    ("complete", "guided", True),
    ("complete", "interpolate", False),
    ("complete", "morphological", False),
    ("upsample", None, False),
    ("upsample", "jbu", True),
    ("upsample", "guided", True),
    ("upsample", "optimize", True),
    ("upsample", "learned", True),
]


#: the guard must not refuse a measurement on a small machine
GUARD_OFF = ["--max-memory", "1T"]


def synthetic(h: int, w: int, seed: int = 0):
    """A depth map in metres with steps, a slope and ~10 % holes, and a matching RGB guide."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = 2.0 + 3.0 * yy / max(h - 1, 1)
    d[(xx > w / 3) & (xx < 2 * w / 3)] -= 1.0
    d[(yy - h / 2) ** 2 + (xx - w / 4) ** 2 < (min(h, w) / 6) ** 2] = 1.5
    rgb = np.clip(40 * d[..., None] + rng.normal(0, 4, (h, w, 3)), 0, 255).astype(np.uint8)
    holes = np.zeros((h, w), bool)
    for _ in range(max(h * w // 4000, 1)):
        y, x = rng.integers(0, h), rng.integers(0, w)
        holes[y:y + 20, x:x + 20] = True
    holes |= rng.random((h, w)) < 0.02
    return np.where(holes, np.nan, d).astype(np.float32), rgb


def make_inputs(folder: Path, mp: float) -> dict:
    """Write the inputs of size ``mp`` megapixels (4:3) into ``folder``."""
    from depthsmith.io import write_depth, write_image

    h = max(int(round((mp * 1e6 * 3 / 4) ** 0.5)), 4)
    h -= h % 4
    w = h * 4 // 3
    w -= w % 4
    d, rgb = synthetic(h, w)
    f = {"h": h, "w": w}
    f["depth"] = folder / "depth.png"
    write_depth(f["depth"], d, scale=256)
    f["guide"] = folder / "rgb.png"
    write_image(f["guide"], rgb)
    sparse = np.where(np.random.default_rng(1).random(d.shape) < 0.05, d, np.nan)
    f["sparse"] = folder / "sparse.png"
    write_depth(f["sparse"], sparse, scale=256)
    f["lowres"] = folder / "lowres.png"
    write_depth(f["lowres"], np.nan_to_num(d[2::4, 2::4], nan=0.0), scale=256)
    return f


def command(cmd: str, method, guided: bool, f: dict, out: Path) -> tuple[list[str], int]:
    """The argument list of one case and the pixel count the memory guard uses for it."""
    px = f["h"] * f["w"]
    m = ["--method", method] if method else []
    g = ["--guide", str(f["guide"])] if guided else []
    s = ["--scale", "256"]
    if cmd == "info":
        return ["info", str(f["depth"]), *s], px
    if cmd == "eval":
        return ["eval", str(f["depth"]), str(f["depth"]), *s], px
    if cmd == "colorize":
        return ["colorize", str(f["depth"]), str(out.with_suffix(".png")), *s], px
    if cmd == "complete":
        return ["complete", str(f["sparse"]), *g, *m, *s, "-o", str(out)], px
    if cmd == "upsample":
        return ["upsample", str(f["lowres"]), "--factor", "4", *g, *m, *s, "-o", str(out)], px
    return [cmd, str(f["depth"]), *g, *m, *s, "-o", str(out)], px


def peak_rss(args: list[str]) -> tuple[int, float]:
    """Peak RSS (bytes) and wall time of ``python -m depthsmith ARGS`` in a fresh process."""
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "depthsmith", *args, *GUARD_OFF],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    p.stderr.close()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {err.strip()}")
    return usage.ru_maxrss * 1024, time.perf_counter() - t  # ru_maxrss is in KiB on Linux


def fit(px, peaks) -> tuple[float, float]:
    """Least-squares ``peak = a * px + b``."""
    a, b = np.polyfit(np.asarray(px, float), np.asarray(peaks, float), 1)
    return float(a), float(b)


def measure(mps, only=None, log=print) -> dict:
    """{(command, method): {"px": [...], "peak": [...], "bpp": a, "const": b}}."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for mp in [0.02, *mps]:
            folder = Path(tmp) / f"{mp}"
            folder.mkdir()
            out = subprocess.run([sys.executable, __file__, "--make", str(folder), str(mp)],
                                 check=True, capture_output=True, text=True).stdout
            f = json.loads(out)
            inputs.append({k: Path(v) if isinstance(v, str) else v for k, v in f.items()})
        for cmd, method, guided in CASES:
            key = f"{cmd}:{method or 'default'}"
            if only and not any(key == o or (":" not in o and cmd == o) for o in only):
                continue
            px, peaks = [], []
            for i, f in enumerate(inputs):
                out = Path(tmp) / "out.npy"
                args, n = command(cmd, method, guided, f, out)
                peak, secs = peak_rss(args)
                for o in (out, out.with_suffix(".png")):
                    o.unlink(missing_ok=True)
                if i == 0:
                    continue  # warm-up: numba compiles (and caches) on a first run
                px.append(n)
                peaks.append(peak)
                log(f"  {key:28s} {n / 1e6:6.2f} MP  peak {peak / 2**20:8.1f} MiB  {secs:6.1f} s")
            a, b = fit(px, peaks) if len(set(px)) > 1 else (0.0, float(peaks[0]))
            results[(cmd, method or "default")] = {"px": px, "peak": peaks, "bpp": a, "const": b}
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mp", default="1,4,9", help="Comma-separated sizes in megapixels.")
    ap.add_argument("--only", default=None,
                    help="Comma-separated COMMAND or COMMAND:METHOD (default: every case).")
    ap.add_argument("--json", default=None, help="Also write the raw results here.")
    ap.add_argument("--make", nargs=2, metavar=("FOLDER", "MP"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.make:  # the input-making subprocess
        f = make_inputs(Path(a.make[0]), float(a.make[1]))
        print(json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in f.items()}))
        return
    mps = [float(v) for v in a.mp.split(",")]
    res = measure(mps, a.only.split(",") if a.only else None)
    print(f"\n{'command:method':28s} {'B/px':>7s} {'const MiB':>9s}  fit error at each size")
    for (cmd, method), r in res.items():
        errs = [(r["bpp"] * n + r["const"]) / p - 1
                for n, p in zip(r["px"], r["peak"], strict=True)]
        print(f"{cmd + ':' + method:28s} {r['bpp']:7.1f} {r['const'] / 2**20:9.1f}  "
              + "  ".join(f"{100 * e:+5.1f}%" for e in errs))
    print("\n# paste into depthsmith/_memory.py TABLE: (bytes per pixel, constant MiB)")
    for (cmd, method), r in res.items():
        print(f'    ("{cmd}", "{method}"): ({r["bpp"]:.0f}, {r["const"] / 2**20:.0f}),')
    if a.json:
        Path(a.json).write_text(json.dumps({f"{c}:{m}": r for (c, m), r in res.items()},
                                           indent=1))


if __name__ == "__main__":
    main()
