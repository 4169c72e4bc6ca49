"""Procedural RGB-D scenes the project renders itself (training data for the learned models).

Everything here is made from a seed with numpy and OpenCV: no third-party image, model or
dataset goes into it, so weights trained on these scenes can be shipped. PyTorch is not
imported.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import check_int

__all__ = ["render_scene", "MAX_DEPTH"]

#: Far limit of the rendered depth, metres (the back wall is always nearer).
MAX_DEPTH = 30.0


def _rand_color(rng) -> np.ndarray:
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(0, 255), rng.uniform(60, 255)]]],
                   np.float32)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32) / 255


def _rotation(rng, max_tilt: float) -> np.ndarray:
    """A random rotation: any yaw, pitch and roll within ``max_tilt`` radians."""
    yaw = rng.uniform(-np.pi, np.pi)
    pitch, roll = rng.uniform(-max_tilt, max_tilt, 2)
    cy, sy, cp, sp, cr, sr = (np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch),
                              np.cos(roll), np.sin(roll))
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def _noise(rng, h, w, cells: float, octaves: int = 3) -> np.ndarray:
    """Smooth value noise in [0, 1] (octaves of upsampled random grids)."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        n = max(2, int(cells * 2 ** o))
        g = rng.random((max(2, n * h // max(h, w)), n)).astype(np.float32)
        out += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    out /= total
    lo, hi = out.min(), out.max()
    return (out - lo) / max(hi - lo, 1e-6)


# -- ray casting: each returns (t, normal) over the rays; t = depth (ray z component is 1) --

def _plane(d, point, normal):
    nd = d @ normal
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(nd > 1e-6, float(point @ normal) / nd, np.inf)
    n = np.broadcast_to(-normal, d.shape)
    return t, n


def _sphere(d, c, r):
    a = np.einsum("ij,ij->i", d, d)
    b = d @ c
    disc = b * b - a * (c @ c - r * r)
    hit = disc > 0
    t = np.full(d.shape[0], np.inf)
    t[hit] = (b[hit] - np.sqrt(disc[hit])) / a[hit]
    t[t <= 0] = np.inf
    p = t[:, None] * d
    n = (p - c) / r
    return t, n


def _cylinder(d, c, r, half, rot):
    """A capped cylinder of axis rot[:, 1] (local y) through ``c``."""
    dl = d @ rot  # ray in local frame (columns of rot are local axes)
    ol = -c @ rot
    a = dl[:, 0] ** 2 + dl[:, 2] ** 2
    b = ol[0] * dl[:, 0] + ol[2] * dl[:, 2]
    cc = ol[0] ** 2 + ol[2] ** 2 - r * r
    disc = b * b - a * cc
    t = np.full(d.shape[0], np.inf)
    nl = np.zeros_like(d)
    ok = (disc > 0) & (a > 1e-12)
    ts = np.where(ok, (-b - np.sqrt(np.where(ok, disc, 0))) / np.where(ok, a, 1), np.inf)
    y = ol[1] + ts * dl[:, 1]
    side = ok & (ts > 0) & (np.abs(y) <= half)
    t[side] = ts[side]
    nl[side, 0] = ol[0] + ts[side] * dl[side, 0]
    nl[side, 2] = ol[2] + ts[side] * dl[side, 2]
    # caps
    for sgn in (-1.0, 1.0):
        with np.errstate(divide="ignore", invalid="ignore"):
            tc = (sgn * half - ol[1]) / dl[:, 1]
        px = ol[0] + tc * dl[:, 0]
        pz = ol[2] + tc * dl[:, 2]
        cap = np.isfinite(tc) & (tc > 0) & (px * px + pz * pz <= r * r) & (tc < t)
        t[cap] = tc[cap]
        nl[cap] = 0
        nl[cap, 1] = sgn
    n = nl @ rot.T
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)
    return t, n


def _box(d, c, half, rot):
    """An oriented box (slab method), half-sizes ``half`` along the columns of ``rot``."""
    dl = d @ rot
    ol = -c @ rot
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dl
        t1 = (-half - ol) * inv
        t2 = (half - ol) * inv
    tmin = np.minimum(t1, t2)
    tmax = np.maximum(t1, t2)
    tmin = np.nan_to_num(tmin, nan=-np.inf)
    tmax = np.nan_to_num(tmax, nan=np.inf)
    tn = tmin.max(axis=1)
    tf = tmax.min(axis=1)
    hit = (tn <= tf) & (tn > 0)
    t = np.where(hit, tn, np.inf)
    ax = tmin.argmax(axis=1)
    nl = np.zeros_like(d)
    rows = np.arange(d.shape[0])
    nl[rows, ax] = -np.sign(dl[rows, ax])
    return t, nl @ rot.T


def _cutout(d, shape_mask, point, normal):
    """A flat cut-out (a plane restricted to an image-space silhouette), e.g. a poster,
    a leaf or a cardboard layer as in the Middlebury 2001 scenes."""
    t, n = _plane(d, point, normal)
    return np.where(shape_mask, t, np.inf), n


def _silhouette(rng, h, w, cy, cx, size) -> np.ndarray:
    """A random filled polygon or ellipse around (cy, cx) of about ``size`` px, as bool."""
    m = np.zeros((h, w), np.uint8)
    if rng.random() < 0.5:
        ax = np.maximum(2, (size * rng.uniform(0.4, 1.0, 2)).astype(int))
        axes = (int(ax[0]), int(ax[1]))
        cv2.ellipse(m, (int(cx), int(cy)), axes, rng.uniform(0, 180), 0, 360, 1, -1)
    else:
        k = int(rng.integers(3, 9))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = size * rng.uniform(0.4, 1.0, k)
        pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1).astype(np.int32)
        cv2.fillPoly(m, [pts], 1)
    return m.astype(bool)


# -- textures -------------------------------------------------------------------------------

def _texture(rng, kind, p, uv, noise_img, idx):
    """A texture value in [0, 1] at the object's pixels: ``p`` their 3-D points (metres),
    ``uv`` their image coordinates, ``noise_img`` a shared noise image, ``idx`` the flat
    pixel indices."""
    if kind == "plain":
        return np.zeros(len(p), np.float32)
    if kind == "stripes":
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        period = rng.uniform(0.03, 0.4)
        v = 0.5 + 0.5 * np.sin(2 * np.pi * (p @ axis) / period)
        return (v > 0.5).astype(np.float32) if rng.random() < 0.5 else v.astype(np.float32)
    if kind == "checkers":
        rot = _rotation(rng, np.pi)
        s = rng.uniform(0.04, 0.4)
        q = np.floor(p @ rot / s).astype(np.int64)
        return ((q[:, 0] + q[:, 1] + q[:, 2]) % 2).astype(np.float32)
    if kind == "noise":
        v = noise_img.ravel()[idx]
        if rng.random() < 0.3:  # two-tone blotches (camouflage)
            v = (v > np.median(v)).astype(np.float32)
        return v.astype(np.float32)
    # "grain": fine per-pixel grain (fabric, carpet) from image-space noise
    return rng.random(len(p)).astype(np.float32)


TEXTURES = ("plain", "stripes", "checkers", "noise", "grain")


def render_scene(seed: int, height: int = 256, width: int = 256):
    """Render one procedural RGB-D scene: dense metric depth and the registered colour image.

    The scene is a pinhole view (horizontal field of view 50-75 degrees, principal point at
    the image centre) of, nearest surface first per pixel (exact ray casting, no
    approximations, depth = distance along the optical axis):

    * a **back wall**: a plane 4-14 m away tilted up to about 30 degrees in any direction;
    * with probability 0.6 a **floor**: a horizontal plane 0.8-2 m below the camera, tilted up
      to 6 degrees (a slanted plane whose depth runs to the wall);
    * 3-13 **objects** at 0.6-0.95 of the wall's depth, centred anywhere in the view, sizes
      5-35 % of the view at their depth, each one of: a **sphere**, a capped **cylinder**
      (any axis; some thin ones are poles), an oriented **box** (two or three faces visible,
      each with its own slanted plane and shade), a flat **cut-out** (a plane restricted to
      a random polygon or ellipse silhouette, tilted up to 50 degrees: the layered look of the
      Middlebury 2001 scenes), or a **thin slab**: a cut-out only 1-4 % of its depth in front
      of the surface behind it (a weak depth edge). Objects overlap and occlude each other
      (layers at varied depths).

    Colour: every surface (wall, floor, object) gets a base colour and a second colour and a
    texture mixing them: plain, stripes (sharp or sinusoidal, period 3-40 cm, on the 3-D
    surface, so they foreshorten), 3-D checkers (4-40 cm cells), smooth or two-tone value
    noise, or per-pixel grain. So colour edges follow depth edges (each surface its own
    colours), while textures and **decals** (1-4 random polygons or ellipses of another colour
    painted inside one surface's silhouette) give colour edges with **no** depth edge. With
    probability 0.3 an object **copies the colours and texture of another surface** (a
    camouflaged object, only slightly different shade): a depth edge with low colour
    contrast, as are most thin slabs. Shading is Lambertian from the analytic surface
    normal with a random light direction (ambient 0.25-0.5), so a smooth gradient of colour
    follows curved surfaces and box faces differ in shade. Last, the camera: a Gaussian
    blur of sigma 0.3-0.9 px (the colour's edges are soft, the depth's sharp), Gaussian noise
    of 0.5-3 8-bit levels, rounding to 8 bits.

    The same ``(seed, height, width)`` always gives the same scene (``numpy.random.
    default_rng(seed)``, no global state); about 10-30 ms for 256 x 256 on one core.

    Parameters
    ----------
    seed : int
        Scene number (>= 0).
    height, width : int
        Image size in pixels (>= 8 each).

    Returns
    -------
    depth : (height, width) float32 ndarray
        Depth in metres along the optical axis, dense, finite, in (0, :data:`MAX_DEPTH`].
    rgb : (height, width, 3) uint8 ndarray
        The colour image, registered with ``depth``.

    References
    ----------
    .. [1] D. Scharstein and R. Szeliski, "A taxonomy and evaluation of dense two-frame
       stereo correspondence algorithms", IJCV 2002 (the piecewise planar layered scenes
       this imitates, and the point that colour edges and depth edges only partly agree).
    """
    seed = check_int(seed, "seed")
    h = check_int(height, "height", minimum=8)
    w = check_int(width, "width", minimum=8)
    rng = np.random.default_rng(seed)
    f = w / (2 * np.tan(np.radians(rng.uniform(50, 75)) / 2))
    ys, xs = np.mgrid[0:h, 0:w]
    d = np.stack([((xs - (w - 1) / 2) / f).ravel(), ((ys - (h - 1) / 2) / f).ravel(),
                  np.ones(h * w)], 1)

    surfaces = []  # (t, normal)
    # back wall
    zb = rng.uniform(4, 14)
    wn = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.4, 0.4), 1.0])
    wn /= np.linalg.norm(wn)
    surfaces.append(_plane(d, np.array([0, 0, zb]), wn))
    if rng.random() < 0.6:
        cam_h = rng.uniform(0.8, 2.0)
        a = rng.uniform(-0.1, 0.1)
        fn = np.array([0.0, np.cos(a), -np.sin(a)])  # normal pointing +y (down), tilted
        t, _ = _plane(d, np.array([0, cam_h, 0]), fn)
        surfaces.append((t, np.broadcast_to(-fn, d.shape)))
    n_obj = int(rng.integers(3, 14))
    for _ in range(n_obj):
        kind = rng.choice(["sphere", "cylinder", "box", "cutout", "slab"],
                          p=[0.18, 0.17, 0.25, 0.28, 0.12])
        z = zb * rng.uniform(0.6, 0.95) * rng.uniform(0.15, 1.0) ** 0.5
        z = max(z, 0.6)
        u0, v0 = rng.uniform(-0.6, 0.6) * w / (2 * f), rng.uniform(-0.6, 0.6) * h / (2 * f)
        c = np.array([u0 * z, v0 * z, z])
        size = z * rng.uniform(0.05, 0.35) * w / f  # world size ~ fraction of the view
        if kind == "sphere":
            surfaces.append(_sphere(d, c, size / 2))
        elif kind == "cylinder":
            rot = _rotation(rng, 0.6)
            r = size * (rng.uniform(0.03, 0.08) if rng.random() < 0.3 else rng.uniform(0.15, 0.4))
            surfaces.append(_cylinder(d, c, r, size * rng.uniform(0.4, 1.5), rot))
        elif kind == "box":
            rot = _rotation(rng, 0.7)
            surfaces.append(_box(d, c, size * rng.uniform(0.15, 0.6, 3), rot))
        else:
            cy = (v0 * f) + (h - 1) / 2
            cx = (u0 * f) + (w - 1) / 2
            sil = _silhouette(rng, h, w, cy, cx, size * f / z / 2).ravel()
            if kind == "slab":
                # just in front of whatever is behind it here: a weak depth step
                behind = np.min([s[0] for s in surfaces], axis=0)
                inside = sil & np.isfinite(behind)
                if not inside.any():
                    continue
                zc = float(np.median(behind[inside])) * (1 - rng.uniform(0.01, 0.04))
                c = np.array([u0 * zc, v0 * zc, zc])
                pn = wn if rng.random() < 0.5 else np.array([0.0, 0.0, 1.0])
            else:
                pn = np.array([rng.uniform(-0.8, 0.8), rng.uniform(-0.8, 0.8), 1.0])
                pn /= np.linalg.norm(pn)
            surfaces.append(_cutout(d, sil, c, pn))

    ts = np.stack([s[0] for s in surfaces])
    ts = np.where(ts > 0, ts, np.inf)
    ids = np.argmin(ts, axis=0)
    t = np.min(ts, axis=0)
    t = np.minimum(np.where(np.isfinite(t), t, MAX_DEPTH), MAX_DEPTH)
    pts = t[:, None] * d

    light = np.array([rng.uniform(-1, 1), rng.uniform(-1, 0.3), -1.0])
    light /= np.linalg.norm(light)
    ambient = rng.uniform(0.25, 0.5)
    noise_img = _noise(rng, h, w, rng.uniform(3, 12))
    img = np.zeros((h * w, 3), np.float32)
    looks = []  # (c1, c2, texture kind) per surface
    for k in range(len(surfaces)):
        if k >= 1 and looks and rng.random() < 0.3:
            c1, c2, kind = looks[int(rng.integers(len(looks)))]
            shift = rng.uniform(-0.06, 0.06, 3).astype(np.float32)
            c1, c2 = np.clip(c1 + shift, 0, 1), np.clip(c2 + shift, 0, 1)
        else:
            c1 = _rand_color(rng)
            c2 = _rand_color(rng) if rng.random() < 0.7 else np.clip(
                c1 * rng.uniform(0.5, 1.5), 0, 1).astype(np.float32)
            kind = str(rng.choice(TEXTURES, p=[0.2, 0.2, 0.15, 0.3, 0.15]))
        looks.append((c1, c2, kind))
        idx = np.flatnonzero(ids == k)
        if idx.size == 0:
            continue
        tau = _texture(rng, kind, pts[idx], None, noise_img, idx)
        col = c1[None] * (1 - tau[:, None]) + c2[None] * tau[:, None]
        n = np.asarray(surfaces[k][1])
        nk = n[idx] if n.shape[0] == d.shape[0] else np.broadcast_to(n[0], (idx.size, 3))
        shade = ambient + (1 - ambient) * np.clip(nk @ light, 0, 1)
        img[idx] = col * shade[:, None].astype(np.float32)
        # decals: colour edges with no depth edge
        for _ in range(int(rng.integers(1, 5)) if rng.random() < 0.6 else 0):
            yy, xx = np.divmod(idx[int(rng.integers(idx.size))], w)
            sil = _silhouette(rng, h, w, yy, xx, rng.uniform(3, 0.15 * max(h, w))).ravel()
            sel = idx[sil[idx]]
            dc = _rand_color(rng)
            nsel = n[sel] if n.shape[0] == d.shape[0] else np.broadcast_to(n[0], (sel.size, 3))
            img[sel] = dc[None] * (ambient + (1 - ambient) * np.clip(nsel @ light, 0, 1))[:, None]
    rgb = img.reshape(h, w, 3)
    sigma = rng.uniform(0.3, 0.9)
    rgb = cv2.GaussianBlur(rgb, (0, 0), sigma)
    rgb = rgb * 255 + rng.normal(0, rng.uniform(0.5, 3.0), rgb.shape).astype(np.float32)
    rgb = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return t.reshape(h, w).astype(np.float32), rgb
