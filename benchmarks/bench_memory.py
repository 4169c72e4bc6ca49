"""Peak memory per pixel of the task defaults through the CLI, tiled and untiled, beside
OpenCV's ``cv2.inpaint`` and ``cv2.ximgproc.jointBilateralFilter`` measured in the same run.

Each measurement is a fresh process (``python -m depthsmith ...`` for ours, a small Python
script for the OpenCV peers) whose peak resident memory is read from ``os.wait4``'s
``ru_maxrss``. Bytes per pixel = (peak on the frame - the same command's peak on a
0.02-megapixel frame) / pixels: the interpreter, numba, OpenCV and the modules are taken
out, what remains is what the frame costs. Pixels are the depth's (upsample: the output's;
the input is a quarter of its side, x4, and the guide is at the output size).

    python benchmarks/bench_memory.py                           # 1, 6 and 24 MP, every case
    python benchmarks/bench_memory.py --mp 1,6 --only fill,refine --tile 512
    python benchmarks/bench_memory.py --docs docs/scale_memory.md   # also write the table

The inputs are the synthetic ones of ``benchmarks/memory_peak.py`` (16-bit PNG depth in
metres x 256 with ~10 % holes, 8-bit RGB guide), made by a subprocess so that this process
never holds an image (Linux starts a child's ``ru_maxrss`` at its parent's resident size).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from depthsmith.bench import machine  # noqa: E402 (one machine line for every benchmark)
from memory_peak import GUARD_OFF  # noqa: E402  (the sibling benchmark's inputs)

#: (name, task, tiled?) of our cases; each runs the task's default method.
OURS = [
    ("fill", "fill", False), ("fill --tile", "fill", True),
    ("refine", "refine", False), ("refine --tile", "refine", True),
    ("upsample x4", "upsample", False), ("upsample x4 --tile", "upsample", True),
    ("complete", "complete", False), ("complete --tile", "complete", True),
]
#: the OpenCV peers: (name, the operation of PEER_SCRIPT)
PEERS = [("cv2.inpaint NS r=3", "inpaint"),
         ("cv2.ximgproc.jointBilateralFilter d=9", "jbf")]

#: The peers read the same files with OpenCV, run the filter on float32 depth and save it.
PEER_SCRIPT = r"""
import sys, cv2, numpy as np
op, depth, guide, out = sys.argv[1:5]
d = cv2.imread(depth, cv2.IMREAD_UNCHANGED)
d = d.astype(np.float32) / 256
if op == "inpaint":
    mask = (d <= 0).astype(np.uint8)
    r = cv2.inpaint(d, mask, 3, cv2.INPAINT_NS)
else:
    g = cv2.imread(guide, cv2.IMREAD_COLOR).astype(np.float32)  # joint and src alike
    r = cv2.ximgproc.jointBilateralFilter(g, d, 9, 20, 3)
np.save(out, r)
"""


def peak(argv: list[str]) -> tuple[int, float]:
    """Peak RSS (bytes) and wall time of one fresh process."""
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    p.stderr.close()
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {code}: {err.strip()}")
    return usage.ru_maxrss * 1024, time.perf_counter() - t


def ours_argv(task: str, tiled: bool, f: dict, out: Path, tile: int) -> tuple[list, int]:
    """``python -m depthsmith TASK ...`` and the pixel count of the case."""
    px = f["h"] * f["w"]
    t = ["--tile", str(tile)] if tiled else []
    s = ["--scale", "256"]
    if task == "complete":
        args = ["complete", f["sparse"], *s, "-o", str(out)]
    elif task == "upsample":
        args = ["upsample", f["lowres"], "--factor", "4", "--guide", f["guide"], *s, "-o",
                str(out)]
    else:
        args = [task, f["depth"], "--guide", f["guide"], *s, "-o", str(out)]
    return [sys.executable, "-m", "depthsmith", *args, *t, *GUARD_OFF], px


def peer_argv(op: str, f: dict, out: Path) -> tuple[list, int]:
    return [sys.executable, "-c", PEER_SCRIPT, op, f["depth"], f["guide"], str(out)], \
        f["h"] * f["w"]


def make(folder: Path, mp: float) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).parent / "memory_peak.py"),
                          "--make", str(folder), str(mp)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def measure(mps, only=None, tile=512, log=print) -> dict:
    """{case name: {mp: (bytes per pixel, peak bytes, seconds)}}."""
    cases = [(n, "ours", (task, tiled)) for n, task, tiled in OURS] + \
            [(n, "peer", op) for n, op in PEERS]
    if only:
        cases = [c for c in cases if any(c[0].startswith(o) for o in only)]
    res: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "small").mkdir()
        small = make(Path(tmp) / "small", 0.02)
        for mp in mps:
            folder = Path(tmp) / f"mp{mp}"
            folder.mkdir()
            f = make(folder, mp)
            for name, kind, spec in cases:
                out = Path(tmp) / "out.npy"

                def argv(ff, spec=spec, kind=kind, out=out):
                    if kind == "ours":
                        return ours_argv(spec[0], spec[1], ff, out, tile)
                    return peer_argv(spec, ff, out)

                base, _ = peak(argv(small)[0])  # also warms numba's cache
                out.unlink(missing_ok=True)
                a, px = argv(f)
                p, secs = peak(a)
                out.unlink(missing_ok=True)
                bpp = (p - base) / px
                res.setdefault(name, {})[mp] = (bpp, p, secs)
                log(f"  {name:40s} {px / 1e6:6.2f} MP  peak {p / 2**20:8.1f} MiB  "
                    f"(baseline {base / 2**20:6.1f})  {bpp:6.1f} B/px  {secs:6.1f} s")
    return res


def table(res: dict, mps, tile: int) -> str:
    head = "| case | " + " | ".join(f"{mp:g} MP: B/px (peak MiB, s)" for mp in mps) + " |"
    lines = [head, "|---|" + "---|" * len(mps)]
    for name, row in res.items():
        cells = []
        for mp in mps:
            if mp in row:
                bpp, p, secs = row[mp]
                cells.append(f"{bpp:.1f} ({p / 2**20:.0f}, {secs:.1f})")
            else:
                cells.append("-")
        lines.append(f"| {name.replace('--tile', f'--tile {tile}')} | " + " | ".join(cells)
                     + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mp", default="1,6,24", help="Comma-separated sizes in megapixels.")
    ap.add_argument("--only", default=None, help="Comma-separated case-name prefixes.")
    ap.add_argument("--tile", type=int, default=512, help="Tile side of the tiled cases.")
    ap.add_argument("--json", default=None, help="Also write the raw results here.")
    ap.add_argument("--docs", default=None, help="Write the table into this markdown file "
                                                 "(between the BENCH-MEMORY markers).")
    a = ap.parse_args(argv)
    mps = [float(v) for v in a.mp.split(",")]
    res = measure(mps, a.only.split(",") if a.only else None, a.tile)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"Measured {when} on {machine()} with `python benchmarks/bench_memory.py "
            f"--mp {a.mp} --tile {a.tile}`:\n\n" + table(res, mps, a.tile) + "\n")
    print("\n" + text)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    if a.docs:
        p = Path(a.docs)
        doc = p.read_text() if p.exists() else ""
        start, end = "<!-- BENCH-MEMORY -->", "<!-- /BENCH-MEMORY -->"
        if start in doc and end in doc:
            doc = doc.split(start)[0] + start + "\n" + text + end + doc.split(end, 1)[1]
        else:
            doc += f"\n{start}\n{text}{end}\n"
        p.write_text(doc)


if __name__ == "__main__":
    main()
