"""Colour lattice x spatial grid: the joint bilateral filter's default (``spatial='grid'``) path.

The guide colours ``I / sigma_color`` are placed on the C-D permutohedral lattice (A. Adams,
J. Baek and M. A. Davis, "Fast high-dimensional filtering using the permutohedral lattice",
Computer Graphics Forum 29(2), 2010), crossed with a regular grid in x, y as in the bilateral
grid (J. Chen, S. Paris and F. Durand, "Real-time edge-aware image processing with the
bilateral grid", SIGGRAPH 2007): ``(w d, w)`` is splatted bilinearly in space and
barycentrically in colour, blurred with one [1 2 1] pass per spatial axis and per colour
lattice axis, and sliced back at every pixel. Each grid cell stores only the colour vertices
its pixels reach, so spatial coordinates are never hashed.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .._numba import parallel_njit
from ._permutohedral import _col_range, _elevated_bounds, _embed_splat, _key_layout, _neighbours

_LUT_SIZE = 1 << 22  # colour key ranges up to this size use a direct table (chosen by hand)
_HASH_CAP = 1 << 12  # first vertex table size of the hashed colour path (chosen by hand)
_HASH_CACHE = 1 << 10  # key cache slots of the hashed colour path (chosen by hand)
_LUT_BLOCK = 4096  # keys per parallel task when renumbering through the table (chosen by hand)
_COLOR_CHUNKS = 64  # parallel tasks (runs of cells) of the colour blur (chosen by hand)
# spatial standard deviation of the grid path, in units of sigma_space: its kernel (tent x
# [1 2 1] x tent per axis) is flatter-topped than the lattice's, and at 0.95 it is as close
# to the windowed filter as the lattice is at 1 (output RMSE vs the exact filter at the
# seed's d=25 setting, flat between 0.92 and 0.96 on Middlebury cones, teddy and art)
_GRID_SIGMA = 0.95


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
                                            _HASH_CAP, _HASH_CACHE)
        order = np.argsort(verts)
    ones = int(np.sum(mul))
    deltas = np.array([ones - d1 * int(m) for m in mul] + [ones], np.int64)
    return ids, bw, _neighbours(verts, order, deltas)


def _field_ranges(p):
    """Lowest value and span of each key coordinate (the bounds of :func:`_key_layout`,
    not rounded up to powers of two: for mixed-radix keys)."""
    lo, hi = _elevated_bounds(p.min(0), p.max(0))
    return lo, hi - lo + 1


@parallel_njit(fastmath=True)
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


@parallel_njit()
def _lut_apply(keys, lut):
    n, d1 = keys.shape
    for b in nb.prange((n + _LUT_BLOCK - 1) // _LUT_BLOCK):
        for k in range(_LUT_BLOCK * b, min(n, _LUT_BLOCK * b + _LUT_BLOCK)):
            for r in range(d1):
                keys[k, r] = lut[keys[k, r]]


@nb.njit(cache=True, inline="always")
def _interleave(i, n):
    """Even items first, then odd ones: the static halves of a parallel loop then take
    alternate cell rows, whose loads match (the halves of an image rarely do)."""
    h = (n + 1) // 2
    return 2 * i if i < h else 2 * (i - h) + 1


@parallel_njit(fastmath=True)
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


@parallel_njit(fastmath=True)
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


@parallel_njit(fastmath=True)
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
    nchunk = _COLOR_CHUNKS
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


@parallel_njit(fastmath=True)
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
