"""The degradation models of the benchmarks: ground truth in, benchmark inputs out.

Each function implements the input construction of one task of ``../shared/BENCHMARKS.md``
exactly (the published figures in ``docs/`` are measured on these outputs), so that the
benchmark runner (:mod:`depthsmith.bench`), ``make demo`` and your own experiments degrade
ground truth the same way:

==================  ================================================================
FILL-OCC            :func:`occlusion_mask` (stereo occlusions by left-right check)
FILL-HOLES          :func:`sensor_hole_mask` (Kinect-style dropouts plus discs)
REFINE              :func:`refine_degrade` (down x4, bicubic up, blur, noise)
COMPLETE-KITTI      :func:`kitti_inputs` (random 25 % and every 4th row)
COMPLETE-SAMPLES    :func:`sample_inputs` (the four sampling schemes at 1 % of H W)
SR-MIDDLEBURY       :func:`sr_degrade` (crop to a multiple of s, bicubic down)
SR-STANDARD         :func:`sr_standard_degrade` (crop, PIL bicubic down of the float GT)
COMPLETE-KITTI      :func:`kitti_variant_inputs` (robustness: row phases, seeds)
==================  ================================================================

Randomness comes from ``numpy.random.default_rng(seed)`` with ``seed = 0`` by default, as in
BENCHMARKS.md. Importing this module only loads numpy and OpenCV; the depthsmith helpers a
function needs (nearest fill, the sampling schemes) are imported when it is called.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["occlusion_mask", "sensor_hole_mask", "refine_degrade", "kitti_inputs",
           "sample_inputs", "sr_degrade", "sr_standard_degrade", "kitti_variant_inputs",
           "KITTI_PATTERNS", "SAMPLE_SCHEMES"]

#: Keys, in order, of the dict returned by :func:`kitti_inputs` (COMPLETE-KITTI groups).
KITTI_PATTERNS = ("random", "lines")
#: Keys, in order, of the dict returned by :func:`sample_inputs` (COMPLETE-SAMPLES groups).
SAMPLE_SCHEMES = ("uniform", "gradient", "uniform+gradient", "grid")


def occlusion_mask(disp, disp_right) -> np.ndarray:
    """Left-view pixels not visible in the right view, by a left-right disparity check.

    Pixel ``(y, x)`` is occluded when ``x - round(D) < 0``, or ``Dr[y, x - round(D)] == 0``
    (unknown), or ``|D - Dr[y, x - round(D)]| > 1``, with ``D = disp`` and
    ``Dr = disp_right``. Unknown pixels of ``disp`` (NaN or 0) land on column ``x`` of
    ``Dr`` and are occluded unless ``Dr[y, x]`` is a known value within 1 px of 0.

    Implements the occlusion mask of BENCHMARKS.md **FILL-OCC** (the stereo occlusion
    filling of the seed blog post, SergeM, "Simple occlusion filling for depth maps", 2014),
    the cross-check by which the Middlebury ground truths mark occlusions (Scharstein and
    Szeliski, "High-accuracy stereo depth maps using structured light", CVPR 2003).

    Parameters
    ----------
    disp : array_like, shape (H, W)
        Left-view disparity in pixels; NaN or 0 = unknown.
    disp_right : array_like, shape (H, W)
        Right-view disparity in pixels, same size; NaN or 0 = unknown.

    Returns
    -------
    numpy.ndarray of bool, shape (H, W)
        True where the left pixel is occluded in the right view.
    """
    d = np.nan_to_num(np.asarray(disp, np.float64), nan=0.0)
    dr = np.nan_to_num(np.asarray(disp_right, np.float64), nan=0.0)
    h, w = d.shape
    xs = np.arange(w)[None, :] - np.rint(d).astype(np.int64)
    out = xs < 0
    xc = np.clip(xs, 0, w - 1)
    target = dr[np.arange(h)[:, None], xc]
    return out | (target == 0) | (np.abs(d - target) > 1)


def sensor_hole_mask(shape, kinect_raw, *, n_discs=40, radius=(3, 15), seed=0, border=16):
    """Kinect-style dropouts united with random discs.

    The zero (or NaN) pixels of ``kinect_raw`` inside its interior (``border`` px excluded
    on every side) are resized to ``shape`` with ``cv2.INTER_NEAREST``, then united with
    ``n_discs`` filled discs whose radius, centre row and centre column are drawn as three
    vectors, in that order, from ``numpy.random.default_rng(seed).uniform`` (radius in
    ``radius``, centres over the image; a disc may cross the border).

    Implements the hole mask of BENCHMARKS.md **FILL-HOLES** (with the raw depth of
    ``nyu_v2/sample_00000``, NYU Depth v2: Silberman et al., "Indoor segmentation and
    support inference from RGBD images", ECCV 2012); FILL-HOLES-RGBDD names the same
    construction.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of the mask to make.
    kinect_raw : array_like, shape (h, w)
        Raw sensor depth whose zeros (or NaNs) are the dropouts; any size (it is resized).
    n_discs : int, default 40
        Number of random discs.
    radius : (float, float), default (3, 15)
        Range of the uniform disc radius, in pixels of ``shape``.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the discs.
    border : int, default 16
        Border of ``kinect_raw`` (in its own pixels) whose dropouts are ignored. Use at
        least 1: ``border=0`` keeps no dropout at all (an empty ``[0:-0]`` slice).

    Returns
    -------
    numpy.ndarray of bool, shape (H, W)
        True on holes.
    """
    h, w = shape
    raw = np.nan_to_num(np.asarray(kinect_raw, np.float64), nan=0.0)
    holes = raw == 0
    interior = np.zeros_like(holes)
    interior[border:-border, border:-border] = True
    holes &= interior
    m = cv2.resize(holes.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    rng = np.random.default_rng(seed)
    r = rng.uniform(radius[0], radius[1], n_discs)
    cy = rng.uniform(0, h, n_discs)
    cx = rng.uniform(0, w, n_discs)
    yy, xx = np.mgrid[0:h, 0:w]
    for ri, yi, xi in zip(r, cy, cx, strict=True):
        m |= (yy - yi) ** 2 + (xx - xi) ** 2 <= ri * ri
    return m


def refine_degrade(disp, valid, *, seed: int = 0) -> np.ndarray:
    """A blotchy, blurred, noisy version of a ground-truth disparity, valid everywhere.

    Unknown pixels are first given their nearest valid value
    (:func:`depthsmith.ops.nearest_fill`); then area-downsample x4 (``cv2.INTER_AREA``, size
    ``(W // 4, H // 4)``), bicubic upsample back to H x W (``cv2.INTER_CUBIC``), Gaussian
    blur sigma = 2 px (``cv2.GaussianBlur``, kernel size from sigma, default border), plus
    i.i.d. Gaussian noise of sigma ``0.02 * (max - min)`` of ``disp`` over ``valid``, drawn
    as one ``(H, W)`` array from ``numpy.random.default_rng(seed).normal``.

    Implements the degradation of BENCHMARKS.md **REFINE** (REFINE-RGBDD names it too), a
    stand-in for the output of a monocular network such as FCRN (Laina et al., "Deeper
    depth prediction with fully convolutional residual networks", 3DV 2016), whose
    bilateral post-processing is the seed blog post (Philipp Matthes). The degradation
    itself has no paper.

    Parameters
    ----------
    disp : array_like, shape (H, W)
        Ground-truth disparity (any depth-like map); values outside ``valid`` are ignored.
    valid : array_like of bool, shape (H, W)
        Known pixels of ``disp``; at least one must be True.
    seed : int, default 0
        Seed of the noise.

    Returns
    -------
    numpy.ndarray of float32, shape (H, W)
        The degraded map, finite everywhere (invalid pixels get values too).
    """
    from .ops import nearest_fill

    d = nearest_fill(disp, valid=valid).astype(np.float32)
    h, w = d.shape
    lo = cv2.resize(d, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    up = cv2.resize(lo, (w, h), interpolation=cv2.INTER_CUBIC)
    bl = cv2.GaussianBlur(up, (0, 0), 2.0)
    vals = np.asarray(disp, np.float64)[valid]
    sigma = 0.02 * (vals.max() - vals.min())
    noise = np.random.default_rng(seed).normal(0.0, sigma, (h, w))
    return (bl.astype(np.float64) + noise).astype(np.float32)


def kitti_inputs(gt, *, seed: int = 0) -> dict:
    """The two sparse input patterns of LiDAR-like completion, as boolean masks.

    ``random``: ``round(0.25 * #valid)`` of the valid pixels of ``gt`` chosen without
    replacement by ``numpy.random.default_rng(seed).choice`` over the valid pixels in
    row-major order; ``lines``: the valid pixels on rows with ``y % 4 == 0`` (a scan-line
    pattern, about 5 % of a KITTI image).

    Implements the inputs of BENCHMARKS.md **COMPLETE-KITTI** on the KITTI depth completion
    ground truth (Uhrig et al., "Sparsity invariant CNNs", 3DV 2017); the task's anchor is
    IP_Basic (Ku et al., "In defense of classical image processing: fast depth completion
    on the CPU", CRV 2018).

    Parameters
    ----------
    gt : array_like, shape (H, W)
        Ground-truth depth; pixels > 0 are valid (NaN or <= 0 = none).
    seed : int, default 0
        Seed of the ``random`` pattern.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        ``{"random": mask, "lines": mask}`` (keys in :data:`KITTI_PATTERNS` order), each
        (H, W) and a subset of the valid pixels.
    """
    g = np.nan_to_num(np.asarray(gt, np.float64), nan=0.0)
    v = g > 0
    idx = np.flatnonzero(v)
    pick = np.random.default_rng(seed).choice(idx.size, int(round(0.25 * idx.size)),
                                              replace=False)
    rnd = np.zeros(v.size, bool)
    rnd[idx[pick]] = True
    lines = v & (np.arange(v.shape[0])[:, None] % 4 == 0)
    return {"random": rnd.reshape(v.shape), "lines": lines}


def sample_inputs(disp, valid, rgb) -> dict:
    """The four sparse sampling schemes with a budget of 1 % of the pixels, as masks.

    ``n = round(0.01 * H * W)`` samples drawn from ``valid`` by
    :func:`depthsmith.complete.sample` (``rng=0``) for each scheme: ``uniform``,
    ``gradient`` (probability proportional to the Sobel magnitude of the gray guide),
    ``uniform+gradient`` (n/2 of each) and ``grid`` (a regular lattice, kept where valid).

    Implements the inputs of BENCHMARKS.md **COMPLETE-SAMPLES** (COMPLETE-SAMPLES-RGBDD names
    them too), the sampling schemes of the seed (Makarov et al., "Semi-dense depth
    interpolation using deep convolutional neural networks", ACM Multimedia 2017;
    Korinevskaya and Makarov, 2018).

    Parameters
    ----------
    disp : numpy.ndarray, shape (H, W)
        Ground-truth disparity (or depth); values outside ``valid`` are ignored.
    valid : numpy.ndarray of bool, shape (H, W)
        Pixels that may be sampled.
    rgb : numpy.ndarray, shape (H, W, 3)
        Color guide (uint8) for the gradient schemes.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        One (H, W) mask per scheme, keys in :data:`SAMPLE_SCHEMES` order.
    """
    from .complete import sample

    n = int(round(0.01 * disp.size))
    return {s: sample(np.where(valid, disp, np.nan), n, s, rgb, valid=valid, rng=0)
            for s in SAMPLE_SCHEMES}


def sr_degrade(png, valid, rgb, factor):
    """The low-resolution input of guided depth super-resolution, with its crop.

    Unknown pixels are filled by their nearest valid value
    (:func:`depthsmith.ops.nearest_fill`), H and W are cropped down to multiples of
    ``factor`` and the crop is downsampled to ``(H // factor, W // factor)`` by
    ``cv2.resize`` with ``cv2.INTER_CUBIC``; the guide, truth and mask are the crop at full
    resolution. Deterministic.

    Implements the degradation of BENCHMARKS.md **SR-MIDDLEBURY** (x4, x8, x16, on the PNG
    value scale to match the published tables; the seed's GAN depth super-resolution,
    Korinevskaya and Makarov, 2018).

    Parameters
    ----------
    png : numpy.ndarray, shape (H, W)
        Ground-truth disparity in PNG units (0-255); values outside ``valid`` are ignored.
    valid : numpy.ndarray of bool, shape (H, W)
        Known pixels of ``png``; at least one must be True.
    rgb : numpy.ndarray, shape (H, W, 3)
        Full-resolution color guide.
    factor : int
        Upsampling factor s.

    Returns
    -------
    low : numpy.ndarray of float32, shape (H // s, W // s)
        The low-resolution input.
    guide : numpy.ndarray, shape (H // s * s, W // s * s, 3)
        ``rgb`` cropped.
    truth : numpy.ndarray, shape (H // s * s, W // s * s)
        ``png`` cropped (unfilled).
    mask : numpy.ndarray of bool, shape (H // s * s, W // s * s)
        ``valid`` cropped: the pixels to score.
    """
    from .ops import nearest_fill

    d = np.where(valid, png, np.nan).astype(np.float32)
    filled = nearest_fill(d, valid=valid)
    h, w = png.shape
    H, W = h // factor * factor, w // factor * factor
    lr = cv2.resize(np.ascontiguousarray(filled[:H, :W]), (W // factor, H // factor),
                    interpolation=cv2.INTER_CUBIC)
    return (lr.astype(np.float32), np.ascontiguousarray(rgb[:H, :W]),
            np.ascontiguousarray(png[:H, :W]), np.ascontiguousarray(valid[:H, :W]))


def sr_standard_degrade(hr, rgb, factor):
    """The low-resolution input of the field's standard guided depth-SR protocol.

    ``H`` and ``W`` are cropped down to multiples of ``factor``; the crop of ``hr`` as
    float32 is downsampled to ``(W // factor, H // factor)`` by PIL's bicubic resize of
    the float image (``PIL.Image.fromarray(hr).resize(..., PIL.Image.BICUBIC)``, which
    widens its kernel by the factor, i.e. antialiases). No hole filling: the test sets'
    ground truths are hole-filled already. Deterministic.

    Implements the degradation of BENCHMARKS.md **SR-STANDARD** (the protocol of DKN,
    Kim et al., IJCV 2021; FDSR, He et al., CVPR 2021; DCTNet, Zhao et al., CVPR 2022).

    Parameters
    ----------
    hr : array_like, shape (H, W)
        Ground truth (PNG units for Middlebury and Lu, mm for RGB-D-D); NaN counts as 0.
    rgb : numpy.ndarray, shape (H, W, 3)
        Full-resolution color guide.
    factor : int
        Upsampling factor s.

    Returns
    -------
    low : numpy.ndarray of float32, shape (H // s, W // s)
    guide : numpy.ndarray, shape (H // s * s, W // s * s, 3)
        ``rgb`` cropped.
    truth : numpy.ndarray of float32, shape (H // s * s, W // s * s)
        ``hr`` cropped, as float32 (every pixel is scored).
    """
    from PIL import Image

    g = np.nan_to_num(np.asarray(hr, np.float32), nan=0.0)
    h, w = g.shape
    H, W = h // factor * factor, w // factor * factor
    truth = np.ascontiguousarray(g[:H, :W])
    low = np.array(Image.fromarray(truth).resize((W // factor, H // factor), Image.BICUBIC),
                   dtype=np.float32)
    return low, np.ascontiguousarray(rgb[:H, :W]), truth


def kitti_variant_inputs(gt, *, seeds=(1, 2), phases=(1, 2, 3)) -> dict:
    """The robustness variants of the COMPLETE-KITTI inputs, as boolean masks.

    ``random seed k``: :func:`kitti_inputs`' ``random`` pattern drawn with ``seed=k``;
    ``lines phase k``: the valid pixels of ``gt`` on rows with ``y % 4 == k``. Seed 0 and
    phase 0 are :func:`kitti_inputs` itself (its ``random`` and ``lines``), so they are
    not repeated here by default.

    Implements the robustness variants of BENCHMARKS.md **COMPLETE-KITTI**.

    Parameters
    ----------
    gt : array_like, shape (H, W)
        Ground-truth depth; pixels > 0 are valid (NaN or <= 0 = none).
    seeds : iterable of int, default (1, 2)
    phases : iterable of int, default (1, 2, 3)
        Row phases in 0..3.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        ``{"random seed 1": ..., "random seed 2": ..., "lines phase 1": ..., ...}``.
    """
    g = np.nan_to_num(np.asarray(gt, np.float64), nan=0.0)
    v = g > 0
    out = {f"random seed {k}": kitti_inputs(g, seed=k)["random"] for k in seeds}
    rows = np.arange(v.shape[0])[:, None] % 4
    out.update({f"lines phase {k}": v & (rows == k) for k in phases})
    return out
