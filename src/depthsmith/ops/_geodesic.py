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

from ._ties import beyond

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
def _geodesic(w, pix, ix, tgt, g, seed_c, seed_cost, color_weight, seed_color_weight,
              max_dist):
    """The front on the compact set (targets and seeds): ``pix`` their flat indices in
    row-major order, ``ix`` the flat -> compact map (-1 outside), ``tgt`` which of them the
    front may enter, ``g`` (n, C) their guide values, ``seed_c`` the seeds' compact ids in
    order of ``seed_cost``. Returns (src: flat index of each pixel's seed or -1, dist)."""
    n = pix.size
    h = ix.size // w
    dist = np.full(n, np.inf)
    src = np.full(n, -1, np.int32)  # flat indices < 2^31 (io.MAX_PIXELS is 2^30)
    n_seed = seed_c.size
    done = np.zeros(n, np.bool_)
    cap = 1024  # grows on demand (the front, not the frame)
    keys = np.empty(cap)
    vals = np.empty(cap, np.int64)
    size = 0
    for m in range(n_seed):
        i = seed_c[m]
        dist[i] = seed_cost[m]
        src[i] = pix[i]
    ptr = 0
    dys = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
    dxs = np.array([-1, 0, 1, -1, 1, -1, 0, 1])
    inv_nc = 1.0 / g.shape[1]
    sq2 = np.sqrt(2.0)
    while size > 0 or ptr < n_seed:
        if ptr < n_seed and (size == 0 or seed_cost[ptr] <= keys[0]):
            pc = seed_c[ptr]
            k = seed_cost[ptr]
            ptr += 1
        else:
            k, pc, size = _pop4(keys, vals, size)
        if done[pc] or k > dist[pc]:
            continue
        done[pc] = True
        if k > max_dist:
            break
        p = pix[pc]
        py = p // w
        px = p - py * w
        s = src[pc]
        sc = ix[s]
        for j in range(8):
            qy = py + dys[j]
            qx = px + dxs[j]
            if qy < 0 or qy >= h or qx < 0 or qx >= w:
                continue
            qc = ix[qy * w + qx]
            if qc < 0 or not tgt[qc] or done[qc]:
                continue
            step = sq2 if (dys[j] != 0 and dxs[j] != 0) else 1.0
            nd = _edge_cost(g, qc, pc, sc, k, step, color_weight, seed_color_weight, inv_nc)
            if nd < dist[qc]:
                dist[qc] = nd
                src[qc] = s
                if size >= cap:
                    keys, vals, cap = _grow(keys, vals, size, cap)
                size = _push4(keys, vals, size, nd, qc)
    return src, dist


def compact_set(target, seed_cost):
    """The compact set of a propagation: ``(pix, ix, tgt, seed_c, costs)`` with ``pix`` the
    (int32) flat indices of the target and seed pixels (row-major), ``ix`` the (H*W,) int32 map
    flat -> compact id (-1 elsewhere), ``tgt`` which compact pixels are targets, and the
    seeds' compact ids and start costs in the order the front takes them (by cost, ties in
    row-major order). Only these pixels get state, so memory follows the holes, not the
    frame."""
    t = np.ascontiguousarray(target, dtype=bool).ravel()
    c = np.asarray(seed_cost).ravel()
    is_seed = np.isfinite(c)
    pix = np.flatnonzero(t | is_seed).astype(np.int32)  # < 2^31 pixels (io.MAX_PIXELS)
    ix = np.full(t.size, -1, np.int32)
    ix[pix] = np.arange(pix.size, dtype=np.int32)
    seeds = np.flatnonzero(is_seed)
    order = np.argsort(c[seeds], kind="mergesort")
    seeds = seeds[order]
    return pix, ix, t[pix], ix[seeds].astype(np.int64), \
        np.ascontiguousarray(c[seeds], dtype=np.float64)


def _compact_guide(guide, pix):
    g = np.asarray(guide)
    if g.ndim == 2:
        g = g[:, :, None]
    return np.ascontiguousarray(g.reshape(-1, g.shape[2])[pix], dtype=np.float32)


def _scatter(shape, pix, values, fill):
    out = np.full(int(np.prod(shape)), fill, dtype=values.dtype)
    out[pix] = values
    return out.reshape(shape)


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
    shape = np.shape(target)
    pix, ix, tgt, seed_c, costs = compact_set(target, seed_cost)
    src, dist = _geodesic(int(shape[1]), pix, ix, tgt, _compact_guide(guide, pix), seed_c,
                          costs, float(color_weight), float(seed_color_weight),
                          float(max_dist))
    return _scatter(shape, pix, src.astype(np.int64), -1), _scatter(shape, pix, dist, np.inf)


@njit(cache=True)
def _differs(a, b, tol):
    return beyond(abs(a - b), tol * max(abs(a), abs(b)))


@njit(cache=True)
def _second_layer(w, pix, ix, tgt, g, values, src, dist, tol, color_weight,
                  seed_color_weight, cutoff):
    """Nearest seed of another surface, grown from the seams of the first-layer labels
    (compact set as in :func:`_geodesic`; ``values`` float64 per compact pixel)."""
    n = pix.size
    h = ix.size // w
    d2 = np.full(n, np.inf)
    s2 = np.full(n, -1, np.int32)
    cap = 1024
    keys = np.empty(cap)
    vals = np.empty(cap, np.int64)
    size = 0
    shift = np.int64(1) << 32
    dys = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
    dxs = np.array([-1, 0, 1, -1, 1, -1, 0, 1])
    inv_nc = 1.0 / g.shape[1]
    sq2 = np.sqrt(2.0)
    for it in range(2):
        if it == 0:
            for pc in range(n):
                if not tgt[pc] or src[pc] < 0:
                    continue
                p = pix[pc]
                py = p // w
                px = p - py * w
                vp = np.float64(values[ix[src[pc]]])
                for j in range(8):
                    qy = py + dys[j]
                    qx = px + dxs[j]
                    if qy < 0 or qy >= h or qx < 0 or qx >= w:
                        continue
                    qc = ix[qy * w + qx]
                    if qc < 0:
                        continue
                    s = src[qc]
                    if s < 0 or not _differs(np.float64(values[ix[s]]), vp, tol):
                        continue
                    step = sq2 if (dys[j] != 0 and dxs[j] != 0) else 1.0
                    nd = _edge_cost(g, pc, qc, ix[s], dist[qc], step, color_weight,
                                    seed_color_weight, inv_nc)
                    if nd < d2[pc] and nd < dist[pc] + cutoff:
                        d2[pc] = nd
                        s2[pc] = s
            for pc in range(n):
                if s2[pc] >= 0:
                    if size >= cap:
                        keys, vals, cap = _grow(keys, vals, size, cap)
                    size = _push4(keys, vals, size, d2[pc], pc * shift + s2[pc])
            continue
        while size > 0:
            k, pv, size = _pop4(keys, vals, size)
            pc = pv >> 32
            s = pv & (shift - 1)
            if k > d2[pc] or s2[pc] != s:
                continue
            p = pix[pc]
            py = p // w
            px = p - py * w
            vs = np.float64(values[ix[s]])
            for j in range(8):
                qy = py + dys[j]
                qx = px + dxs[j]
                if qy < 0 or qy >= h or qx < 0 or qx >= w:
                    continue
                qc = ix[qy * w + qx]
                if qc < 0 or not tgt[qc] or src[qc] < 0 \
                        or not _differs(vs, np.float64(values[ix[src[qc]]]), tol):
                    continue
                step = sq2 if (dys[j] != 0 and dxs[j] != 0) else 1.0
                nd = _edge_cost(g, qc, pc, ix[s], k, step, color_weight, seed_color_weight,
                                inv_nc)
                if nd < d2[qc] and nd < dist[qc] + cutoff:
                    d2[qc] = nd
                    s2[qc] = s
                    if size >= cap:
                        keys, vals, cap = _grow(keys, vals, size, cap)
                    size = _push4(keys, vals, size, nd, qc * shift + s)
    return s2, d2


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
    shape = np.shape(target)
    pix, ix, tgt, seed_c, costs = compact_set(target, seed_cost)
    vals = np.nan_to_num(np.asarray(values).ravel()[pix].astype(np.float64))  # read as f64
    out = two_layers_compact(int(shape[1]), pix, ix, tgt, _compact_guide(guide, pix),
                             seed_c, costs, vals, tol=tol, color_weight=color_weight,
                             seed_color_weight=seed_color_weight, cutoff=cutoff)
    src, dist, src2, dist2 = out
    return (_scatter(shape, pix, src.astype(np.int64), -1), _scatter(shape, pix, dist, np.inf),
            _scatter(shape, pix, src2.astype(np.int64), -1),
            _scatter(shape, pix, dist2, np.inf))


def two_layers_compact(w, pix, ix, tgt, guide_c, seed_c, seed_cost, values_c, *, tol=0.03,
                       color_weight=0.0, seed_color_weight=0.0, cutoff=np.inf):
    """:func:`geodesic_two_layers` on the compact set of :func:`compact_set` (``guide_c``
    (n, C) float32 and ``values_c`` (n,) float32 or float64, read as float64, at its
    pixels): returns ``(src1, dist1, src2, dist2)`` per compact pixel, sources as int32
    flat indices. State is O(holes), plus the (H*W,) int32 map ``ix``."""
    src, dist = _geodesic(int(w), pix, ix, tgt, guide_c, seed_c, seed_cost,
                          float(color_weight), float(seed_color_weight), np.inf)
    src2, dist2 = _second_layer(int(w), pix, ix, tgt, guide_c, values_c, src, dist,
                                float(tol), float(color_weight), float(seed_color_weight),
                                float(cutoff))
    return src, dist, src2, dist2
