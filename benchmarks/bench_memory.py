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
    python benchmarks/bench_memory.py --global --mp 6,24            # every global method

``--global`` measures, instead of the defaults, every method that ``depthsmith._tiling``
calls global (it ignores ``--tile``: every fill method, refine's ``joint_bilateral`` on its
lattice path, every ``complete`` method, upsample ``learned``) and refine's ``solver`` (the
fast global smoother, which does tile but is the global smoother run whole), untiled, beside
the same OpenCV peers.

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
from memory_peak import GUARD_OFF  # noqa: E402  (the sibling benchmark's inputs)

# No depthsmith import here: Linux starts a child's ru_maxrss at its parent's resident size,
# and importing depthsmith.bench (numba, OpenCV, ...) takes this process to ~177 MiB, which
# then floors every measurement (the OpenCV peers read 0 B/px at 6 MP). ``machine`` is
# imported after the measurements.

#: (name, task, tiled?) of our cases; each runs the task's default method.
OURS = [
    ("fill", "fill", False), ("fill --tile", "fill", True),
    ("refine", "refine", False), ("refine --tile", "refine", True),
    ("upsample x4", "upsample", False), ("upsample x4 --tile", "upsample", True),
    ("complete", "complete", False), ("complete --tile", "complete", True),
]
#: (name, task, method, guided?) of the global methods (``--global``), untiled.
GLOBAL = [
    ("fill planes (default on sharp edges)", "fill", "planes", True),
    ("fill biharmonic (in the default on soft edges)", "fill", "biharmonic", True),
    ("fill guided", "fill", "guided", True),
    ("fill normconv", "fill", "normconv", True),
    ("fill colorization", "fill", "colorization", True),
    ("fill background", "fill", "background", True),
    ("refine solver", "refine", "solver", True),
    ("refine joint_bilateral (lattice)", "refine", "joint_bilateral", True),
    ("complete normconv (default)", "complete", "normconv", False),
    ("complete guided", "complete", "guided", True),
    ("complete interpolate", "complete", "interpolate", False),
    ("complete morphological", "complete", "morphological", False),
    ("complete learned", "complete", "learned", True),
    ("upsample x4 learned", "upsample", "learned", True),
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


#: ``--speed``: one in-process timing of a global method (after a warm-up on a crop), run
#: in a child so that ``--against`` can put another source tree first on its path.
SPEED_SCRIPT = r"""
import sys, time, numpy as np
sys.path.insert(0, sys.argv[3])
from memory_peak import synthetic
case, mp = sys.argv[1], float(sys.argv[2])
h = max(int(round((mp * 1e6 * 3 / 4) ** 0.5)), 8); w = h * 4 // 3
d, rgb = synthetic(h, w)
sparse = np.where(np.random.default_rng(1).random(d.shape) < 0.05, d, np.nan).astype(np.float32)
dense = np.where(np.isfinite(d), d, 0).astype(np.float32)
from depthsmith.fill import fill_holes
from depthsmith.ops import fast_global_smoother, multiscale_normconv
def run(sl):
    if case.startswith("fill "):
        return fill_holes(d[sl], rgb[sl], method=case.split()[1])
    if case == "refine solver":
        return fast_global_smoother(dense[sl], rgb[sl], sigma_color=4.0)
    if case == "normconv colour (complete guided)":
        return multiscale_normconv(sparse[sl], rgb[sl], sigma_space=8.0, sigma_color=20.0,
                                   tau=0.05)
    raise SystemExit(f"unknown case {case}")
run((slice(0, 64), slice(0, 80)))  # warm-up: imports, numba's cache
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    run((slice(None), slice(None)))
    best = min(best, time.perf_counter() - t)
print(best)
"""
SPEED_CASES = ["fill colorization", "fill normconv", "fill background", "refine solver",
               "normconv colour (complete guided)"]


def speed(mp: float, against: str | None, rounds: int = 1, log=print) -> dict:
    """{case: {"new": s, "old": s}}: best in-process seconds of the working tree's code and,
    with ``against``, of the source tree there (``PYTHONPATH``), alternating by round."""
    here = str(Path(__file__).resolve().parent)
    res: dict = {}
    for case in SPEED_CASES:
        for _ in range(rounds):
            for which in ["new", "old"] if against else ["new"]:
                env = dict(os.environ)
                if which == "old":
                    env["PYTHONPATH"] = against
                out = subprocess.run([sys.executable, "-c", SPEED_SCRIPT, case, str(mp), here],
                                     capture_output=True, text=True, env=env, check=True)
                secs = float(out.stdout.split()[-1])
                r = res.setdefault(case, {})
                r[which] = min(r.get(which, secs), secs)
        log(f"  {case:40s} {mp:g} MP: " + "  ".join(f"{k} {v:.2f} s" for k, v in
                                                   res[case].items()))
    return res


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


def ours_argv(task: str, tiled: bool, f: dict, out: Path, tile: int, method=None,
              guided: bool = False) -> tuple[list, int]:
    """``python -m depthsmith TASK ...`` and the pixel count of the case (``method`` None:
    the default; ``guided``: complete gets the guide too)."""
    px = f["h"] * f["w"]
    t = ["--tile", str(tile)] if tiled else []
    s = ["--scale", "256", *(["--method", method] if method else [])]
    if task == "complete":
        g = ["--guide", f["guide"]] if guided else []
        args = ["complete", f["sparse"], *g, *s, "-o", str(out)]
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


def measure(mps, only=None, tile=512, log=print, global_methods=False) -> dict:
    """{case name: {mp: (bytes per pixel, peak bytes, seconds)}}."""
    if global_methods:
        ours = [(n, "ours", (task, False, m, g)) for n, task, m, g in GLOBAL]
    else:
        ours = [(n, "ours", (task, tiled, None, False)) for n, task, tiled in OURS]
    cases = ours + [(n, "peer", op) for n, op in PEERS]
    if only:
        cases = [c for c in cases if any(c[0].startswith(o) for o in only)]
    import resource

    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if floor > 64 * 2**20:
        raise RuntimeError(f"this process already peaked at {floor / 2**20:.0f} MiB, which "
                           "would floor every child's ru_maxrss: import less before measuring")
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
                        return ours_argv(spec[0], spec[1], ff, out, tile, spec[2], spec[3])
                    return peer_argv(spec, ff, out)

                peak(argv(small)[0])  # warms numba's cache: compiling is not the frame's
                out.unlink(missing_ok=True)
                base, _ = peak(argv(small)[0])
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
    ap.add_argument("--global", dest="global_methods", action="store_true",
                    help="Measure every global method (untiled) instead of the defaults.")
    ap.add_argument("--speed", type=float, default=None, metavar="MP",
                    help="Instead: time the global methods changed for lean buffers, in "
                         "process, on an MP-megapixel frame (best of 3, after a warm-up).")
    ap.add_argument("--against", default=None, metavar="SRC",
                    help="With --speed: also time the package found in SRC (a source tree "
                         "of another commit, e.g. a git worktree's src), alternating.")
    ap.add_argument("--json", default=None, help="Also write the raw results here.")
    ap.add_argument("--docs", default=None, help="Write the table into this markdown file "
                                                 "(between the BENCH-MEMORY markers).")
    a = ap.parse_args(argv)
    if a.speed:
        res = speed(a.speed, a.against)
        if a.json:
            Path(a.json).write_text(json.dumps(res, indent=1))
        return
    mps = [float(v) for v in a.mp.split(",")]
    res = measure(mps, a.only.split(",") if a.only else None, a.tile,
                  global_methods=a.global_methods)
    from depthsmith.bench import machine  # after the measurements (see the imports)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = f"--mp {a.mp}" + (" --global" if a.global_methods else f" --tile {a.tile}") + \
        (f" --only {a.only}" if a.only else "")
    text = (f"Measured {when} on {machine()} with `python benchmarks/bench_memory.py "
            f"{cmd}`:\n\n" + table(res, mps, a.tile) + "\n")
    print("\n" + text)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    if a.docs:
        p = Path(a.docs)
        doc = p.read_text() if p.exists() else ""
        tag = "BENCH-MEMORY-GLOBAL" if a.global_methods else "BENCH-MEMORY"
        start, end = f"<!-- {tag} -->", f"<!-- /{tag} -->"
        if start in doc and end in doc:
            doc = doc.split(start)[0] + start + "\n" + text + end + doc.split(end, 1)[1]
        else:
            doc += f"\n{start}\n{text}{end}\n"
        p.write_text(doc)


if __name__ == "__main__":
    main()
