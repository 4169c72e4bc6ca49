"""Make the fast Zhuo & Sim peer of DFD-MAP as strong as we can, on a documented split.

Issue 14 describes a reference implementation of Zhuo & Sim (2011) — re-blur sigma0 = 1,
gradient ratio at Canny edges, nearest-edge propagation smoothed by a joint bilateral filter —
at Spearman 0.69 (synthetic DFD-MAP) / 0.73 (SYNDOF), about 1.9 s per megapixel. This script
evaluates variants of that pipeline (``variant`` below: gradient operator, re-blur scale,
Canny settings, ratio at the edge pixel or at the neighbourhood maximum, clip, median,
smoother, edge-confidence weighting) by a greedy search, one parameter group at a time.

Split (chosen before any figure was seen):

- **selection** (settings chosen here): the held-out map scenes of
  ``benchmarks/dfd_heldout_map.py`` (DFD-MAP's synthetic protocol on other data sets) *without*
  the Sintel frame ``market_2_frame_0001`` (the SYNDOF renders are made from that very frame),
  plus the even-indexed half of the 21 DFD-MAP synthetic scenes (0, 2, ..., 20, in the
  benchmark's sorted order); the score is the mean per-scene Spearman over those 17 scenes;
- **report**: every DFD-MAP synthetic scene, its odd-indexed half alone (never used for a
  choice), and SYNDOF (never used for a choice), with the previous peer's settings and the
  shipped peer (``FAST_PEER``) in the same run.

    .venv/bin/python benchmarks/dfd_peer_zhuo.py [--quick]

Prints markdown tables (machine and date included) for docs/bench_dfd.md.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

import cv2
import numpy as np
from scipy import ndimage

from depthsmith.bench._core import machine
from depthsmith.bench._dfd_tasks import map_cases, peer_map_gradient_ratio_fast
from depthsmith.datasets import data_root
from depthsmith.ops import kernel_std

HELDOUT_SKIP = ("sintel/market_2_frame_0001",)  # the SYNDOF renders' own frame

# the previous peer's settings (peer_map_gradient_ratio_fast before this search)
BASE = dict(grad="sobel", s1=0.0, sigma0=1.0, canny_sigma=1.0, low=None, high=None,
            nbhd=0, clip=2.0, median=5, smoother="jbf", d=21, sc=20.0, ss=10.0, weight=False,
            bias=False, gf_eps=1e-3, scale=1, am_r=0.1, quantiles=False)


def _grad_mag(a, grad, s):
    """Gradient magnitude of ``a`` (float32) after a Gaussian of scale ``s`` (0: none)."""
    if s > 0:
        a = cv2.GaussianBlur(a, (0, 0), s, borderType=cv2.BORDER_REFLECT)
    if grad == "sobel":
        gx = cv2.Sobel(a, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
        gy = cv2.Sobel(a, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    else:  # central differences
        k = np.array([[-0.5, 0.0, 0.5]], np.float32)
        gx = cv2.filter2D(a, -1, k, borderType=cv2.BORDER_REFLECT)
        gy = cv2.filter2D(a, -1, k.T, borderType=cv2.BORDER_REFLECT)
    return cv2.magnitude(gx, gy)


def variant(image, *, grad="sobel", s1=0.0, sigma0=1.0, canny_sigma=1.0, low=None, high=None,
            nbhd=0, clip=2.0, median=5, smoother="jbf", d=21, sc=20.0, ss=10.0, weight=False,
            bias=False, gf_eps=1e-3, scale=1, am_r=0.1, quantiles=False):
    """One variant of Zhuo & Sim's gradient-ratio map (disc radius, px).

    Gradient 1: ``grad`` ("sobel" or "central") of the image smoothed by ``s1``; gradient 2:
    the same of the image smoothed by ``sqrt(s1^2 + sigma0^2)`` (the re-blur). For an edge
    of Gaussian blur s, ``R = g1 / g2 = sqrt((s^2 + t2) / (s^2 + t1))`` with ``t1 = s1^2``,
    ``t2 = s1^2 + sigma0^2`` (plus 1/3, the variance of the central difference, to both with
    ``bias``), so ``s^2 = (t2 - R^2 t1) / (R^2 - 1)``. ``nbhd`` > 0 takes both gradients'
    maxima over a (2 nbhd + 1)^2 neighbourhood (the ratio at the gradient peak across the edge).
    Canny (scikit-image) with ``canny_sigma``, ``low`` / ``high``. Each pixel takes its nearest
    edge's s, clipped at ``clip``, then a ``median`` x ``median`` median, then ``smoother``:
    "jbf" (OpenCV joint bilateral, diameter ``d``, ``sc`` 8-bit steps, ``ss`` px), "gf" (guided
    filter, radius ``ss``, eps ``gf_eps``), "am" (OpenCV's adaptive-manifold approximation of
    the joint bilateral filter, Gastal & Oliveira 2012: spatial sigma ``ss``, range sigma
    ``am_r`` in [0, 1] intensity) or "none"; "jbf" runs at 1 / ``scale`` resolution (the map
    and the guide area-downsampled, the result bilinearly upsampled), which widens its support
    at a fraction of the cost; ``weight`` weights each pixel by its nearest edge's gradient
    magnitude (normalised filtering). ``sigma0`` may be a tuple: the edge estimates of each
    re-blur scale are averaged. ``quantiles``: ``low`` / ``high`` are quantiles of the Canny
    gradient magnitude.
    """
    from skimage.feature import canny

    img = np.asarray(image, np.float32)
    size = 2 * nbhd + 1
    g1 = _grad_mag(img, grad, s1)
    if nbhd:
        g1 = ndimage.maximum_filter(g1, size)
    s0s = sigma0 if isinstance(sigma0, tuple) else (sigma0,)
    g2s = [_grad_mag(img, grad, float(np.hypot(s1, s0))) for s0 in s0s]
    if nbhd:
        g2s = [ndimage.maximum_filter(g2, size) for g2 in g2s]
    edges = canny(img, sigma=canny_sigma, low_threshold=low, high_threshold=high,
                  use_quantiles=quantiles) & (g2s[0] > 1e-4)
    if not edges.any():
        return np.zeros(img.shape, np.float32)
    sig = np.zeros(int(edges.sum()))
    for s0, g2 in zip(s0s, g2s, strict=True):
        s2 = float(np.hypot(s1, s0))
        t1, t2 = s1 * s1, s2 * s2
        if bias:
            t1, t2 = t1 + 1.0 / 3.0, t2 + 1.0 / 3.0
        ratio2 = (g1[edges] / np.maximum(g2[edges], 1e-12)).astype(np.float64) ** 2
        s_sq = np.where(ratio2 > 1.0 + 1e-6,
                        (t2 - ratio2 * t1) / np.maximum(ratio2 - 1.0, 1e-12), np.inf)
        sig += np.sqrt(np.clip(s_sq, 0.0, clip * clip)) / len(s0s)
    sparse = np.zeros(img.shape, np.float32)
    sparse[edges] = sig / kernel_std("disc", 1.0)
    idx = ndimage.distance_transform_edt(~edges, return_distances=False, return_indices=True)
    dense = sparse[idx[0], idx[1]]
    if median:
        dense = cv2.medianBlur(dense, median)
    guide = np.clip(img * 255.0, 0, 255)
    w = None
    if weight:
        w = g1[idx[0], idx[1]].astype(np.float32)
        w = w / max(float(w.max()), 1e-12) + 1e-3
    if smoother == "none":
        return dense

    def smooth(a):
        if smoother == "jbf" and scale > 1:
            h, w = a.shape
            small = (max(w // scale, 1), max(h // scale, 1))
            out = cv2.ximgproc.jointBilateralFilter(
                cv2.resize(guide, small, interpolation=cv2.INTER_AREA),
                cv2.resize(a, small, interpolation=cv2.INTER_AREA), d, sc, ss)
            return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
        if smoother == "jbf":
            return cv2.ximgproc.jointBilateralFilter(guide, a, d, sc, ss)
        if smoother == "am":
            return cv2.ximgproc.amFilter(img, a, ss, am_r)
        return cv2.ximgproc.guidedFilter(img, a, int(ss), gf_eps)

    if w is None:
        return smooth(dense)
    return smooth(dense * w) / np.maximum(smooth(w), 1e-6)


# the greedy search (coordinate ascent, SWEEPS passes over the stages): each stage tries its
# options on top of the best so far; a variant is eligible only if its time per MP is within
# CAP x the previous peer's in the same run (the issue asks for a peer "at least as good and as
# fast as" the reference) and if it smooths with a joint bilateral filter, exact ("jbf", at
# full or reduced resolution) or approximate ("am"), since the benchmark's Method is named
# "nearest edge + JBF"; the guided filter ("gf") and no smoothing are scored for comparison.
# A change is kept only if it raises the selection score by MARGIN: without it, the second
# sweep kept hairline gains (+0.001 to +0.002: the neighbourhood maximum, clip 1.5) that cost
# 0.04-0.08 Spearman on SYNDOF (measured once, then this rule was added; see docs/bench_dfd.md).
CAP = 1.25
SWEEPS = 2
MARGIN = 0.005
JBF_FAMILY = ("jbf", "am")
STAGES = [
    ("gradient operator and re-blur", [
        dict(grad="sobel", s1=0.0, sigma0=s0, bias=b) for s0 in (0.5, 1.0, 1.5, 2.0)
        for b in (False, True)] + [
        dict(grad="central", s1=0.0, sigma0=1.0), dict(grad="central", s1=0.0, sigma0=1.0,
                                                       bias=True),
        dict(grad="central", s1=0.5, sigma0=1.0), dict(grad="central", s1=1.0, sigma0=1.0),
        dict(grad="central", s1=1.0, sigma0=1.5), dict(grad="sobel", s1=0.5, sigma0=1.0),
        dict(grad="sobel", sigma0=(1.0, 1.5, 2.0))]),
    ("Canny", [dict(canny_sigma=cs, low=lo, high=hi) for cs in (1.0, 1.5, 2.0)
               for lo, hi in ((None, None), (0.05, 0.1), (0.2, 0.4))] + [
        dict(canny_sigma=1.0, low=0.02, high=0.05), dict(canny_sigma=1.0, low=0.03, high=0.07),
        dict(canny_sigma=0.7, low=0.05, high=0.1),
        dict(canny_sigma=1.0, low=0.5, high=0.8, quantiles=True),
        dict(canny_sigma=1.0, low=0.7, high=0.9, quantiles=True)]),
    ("ratio where", [dict(nbhd=n) for n in (0, 1, 2)]),
    ("clip", [dict(clip=c) for c in (1.5, 2.0, 2.5, 3.0, 5.0)]),
    ("median", [dict(median=m) for m in (0, 3, 5)]),
    ("edge-confidence weighting", [dict(weight=w) for w in (False, True)]),
    ("smoother", [dict(smoother="jbf", d=dd, sc=c, ss=s, scale=1)
                  for dd, s in ((21, 10.0),) for c in (10.0, 20.0, 40.0)] + [
        dict(smoother="jbf", d=dd, sc=c, ss=s, scale=f) for f, dd, s in (
            (2, 21, 10.0), (2, 31, 15.0), (4, 11, 5.0), (4, 15, 8.0), (4, 21, 10.0))
        for c in (10.0, 20.0, 40.0)] + [
        dict(smoother="jbf", d=dd, sc=c, ss=s, scale=f) for f, dd, s in (
            (4, 31, 15.0), (8, 11, 5.0)) for c in (20.0, 40.0)] + [
        dict(smoother="am", ss=s, am_r=r) for s in (16.0, 32.0, 48.0)
        for r in (0.05, 0.1, 0.2, 0.3)] + [
        dict(smoother="gf", ss=s, gf_eps=e) for s in (8.0, 16.0, 32.0, 48.0)
        for e in (1e-3, 1e-2, 1e-1)] + [dict(smoother="none")]),
]


# The last pick, ON THE BENCHMARK ITSELF (all 21 synthetic scenes and SYNDOF): the search's
# choice (PROTOCOL, from the full run recorded in docs/bench_dfd.md), the other points the
# searches passed through, and a few neighbours of the best of them; the variant with the
# highest min(synthetic Spearman, SYNDOF Spearman) is shipped. Tuning a peer on the test data
# can only make it stronger against us, which is why it is allowed here; it is reported so.
_A = dict(BASE, sigma0=1.5, canny_sigma=0.7, low=0.05, high=0.1, smoother="am", ss=32.0,
          am_r=0.2)  # first sweep of the search without MARGIN
_B = dict(_A, sigma0=1.0, s1=0.5)  # + its second sweep's first change (+0.014)
PROTOCOL = dict(BASE, sigma0=1.5, low=0.05, high=0.1, nbhd=1, smoother="am", ss=32.0,
                weight=True, am_r=0.1)
FINAL = {
    "the search's choice (with MARGIN)": PROTOCOL,
    "A: first sweep without MARGIN": _A,
    "B: A + pre-smoothing 0.5, sigma0 1": _B,
    "B + edge weighting": dict(_B, weight=True),
    "B + edge weighting + nbhd 1 + clip 1.5 (second sweep without MARGIN)": dict(
        _B, weight=True, nbhd=1, clip=1.5, am_r=0.1),
    "B + nbhd 1": dict(_B, nbhd=1),
    "B, range sigma 0.1": dict(_B, am_r=0.1),
    "B, range sigma 0.3": dict(_B, am_r=0.3),
    "B, spatial sigma 48": dict(_B, ss=48.0),
    "B, spatial sigma 24": dict(_B, ss=24.0),
    "B, Canny sigma 1": dict(_B, canny_sigma=1.0),
    "B, clip 2.5": dict(_B, clip=2.5),
    "B, exact JBF at 1/4 resolution (d 21, 10 px, 20)": dict(_B, smoother="jbf", scale=4,
                                                             ss=10.0),
}


def _final(synth, syndof):
    print("\nLast pick on DFD-MAP itself (all 21 synthetic scenes, SYNDOF):\n")
    print("| variant | changes from the previous peer | synthetic spearman / rmse px | "
          "SYNDOF spearman | min | ms/MP |")
    print("|---|---|---|---|---|---|")
    best = None
    for name, kw in FINAL.items():
        a, d = _score(lambda im, kw=kw: variant(im, **kw), synth), None
        d = _score(lambda im, kw=kw: variant(im, **kw), syndof)
        m = min(a[0], d[0])
        print(f"| {name} | {_describe(kw)} | {a[0]:.3f} / {a[1]:.3f} | {d[0]:.3f} | {m:.3f} | "
              f"{a[2]:.0f} |", flush=True)
        if best is None or m > best[0]:
            best = (m, name)
    print(f"\nshipped (FAST_PEER): {best[1]}")


def _hm():
    """``benchmarks/dfd_heldout_map.py`` as a module (its scenes and scoring)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    import dfd_heldout_map

    return dfd_heldout_map


def _heldout(root):
    hm = _hm()
    hm.SCENES = [s for s in hm.SCENES if s not in HELDOUT_SKIP]
    return [(name, img, r, v) for name, img, r, v in hm.cases(root)]


def _score(fn, data):
    rho, rmse, ms = _hm().score(fn, data)
    return float(np.mean(rho)), float(np.mean(rmse)), ms


def _describe(kw):
    unused = {"jbf": ("am_r", "gf_eps"), "am": ("d", "sc", "scale", "gf_eps"),
              "gf": ("d", "sc", "scale", "am_r"), "none": ("d", "sc", "ss", "scale", "am_r",
                                                          "gf_eps")}[kw["smoother"]]
    diff = {k: v for k, v in kw.items() if BASE.get(k, None) != v and k not in unused}
    return ", ".join(f"{k}={v}" for k, v in diff.items()) or "previous peer's settings"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two stages only (a smoke run)")
    ap.add_argument("--final-only", action="store_true",
                    help="only the last pick on DFD-MAP itself (FINAL)")
    args = ap.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("benchmark data absent: set DEPTHSMITH_DATA")
    synth, syndof = [], []
    for c in map_cases(root):
        item = (c.scene, c.inputs["image"], c.truth["r"], c.truth["valid"])
        (syndof if c.group == "syndof" else synth).append(item)
    if args.final_only:
        print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}")
        _final(synth, syndof)
        return
    held = _heldout(root)
    select = held + synth[0::2]
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"selection: {len(held)} held-out scenes + {len(synth[0::2])} even-indexed DFD-MAP "
          f"synthetic scenes; report: {len(synth)} synthetic ({len(synth[1::2])} odd-indexed "
          f"never used), {len(syndof)} SYNDOF")

    best = dict(BASE)
    best_rho, _, peer_ms = _score(lambda im: variant(im, **BASE), select)  # previous peer
    print(f"\n| stage | variant (changes from the previous peer) | selection spearman | "
          f"rmse px | ms/MP (eligible if <= {CAP} x {peer_ms:.0f}) |")
    print("|---|---|---|---|---|")
    print(f"| start | previous peer's settings | {best_rho:.3f} | - | {peer_ms:.0f} |",
          flush=True)
    gf_best = None  # the best guided-filter variant seen (not eligible, reported)
    for sweep in range(1, (1 if args.quick else SWEEPS) + 1):
        for stage, options in (STAGES[:2] if args.quick else STAGES):
            stage_best = (best_rho, best)
            for opt in options:
                kw = {**best, **opt}
                if kw == best:
                    continue
                rho, rmse, ms = _score(lambda im, kw=kw: variant(im, **kw), select)
                fast, family = ms <= CAP * peer_ms, kw["smoother"] in JBF_FAMILY
                note = "" if fast else " (too slow)"
                note += "" if family else " (not a JBF: comparison only)"
                print(f"| {sweep}: {stage} | {_describe(kw)} | {rho:.3f} | {rmse:.3f} | "
                      f"{ms:.0f}{note} |", flush=True)
                if fast and family and rho > stage_best[0] + MARGIN:
                    stage_best = (rho, kw)
                if (fast and kw["smoother"] == "gf" and kw["weight"] is False
                        and (gf_best is None or rho > gf_best[0])):
                    gf_best = (rho, kw)
            best_rho, best = stage_best
            print(f"| **{sweep}: {stage}: kept** | {_describe(best)} | **{best_rho:.3f}** | | |",
                  flush=True)

    print(f"\nchosen: {best}\n")
    methods = {"previous peer (its settings, BASE)": lambda im: variant(im, **BASE),
               f"chosen: {_describe(best)}": lambda im: variant(im, **best),
               "peer_map_gradient_ratio_fast as shipped (FAST_PEER)":
               lambda im: peer_map_gradient_ratio_fast(im, None)}
    if gf_best is not None:
        methods[f"best guided-filter variant (not eligible): {_describe(gf_best[1])}"] = (
            lambda im: variant(im, **gf_best[1]))
    print("| method | synthetic, all 21: spearman / rmse px / ms/MP | odd half (never used) "
          "spearman / rmse px | SYNDOF spearman / ms/MP |")
    print("|---|---|---|---|")
    for name, fn in methods.items():
        a = _score(fn, synth)
        o = _score(fn, synth[1::2])
        s = _score(fn, syndof)
        print(f"| {name} | {a[0]:.3f} / {a[1]:.3f} / {a[2]:.0f} | {o[0]:.3f} / {o[1]:.3f} | "
              f"{s[0]:.3f} / {s[2]:.0f} |", flush=True)
    _final(synth, syndof)


if __name__ == "__main__":
    main()
