"""The learned completion (CompletionNet, ``complete(method="learned")``) beside the classical
default (``complete(method="auto")``) in the same run, on the benchmarks' own inputs:

* COMPLETE-SAMPLES (21 Middlebury scenes x 4 schemes at 1 %): the four seed scenes (cones,
  teddy, tsukuba, venus; never trained on) with the shipped model; every other scene with
  the k-fold model whose held-out fold holds it (``--kfold DIR``: ``DIR/fold*/complete.onnx``
  and ``history.json`` naming each fold's held-out scenes). The shipped model trained on
  those scenes, so its figures there are not reported.
* COMPLETE-SAMPLES-RGBDD (never trained on): every ``--rgbdd-step``-th frame of ``rgbdd/``
  in sorted order (documented subset), 4 schemes at 1 %.
* COMPLETE-KITTI (never trained on): every frame, all 7 groups.
* Time for a 1216 x 352 frame (the ``cropped1216`` KITTI frames, random 25 %): both methods
  called back to back on the same input for ``--rounds`` rounds, median per method.

Scores are the benchmark runner's (``depthsmith.bench.TASKS[...].score``), averaged over
images as ``depthsmith bench`` does. Prints markdown; ``--json FILE`` writes every figure.

Run: .venv/bin/python benchmarks/learn_complete_eval.py --kfold /tmp/l2_runs [--rgbdd-step 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from depthsmith.bench import TASKS, machine
from depthsmith.complete import complete
from depthsmith.datasets import require_data_root

SEEDS = {"cones", "teddy", "tsukuba", "venus"}


def _run(case, method, **kw):
    i = case.inputs
    t0 = time.perf_counter()
    out = complete(i["depth"], i.get("guide"), valid=i["valid"], method=method, **kw)
    return out, time.perf_counter() - t0


def _kfold_models(kdir) -> dict:
    """scene name -> the ONNX file of the fold that held it out."""
    out = {}
    if kdir is None:
        return out
    for f in sorted(Path(kdir).glob("fold*/history.json")):
        meta = json.loads(f.read_text())
        onnx = f.parent / "complete.onnx"
        if onnx.is_file():
            for s in meta.get("val_scenes", []):
                out[s] = str(onnx)
    return out


def _table(title, rows, cols):
    print(f"\n### {title}\n")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")


def eval_samples(root, kfold, res, shipped="complete", subsets=("seeds", "kfold")):
    task = TASKS["COMPLETE-SAMPLES"]
    acc = defaultdict(lambda: defaultdict(list))  # (subset, group) -> method -> [rmse]
    for case in task.cases(root):
        scene = case.scene.split("/")[-1]
        if scene in SEEDS:
            if "seeds" not in subsets:
                continue
            model, subset = shipped, "seed scenes (4, never trained on): shipped model"
        elif scene in kfold and "kfold" in subsets:
            model, subset = kfold[scene], "other scenes: k-fold (held-out fold's model)"
        else:
            continue
        a, _ = _run(case, "auto")
        b, _ = _run(case, "learned", model=model)
        for name, p in (("auto", a), ("learned", b)):
            s = task.score(p, case)
            acc[(subset, case.group)][name].append(s["rmse"])
            acc[("all scored scenes", case.group)][name].append(s["rmse"])
    rows = []
    for (subset, grp), m in sorted(acc.items()):
        ra, rl = float(np.mean(m["auto"])), float(np.mean(m["learned"]))
        rows.append([subset, grp, len(m["auto"]), f"{ra:.3f}", f"{rl:.3f}", f"{rl / ra:.3f}x"])
        res.setdefault("COMPLETE-SAMPLES", {})[f"{subset} | {grp}"] = {
            "n": len(m["auto"]), "auto": ra, "learned": rl}
    _table("COMPLETE-SAMPLES (RMSE px, mean over scenes)", rows,
           ["scenes", "scheme", "n", "auto (classical default)", "learned", "ratio"])


def eval_rgbdd(root, step, res, shipped="complete"):
    task = TASKS["COMPLETE-SAMPLES-RGBDD"]
    acc = defaultdict(lambda: defaultdict(list))
    names = []
    for case in task.cases(root):
        if case.scene not in names:
            names.append(case.scene)
        if (len(names) - 1) % step:
            continue
        for name in ("auto", "learned"):
            p, _ = _run(case, name, **({"model": shipped} if name == "learned" else {}))
            acc[case.group][name].append(task.score(p, case)["rmse"])
    frames = names[::step]
    rows = []
    for grp, m in acc.items():
        ra, rl = float(np.mean(m["auto"])), float(np.mean(m["learned"]))
        rows.append([grp, len(m["auto"]), f"{ra:.2f}", f"{rl:.2f}", f"{rl / ra:.3f}x"])
        res.setdefault("COMPLETE-SAMPLES-RGBDD", {})[grp] = {"n": len(m["auto"]), "auto": ra,
                                                            "learned": rl}
    res["rgbdd_frames"] = frames
    _table(f"COMPLETE-SAMPLES-RGBDD (RMSE mm; {len(frames)} of {len(names)} frames: every "
           f"{step}-th in sorted order; shipped model, never trained on RGB-D-D)", rows,
           ["scheme", "n", "auto (classical default)", "learned", "ratio"])


def eval_kitti(root, res, shipped="complete"):
    task = TASKS["COMPLETE-KITTI"]
    acc = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for case in task.cases(root):
        for name in ("auto", "learned"):
            p, _ = _run(case, name, **({"model": shipped} if name == "learned" else {}))
            s = task.score(p, case)
            for k in ("rmse", "mae"):
                acc[case.group][name][k].append(s[k])
    rows = []
    for grp, m in acc.items():
        ra, rl = float(np.mean(m["auto"]["rmse"])), float(np.mean(m["learned"]["rmse"]))
        ma, ml = float(np.mean(m["auto"]["mae"])), float(np.mean(m["learned"]["mae"]))
        rows.append([grp, len(m["auto"]["rmse"]), f"{ra:.1f} / {ma:.1f}",
                     f"{rl:.1f} / {ml:.1f}", f"{rl / ra:.3f}x / {ml / ma:.3f}x"])
        res.setdefault("COMPLETE-KITTI", {})[grp] = {"auto_rmse": ra, "learned_rmse": rl,
                                                    "auto_mae": ma, "learned_mae": ml}
    _table("COMPLETE-KITTI (RMSE / MAE mm, mean over frames; shipped model, never trained "
           "on KITTI)", rows, ["group", "n", "auto (classical default)", "learned", "ratio"])


def eval_time(root, rounds, res, shipped="complete"):
    task = TASKS["COMPLETE-KITTI"]
    cases = [c for c in task.cases(root)
             if c.group in ("random", "lines") and c.inputs["depth"].shape == (352, 1216)][:2]
    if cases:  # and the same frame thinned to 1 % of the pixels, where the network runs
        c0 = cases[0]
        v = c0.inputs["valid"]
        idx = np.flatnonzero(v)
        keep = np.random.default_rng(0).choice(idx, size=min(idx.size, v.size // 100),
                                               replace=False)
        v1 = np.zeros_like(v)
        v1.flat[keep] = True
        cases.append(type(c0)(c0.scene, {**c0.inputs, "valid": v1}, c0.truth, "random 1 %"))
    ms = defaultdict(list)
    kw = {"auto": {}, "learned": {"model": shipped}}
    for c in cases:  # one frame, three patterns
        _run(c, "learned", **kw["learned"])  # warm-up (session creation)
        _run(c, "auto")
    for _ in range(rounds):
        for c in cases:
            for name in ("auto", "learned"):
                ms[(c.group, name)].append(1000 * _run(c, name, **kw[name])[1])
    # the network alone in sessions of our own: onnxruntime's default (threads spin while
    # waiting) against allow_spinning=0, 2 and 1 threads (a shared CPU punishes spinning)
    import onnxruntime as ort

    from depthsmith._validate import check_guide
    from depthsmith.complete._learned import classical_prior, has_prior, prepare
    from depthsmith.learn._runtime import model_path

    c = cases[0]
    d0, v0, g0 = np.nan_to_num(c.inputs["depth"]), c.inputs["valid"], c.inputs["guide"]
    path = str(model_path(shipped))
    meta = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).get_modelmeta()
    # the classical estimate a prior model refines is computed outside the timed calls
    prior = classical_prior(d0, v0, g0) if has_prior(path) else None
    inputs, _, _ = prepare(d0, v0, check_guide(g0),
                           int(meta.custom_metadata_map.get("multiple", 32)), prior)
    for threads, spin in ((2, "1"), (2, "0"), (1, "0")):
        o = ort.SessionOptions()
        o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
        o.add_session_config_entry("session.intra_op.allow_spinning", spin)
        sess = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
        sess.run(None, inputs)
        t = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            sess.run(None, inputs)
            t.append(1000 * (time.perf_counter() - t0))
        res.setdefault("network_only_ms", {})[f"threads={threads} spin={spin}"] = \
            statistics.median(t)
    rows = []
    for grp in ("random", "lines", "random 1 %"):
        if (grp, "auto") not in ms:
            continue
        a = statistics.median(ms[(grp, "auto")])
        b = statistics.median(ms[(grp, "learned")])
        rows.append([grp, f"{a:.0f}", f"{b:.0f}", f"{b / a:.2f}x"])
        res.setdefault("time_1216x352_ms", {})[grp] = {"auto": a, "learned": b}
    _table(f"Time per 1216 x 352 frame (ms, median of {rounds} interleaved rounds, "
           f"{cases[0].scene if cases else '-'})", rows,
           ["pattern", "auto", "learned", "ratio"])
    _table("The network alone (onnxruntime session, ms, median)",
           [[k, f"{v:.0f}"] for k, v in res["network_only_ms"].items()], ["session", "ms"])


def plot_history(shipped_dir, kfold_dir, png) -> None:
    """Training curves: the shipped run's loss and synthetic validation RMSE, and each
    fold's held-out RMSE, against training minutes (from the runs' ``history.json``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    h = json.loads((Path(shipped_dir) / "history.json").read_text())["history"]
    hl = [x for x in h if x[2] is not None]  # a prior model's step 0 has no loss yet
    ax[0].plot([x[1] for x in hl], [x[2] for x in hl], "o-",
               label="train loss (EMA, normalised)")
    ax2 = ax[0].twinx()
    ax2.plot([x[1] for x in h], [x[3] for x in h], "s--", color="C1",
             label="val RMSE (m, 8 synthetic scenes)")
    ax[0].set_xlabel("training minutes")
    ax[0].set_title("shipped model")
    ax[0].legend(loc="upper left", fontsize=7)
    ax2.legend(loc="upper right", fontsize=7)
    for f in sorted(Path(kfold_dir).glob("fold*/history.json")):
        m = json.loads(f.read_text())
        h = m["history"]
        ax[1].plot([x[1] for x in h], [x[3] for x in h], "o-",
                   label=f"{f.parent.name}: " + ",".join(m["val_scenes"]))
    ax[1].set_xlabel("training minutes")
    ax[1].set_ylabel("held-out RMSE (px, 1 % samples)")
    ax[1].set_title("k-fold by scene")
    ax[1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(png, dpi=90)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kfold", help="folder with fold*/complete.onnx and history.json")
    ap.add_argument("--rgbdd-step", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", default="samples,rgbdd,kitti,time")
    ap.add_argument("--limit", type=int, default=0, help="at most this many cases per task "
                    "(a quick check of the script; 0: all)")
    ap.add_argument("--json")
    ap.add_argument("--history-png", help="also plot the training curves of --shipped-run "
                    "and --kfold to this PNG")
    ap.add_argument("--shipped-run", help="the shipped model's training folder")
    ap.add_argument("--shipped", default="complete", help="the model scored as the shipped "
                    "one (the seed scenes, RGB-D-D, KITTI, time): a name or an ONNX path")
    ap.add_argument("--samples-subsets", default="seeds,kfold",
                    help="COMPLETE-SAMPLES: seeds (shipped model) and/or kfold")
    args = ap.parse_args()
    if args.history_png:
        plot_history(args.shipped_run, args.kfold, args.history_png)
    root = require_data_root()
    if args.limit:
        import itertools

        for t in TASKS.values():
            t.cases = (lambda f: lambda r: itertools.islice(f(r), args.limit))(t.cases)
    only = set(args.only.split(","))
    res = {"machine": machine(), "date": datetime.now(timezone.utc).isoformat(timespec="minutes")}
    print(f"{res['date']}  {res['machine']}")
    if "samples" in only:
        eval_samples(root, _kfold_models(args.kfold), res, args.shipped,
                     tuple(args.samples_subsets.split(",")))
    if "rgbdd" in only:
        eval_rgbdd(root, args.rgbdd_step, res, args.shipped)
    if "kitti" in only:
        eval_kitti(root, res, args.shipped)
    if "time" in only:
        eval_time(root, args.rounds, res, args.shipped)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
