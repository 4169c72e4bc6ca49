"""The (2 + C)-D permutohedral lattice: Gaussian filtering of values in a space of positions.

Points are splatted onto the vertices of the enclosing simplices of the permutohedral lattice
with barycentric weights, the lattice is blurred with [1 2 1] kernels along its d + 1 axes,
and the result is sliced back at the points with the same weights: an O(N d^2)
approximation of a unit-sigma Gaussian filter in d dimensions, here used with the points
``(x / sigma_space, y / sigma_space, I / sigma_color)`` of a joint bilateral filter (A. Adams,
J. Baek and M. A. Davis, "Fast high-dimensional filtering using the permutohedral lattice",
Computer Graphics Forum 29(2), 2010).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np

from .._numba import parallel_njit
from .._validate import InputError

__all__ = ["permutohedral_filter"]

_SPLIT_MIN = 65536  # points from which the lattice embeds on two threads (chosen by hand)
_START_RATIO = 8  # first table sized for one vertex per this many point-vertices (chosen by hand)
_MIN_TABLE_BITS = 12  # initial vertex table: at least 2^this slots (chosen by hand)
_FILL_EIGHTHS = 5  # the vertex table doubles when this many eighths full (chosen by hand)
_KEY_CACHE = 1 << 14  # slots of the direct-mapped cache of recent keys (chosen by hand)


@parallel_njit()
def _image_points(dz, w, g, inv_ss, inv_sc):
    """Lattice positions ``(x / ss, y / ss, I / sc)`` and values ``(w d, w)`` per pixel."""
    h, wd = dz.shape
    nc = g.shape[2]
    pos = np.empty((h * wd, 2 + nc), np.float32)
    vals = np.empty((h * wd, 2), np.float32)
    for y in nb.prange(h):
        for x in range(wd):
            k = y * wd + x
            pos[k, 0] = x * inv_ss
            pos[k, 1] = y * inv_ss
            for c in range(nc):
                pos[k, 2 + c] = g[y, x, c] * inv_sc
            vals[k, 0] = dz[y, x] * w[y, x]
            vals[k, 1] = w[y, x]
    return pos, vals


def permutohedral_filter(positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Gaussian-filter ``values`` (N, V) in the space of ``positions`` (N, D), unit sigma.

    Splat, blur, slice on the permutohedral lattice; the output is not normalized (divide by
    a filtered homogeneous channel yourself). Lattice vertices are keyed by their integer
    coordinates packed into one int64 (offset by the minimum, as few bits as the span needs).
    Three passes, each a tight loop:

    1. embed + insert + splat, per point: the enclosing simplex (rounding + ranking) and
       barycentric weights; the d + 1 vertex keys follow from the remainder-0 key by one
       add each; an open-addressing hash table (a small direct-mapped cache of recent keys
       in front of it) gives each distinct key a vertex index;
    2. neighbours: along lattice axis j the neighbour of a vertex is at a constant key
       offset, so one merge over the sorted keys finds them all (no hashing);
    3. blur [1 2 1] / 4 along each axis, then slice with the stored weights.
    """
    p = np.ascontiguousarray(positions, np.float32)
    v = np.ascontiguousarray(values, np.float32)
    n, dim = p.shape
    d1 = dim + 1
    lo, shifts = _key_layout(p)
    ones = np.int64(np.sum(np.left_shift(np.int64(1), shifts)))
    # two halves of the points are embedded and splatted on two threads, each into its own
    # table; the second half's vertices are then renumbered into the first's
    parts = 2 if (n >= _SPLIT_MIN and (os.cpu_count() or 1) >= 2) else 1
    cuts = [n * i // parts for i in range(parts + 1)]

    def embed(i):
        m = cuts[i + 1] - cuts[i]
        # start small; the table doubles when it fills up
        cap = 1 << max(_MIN_TABLE_BITS,
                       int(math.ceil(math.log2(max(m * d1 // _START_RATIO, 1) + 1))))
        return _embed_splat(p[cuts[i]:cuts[i + 1]], v[cuts[i]:cuts[i + 1]], lo, shifts, ones,
                            cap, _KEY_CACHE)

    if parts == 1:
        res = [embed(0)]
        verts, grid = res[0][2], res[0][3]
    else:
        with ThreadPoolExecutor(parts) as ex:
            res = list(ex.map(embed, range(parts)))
        (vid_a, bw_a, verts_a, grid_a, table_a), (vid_b, bw_b, verts_b, grid_b, _) = res
        remap, verts, grid = _merge(verts_a, grid_a, table_a, verts_b, grid_b)
        res[1] = (_renumber(vid_b, remap), bw_b)
    # along axis j < d a neighbour differs by +1 in every coordinate and -(d+1) more in
    # coordinate j (the last coordinate is implied by the zero sum): packed offsets
    deltas = np.array([int(ones) - (d1 << int(sh)) for sh in shifts] + [int(ones)], np.int64)
    nbr = _neighbours(verts, np.argsort(verts), deltas)
    grid = _blur(grid, nbr)
    if parts == 1:
        return _slice(res[0][0], res[0][1], grid)
    out = np.empty((n, v.shape[1]), np.float32)

    def slice_part(i):
        out[cuts[i]:cuts[i + 1]] = _slice(res[i][0], res[i][1], grid)

    with ThreadPoolExecutor(parts) as ex:
        list(ex.map(slice_part, range(parts)))
    return out


def _elevated_bounds(pmin, pmax):
    """Lowest and highest value of each elevated (lattice) coordinate over the box
    [pmin, pmax] of positions (interval arithmetic), widened by the ``3 (d + 1)`` that the
    simplex vertices and their blur neighbours may reach beyond it."""
    dim = pmin.shape[0]
    d1 = dim + 1
    scale = np.sqrt(2.0 / 3.0) * d1 / np.sqrt((np.arange(dim) + 1.0) * (np.arange(dim) + 2.0))
    pmin = pmin * scale
    pmax = pmax * scale
    lo = np.empty(dim, np.int64)
    hi = np.empty(dim, np.int64)
    for i in range(dim):
        # elev[0] = sum_j cf_j; elev[i] = sum_{j >= i} cf_j - i cf_{i-1}
        coef = np.zeros(dim)
        coef[i:] = 1.0
        if i > 0:
            coef[i - 1] = -float(i)
        emin = float(np.sum(np.where(coef > 0, coef * pmin, coef * pmax)))
        emax = float(np.sum(np.where(coef > 0, coef * pmax, coef * pmin)))
        lo[i] = int(math.floor(emin)) - 3 * d1
        hi[i] = int(math.ceil(emax)) + 3 * d1
    return lo, hi


def _key_layout(p):
    """Per key coordinate: the offset (minimum) and bit position of its packed field.

    Every elevated coordinate is bounded from the position ranges (interval arithmetic),
    so the vertex keys can be packed before they are seen."""
    lo, hi = _elevated_bounds(*_col_range(p))
    bits = np.ceil(np.log2((hi - lo + 2).astype(np.float64))).astype(np.int64)
    if bits.sum() > 62:
        raise InputError("permutohedral lattice: the position span is too large to index "
                         f"({int(bits.sum())} bits); use larger sigmas or a smaller image")
    shifts = np.concatenate([[0], np.cumsum(bits)[:-1]]).astype(np.int64)
    return lo, shifts


@nb.njit(cache=True)
def _col_range(p):
    n, dim = p.shape
    lo = np.full(dim, np.inf)
    hi = np.full(dim, -np.inf)
    for k in range(n):
        for i in range(dim):
            v = p[k, i]
            if v < lo[i]:
                lo[i] = v
            if v > hi[i]:
                hi[i] = v
    return lo, hi


@nb.njit(cache=True, fastmath=True, nogil=True)
def _embed_splat(pos, vals, lo, shifts, ones, cap, csize):
    """Per point: enclosing simplex, vertex keys, hash insert and splat, in one pass.

    Embedding: the nearest remainder-0 point and the ranking of the differences, branch-free
    (the comparisons are data-dependent and would mispredict); the d + 1 vertex keys then
    follow from the remainder-0 key by one add each. Insert: a direct-mapped cache of
    ``csize`` recent keys sits in front of the open-addressing table (neighbouring points
    share most of their vertices); the table doubles whenever it is 5/8 full.

    Returns (vertex index and barycentric weight per point-vertex, vertex keys, splatted
    values)."""
    n, dim = pos.shape
    d1 = dim + 1
    inv_std = math.sqrt(2.0 / 3.0) * d1
    scale = np.empty(dim)
    for i in range(dim):
        scale[i] = inv_std / math.sqrt((i + 1.0) * (i + 2.0))
    inv_d1 = 1.0 / d1
    nv = vals.shape[1]
    keys = np.empty(d1, np.int64)
    bw = np.empty((n, d1), np.float32)
    step = np.zeros(d1, np.int64)  # key change when coordinate i drops by d1 (d: implied)
    for i in range(dim):
        step[i] = np.int64(d1) << shifts[i]
    elev = np.empty(d1)
    dif = np.empty(d1)
    rem0 = np.empty(d1, np.int64)
    rank = np.empty(d1, np.int64)
    bary = np.empty(d1 + 1)
    who = np.empty(d1, np.int64)
    table = np.full((cap, 2), -1, np.int64)
    mask = np.uint64(cap - 1)
    max_vert = cap * _FILL_EIGHTHS // 8
    verts = np.empty(max_vert, np.int64)
    grid = np.zeros((max_vert, nv), np.float32)
    vidx = np.empty((n, d1), np.int32)
    ckey = np.full(csize, -1, np.int64)
    cidx = np.zeros(csize, np.int64)
    cmask = np.uint64(csize - 1)
    nvert = 0
    for k in range(n):
        sm = 0.0
        for i in range(dim, 0, -1):
            cf = pos[k, i - 1] * scale[i - 1]
            elev[i] = sm - i * cf
            sm += cf
        elev[0] = sm
        # nearest remainder-0 point (coordinates multiples of d1) ...
        s = np.int64(0)
        for i in range(d1):
            t = elev[i] * inv_d1
            dn = math.floor(t)
            rr = (np.int64(dn) + np.int64((dn + 1.0) - t < t - dn)) * d1
            rem0[i] = rr
            dif[i] = elev[i] - rr
            s += rr
            rank[i] = 0
            bary[i] = 0.0
        bary[d1] = 0.0
        s = s // d1
        for i in range(dim):
            di = dif[i]
            for j in range(i + 1, d1):
                c = np.int64(di < dif[j])
                rank[i] += c
                rank[j] += 1 - c
        # ... moved onto the hyperplane (coordinate sum 0) by shifting the extreme ranks
        if s != 0:
            for i in range(d1):
                rk = rank[i] + s
                fix = np.int64(rk < 0) - np.int64(rk >= d1)
                rank[i] = rk + d1 * fix
                rem0[i] += d1 * fix
        for i in range(d1):
            delta = (elev[i] - rem0[i]) * inv_d1
            bary[dim - rank[i]] += delta
            bary[d1 - rank[i]] -= delta
            who[rank[i]] = i
        key = np.int64(0)
        for i in range(dim):
            key |= (rem0[i] - lo[i]) << shifts[i]
        bary[0] += 1.0 + bary[d1]
        keys[0] = key
        bw[k, 0] = bary[0]
        for r in range(1, d1):
            # vertex r = rem0 + r, minus d1 on the coordinates of rank > d - r: one more
            # coordinate (the one of rank d + 1 - r) drops by d1 at each step
            key += ones - step[who[d1 - r]]
            keys[r] = key
            bw[k, r] = bary[r]
        for r in range(d1):
            key = keys[r]
            hm = _mix(key)
            cs = hm & cmask
            if ckey[cs] == key:
                e = cidx[cs]
            else:
                hv = hm & mask
                while True:
                    tk = table[hv, 0]
                    if tk == key:
                        e = table[hv, 1]
                        break
                    if tk < 0:
                        verts[nvert] = key
                        table[hv, 0] = key
                        table[hv, 1] = nvert
                        e = nvert
                        nvert += 1
                        if nvert >= max_vert:
                            cap *= 2
                            mask = np.uint64(cap - 1)
                            max_vert = cap * _FILL_EIGHTHS // 8
                            nverts = np.empty(max_vert, np.int64)
                            nverts[:nvert] = verts[:nvert]
                            verts = nverts
                            ngrid = np.zeros((max_vert, nv), np.float32)
                            ngrid[:nvert] = grid[:nvert]
                            grid = ngrid
                            table = _rehash(verts, nvert, cap)
                        break
                    hv = (hv + np.uint64(1)) & mask
                ckey[cs] = key
                cidx[cs] = e
            vidx[k, r] = e
            wgt = bw[k, r]
            for c in range(nv):
                grid[e, c] += wgt * vals[k, c]
    return vidx, bw, verts[:nvert], grid[:nvert], table


@nb.njit(cache=True)
def _rehash(verts, nvert, cap):
    table = np.full((cap, 2), -1, np.int64)  # (packed key, vertex index) per slot
    mask = np.uint64(cap - 1)
    for e in range(nvert):
        hv = _mix(verts[e]) & mask
        while table[hv, 0] >= 0:
            hv = (hv + np.uint64(1)) & mask
        table[hv, 0] = verts[e]
        table[hv, 1] = e
    return table


@nb.njit(cache=True, nogil=True)
def _merge(verts_a, grid_a, table_a, verts_b, grid_b):
    """Union of two vertex sets: B's vertex numbers in the union (A's numbers kept), keys
    and summed splats."""
    na = verts_a.shape[0]
    nb_ = verts_b.shape[0]
    nv = grid_a.shape[1]
    mask = np.uint64(table_a.shape[0] - 1)
    remap = np.empty(nb_, np.int32)
    new = 0
    for e in range(nb_):
        key = verts_b[e]
        hv = _mix(key) & mask
        f = -1
        while True:
            tk = table_a[hv, 0]
            if tk == key:
                f = table_a[hv, 1]
                break
            if tk < 0:
                break
            hv = (hv + np.uint64(1)) & mask
        if f < 0:
            f = na + new
            new += 1
        remap[e] = f
    verts = np.empty(na + new, np.int64)
    grid = np.zeros((na + new, nv), np.float32)
    verts[:na] = verts_a
    grid[:na] = grid_a
    for e in range(nb_):
        f = remap[e]
        verts[f] = verts_b[e]
        for c in range(nv):
            grid[f, c] += grid_b[e, c]
    return remap, verts, grid


@nb.njit(cache=True, nogil=True)
def _renumber(vidx, remap):
    n, d1 = vidx.shape
    out = np.empty_like(vidx)
    for k in range(n):
        for r in range(d1):
            out[k, r] = remap[vidx[k, r]]
    return out


@nb.njit(cache=True, inline="always")
def _mix(x):
    # splitmix64 finaliser: spreads the key's bits so the low ones index the table well
    h = np.uint64(x) * np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


@parallel_njit()
def _neighbours(verts, order, deltas):
    """Index of each vertex's two neighbours along each of the d+1 lattice axes (-1: none).

    The "+" neighbour along axis j has key ``key + deltas[j]``; walking the sorted keys
    with a second pointer at ``key + deltas[j]`` finds every pair in one linear merge, and
    the relation is symmetric, so each pair also fills the other vertex's "-" neighbour.
    """
    nvert = verts.shape[0]
    d1 = deltas.shape[0]
    sv = np.empty(nvert, np.int64)
    for i in nb.prange(nvert):
        sv[i] = verts[order[i]]
    nbr = np.full((nvert, d1, 2), -1, np.int32)
    for j in nb.prange(d1):  # the axes write disjoint entries
        dl = deltas[j]
        t = 0
        for i in range(nvert):
            target = sv[i] + dl
            while t < nvert and sv[t] < target:
                t += 1
            if t == nvert:
                break
            if sv[t] == target:
                e = order[i]
                f = order[t]
                nbr[e, j, 1] = f
                nbr[f, j, 0] = e
    return nbr


@parallel_njit()
def _blur(grid, nbr):
    """[1 2 1] / 4 along each lattice axis in turn."""
    nvert, nv = grid.shape
    d1 = nbr.shape[1]
    tmp = np.empty_like(grid)
    for j in range(d1):
        for e in nb.prange(nvert):
            a = nbr[e, j, 0]
            b = nbr[e, j, 1]
            for c in range(nv):
                acc = 0.5 * grid[e, c]
                if a >= 0:
                    acc += 0.25 * grid[a, c]
                if b >= 0:
                    acc += 0.25 * grid[b, c]
                tmp[e, c] = acc
        grid, tmp = tmp, grid
    return grid


@nb.njit(cache=True, nogil=True)
def _slice(vidx, bw, grid):
    n, d1 = vidx.shape
    nv = grid.shape[1]
    out = np.empty((n, nv), np.float32)
    for k in range(n):
        for c in range(nv):
            acc = 0.0
            for r in range(d1):
                acc += bw[k, r] * grid[vidx[k, r], c]
            out[k, c] = acc
    return out
