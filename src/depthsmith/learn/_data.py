"""Training data for the learned SR model: Middlebury scenes, folds by scene, random crops
with realistic degradations (NumPy / OpenCV / PIL only; no PyTorch here).

Scenes come from ``middlebury/`` (raw GT, 0 = unknown), ``middlebury_sr30/`` (hole-filled
GT) and ``middlebury2014/`` (float GT), keyed by scene name so that a scene present in two
folders is in the same fold. The four seed scenes (:data:`SEED_SCENES`) are never loaded
for training. Optional synthetic scenes come from :mod:`depthsmith.learn._synthetic`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .._validate import InputError
from ._sr_infer import normalise

__all__ = ["SEED_SCENES", "SOURCES", "Scene", "scene_key", "load_scenes", "fold_of",
           "split", "sample_batch", "degrade_crop"]

#: Never trained on (the seed paper's table stays a clean test).
SEED_SCENES = frozenset({"cones", "teddy", "tsukuba", "venus"})
#: Dataset folders used for training, in this order.
SOURCES = ("middlebury", "middlebury_sr30", "middlebury2014")


@dataclass
class Scene:
    """One training scene: ``depth`` float32 with invalid pixels nearest-filled, ``valid``
    its trusted pixels, ``rgb`` uint8 (H, W, 3), ``key`` the scene name, ``source`` the
    dataset folder, ``lo_hi`` the scene's robust depth range."""

    key: str
    source: str
    depth: np.ndarray
    valid: np.ndarray
    rgb: np.ndarray
    lo_hi: tuple[float, float]


def scene_key(folder) -> str:
    """The scene's name without the ``NN_`` numbering of ``middlebury_sr30`` (lower case)."""
    name = Path(folder).name.lower()
    head, _, tail = name.partition("_")
    return tail if head.isdigit() and tail else name


def _scene(key, source, depth, rgb) -> Scene | None:
    from ..ops import nearest_fill

    d = np.asarray(depth, np.float32)
    v = np.isfinite(d) & (d > 0)
    if v.mean() < 0.5 or rgb is None or rgb.shape[:2] != d.shape:
        return None
    d = nearest_fill(np.where(v, d, np.nan), valid=v) if not v.all() else d
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        rgb = (np.clip(rgb.astype(np.float32) / 257.0, 0, 255) + 0.5).astype(np.uint8)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    return Scene(key, source, d, v, np.ascontiguousarray(rgb[:, :, :3]), normalise(d[v]))


def load_scenes(root, sources=SOURCES, *, exclude=SEED_SCENES) -> list[Scene]:
    """Every usable scene of ``sources`` under ``root`` except the ``exclude`` keys."""
    from ..datasets import load, scenes

    out = []
    for src in sources:
        for f in scenes(src, root):
            key = scene_key(f)
            if key in exclude:
                continue
            s = load(f)
            depth = s.extra["png"] if src == "middlebury_sr30" else s.depth
            sc = _scene(key, src, depth, s.rgb)
            if sc is not None:
                out.append(sc)
    if not out:
        raise InputError(f"--data {root}: no training scenes found (expected the folders "
                         f"{', '.join(SOURCES)} with meta.json scenes)")
    return out


def fold_of(key: str, keys, folds: int) -> int:
    """The fold of scene ``key`` among the scene names ``keys``: the names in CRC32 order
    (a fixed shuffle, the same on every machine) dealt round-robin into ``folds`` folds, so
    the folds differ in size by at most one scene."""
    order = sorted(set(keys), key=lambda k: (zlib.crc32(k.encode()), k))
    return order.index(key) % int(folds)


def split(scenes_, folds: int | None, fold: int | None):
    """``(train, held_out)`` scenes for fold ``fold`` of ``folds`` (all train when None)."""
    if not folds:
        return list(scenes_), []
    if isinstance(folds, bool) or int(folds) < 2:
        raise InputError(f"--folds {folds!r}: expected an integer >= 2")
    if fold is None or not 0 <= fold < folds:
        raise InputError(f"--fold {fold!r}: expected an integer in [0, {folds - 1}]")
    keys = [s.key for s in scenes_]
    held = [s for s in scenes_ if fold_of(s.key, keys, folds) == fold]
    return [s for s in scenes_ if fold_of(s.key, keys, folds) != fold], held


def _pil_bicubic(a: np.ndarray, w: int, h: int) -> np.ndarray:
    from PIL import Image

    return np.array(Image.fromarray(np.ascontiguousarray(a, np.float32)).resize(
        (w, h), Image.BICUBIC), dtype=np.float32)


def draw_factor(rng) -> float:
    """A training factor: 60 % one of 4, 8, 16 (the benchmark's), else log-uniform in
    [2, 16]."""
    if rng.random() < 0.6:
        return float(rng.choice([4.0, 8.0, 16.0]))
    return float(2.0 ** rng.uniform(1.0, 4.0))


def degrade_crop(hr: np.ndarray, factor: float, rng, rng_range: float) -> tuple:
    """A low-res version of a (P, P) depth crop and its validity: one of PIL bicubic
    (antialiased, the benchmark's), area, nearest or bilinear downsampling; then
    sometimes noise, quantisation and holes (invalid pixels, nearest-filled as inference
    does). Returns ``(lr, valid)``."""
    from ..ops import nearest_fill

    P = hr.shape[0]
    h = w = max(2, int(round(P / factor)))
    u = rng.random()
    if u < 0.55:
        lr = _pil_bicubic(hr, w, h)
    elif u < 0.8:
        lr = cv2.resize(hr, (w, h), interpolation=cv2.INTER_AREA)
    elif u < 0.92:
        lr = cv2.resize(hr, (w, h), interpolation=cv2.INTER_NEAREST)
    else:
        lr = cv2.resize(hr, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3:
        lr = lr + rng.normal(0, rng.uniform(0, 0.01) * rng_range, lr.shape).astype(np.float32)
    if rng.random() < 0.3:
        step = rng_range / rng.uniform(32, 512)
        lr = np.round(lr / step) * step
    valid = np.ones(lr.shape, bool)
    if rng.random() < 0.15 and h >= 6:
        for _ in range(rng.integers(1, 4)):
            y, x = rng.integers(0, h), rng.integers(0, w)
            r = rng.integers(1, max(2, h // 6))
            valid[max(0, y - r):y + r, max(0, x - r):x + r] = False
        if valid.any() and not valid.all():
            lr = nearest_fill(np.where(valid, lr, np.nan).astype(np.float32), valid=valid)
        else:
            valid[:] = True
    return lr.astype(np.float32), valid


def sample_batch(scenes_, batch: int, patch: int, rng, factor=None):
    """A training batch as NumPy arrays: ``(depth_up, rgb, logf, target, mask)`` with
    depth_up / target / mask (N, 1, P, P) normalised, rgb (N, 3, P, P) in [0, 1], logf
    (N, 1, 1, 1). Random scene (by area), crop, flips / rot90, factor, degradation; the
    normalisation is the scene's robust range (what inference computes from the whole
    low-res image), jittered."""
    areas = np.array([s.depth.size for s in scenes_], np.float64)
    prob = areas / areas.sum()
    D = np.empty((batch, 1, patch, patch), np.float32)
    T = np.empty_like(D)
    M = np.empty_like(D)
    G = np.empty((batch, 3, patch, patch), np.float32)
    L = np.empty((batch, 1, 1, 1), np.float32)
    for i in range(batch):
        s = scenes_[rng.choice(len(scenes_), p=prob)]
        H, W = s.depth.shape
        p = min(patch, H, W)
        y, x = rng.integers(0, H - p + 1), rng.integers(0, W - p + 1)
        d = s.depth[y:y + p, x:x + p]
        v = s.valid[y:y + p, x:x + p]
        g = s.rgb[y:y + p, x:x + p]
        if p < patch:
            d, v, g = (cv2.resize(a.astype(np.uint8) if a.dtype == bool else a, (patch, patch),
                                  interpolation=cv2.INTER_NEAREST) for a in (d, v, g))
            v = v.astype(bool)
        k = rng.integers(0, 4)
        flip = rng.random() < 0.5
        d, v, g = (np.rot90(a, k) for a in (d, v, g))
        if flip:
            d, v, g = (a[:, ::-1] for a in (d, v, g))
        d = np.ascontiguousarray(d, np.float32)
        f = draw_factor(rng) if factor is None else float(factor)
        lo, scale = s.lo_hi
        lr, _ = degrade_crop(d, f, rng, scale)
        scale *= float(np.exp(rng.uniform(-0.5, 0.5)))
        lo += float(rng.uniform(-0.2, 0.2)) * scale
        up = cv2.resize((lr - lo) / scale, (patch, patch), interpolation=cv2.INTER_CUBIC)
        D[i, 0] = up
        T[i, 0] = (d - lo) / scale
        M[i, 0] = v
        G[i] = np.ascontiguousarray(g, np.float32).transpose(2, 0, 1) / 255.0
        L[i] = np.log2(f) / 4.0
    return D, G, L, T, M

