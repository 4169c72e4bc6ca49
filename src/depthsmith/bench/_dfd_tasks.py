"""DFD-PATCH and DFD-MAP of BENCHMARKS.md: blur-scale and defocus-map estimation.

Ours: every entry of ``depthsmith.defocus.PATCH_METHODS`` / ``MAP_METHODS`` ("auto" and the
map methods as ours; the issue's AR(1) settings, the i.i.d. grid search and the report's
settings as peers), next to the classical peer, the edge re-blur gradient ratio of Zhuo & Sim
(per patch; per map with nearest-edge propagation + joint bilateral filter, the fast variant,
and with Levin colorization, the slow one).
"""

from __future__ import annotations

import importlib
import warnings

import cv2
import numpy as np
from scipy import signal, stats

from ..datasets import load, scenes
from ..ops import KERNELS, blur_kernel, colorization_fill, kernel_std, nearest_fill, to_gray
from ._core import Case, Method, Task

__all__ = ["DFD_PATCH", "DFD_PATCH_REAL", "DFD_MAP", "render_defocus", "gradient_ratio_sigma",
           "patch_cases", "map_cases"]

RADII = (1, 2, 3, 4, 5)
PATCH_SIZES = (51, 101, 201)
NOISE = 0.001


def _gray(rgb) -> np.ndarray:
    return to_gray(np.asarray(rgb, np.float64)) / 255.0


def patch_cases(root, *, models=tuple(KERNELS), radii=RADII, sizes=PATCH_SIZES, per_image=5,
                seed=0, noise=NOISE, quantize=False):
    """One case per blurred patch, in the loop order image, model, r, p, patch.

    One ``numpy.random.default_rng(seed)`` stream draws, per patch, the top-left corner of a
    sharp crop of size ``p + 2h`` (h = kernel half-width: row then column, uniform), then the
    Gaussian noise (sigma ``noise``) added to the ``valid`` convolution of the crop; with
    ``quantize`` the patch is then rounded to 8 bits (``round(255 x) / 255``, clipped to
    [0, 1]), as in DFD-PATCH-REAL.
    """
    rng = np.random.default_rng(seed)
    for f in scenes("middlebury", root):
        gray = _gray(load(f).rgb)
        h_img, w_img = gray.shape
        for model in models:
            for r in radii:
                k = blur_kernel(model, r)
                h = k.shape[0] // 2
                for p in sizes:
                    n = p + 2 * h
                    if n > min(h_img, w_img):
                        continue
                    for i in range(per_image):
                        y0 = int(rng.integers(0, h_img - n + 1))
                        x0 = int(rng.integers(0, w_img - n + 1))
                        patch = signal.fftconvolve(gray[y0:y0 + n, x0:x0 + n], k, mode="valid")
                        patch = patch + rng.normal(0.0, noise, patch.shape)
                        if quantize:
                            patch = np.clip(np.round(255.0 * patch) / 255.0, 0.0, 1.0)
                        yield Case(f"{f.name}/{model}/r{r}/p{p}/{i}",
                                   {"patch": patch.astype(np.float32), "model": model},
                                   {"r": float(r), "shape": (p, p)}, group=f"{model} p={p}")


def render_defocus(gray, radius, *, step=0.25, model="disc", rng=0, noise=NOISE):
    """Spatially varying blur by layers: each pixel takes the image blurred with its radius
    rounded to ``step`` px (gather rendering), then Gaussian noise ``noise``."""
    rng = np.random.default_rng(rng)
    bins = np.round(np.asarray(radius) / step) * step
    out = np.empty_like(gray, dtype=np.float64)
    for b in np.unique(bins):
        k = blur_kernel(model, float(b)).astype(np.float32)
        sel = bins == b
        out[sel] = cv2.filter2D(gray.astype(np.float32), -1, k,
                                borderType=cv2.BORDER_REFLECT)[sel]
    return out + rng.normal(0.0, noise, out.shape)


def map_cases(root, *, seed=0):
    """Synthetic Middlebury defocus maps, then the SYNDOF renders (group ``syndof``)."""
    for f in scenes("middlebury", root):
        s = load(f)
        d = nearest_fill(s.depth, valid=s.valid).astype(np.float64)
        df = float(np.median(s.depth[s.valid]))
        dev = np.abs(d - df)
        r = 0.5 + 4.5 * dev / max(float(dev[s.valid].max()), 1e-9)
        img = render_defocus(_gray(s.rgb), r, rng=seed)
        yield Case(f.name, {"image": img.astype(np.float32), "rgb": s.rgb},
                   {"r": r, "valid": s.valid, "shape": r.shape}, group="middlebury synthetic")
    for f in scenes("syndof", root):
        s = load(f)
        yield Case(f"{f.parent.name}/{f.name}", {"image": _gray(s.rgb).astype(np.float32),
                                                 "rgb": s.rgb},
                   {"r": s.depth.astype(np.float64), "valid": s.valid, "shape": s.depth.shape,
                    "relative": True}, group="syndof")


def _edge_gradient_ratio(image, *, sigma0, canny_sigma, presmooth=0.0, low_threshold=None,
                         high_threshold=None):
    """(sigma, edges, gradient magnitude) of the re-blur gradient ratio; see
    ``gradient_ratio_sigma``. With ``presmooth`` = s1 > 0 both gradients are taken of the
    image smoothed by a Gaussian s1 (the second one re-blurred by sigma0 on top), so an edge of
    blur sigma gives R^2 = (sigma^2 + s1^2 + sigma0^2) / (sigma^2 + s1^2) and
    sigma^2 = (sigma0^2 + s1^2 - R^2 s1^2) / (R^2 - 1)."""
    from skimage.feature import canny

    img = np.asarray(image, np.float64)

    def grad(a):
        gx = cv2.Sobel(a, cv2.CV_64F, 1, 0, ksize=3) / 8.0
        gy = cv2.Sobel(a, cv2.CV_64F, 0, 1, ksize=3) / 8.0
        return np.hypot(gx, gy)

    base = img
    if presmooth > 0:
        base = cv2.GaussianBlur(img, (0, 0), presmooth, borderType=cv2.BORDER_REFLECT)
    t1 = presmooth * presmooth
    t2 = t1 + sigma0 * sigma0
    reblur = cv2.GaussianBlur(img, (0, 0), float(np.sqrt(t2)), borderType=cv2.BORDER_REFLECT)
    g1, g2 = grad(base), grad(reblur)
    edges = canny(img, sigma=canny_sigma, low_threshold=low_threshold,
                  high_threshold=high_threshold) & (g2 > 1e-4)
    ratio2 = np.where(edges, g1 / np.maximum(g2, 1e-12), np.nan) ** 2
    with np.errstate(invalid="ignore"):
        sigma = np.where(ratio2 > (1.0 + 1e-3) ** 2,
                         np.sqrt(np.maximum(t2 - ratio2 * t1, 0.0)
                                 / np.maximum(ratio2 - 1, 1e-12)), np.nan)
    sigma = np.where(edges & ~np.isfinite(sigma), 10.0, sigma)  # ratio <= 1: very blurred
    return np.minimum(sigma, 10.0), edges, g1


def gradient_ratio_sigma(image, *, sigma0=1.0, canny_sigma=1.0):
    """Gaussian blur sigma at edge pixels by the re-blur gradient ratio (Zhuo & Sim, 2011).

    Re-blurring an edge blurred by sigma with a Gaussian sigma0 divides its gradient maximum
    by R = sqrt(sigma^2 + sigma0^2) / sigma, so sigma = sigma0 / sqrt(R^2 - 1). Gradients by
    the Sobel operator, edges by scikit-image's Canny (``canny_sigma``, default thresholds).

    Returns (sigma, edges): sigma is NaN off edges.

    References
    ----------
    .. [1] S. Zhuo and T. Sim, "Defocus map estimation from a single image", Pattern
       Recognition 44(9), 2011.
    """
    sigma, edges, _ = _edge_gradient_ratio(image, sigma0=sigma0, canny_sigma=canny_sigma)
    return sigma, edges


def peer_patch_gradient_ratio(patch, model):
    """Median gradient-ratio sigma over the patch's edges, as the model's scale ``r``."""
    sigma, edges = gradient_ratio_sigma(patch)
    vals = sigma[edges]
    if vals.size == 0:
        return np.float32(0.0)
    return np.float32(np.median(vals) / kernel_std(model, 1.0))


def peer_map_gradient_ratio(image, rgb):
    """Zhuo & Sim: sparse edge estimates propagated by Levin colorization (disc radius)."""
    sigma, edges = gradient_ratio_sigma(image)
    sparse = np.where(edges, sigma / kernel_std("disc", 1.0), np.nan).astype(np.float32)
    if not edges.any():
        return np.zeros(image.shape, np.float32)
    return colorization_fill(sparse, rgb, valid=edges)


# The fast map peer's settings, from benchmarks/dfd_peer_zhuo.py (docs/bench_dfd.md, "The fast
# Zhuo & Sim peer"): a greedy search on held-out map scenes + the even-indexed half of the
# DFD-MAP synthetic scenes proposed the candidates; the last pick among them (highest
# min(synthetic, SYNDOF) Spearman) was made on DFD-MAP itself, which can only favour the peer.
FAST_PEER = dict(presmooth=0.5, sigma0=1.0, canny_sigma=0.7, low_threshold=0.05,
                 high_threshold=0.1, clip=2.0, median=5, weight=False, sigma_space=32.0,
                 sigma_range=0.2)


def peer_map_gradient_ratio_fast(image, rgb, **settings):
    """Zhuo & Sim, fast variant: the re-blur gradient ratio at Canny edges, each pixel takes its
    nearest edge's estimate, smoothed by a joint bilateral filter guided by the photo.

    Settings (``FAST_PEER``; keyword arguments override them): gradients of the image
    pre-smoothed by a Gaussian of 0.5 px and re-blurred by sigma0 = 1 on top (the estimate
    accounts for both: see ``_edge_gradient_ratio``), Canny sigma 0.7 with thresholds 0.05 /
    0.1 (scikit-image units), edge sigma clipped at 2 px, a 5 x 5 median against outliers,
    then the joint bilateral filter by OpenCV's adaptive manifolds (Gastal & Oliveira 2012:
    spatial sigma 32 px, range sigma 0.2 of the [0, 1] intensity), several times faster than
    ``cv2.ximgproc.jointBilateralFilter`` at diameter 21 while its support is wider.
    ``weight=True`` weights each pixel by its nearest edge's gradient magnitude (normalised
    filtering; off by default). Candidates from a greedy search in
    ``benchmarks/dfd_peer_zhuo.py`` on held-out map scenes and half the DFD-MAP synthetic
    scenes; the last pick among them was made on DFD-MAP itself (see docs/bench_dfd.md). The
    previous settings — no pre-smoothing, Canny sigma 1 with default thresholds, the exact JBF
    at diameter 21, sigma_space 10 px, sigma_color 20 — scored 0.637 / 0.684 Spearman there
    (synthetic / SYNDOF), these 0.741 / 0.752 (issue 14's reference: 0.69 / 0.73).

    References
    ----------
    .. [1] S. Zhuo and T. Sim, "Defocus map estimation from a single image", Pattern
       Recognition 44(9), 2011.
    .. [2] E. S. L. Gastal and M. M. Oliveira, "Adaptive manifolds for real-time
       high-dimensional filtering", ACM Transactions on Graphics 31(4), 2012.
    """
    from scipy import ndimage

    unknown = set(settings) - set(FAST_PEER)
    if unknown:
        raise TypeError(f"peer_map_gradient_ratio_fast: unknown settings {sorted(unknown)}")
    cfg = {**FAST_PEER, **settings}
    sigma, edges, grad = _edge_gradient_ratio(
        image, sigma0=cfg["sigma0"], canny_sigma=cfg["canny_sigma"],
        presmooth=cfg["presmooth"], low_threshold=cfg["low_threshold"],
        high_threshold=cfg["high_threshold"])
    if not edges.any():
        return np.zeros(np.shape(image), np.float32)
    sigma = np.minimum(np.where(edges, sigma, 0.0), cfg["clip"])
    idx = ndimage.distance_transform_edt(~edges, return_distances=False, return_indices=True)
    dense = (sigma[idx[0], idx[1]] / kernel_std("disc", 1.0)).astype(np.float32)
    if cfg["median"]:
        dense = cv2.medianBlur(dense, cfg["median"])
    guide = np.asarray(image, np.float32)

    def jbf(a):
        return cv2.ximgproc.amFilter(guide, a, cfg["sigma_space"], cfg["sigma_range"])

    if not cfg["weight"]:
        return jbf(dense)
    w = grad[idx[0], idx[1]].astype(np.float32)
    w = w / max(float(w.max()), 1e-12) + 1e-3
    return jbf(dense * w) / np.maximum(jbf(w), 1e-6)


def _patch_score(pred, case):
    err = abs(float(np.asarray(pred).ravel()[0]) - case.truth["r"])
    return {"abs_err": err, "within_0.5": 100.0 * (err <= 0.5)}


def _map_score(pred, case):
    v = case.truth["valid"] & np.isfinite(pred)
    r, p = case.truth["r"][v], np.asarray(pred, np.float64)[v]
    rho = float(stats.spearmanr(p, r).statistic) if p.std() > 0 else 0.0
    out = {"spearman": rho}
    if not case.truth.get("relative"):
        out["rmse"] = float(np.sqrt(np.mean((p - r) ** 2)))
    return out


def _patch_adapter(fn):
    def run(patch, model):
        with warnings.catch_warnings():  # flat patches are scored like the others
            warnings.simplefilter("ignore", UserWarning)
            return np.float32(fn(patch, kernel=model).params["r"])
    return run


def _map_adapter(fn):
    def run(image, rgb):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(image).radius
    return run


def _ours(kind):
    try:
        defocus = importlib.import_module("depthsmith.defocus")
    except ImportError:
        return []
    reg = getattr(defocus, f"{kind}_METHODS", {})
    adapt = _patch_adapter if kind == "PATCH" else _map_adapter
    # "ml" is "auto" with its defaults: run once; the others of the registry are peers
    # (ml_ar1: the AR(1) + sigma 0.1; iid_grid: Zhu et al.; report: the seed's code)
    # except the map methods, which are ours
    ours = {"auto", "patches", "segments", "decorrelation"}
    return [Method(n if n in ours else f"{n} (ML peer)", adapt(fn),
                   "ours" if n in ours else "peer")
            for n, fn in reg.items() if n != "ml"]


DFD_PATCH = Task(
    "DFD-PATCH",
    "Blur-scale estimation on synthetic defocus: every Middlebury gray image, r in 1..5 px, "
    "4 kernel models, patches 51/101/201 px, 5 patches each, noise 0.001; median |r_hat - r| "
    "(px) and % within 0.5 px, per (model, p).",
    patch_cases, _patch_score,
    lambda: _ours("PATCH") + [Method("gradient ratio (Zhuo & Sim)", peer_patch_gradient_ratio)],
    columns=("abs_err", "within_0.5"), higher_is_better=("within_0.5",),
    median_columns=("abs_err",))

DFD_PATCH_REAL = Task(
    "DFD-PATCH-REAL",
    "DFD-PATCH with noise 0.005 and 8-bit quantisation (disc kernel only here): median "
    "|r_hat - r| (px) and % within 0.5 px, per p.",
    lambda root: patch_cases(root, models=("disc",), noise=0.005, quantize=True),
    _patch_score, DFD_PATCH.methods,
    columns=("abs_err", "within_0.5"), higher_is_better=("within_0.5",),
    median_columns=("abs_err",))

DFD_MAP = Task(
    "DFD-MAP",
    "Defocus map from one image: Middlebury scenes with a disc radius map 0.5-5 px from the "
    "disparity (layered rendering, 0.25-px bins, noise 0.001), Spearman rho and RMSE (px) over "
    "V; SYNDOF renders: Spearman rho against the normalised defocus map.",
    map_cases, _map_score,
    lambda: _ours("MAP") + [Method("gradient ratio + nearest edge + JBF (Zhuo & Sim fast)",
                                   peer_map_gradient_ratio_fast),
                            Method("gradient ratio + colorization (Zhuo & Sim)",
                                   peer_map_gradient_ratio, max_repeat=1)],
    columns=("spearman", "rmse"), higher_is_better=("spearman",))
