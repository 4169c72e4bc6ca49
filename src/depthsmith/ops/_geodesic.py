"""Color-weighted geodesic propagation from seeds into a region (priority queue, numba).

A Dijkstra / fast-marching-style front grows from seed pixels into the unknown pixels in order
of a color-weighted geodesic distance: a step from pixel p to an 8-neighbour q costs

    |p - q| * (1 + color_weight * |I_q - I_p|) + seed_color_weight * |I_q - I_seed|,

with |.| the mean absolute difference over channels, in 8-bit steps. Each reached
pixel records which seed it came from (the seed of least total cost), so a map can be filled by
copying (or extrapolating) the seed's value: pixels across a color edge are reached from the
side of the edge they belong to.

References
----------
.. [1] E. W. Dijkstra, "A note on two problems in connexion with graphs", 1959.
.. [2] P. J. Toivanen, "New geodesic distance transforms for gray-scale images",
   Pattern Recognition Letters, 1996.
.. [3] A. Criminisi, T. Sharp, C. Rother and P. Perez, "Geodesic image and video editing",
   ACM TOG 2010.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["geodesic_propagate", "geodesic_two_layers"]


@njit(cache=True)
def _push4(keys, vals, size, k, v):
    """Push on a 4-ary min-heap (keys float64, packed int64 payloads)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= k:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = k
    vals[i] = v
    return size + 1


@njit(cache=True)
def _pop4(keys, vals, size):
    k0 = keys[0]
    v0 = vals[0]
    size -= 1
    k = keys[size]
    v = vals[size]
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        best = c
        end = min(c + 4, size)
        for j in range(c + 1, end):
            if keys[j] < keys[best]:
                best = j
        if keys[best] >= k:
            break
        keys[i] = keys[best]
        vals[i] = vals[best]
        i = best
    keys[i] = k
    vals[i] = v
    return k0, v0, size


@njit(cache=True)
def _edge_cost(g, x, n, s, base, step, color_weight, seed_color_weight, inv_nc):
    """Path cost of reaching pixel ``x`` from its neighbour ``n`` (cost ``base``), seed ``s``.

    ``base + step (1 + color_weight |g_x - g_n|) + seed_color_weight |g_x - g_s|`` with
    L1 color distances averaged over channels.
    """
    dc = 0.0
    ds = 0.0
    for ch in range(g.shape[1]):
        gx = g[x, ch]
        dc += abs(gx - g[n, ch])
        ds += abs(gx - g[s, ch])
    return base + step * (1.0 + color_weight * dc * inv_nc) + seed_color_weight * ds * inv_nc


@njit(cache=True)
def _geodesic(target, guide, seed_cost, color_weight, seed_color_weight, max_dist):
    h, w, nc = guide.shape
    n = h * w
    g = guide.reshape(n, nc)
    tgt = target.ravel()
    sc = seed_cost.ravel()
    dist = np.full(n, np.inf)
    src = np.full(n, -1, np.int64)
    n_seed = 0
    n_target = 0
    for i in range(n):
        if np.isfinite(sc[i]):
            n_seed += 1
        if tgt[i]:
            n_target += 1
    cap = 8 * (n_seed + n_target) + 16
    done = np.zeros(n, np.bool_)
    keys = np.empty(cap)
    vals = np.empty(cap, np.int64)
    size = 0
    # seeds are taken from a sorted list merged with the heap (no heap traffic for them)
    seed_idx = np.empty(n_seed, np.int64)
    m = 0
    for i in range(n):
        c = sc[i]
        if np.isfinite(c):
            dist[i] = c
            src[i] = i
            seed_idx[m] = i
            m += 1
    seed_idx = seed_idx[np.argsort(sc[seed_idx], kind="mergesort")]
    ptr = 0
    dys = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
    dxs = np.array([-1, 0, 1, -1, 1, -1, 0, 1])
    inv_nc = 1.0 / nc
    sq2 = np.sqrt(2.0)
    while size > 0 or ptr < n_seed:
        if ptr < n_seed and (size == 0 or sc[seed_idx[ptr]] <= keys[0]):
            p = seed_idx[ptr]
            k = sc[p]
            ptr += 1
        else:
            k, p, size = _pop4(keys, vals, size)
        if done[p] or k > dist[p]:
            continue
        done[p] = True
        if k > max_dist:
            break
        py = p // w
        px = p - py * w
        s = src[p]
        for j in range(8):
            qy = py + dys[j]
            qx = px + dxs[j]
            if qy < 0 or qy >= h or qx < 0 or qx >= w:
                continue
            q = qy * w + qx
            if not tgt[q] or done[q]:
                continue
            step = sq2 if (dys[j] != 0 and dxs[j] != 0) else 1.0
            nd = _edge_cost(g, q, p, s, k, step, color_weight, seed_color_weight, inv_nc)
            if nd < dist[q]:
                dist[q] = nd
                src[q] = s
                # each pixel expands once and pushes at most 8 entries: cap suffices
                size = _push4(keys, vals, size, nd, q)
    return src.reshape(h, w), dist.reshape(h, w)


def geodesic_propagate(target, guide, seed_cost, *, color_weight: float = 0.0,
                       seed_color_weight: float = 0.0, max_dist: float = np.inf):
    """Nearest seed of every ``target`` pixel in a color-weighted geodesic distance.

    Parameters
    ----------
    target : (H, W) bool
        Pixels the front may enter (usually the holes). Seeds need not be in ``target``.
    guide : (H, W, C) float32
        Guide image on the 8-bit scale (``Guide.levels``, C >= 1); a (H, W, 1) zero array
        gives Euclidean-like
        chamfer distances.
    seed_cost : (H, W) float
        Initial cost of each seed; ``inf`` where the pixel is not a seed. A larger start
        cost makes a seed lose against its competitors (e.g. foreground seeds in stereo
        occlusions).
    color_weight : float
        Weight of the color change between consecutive pixels (per 8-bit step).
    seed_color_weight : float
        Weight, per step, of the color difference between the pixel and its seed.
    max_dist : float
        Stop the front at this cost; pixels beyond keep ``src = -1`` and ``dist = inf``.

    Returns
    -------
    src : (H, W) int64
        Flat index of the seed each pixel is reached from (seeds point at themselves),
        -1 where unreached.
    dist : (H, W) float64
        Geodesic cost, ``inf`` where unreached.
    """
    t = np.ascontiguousarray(target, dtype=bool)
    g = np.ascontiguousarray(guide, dtype=np.float32)
    if g.ndim == 2:
        g = g[:, :, None]
    c = np.ascontiguousarray(seed_cost, dtype=np.float64)
    return _geodesic(t, g, c, float(color_weight), float(seed_color_weight), float(max_dist))


@njit(cache=True)
def _differs(a, b, tol):
    return abs(a - b) > tol * max(abs(a), abs(b))


@njit(cache=True)
def _second_layer(target, guide, values, src, dist, tol, color_weight, seed_color_weight,
                  cutoff):
    """Nearest seed of another surface, grown from the seams of the first-layer labels."""
    h, w, nc = guide.shape
    n = h * w
    g = guide.reshape(n, nc)
    tgt = target.ravel()
    s1 = src.ravel()
    d1 = dist.ravel()
    val = values.ravel()
    d2 = np.full(n, np.inf)
    s2 = np.full(n, -1, np.int64)
    cap = 1024
    keys = np.empty(cap)
    vals = np.empty(cap, np.int64)
    size = 0
    shift = np.int64(1) << 32
    dys = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
    dxs = np.array([-1, 0, 1, -1, 1, -1, 0, 1])
    inv_nc = 1.0 / nc
    sq2 = np.sqrt(2.0)
    for it in range(2):
        # it 0: seed the queue across seams; it 1: grow
        if it == 0:
            for p in range(n):
                if not tgt[p] or s1[p] < 0:
                    continue
                py = p // w
                px = p - py * w
                for j in range(8):
                    qy = py + dys[j]
                    qx = px + dxs[j]
                    if qy < 0 or qy >= h or qx < 0 or qx >= w:
                        continue
                    q = qy * w + qx
                    s = s1[q]
                    if s < 0 or not _differs(val[s], val[s1[p]], tol):
                        continue
                    step = sq2 if (dys[j] != 0 and dxs[j] != 0) else 1.0
                    nd = _edge_cost(g, p, q, s, d1[q], step, color_weight, seed_color_weight,
                                    inv_nc)
                    if nd < d2[p] and nd < d1[p] + cutoff:
                        d2[p] = nd
                        s2[p] = s
            for p in range(n):
                if s2[p] >= 0:
                    if size >= cap:
                        keys, vals, cap = _grow(keys, vals, size, cap)
                    size = _push4(keys, vals, size, d2[p], p * shift + s2[p])
            continue
        while size > 0:
            k, pv, size = _pop4(keys, vals, size)
            p = pv >> 32
            s = pv & (shift - 1)
            if k > d2[p] or s2[p] != s:
                continue
            py = p // w
            px = p - py * w
            for j in range(8):
                qy = py + dys[j]
                qx = px + dxs[j]
                if qy < 0 or qy >= h or qx < 0 or qx >= w:
                    continue
                q = qy * w + qx
                if not tgt[q] or s1[q] < 0 or not _differs(val[s], val[s1[q]], tol):
                    continue
                step = sq2 if (dys[j] != 0 and dxs[j] != 0) else 1.0
                nd = _edge_cost(g, q, p, s, k, step, color_weight, seed_color_weight, inv_nc)
                if nd < d2[q] and nd < d1[q] + cutoff:
                    d2[q] = nd
                    s2[q] = s
                    if size >= cap:
                        keys, vals, cap = _grow(keys, vals, size, cap)
                    size = _push4(keys, vals, size, nd, q * shift + s)
    return s2.reshape(h, w), d2.reshape(h, w)


@njit(cache=True)
def _grow(keys, vals, size, cap):
    cap2 = cap * 2
    nk = np.empty(cap2)
    nv = np.empty(cap2, np.int64)
    nk[:size] = keys[:size]
    nv[:size] = vals[:size]
    return nk, nv, cap2


def geodesic_two_layers(target, guide, seed_cost, values, *, tol: float = 0.03,
                        color_weight: float = 0.0, seed_color_weight: float = 0.0,
                        cutoff: float = np.inf):
    """The two nearest seeds of every ``target`` pixel whose ``values`` differ.

    Same distance as :func:`geodesic_propagate`; the second seed is the nearest one whose
    value differs from the first's by more than ``tol`` (relative), i.e. the nearest
    seed on another surface, searched only up to ``cutoff`` beyond the first. The second
    layer is grown from the seams of the first (pixels next to a pixel labelled with another
    surface), so a path to it crosses the seam once. Returns ``(src1, dist1, src2, dist2)``
    (-1 / inf where none).
    """
    t = np.ascontiguousarray(target, dtype=bool)
    g = np.ascontiguousarray(guide, dtype=np.float32)
    if g.ndim == 2:
        g = g[:, :, None]
    c = np.ascontiguousarray(seed_cost, dtype=np.float64)
    v = np.ascontiguousarray(np.nan_to_num(values), dtype=np.float64)
    src, dist = _geodesic(t, g, c, float(color_weight), float(seed_color_weight), np.inf)
    src2, dist2 = _second_layer(t, g, v, src, dist, float(tol), float(color_weight),
                                float(seed_color_weight), float(cutoff))
    return src, dist, src2, dist2
