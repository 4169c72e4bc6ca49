"""How far the COMPLETE-KITTI RMSE targets are from what local completion can reach.

The issue asks the default to reach RMSE <= 0.9x the best peer (griddata linear) on both
input patterns. This script measures, on the same cases and scorer as
``depthsmith bench COMPLETE-KITTI``, upper bounds that no real rule can beat, because each
uses the ground truth of the scored pixels to make its choice:

* **oracle bandwidth**: for each frame, the best of a grid of ``normconv`` applicabilities,
  with and without the range refit, picked by its RMSE on that frame (the ceiling of any
  bandwidth-selection rule, cross-validation included);
* **oracle per-pixel blend**: at every pixel the best point between the default's estimate
  with and without the range refit (the ceiling of any per-pixel rule that hedges between
  choosing a layer and averaging the layers); and, as a real rule for comparison, the same
  blend with one weight per bin of (relative difference of the two estimates, window depth
  spread), fitted leave-one-frame-out;
* **blend with the peer**: ``(1 - w) default + w griddata`` (griddata alone takes ~100x the
  time budget, so this is a ceiling too, not a candidate);
* **oracle stack**: per frame, least-squares weights fitted on the scored ground truth over
  seven local estimates (the default; no refit; order 0 narrow and wide; a wide plane;
  window minimum and maximum), then with griddata as an eighth;
* **where the error is**: the share of the squared error carried by the scored pixels off by
  more than 3 m, by those above the topmost sample of their column band ("top") and by those
  with no sample within 9 x 7 px ("far"), for the default, griddata and the color-guided
  method.

Run: .venv/bin/python benchmarks/complete_ceiling.py   (needs ../shared/data; ~2 minutes)
"""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
from scipy import ndimage

from depthsmith.bench import TASKS, fill_griddata, machine
from depthsmith.complete import choose_params, complete, guided, normconv
from depthsmith.datasets import require_data_root

COMPLETE_KITTI = TASKS["COMPLETE-KITTI"]

SIGMAS = [(1.0, 2.0), (1.2, 2.5), (1.2, 3.0), (1.6, 1.6), (1.6, 2.5), (2.0, 2.0), (2.0, 3.0),
          (2.5, 2.5)]


def _rmse_mae(pred, case):
    s = COMPLETE_KITTI.score(np.asarray(pred, np.float32), case)
    return s["rmse"], s["mae"]


def _local_candidates(d, v, default):
    cands = [default,
             normconv(d, valid=v, robust=None, sigma_space=(1.6, 1.6)),
             normconv(d, valid=v, order=0, sigma_space=(1.2, 2.5)),
             normconv(d, valid=v, order=0, sigma_space=(2.5, 4.0)),
             normconv(d, valid=v, sigma_space=(3.0, 3.0))]
    lo = ndimage.minimum_filter(np.where(v, d, np.inf), size=(9, 13))
    hi = ndimage.maximum_filter(np.where(v, d, -np.inf), size=(9, 13))
    cands += [np.where(np.isfinite(lo), lo, default), np.where(np.isfinite(hi), hi, default)]
    return [np.asarray(c, np.float64) for c in cands]


def _stack(cands, case):
    """Prediction with least-squares weights fitted on the scored ground truth (oracle)."""
    m = case.truth["mask"]
    x = np.stack([c[m] for c in cands], 1)
    w, *_ = np.linalg.lstsq(x, case.truth["gt"][m], rcond=None)
    return sum(wi * c for wi, c in zip(w, cands, strict=True))


def _categories(v, m):
    """Scored pixels above the topmost sample of their +-4 column band, and scored pixels
    with no sample within 9 x 7 px that are not above it."""
    ys = np.arange(v.shape[0])[:, None]
    band = cv2.dilate(v.astype(np.uint8), np.ones((1, 9), np.uint8)).astype(bool)
    first = np.argmax(band, axis=0)
    top = m & (ys < first[None, :]) & band.any(axis=0)[None, :]
    near = cv2.dilate(v.astype(np.uint8), np.ones((9, 7), np.uint8)).astype(bool)
    return {"top": top, "far": m & ~top & ~near}


_DIFF_BINS = [0.02, 0.05, 0.1, 0.2, 0.4]
_SPREAD_BINS = [0.05, 0.1, 0.2, 0.4]


def _spread(d, v, sigma):
    """Applicability-weighted standard deviation / mean of the window's samples."""
    kw = {"valid": v, "sigma_space": sigma, "order": 0, "robust": None, "levels": 0}
    m1 = np.asarray(normconv(d, **kw), np.float64)
    m2 = np.asarray(normconv(np.where(v, np.square(d, dtype=np.float64), np.nan)
                             .astype(np.float32), **kw), np.float64)
    return np.sqrt(np.maximum(m2 - m1 ** 2, 0.0)) / np.maximum(m1, 1e-3)


def _lofo_rule(items):
    """Mean RMSE / MAE of the binned blend rule, each frame scored with bins fitted on the
    others; ``items`` = [(case, refit, plain, spread)]."""
    def bins(a, b, sp):
        rel = np.abs(a - b) / np.maximum(b, 1e-3)
        return np.digitize(rel, _DIFF_BINS) * 10 + np.digitize(sp, _SPREAD_BINS)

    out = []
    for hold, (case, a, b, sp) in enumerate(items):
        num: dict = {}
        den: dict = {}
        for i, (c, ai, bi, si) in enumerate(items):
            if i == hold:
                continue
            m = c.truth["mask"]
            k, u, r = bins(ai, bi, si)[m], (ai - bi)[m], (c.truth["gt"] - bi)[m]
            for key in np.unique(k):
                sel = k == key
                num[key] = num.get(key, 0.0) + float(np.sum(u[sel] * r[sel]))
                den[key] = den.get(key, 0.0) + float(np.sum(u[sel] ** 2))
        k = bins(a, b, sp)
        alpha = np.ones_like(a)
        for key, n in num.items():
            if den[key] > 0:
                alpha[k == key] = np.clip(n / den[key], 0.0, 1.0)
        out.append(_rmse_mae(b + alpha * (a - b), case))
    return out


def main() -> None:
    root = require_data_root()
    rows: dict = {}
    share: dict = {}
    rule_items: dict = {}

    def add(group, name, value):
        rows.setdefault(group, {}).setdefault(name, []).append(value)

    for case in COMPLETE_KITTI.cases(root):
        d, g, v = case.inputs["depth"], case.inputs["guide"], case.inputs["valid"]
        grp = case.group
        gt, m = case.truth["gt"], case.truth["mask"]
        default = np.asarray(complete(d, g, valid=v), np.float64)
        peer = np.asarray(fill_griddata(d, v), np.float64)
        add(grp, "default complete()", _rmse_mae(default, case))
        add(grp, "griddata linear (best peer)", _rmse_mae(peer, case))
        best = min(_rmse_mae(normconv(d, valid=v, sigma_space=s, robust=r), case)
                    for s in SIGMAS for r in (0.05, None))
        add(grp, f"oracle bandwidth ({len(SIGMAS)} applicabilities x refit on/off)", best)
        plain = np.asarray(normconv(d, valid=v, robust=None,
                                    **choose_params("normconv", v)), np.float64)
        den = (default - plain) ** 2
        alpha = np.clip(np.where(den > 0, (gt - plain) * (default - plain)
                                 / np.where(den > 0, den, 1.0), 0.5), 0.0, 1.0)
        add(grp, "oracle per-pixel blend of refit / no refit",
            _rmse_mae(plain + alpha * (default - plain), case))
        sigma = choose_params("normconv", v).get("sigma_space", (1.2, 2.5))
        rule_items.setdefault(grp, []).append((case, default, plain, _spread(d, v, sigma)))
        for w in (0.3, 0.5):
            add(grp, f"blend {1 - w:.1f} default + {w:.1f} griddata",
                _rmse_mae((1 - w) * default + w * peer, case))
        cands = _local_candidates(d, v, default)
        add(grp, "oracle stack of 7 local estimates", _rmse_mae(_stack(cands, case), case))
        add(grp, "oracle stack of 7 local estimates + griddata",
            _rmse_mae(_stack(cands + [peer], case), case))
        col = np.asarray(guided(d, g, valid=v), np.float64)
        cats = _categories(v, m)
        for name, pred in (("default", default), ("griddata", peer), ("guided (color)", col)):
            e2 = np.where(m, (pred - gt) ** 2, 0.0)
            tot = np.sum(np.where(m, (default - gt) ** 2, 0.0))  # shares of the default's
            big = m & (np.abs(pred - gt) > 3.0)
            s = share.setdefault(grp, {}).setdefault(name, [])
            s.append((100 * big.sum() / m.sum(), 100 * e2[big].sum() / e2.sum(),
                      100 * cats["top"].sum() / m.sum(), 100 * e2[cats["top"]].sum() / tot,
                      100 * cats["far"].sum() / m.sum(), 100 * e2[cats["far"]].sum() / tot))

    for grp, items in rule_items.items():
        rows[grp]["binned per-pixel blend rule, leave-one-frame-out (real)"] = \
            _lofo_rule(items)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"### COMPLETE-KITTI ceiling analysis ({date})\n")
    print(f"Machine: {machine()}. RMSE / MAE in mm, mean over the frames (as the bench).\n")
    print("| estimate | random RMSE / MAE | lines RMSE / MAE |")
    print("|---|---|---|")
    groups = list(rows)
    peer_rmse = {grp: np.mean([r[0] for r in rows[grp]["griddata linear (best peer)"]])
                 for grp in groups}
    print("| **target: 0.9x the best peer's RMSE** | "
          + " | ".join(f"<= {0.9 * peer_rmse[grp]:.1f}" for grp in groups) + " |")
    for name in rows[groups[0]]:
        cells = []
        for grp in groups:
            r = np.mean(np.array(rows[grp][name]), axis=0)
            cells.append(f"{r[0]:.1f} / {r[1]:.1f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nWhere the squared error is (mean over the frames; 'top' and 'far' shares are of "
          "the default's total squared error, so a method below the default's share there "
          "does better on those pixels):\n")
    print("| pattern | method | scored px off > 3 m | their share of its sq. error | "
          "top: px / sq. error | far: px / sq. error |")
    print("|---|---|---|---|---|---|")
    for grp in groups:
        for name, vals in share[grp].items():
            a = np.mean(np.array(vals), axis=0)
            print(f"| {grp} | {name} | {a[0]:.2f} % | {a[1]:.0f} % | {a[2]:.2f} % / {a[3]:.0f} % "
                  f"| {a[4]:.2f} % / {a[5]:.0f} % |")


if __name__ == "__main__":
    main()
