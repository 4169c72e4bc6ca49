"""Joint (cross) bilateral filtering: exact windowed kernel and a permutohedral-lattice path.

Both are normalized convolutions: each pixel's weight is ``valid * confidence``, so invalid
pixels never contribute, and the output is ``sum(w k d) / sum(w k)`` with ``k`` the product
of a spatial and a range (guide color) Gaussian.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np

from .._color import to_lab
from .._validate import (
    InputError,
    check_confidence,
    check_depth,
    check_guide,
    check_positive,
    check_valid,
)

__all__ = ["joint_bilateral_exact", "joint_bilateral_lattice", "prepare_weights"]

_SPLIT_MIN = 65536  # points from which the lattice embeds on two threads
_LUT_SIZE = 1 << 22  # colour key ranges up to this size are numbered through a direct table
# spatial standard deviation of the grid path, in units of sigma_space: its kernel (tent x
# [1 2 1] x tent per axis) is flatter-topped than the lattice's, and at 0.95 it is as close
# to the windowed filter as the lattice is at 1 (output RMSE vs the exact filter at the
# seed's d=25 setting, flat between 0.92 and 0.96 on Middlebury cones, teddy and art)
_GRID_SIGMA = 0.95


def prepare_weights(d: np.ndarray, valid, confidence) -> tuple[np.ndarray, np.ndarray]:
    """(depth with invalid pixels zeroed, weights = valid * confidence) as float32."""
    v = check_valid(valid, d, require_any=False)
    w = v.astype(np.float32)
    if confidence is not None:
        w *= check_confidence(confidence, d.shape)
    dz = np.where(v, d, 0).astype(np.float32)
    return dz, np.ascontiguousarray(w)


def _check_common(depth, guide, radius, sigma_space, sigma_color, color_space):
    d = check_depth(depth)
    g = check_guide(guide, d.shape)
    ss = check_positive(sigma_space, "sigma_space")
    sc = check_positive(sigma_color, "sigma_color")
    if radius is None:
        r = int(math.ceil(2.0 * ss))
    else:
        try:
            r = int(radius)
        except (TypeError, ValueError):
            raise InputError(f"radius must be an integer >= 0, got {radius!r}") from None
        if r != radius or r < 0:
            raise InputError(f"radius must be an integer >= 0, got {radius!r}")
    if color_space not in ("rgb", "lab"):
        raise InputError(f"color_space must be 'rgb' or 'lab', got {color_space!r}")
    g = to_lab(g.levels) if color_space == "lab" else g.levels
    return d, np.ascontiguousarray(g, np.float32), r, ss, sc


def joint_bilateral_exact(depth, guide, *, radius=None, sigma_space: float = 3.0,
                          sigma_color: float = 20.0, valid=None, confidence=None,
                          color_space: str = "rgb", min_weight: float = 1e-8):
    """Brute-force joint bilateral filter over a (2r+1)^2 window (numba, float64 sums).

    ``k(p, q) = exp(-|p - q|^2 / 2 sigma_space^2) * exp(-|I_p - I_q|^2 / 2 sigma_color^2)``
    with ``|I_p - I_q|`` the Euclidean color distance in 8-bit steps (RGB, whatever the
    guide's dtype) or in Lab
    (``color_space='lab'``, sigma_color then in Lab units). Window pixels outside the image
    are skipped (no border extrapolation). This is the reference the lattice path is checked
    against; its cost is O(N r^2).

    Returns ``(value, weight)``: float32 filtered depth (NaN where the summed weight is
    below ``min_weight``, i.e. no valid pixel in reach) and the summed weight.

    References
    ----------
    .. [1] G. Petschnigg et al., "Digital photography with flash and no-flash image pairs",
       SIGGRAPH 2004; E. Eisemann and F. Durand, "Flash photography enhancement via intrinsic
       relighting", SIGGRAPH 2004.
    """
    d, g, r, ss, sc = _check_common(depth, guide, radius, sigma_space, sigma_color, color_space)
    dz, w = prepare_weights(d, valid, confidence)
    sw = np.exp(-(np.arange(-r, r + 1, dtype=np.float64) ** 2) / (2 * ss * ss))
    num, den = _jbf_exact(dz, w, g, r, sw, 1.0 / (2 * sc * sc))
    out = np.full(d.shape, np.nan, np.float32)
    ok = den > min_weight
    out[ok] = (num[ok] / den[ok]).astype(np.float32)
    return out, den.astype(np.float32)


@nb.njit(cache=True, fastmath=True)
def _jbf_exact(d, w, g, r, sw, inv2sc2):
    h, wd = d.shape
    nc = g.shape[2]
    num = np.zeros((h, wd))
    den = np.zeros((h, wd))
    for y in range(h):
        for x in range(wd):
            sn = 0.0
            sd = 0.0
            for dy in range(-r, r + 1):
                yy = y + dy
                if yy < 0 or yy >= h:
                    continue
                wy = sw[dy + r]
                for dx in range(-r, r + 1):
                    xx = x + dx
                    if xx < 0 or xx >= wd:
                        continue
                    wq = w[yy, xx]
                    if wq == 0.0:
                        continue
                    dist = 0.0
                    for c in range(nc):
                        t = g[y, x, c] - g[yy, xx, c]
                        dist += t * t
                    k = wy * sw[dx + r] * math.exp(-dist * inv2sc2) * wq
                    sn += k * d[yy, xx]
                    sd += k
            num[y, x] = sn
            den[y, x] = sd
    return num, den


# ---- permutohedral lattice (Adams, Baek & Davis 2010) ----------------------------------

def joint_bilateral_lattice(depth, guide, *, sigma_space: float = 3.0,
                            sigma_color: float = 20.0, valid=None, confidence=None,
                            color_space: str = "rgb", min_weight: float = 1e-6,
                            spatial: str = "grid"):
    """Joint bilateral filter on a permutohedral lattice, O(N) whatever sigma_space.

    Values ``(w d, w)`` are splatted onto a lattice with (multi)linear weights, blurred with
    [1 2 1] kernels along the lattice axes and sliced back at the same positions; the ratio
    approximates a Gaussian joint bilateral filter of standard deviations ``sigma_space``
    (px) and ``sigma_color`` (8-bit steps, or Lab units) with no window truncation. Two lattices:

    - ``spatial='grid'`` (default): the permutohedral lattice [1]_ in the C colour
      dimensions only (``I / sigma_color``, C + 1 vertices per pixel, numbered through a
      direct look-up table for 3-channel guides), crossed with a regular grid in x, y of
      spacing ``0.95 sigma_space / sqrt(5/6)`` (bilinear splat and slice, one [1 2 1]
      pass per axis: a spatial variance ``(0.95 sigma_space)^2``; its flatter-topped kernel
      is then as close to the windowed filter as the lattice's), as in the bilateral grid [2]_.
      Each grid cell stores only the colour vertices its pixels reach, so no hashing of
      spatial coordinates is needed;
    - ``spatial='lattice'``: one (2 + C)-D permutohedral lattice of the points
      ``(x / sigma_space, y / sigma_space, I / sigma_color)`` [1]_ (:func:`permutohedral_filter`).

    Returns ``(value, weight)`` like :func:`joint_bilateral_exact` (weight up to a constant).

    References
    ----------
    .. [1] A. Adams, J. Baek and M. A. Davis, "Fast high-dimensional filtering using the
       permutohedral lattice", Computer Graphics Forum 29(2), 2010.
    .. [2] J. Chen, S. Paris and F. Durand, "Real-time edge-aware image processing with the
       bilateral grid", SIGGRAPH 2007.
    """
    d, g, _, ss, sc = _check_common(depth, guide, 0, sigma_space, sigma_color, color_space)
    if spatial not in ("grid", "lattice"):
        raise InputError(f"spatial must be 'grid' or 'lattice', got {spatial!r}")
    dz, w = prepare_weights(d, valid, confidence)
    h, wd = d.shape
    if spatial == "grid":
        out2 = _grid_filter(dz, w, g, ss, sc)
    else:
        pos, vals = _image_points(dz, w, g, 1.0 / ss, 1.0 / sc)
        out2 = permutohedral_filter(pos, vals)
    return _normalize(out2, h, wd, min_weight)


@nb.njit(cache=True, parallel=True)
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


@nb.njit(cache=True, parallel=True)
def _normalize(out2, h, wd, min_weight):
    out = np.empty((h, wd), np.float32)
    den = np.empty((h, wd), np.float32)
    for y in nb.prange(h):
        for x in range(wd):
            k = y * wd + x
            dd = out2[k, 1]
            den[y, x] = dd
            out[y, x] = out2[k, 0] / dd if dd > min_weight else np.nan
    return out, den


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
        # start small (about one vertex per 8 point-vertices); doubles when 5/8 full
        cap = 1 << max(12, int(math.ceil(math.log2(max(m * d1 // 8, 1) + 1))))
        return _embed_splat(p[cuts[i]:cuts[i + 1]], v[cuts[i]:cuts[i + 1]], lo, shifts, ones,
                            cap, 1 << 14)

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
    max_vert = cap * 5 // 8
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
                            max_vert = cap * 5 // 8
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


@nb.njit(cache=True, parallel=True)
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


@nb.njit(cache=True, parallel=True)
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


# ---- colour lattice x spatial grid ------------------------------------------------------

def _grid_filter(dz, w, g, sigma_space, sigma_color):
    """Splat, blur and slice ``(w d, w)`` on the colour lattice x spatial grid (unnormalized
    (N, 2) output, like :func:`permutohedral_filter`)."""
    hh, ww = dz.shape
    cid, cw, nbr = _color_lattice(g, 1.0 / sigma_color)
    m = nbr.shape[0]
    # bilinear splat + slice add a variance h^2 / 6 each, one [1 2 1] pass h^2 / 2
    step = _GRID_SIGMA * sigma_space / math.sqrt(5.0 / 6.0)
    xlo, xhi = _axis_cells(ww, step)
    ylo, yhi = _axis_cells(hh, step)
    inv = 1.0 / step
    em, grid, off = _grid_splat(cid, cw, dz, w, inv, xlo, xhi, ylo, yhi, m)
    ncx, ncy = xlo.shape[0], ylo.shape[0]
    grid = _grid_blur_space(grid, em, off, ncx, ncy, m, True)
    grid = _grid_blur_space(grid, em, off, ncx, ncy, m, False)
    grid = _grid_blur_color(grid, em, off, nbr, m)
    return _grid_slice(grid, em, off, cid, cw, inv, xlo, xhi, ylo, yhi, m)


def _axis_cells(n, step):
    """Pixel range ``[lo, hi)`` of each grid cell along one axis: cell c (centre
    ``c * step``) holds the pixels within ``step`` of its centre (bilinear support)."""
    ncell = int(math.floor((n - 1) / step)) + 2
    b0 = np.floor(np.arange(n) / step).astype(np.int64)  # left cell of each pixel
    c = np.arange(ncell)
    lo = np.searchsorted(b0, c - 1, side="left").astype(np.int64)
    hi = np.searchsorted(b0, c, side="right").astype(np.int64)
    return lo, hi


def _color_lattice(g, inv_sc):
    """Colour simplex of every pixel on the C-D permutohedral lattice of ``I * inv_sc``:
    vertex indices (N, C + 1) int32, barycentric weights (N, C + 1) and the neighbour table
    of the vertices along the C + 1 lattice axes."""
    hh, ww, dim = g.shape
    d1 = dim + 1
    flat = g.reshape(-1, dim)
    gmin, gmax = _col_range(flat)
    box = (np.stack([gmin, gmax]) * inv_sc).astype(np.float32)
    lo, span = _field_ranges(box)
    if dim == 3 and float(np.prod(span.astype(np.float64))) <= _LUT_SIZE:
        # a small key range: keys in mixed radix index a direct table (no hashing), and the
        # vertices are numbered in key order
        mul = np.array([1, span[0], span[0] * span[1]], np.int64)
        scale = (math.sqrt(2.0 / 3.0) * d1 * inv_sc
                 / np.sqrt((np.arange(dim) + 1.0) * (np.arange(dim) + 2.0)))
        lut = np.zeros(int(np.prod(span)), np.int32)
        ids, bw = _rgb_simplex(g, scale[0], scale[1], scale[2], lo, mul, lut)
        verts = _lut_number(lut)
        _lut_apply(ids, lut)
        order = np.arange(verts.shape[0])
    else:
        lo, shifts = _key_layout(box)
        mul = np.left_shift(np.int64(1), shifts)
        p = np.ascontiguousarray(flat * np.float32(inv_sc), np.float32)
        dummy = np.zeros((p.shape[0], 1), np.float32)
        ids, bw, verts, _, _ = _embed_splat(p, dummy, lo, shifts, np.int64(np.sum(mul)),
                                            1 << 12, 1 << 10)
        order = np.argsort(verts)
    ones = int(np.sum(mul))
    deltas = np.array([ones - d1 * int(m) for m in mul] + [ones], np.int64)
    return ids, bw, _neighbours(verts, order, deltas)


def _field_ranges(p):
    """Lowest value and span of each key coordinate (the bounds of :func:`_key_layout`,
    not rounded up to powers of two: for mixed-radix keys)."""
    lo, hi = _elevated_bounds(p.min(0), p.max(0))
    return lo, hi - lo + 1


@nb.njit(cache=True, parallel=True, fastmath=True)
def _rgb_simplex(g, sc0, sc1, sc2, lo, mul, lut):
    """3-D case of the embedding of :func:`_embed_splat` written out with scalars: per pixel
    the packed keys of its 4 simplex vertices (int32) and their barycentric weights; marks
    ``lut[key] = 1`` for every key met."""
    hh, ww, _ = g.shape
    n = hh * ww
    keys = np.empty((n, 4), np.int32)
    bw = np.empty((n, 4), np.float32)
    ones = mul[0] + mul[1] + mul[2]
    # key change when coordinate i drops by 4 (coordinate 3 is implied: no field)
    step = np.zeros(4, np.int64)
    for i in range(3):
        step[i] = 4 * mul[i]
    for y in nb.prange(hh):
        dl = np.empty(4)
        who = np.empty(4, np.int64)
        rk = np.empty(4, np.int64)
        rm = np.empty(4, np.int64)
        for x in range(ww):
            k = y * ww + x
            c0 = g[y, x, 0] * sc0
            c1 = g[y, x, 1] * sc1
            c2 = g[y, x, 2] * sc2
            e0 = c0 + c1 + c2
            e1 = c1 + c2 - c0
            e2 = c2 - 2.0 * c1
            e3 = -3.0 * c2
            # nearest remainder-0 point and the ranking of the differences (ties by index),
            # all branch-free (data-dependent branches mispredict)
            r0 = 4.0 * math.floor(e0 * 0.25 + 0.5)
            r1 = 4.0 * math.floor(e1 * 0.25 + 0.5)
            r2 = 4.0 * math.floor(e2 * 0.25 + 0.5)
            r3 = 4.0 * math.floor(e3 * 0.25 + 0.5)
            d0 = e0 - r0
            d1 = e1 - r1
            d2 = e2 - r2
            d3 = e3 - r3
            s = (np.int64(r0) + np.int64(r1) + np.int64(r2) + np.int64(r3)) // 4
            rk[0] = np.int64(d0 < d1) + np.int64(d0 < d2) + np.int64(d0 < d3) + s
            rk[1] = np.int64(d1 <= d0) + np.int64(d1 < d2) + np.int64(d1 < d3) + s
            rk[2] = np.int64(d2 <= d0) + np.int64(d2 <= d1) + np.int64(d2 < d3) + s
            rk[3] = np.int64(d3 <= d0) + np.int64(d3 <= d1) + np.int64(d3 <= d2) + s
            rm[0] = np.int64(r0)
            rm[1] = np.int64(r1)
            rm[2] = np.int64(r2)
            rm[3] = np.int64(r3)
            for i in range(4):  # onto the hyperplane: shift the extreme ranks
                t = rk[i]
                fix = np.int64(t < 0) - np.int64(t >= 4)
                rk[i] = t + 4 * fix
                rm[i] += 4 * fix
            dl[rk[0]] = (e0 - rm[0]) * 0.25
            dl[rk[1]] = (e1 - rm[1]) * 0.25
            dl[rk[2]] = (e2 - rm[2]) * 0.25
            dl[rk[3]] = (e3 - rm[3]) * 0.25
            who[rk[0]] = 0
            who[rk[1]] = 1
            who[rk[2]] = 2
            who[rk[3]] = 3
            bw[k, 0] = 1.0 + dl[3] - dl[0]
            bw[k, 1] = dl[2] - dl[3]
            bw[k, 2] = dl[1] - dl[2]
            bw[k, 3] = dl[0] - dl[1]
            k0 = (rm[0] - lo[0]) * mul[0] + (rm[1] - lo[1]) * mul[1] + (rm[2] - lo[2]) * mul[2]
            k1 = k0 + ones - step[who[3]]  # one more coordinate drops by 4 at each step
            k2 = k1 + ones - step[who[2]]
            k3 = k2 + ones - step[who[1]]
            keys[k, 0] = k0
            keys[k, 1] = k1
            keys[k, 2] = k2
            keys[k, 3] = k3
            lut[k0] = 1  # the same value from every thread: a benign race
            lut[k1] = 1
            lut[k2] = 1
            lut[k3] = 1
    return keys, bw


@nb.njit(cache=True)
def _lut_number(lut):
    """Number the marked table entries in key order; returns the keys."""
    m = 0
    for i in range(lut.shape[0]):
        if lut[i] != 0:
            m += 1
    verts = np.empty(m, np.int64)
    m = 0
    for i in range(lut.shape[0]):
        if lut[i] != 0:
            lut[i] = m
            verts[m] = i
            m += 1
    return verts


@nb.njit(cache=True, parallel=True)
def _lut_apply(keys, lut):
    n, d1 = keys.shape
    for b in nb.prange((n + 4095) // 4096):
        for k in range(4096 * b, min(n, 4096 * b + 4096)):
            for r in range(d1):
                keys[k, r] = lut[keys[k, r]]


@nb.njit(cache=True, inline="always")
def _interleave(i, n):
    """Even items first, then odd ones: the static halves of a parallel loop then take
    alternate cell rows, whose loads match (the halves of an image rarely do)."""
    h = (n + 1) // 2
    return 2 * i if i < h else 2 * (i - h) + 1


@nb.njit(cache=True, parallel=True, fastmath=True)
def _grid_splat(cid, cw, dz, w, inv, xlo, xhi, ylo, yhi, m_all):
    """Bilinear splat of ``(w d, w)`` onto the colour vertices of each grid cell.

    Cell by cell (rows of cells in parallel), a stamp per colour vertex tells whether the
    cell already holds it. Returns, cell-major (CSR ``off``), the colour vertex and the
    splatted values of every (cell, colour vertex) entry."""
    d1 = cid.shape[1]
    ww = dz.shape[1]
    ncx = xlo.shape[0]
    ncy = ylo.shape[0]
    # room per cell row: a cell holds at most min(M, d1 * its pixels) entries (only the
    # touched pages of this reservation are ever mapped)
    rcap = np.zeros(ncy + 1, np.int64)
    for cy in range(ncy):
        t = 0
        for cx in range(ncx):
            t += min(m_all, d1 * (yhi[cy] - ylo[cy]) * (xhi[cx] - xlo[cx]))
        rcap[cy + 1] = rcap[cy] + t
    em0 = np.empty(rcap[ncy], np.int32)
    g0 = np.empty((rcap[ncy], 2), np.float32)
    cnt = np.zeros(ncy * ncx, np.int64)
    for it in nb.prange(ncy):
        cy = _interleave(it, ncy)
        stamp = np.full(m_all, -1, np.int32)
        loc = np.empty(m_all, np.int64)
        k = rcap[cy]
        for cx in range(ncx):
            k0 = k
            for y in range(ylo[cy], yhi[cy]):
                wy = 1.0 - abs(y * inv - cy)
                for x in range(xlo[cx], xhi[cx]):
                    wxy = wy * (1.0 - abs(x * inv - cx)) * w[y, x]
                    a0 = wxy * dz[y, x]
                    q = y * ww + x
                    for r in range(d1):
                        mm = cid[q, r]
                        if stamp[mm] != cx:
                            stamp[mm] = cx
                            loc[mm] = k
                            em0[k] = mm
                            g0[k, 0] = 0.0
                            g0[k, 1] = 0.0
                            k += 1
                        e = loc[mm]
                        b = cw[q, r]
                        g0[e, 0] += b * a0
                        g0[e, 1] += b * wxy
            cnt[cy * ncx + cx] = k - k0
    off = np.empty(ncy * ncx + 1, np.int64)
    off[0] = 0
    for c in range(ncy * ncx):
        off[c + 1] = off[c] + cnt[c]
    tot = off[ncy * ncx]
    em = np.empty(tot, np.int32)
    grid = np.empty((tot, 2), np.float32)
    for cy in nb.prange(ncy):
        src = rcap[cy]
        dst = off[cy * ncx]
        for i in range(off[cy * ncx + ncx] - dst):
            em[dst + i] = em0[src + i]
            grid[dst + i, 0] = g0[src + i, 0]
            grid[dst + i, 1] = g0[src + i, 1]
    return em, grid, off


@nb.njit(cache=True, parallel=True, fastmath=True)
def _grid_blur_space(grid, em, off, ncx, ncy, m_all, along_x):
    """[1 2 1] / 4 between the same colour vertex of neighbouring cells (x or y).

    Branch-free: a colour vertex the cell lacks maps to a scratch row past the end."""
    ne = grid.shape[0]
    out = np.empty((ne + 1, 2), np.float32)
    for it in nb.prange(ncy):
        cy = _interleave(it, ncy)
        loc = np.full(m_all, ne, np.int64)
        for cx in range(ncx):
            c = cy * ncx + cx
            for e in range(off[c], off[c + 1]):
                loc[em[e]] = e
                out[e, 0] = 0.5 * grid[e, 0]
                out[e, 1] = 0.5 * grid[e, 1]
            for s in range(2):
                if along_x:
                    nx = cx - 1 + 2 * s
                    if nx < 0 or nx >= ncx:
                        continue
                    cn = cy * ncx + nx
                else:
                    ny = cy - 1 + 2 * s
                    if ny < 0 or ny >= ncy:
                        continue
                    cn = ny * ncx + cx
                for f in range(off[cn], off[cn + 1]):
                    e = loc[em[f]]  # ne (scratch, dropped; threads may race on it) if absent
                    out[e, 0] += 0.25 * grid[f, 0]
                    out[e, 1] += 0.25 * grid[f, 1]
            for e in range(off[c], off[c + 1]):
                loc[em[e]] = ne
    return out[:ne]


@nb.njit(cache=True, parallel=True, fastmath=True)
def _grid_blur_color(grid, em, off, nbr, m_all):
    """[1 2 1] / 4 along each colour lattice axis in turn, within each cell.

    Branch-free: an absent neighbour (none on the lattice, or not in this cell) reads a
    zero row."""
    d1 = nbr.shape[1]
    ncell = off.shape[0] - 1
    out = np.empty_like(grid)
    nb2 = np.empty((m_all + 1, d1, 2), np.int64)  # -1 (no neighbour) -> m_all
    for mm in range(m_all):
        for ax in range(d1):
            for s in range(2):
                t = nbr[mm, ax, s]
                nb2[mm, ax, s] = t if t >= 0 else m_all
    nchunk = 64
    for it in nb.prange(nchunk):
        ch = _interleave(it, nchunk)
        zero = m_all  # row index of zeros in cur
        loc = np.full(m_all + 1, zero, np.int64)
        cur = np.zeros((m_all + 1, 2), np.float32)
        tmp = np.empty((m_all, 2), np.float32)
        for c in range(ncell * ch // nchunk, ncell * (ch + 1) // nchunk):
            a0 = off[c]
            ne = off[c + 1] - a0
            for i in range(ne):
                loc[em[a0 + i]] = i
                cur[i, 0] = grid[a0 + i, 0]
                cur[i, 1] = grid[a0 + i, 1]
            # cur rows ne .. m_all - 1 may hold stale values but are never read: loc maps
            # absent vertices to row m_all, which stays zero
            for ax in range(d1):
                for i in range(ne):
                    mm = em[a0 + i]
                    fa = loc[nb2[mm, ax, 0]]
                    fb = loc[nb2[mm, ax, 1]]
                    tmp[i, 0] = 0.5 * cur[i, 0] + 0.25 * (cur[fa, 0] + cur[fb, 0])
                    tmp[i, 1] = 0.5 * cur[i, 1] + 0.25 * (cur[fa, 1] + cur[fb, 1])
                for i in range(ne):
                    cur[i, 0] = tmp[i, 0]
                    cur[i, 1] = tmp[i, 1]
            for i in range(ne):
                loc[em[a0 + i]] = zero
                out[a0 + i, 0] = cur[i, 0]
                out[a0 + i, 1] = cur[i, 1]
    return out


@nb.njit(cache=True, parallel=True, fastmath=True)
def _grid_slice(grid, em, off, cid, cw, inv, xlo, xhi, ylo, yhi, m_all):
    """Bilinear slice at every pixel's own colour vertices (all present: the pixel splatted
    them). Cell rows of one parity at a time, so no two threads write the same pixel."""
    d1 = cid.shape[1]
    ncx = xlo.shape[0]
    ncy = ylo.shape[0]
    ww = xhi[ncx - 1]
    hh = yhi[ncy - 1]
    out = np.zeros((hh * ww, 2), np.float32)
    for par in range(2):
        for it in nb.prange((ncy - par + 1) // 2):
            hy = _interleave(it, (ncy - par + 1) // 2)
            cy = 2 * hy + par
            loc = np.empty(m_all, np.int64)
            for cx in range(ncx):
                c = cy * ncx + cx
                for e in range(off[c], off[c + 1]):
                    loc[em[e]] = e
                for y in range(ylo[cy], yhi[cy]):
                    wy = 1.0 - abs(y * inv - cy)
                    for x in range(xlo[cx], xhi[cx]):
                        wxy = wy * (1.0 - abs(x * inv - cx))
                        q = y * ww + x
                        a0 = 0.0
                        a1 = 0.0
                        for r in range(d1):
                            e = loc[cid[q, r]]
                            b = cw[q, r]
                            a0 += b * grid[e, 0]
                            a1 += b * grid[e, 1]
                        out[q, 0] += wxy * a0
                        out[q, 1] += wxy * a1
    return out
