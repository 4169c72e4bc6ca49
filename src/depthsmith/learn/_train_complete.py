"""Training of :class:`~depthsmith.learn._completion_net.CompletionNet` (PyTorch, CPU).

Data: the Middlebury scenes (``middlebury/``, ``middlebury_sr30/``, ``middlebury2014/``;
never the four seed scenes) through :func:`depthsmith.learn._data.load_scenes` (so a scene
is in the same fold in every folder and as for the SR model), and procedural scenes of
:func:`depthsmith.learn._synthetic.render_scene`. No RGB-D-D, KITTI or Scene Flow data: the
shipped weights must be shippable.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import cv2
import numpy as np

from .._validate import InputError
from ..complete._learned import classical_prior, normalise, normalise_prior

__all__ = ["train", "draw_pattern", "make_batch", "export_onnx", "synthetic_pool",
           "PATTERNS", "CHECKPOINT", "CONFIG"]

#: Sampling patterns drawn in training, with their probabilities.
PATTERNS = {"uniform": 0.25, "gradient": 0.15, "both": 0.15, "grid": 0.15, "lines": 0.15,
            "clustered": 0.15}
#: The checkpoint file name inside ``out_dir``.
CHECKPOINT = "complete.pt"
#: The CompletionNet configuration :func:`train` builds by default (the shipped model's):
#: a refiner of the classical default's estimate (``prior``), 32 features, 4 blocks, and
#: (since 0.3.5) the "downscale, interpolate, upscale" stage 1 (``fast``): as good on the
#: Middlebury k-fold within 0.4 % and faster (docs/learn_complete.md).
CONFIG = {"prior": True, "features": 32, "blocks": 4, "fast": True}


def _grad(rgb: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3),
                    cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))


def draw_pattern(valid: np.ndarray, rgb: np.ndarray, rng, density: float | None = None,
                 pattern: str | None = None, max_density: float = 0.3) -> np.ndarray:
    """A random sample mask inside ``valid``: ``density`` (default: 50 % near 1 %, else
    log-uniform in 0.1 % to ``max_density``, 30 %) and ``pattern`` (default drawn from
    :data:`PATTERNS`):
    uniform, gradient (probability proportional to the colour's Sobel magnitude), both
    (half each), grid (random phase), lines (every k-th row, k in 2-8, random row phase,
    random dropout along the row: a LiDAR-like scan) or clustered (Gaussian blobs)."""
    h, w = valid.shape
    if density is None:
        density = (rng.uniform(0.007, 0.015) if rng.random() < 0.5
                   else math.exp(rng.uniform(math.log(0.001), math.log(max_density))))
    if pattern is None:
        names = list(PATTERNS)
        pattern = names[rng.choice(len(names), p=np.array(list(PATTERNS.values())))]
    if pattern == "uniform":
        m = rng.random((h, w)) < density
    elif pattern in ("gradient", "both"):
        g = _grad(rgb) + 1e-3
        p = g / g.mean() * (density if pattern == "gradient" else density / 2)
        m = rng.random((h, w)) < np.minimum(p, 1.0)
        if pattern == "both":
            m |= rng.random((h, w)) < density / 2
    elif pattern == "grid":
        step = max(1, int(round(1 / math.sqrt(density))))
        m = np.zeros((h, w), bool)
        m[rng.integers(0, step)::step, rng.integers(0, step)::step] = True
    elif pattern == "lines":
        k = int(rng.integers(2, 9))
        m = np.zeros((h, w), bool)
        m[rng.integers(0, k)::k] = True
        m &= rng.random((h, w)) < min(1.0, density * k)
    elif pattern == "clustered":
        n = max(1, int(density * h * w))
        nc = max(1, n // int(rng.integers(10, 60)))
        cy, cx = rng.uniform(0, h, nc), rng.uniform(0, w, nc)
        sig = rng.uniform(2, 10)
        k = rng.integers(0, nc, n)
        ys = np.clip(np.rint(cy[k] + rng.normal(0, sig, n)), 0, h - 1).astype(int)
        xs = np.clip(np.rint(cx[k] + rng.normal(0, sig, n)), 0, w - 1).astype(int)
        m = np.zeros((h, w), bool)
        m[ys, xs] = True
    else:
        raise InputError(f"pattern {pattern!r} is unknown: expected one of {', '.join(PATTERNS)}")
    m &= valid
    if not m.any():
        idx = np.flatnonzero(valid)
        m.flat[idx[rng.integers(idx.size)]] = True
    return m


def synthetic_pool(n: int, size: tuple[int, int], cache: Path | None = None,
                   first_seed: int = 0, progress: bool = False):
    """``n`` procedural scenes ``(depth, rgb)`` of ``size`` (seeds ``first_seed`` ...),
    cached as an ``.npz`` file in ``cache`` when given."""
    from ._synthetic import render_scene

    h, w = size
    f = None if cache is None else Path(cache) / f"synthetic_{first_seed}_{n}_{h}x{w}.npz"
    if f is not None and f.is_file():
        z = np.load(f)
        return list(zip(z["depth"], z["rgb"], strict=True))
    it = range(first_seed, first_seed + n)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="rendering synthetic scenes", leave=False)
    scenes_ = [render_scene(s, h, w) for s in it]
    if f is not None:
        from ..io import atomic_path

        f.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(f) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, depth=np.stack([s[0] for s in scenes_]),
                     rgb=np.stack([s[1] for s in scenes_]))
    return scenes_


def _crop(depth, valid, rgb, patch, rng):
    h, w = depth.shape
    if h < patch or w < patch:
        s = patch / min(h, w)
        size = (max(patch, int(math.ceil(w * s))), max(patch, int(math.ceil(h * s))))
        depth = cv2.resize(depth, size, interpolation=cv2.INTER_NEAREST)
        valid = cv2.resize(valid.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        h, w = depth.shape
    y, x = int(rng.integers(0, h - patch + 1)), int(rng.integers(0, w - patch + 1))
    d, v, g = (a[y:y + patch, x:x + patch] for a in (depth, valid, rgb))
    if rng.random() < 0.5:
        d, v, g = d[:, ::-1], v[:, ::-1], g[:, ::-1]
    if rng.random() < 0.2:
        d, v, g = d[::-1], v[::-1], g[::-1]
    return (np.ascontiguousarray(d, np.float32), np.ascontiguousarray(v),
            np.ascontiguousarray(g))


def make_batch(real, synth, batch: int, patch: int, rng, p_synth: float = 0.5,
               prior: bool = False, margin: int = 32, p_scene_norm: float = 0.0,
               max_density: float = 0.3):
    """One training batch as NumPy arrays ``(depth, mask, rgb, target, target_valid,
    prior)``, (N, C, P, P), depth, target and prior normalised by the samples' robust range
    (:func:`~depthsmith.complete._learned.normalise`, as inference does); ``prior`` is None
    unless asked for.

    ``real`` are :class:`~depthsmith.learn._data.Scene` objects, ``synth`` ``(depth, rgb)``
    pairs; synthetic depth is used as is or inverted (a disparity-like map) at random.
    Samples get multiplicative noise (sigma up to 2 %) in 30 % of the crops; 5 % of the
    crops have a flat gray guide (so the model also runs without one). With ``prior``,
    each crop is cut with ``margin`` more pixels on every side, the samples are drawn over
    all of it, the classical estimate
    (:func:`~depthsmith.complete._learned.classical_prior`, without a guide on the
    flat-gray crops) is computed there, so that the crop's border sees samples beyond it
    as in a whole image, and the centre ``patch`` x ``patch`` is kept. A fraction
    ``p_scene_norm`` of the crops is normalised by the robust range of the whole scene the
    crop comes from (its valid depth) instead of the crop's samples: inference normalises
    by the samples of the whole image, so a crop of a large image sees a fraction of the
    range, and the network should have seen that too.
    """
    D = np.zeros((batch, 1, patch, patch), np.float32)
    M = np.zeros_like(D)
    T = np.zeros_like(D)
    V = np.zeros_like(D)
    P = np.zeros_like(D) if prior else None
    G = np.zeros((batch, 3, patch, patch), np.float32)
    pm = margin if prior else 0
    inner = (slice(pm, pm + patch), slice(pm, pm + patch))
    for i in range(batch):
        if synth and (not real or rng.random() < p_synth):
            d, g = synth[int(rng.integers(len(synth)))]
            v = np.ones(d.shape, bool)
            if rng.random() < 0.5:
                d = (1.0 / d).astype(np.float32)
        else:
            s = real[int(rng.integers(len(real)))]
            d, v, g = s.depth, s.valid, s.rgb
        scene_norm = normalise(d[v]) if p_scene_norm and rng.random() < p_scene_norm else None
        d, v, g = _crop(d, v, g, patch + 2 * pm, rng)
        m = draw_pattern(v, g, rng, max_density=max_density)
        sv = d[m].astype(np.float64)
        if rng.random() < 0.3:
            sv = sv * (1 + rng.normal(0, rng.uniform(0, 0.02), sv.size))
        flat = rng.random() < 0.05
        if prior:
            ds = np.zeros(d.shape, np.float32)
            ds[m] = sv
            pr = classical_prior(ds, m, None if flat else g)
            d, v, g, m, ds, pr = (a[inner] for a in (d, v, g, m, ds, pr))
            if not m.any():  # the centre holds no sample: keep one of the estimate's pixels
                m = np.zeros_like(m)
                m[patch // 2, patch // 2] = True
                ds = np.where(m, pr, 0).astype(np.float32)
            sv = ds[m].astype(np.float64)
        off, scale = normalise(sv) if scene_norm is None else scene_norm
        dn = np.zeros((patch, patch), np.float32)
        dn[m] = (sv - off) / scale
        D[i, 0] = dn
        M[i, 0] = m
        T[i, 0] = (d - off) / scale
        V[i, 0] = v
        if prior:
            P[i, 0] = normalise_prior(pr, off, scale)
        G[i] = 0.5 if flat else g.transpose(2, 0, 1) / np.float32(255)
    return D, M, G, T, V, P


def export_onnx(model, path, opset: int = 17) -> Path:
    """Write ``model`` (a CompletionNet) to ONNX with dynamic height and width (inputs
    ``depth``, ``mask``, ``rgb`` and, for a ``prior=True`` model, ``prior``; outputs
    ``out_depth``, ``confidence``), atomically. The file's metadata holds ``multiple`` (H
    and W must be multiples of it), ``model``, ``config`` and, for a ``prior=True`` model,
    ``prior`` = ``auto`` (the runtime computes the classical default's estimate)."""
    import torch

    from ..io import atomic_path

    model.eval()
    n = model.multiple
    x = (torch.zeros(1, 1, 2 * n, 2 * n), torch.ones(1, 1, 2 * n, 2 * n),
         torch.zeros(1, 3, 2 * n, 2 * n))
    names = ["depth", "mask", "rgb"]
    if getattr(model, "prior", False):
        x = (*x, torch.zeros(1, 1, 2 * n, 2 * n))
        names.append("prior")
    axes = {k: {2: "height", 3: "width"} for k in [*names, "out_depth", "confidence"]}
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(p) as tmp:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, x, str(tmp), dynamo=False, input_names=names,
                              output_names=["out_depth", "confidence"], dynamic_axes=axes,
                              opset_version=opset)
    import onnx

    m = onnx.load(str(p))
    if "rgb" not in [i.name for i in m.graph.input]:
        # the unguided stage has no rgb input: keep the signature uniform
        m.graph.input.append(onnx.helper.make_tensor_value_info(
            "rgb", onnx.TensorProto.FLOAT, [1, 3, "height", "width"]))
    meta = {"multiple": str(n), "model": "CompletionNet",
            "config": json.dumps(model.config, sort_keys=True)}
    if getattr(model, "prior", False):
        meta["prior"] = "auto"
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    with atomic_path(p) as tmp:
        onnx.save(m, str(tmp))
    return p


def _huber(e, beta: float = 0.1):
    """Huber loss (quadratic within ``beta``, linear beyond: robust to the crops whose
    samples miss a surface), scaled so it is ``e**2`` for small errors."""
    a = e.abs()
    return (a < beta) * e * e + (a >= beta) * (2 * beta * a - beta * beta)


def _validate(model, val, torch) -> float:
    """Mean RMSE (in each scene's units) of the model over ``val`` = list of
    ``(depth, valid, rgb, sample mask, classical estimate or None)``."""
    from .._validate import check_guide
    from ..complete._learned import MULTIPLE, prepare

    errs = []
    model.eval()
    with torch.no_grad():
        for d, v, g, m, pr in val:
            inputs, (off, scale), (h, w) = prepare(np.where(m, d, 0).astype(np.float32), m,
                                                    check_guide(g), MULTIPLE, prior=pr)
            names = [k for k in ("depth", "mask", "rgb", "prior") if k in inputs]
            out = model(*(torch.from_numpy(inputs[k]) for k in names))[0]
            p = out.numpy()[0, 0, :h, :w] * scale + off
            p[m] = d[m]
            errs.append(float(np.sqrt(np.mean((p[v] - d[v]) ** 2))))
    model.train()
    return float(np.mean(errs))


def _val_set(held, synth_val, rng_seed: int, prior: bool = False):
    """Validation cases: each held-out scene (or, without any, each synthetic validation
    scene) with a 1 % uniform and a 1 % grid sample mask, fixed seed, and the classical
    estimate of those samples when ``prior``."""
    rng = np.random.default_rng(rng_seed)
    out = []
    cases = []
    if held:
        for s in held:
            if s.source == "middlebury_sr30":
                continue  # the same scene is in middlebury/ with its raw GT
            cases.append((s.depth, s.valid, s.rgb))
    else:
        cases = [(d, np.ones(d.shape, bool), g) for d, g in synth_val]
    for d, v, g in cases:
        for pat in ("uniform", "grid"):
            m = draw_pattern(v, g, rng, 0.01, pat)
            out.append((d, v, g, m, classical_prior(d, m, g) if prior else None))
    return out


def train(data_dir, out_dir, *, minutes: float, folds: int | None = None,
          fold: int | None = None, seed: int = 0, progress: bool = True, config=None,
          batch: int = 8, patch: int = 128, lr: float = 2e-3, n_synthetic: int = 160,
          synthetic_size=(192, 256), p_synth: float = 0.3, checkpoint_minutes: float = 3.0,
          val_minutes: float = 4.0, export: bool = True, synthetic_cache=None,
          p_scene_norm: float = 0.0, max_density: float = 0.3) -> dict:
    """Train a CompletionNet on the CPU for ``minutes`` (in total over resumed runs).

    Random 128 x 128 crops (flips), sample densities 0.1-30 % (half the crops near the
    benchmarks' 1 %) in the patterns of :func:`draw_pattern`, noise on the samples; a
    fraction ``1 - p_synth`` of the crops from the Middlebury scenes of ``data_dir`` (the
    four seed scenes never), the others from ``n_synthetic`` procedural scenes
    (:func:`synthetic_pool`, cached in ``synthetic_cache``).
    With a ``prior=True`` config (the default) every crop also gets the classical default's
    estimate of its samples (with a margin: see
    :func:`make_batch`), and the first validation, before any step, is that estimate's.
    Loss: Huber (squared error up to 0.1, linear beyond) of the normalised depth, the target
    clipped to [-0.5, 1.5], over the crop's valid ground truth, plus 0.2 x that of the
    normalized-convolution stage alone. Adam, learning rate ``lr`` with a cosine
    decay over the time budget. Every batch is drawn from ``numpy.random.default_rng((seed,
    step))``, so the data order is reproducible and a resumed run continues it; the number
    of steps depends on the machine's speed.

    A checkpoint ``out_dir/complete.pt`` is written every ``checkpoint_minutes`` and at the
    end (``{"model": "CompletionNet", "config", "state_dict", "meta", "optimizer"}``,
    readable with ``torch.load(weights_only=True)``); when it exists the run resumes from
    it. At the end the model is exported to ``out_dir/complete.onnx`` (dynamic H, W).

    Parameters
    ----------
    data_dir : path
        The benchmark data (``../shared/data``).
    out_dir : path
        Where the checkpoint, ONNX file, history and synthetic cache go.
    minutes : float
        Training time budget (wall clock, summed over resumed runs).
    folds, fold : int, optional
        k-fold by scene: train on the scenes whose fold (:func:`~depthsmith.learn._data.split`)
        is not ``fold`` and validate on those that are; None: every allowed scene trains and
        validation uses 8 synthetic scenes never trained on.
    seed : int
        Seed of the initialisation and of the data order.
    progress : bool
        A tqdm progress bar with the loss and the validation RMSE.
    config : dict, optional
        :class:`~depthsmith.learn._completion_net.CompletionNet` keyword arguments; default
        :data:`CONFIG` (the shipped model's: a refiner of the classical estimate). ``{}``
        is the 0.3.2 model (the refiner corrects the normalized-convolution stage).
    batch, patch, lr : int, int, float
        Crops per step, crop size, initial learning rate.
    n_synthetic, synthetic_size, p_synth : int, (int, int), float
        Number and size of the procedural scenes, and the fraction of crops taken from them.
    checkpoint_minutes, val_minutes : float
        How often to write the checkpoint and to validate.
    export : bool
        Export ``complete.onnx`` at the end.
    synthetic_cache : path, optional
        Folder of the rendered scenes' cache (default ``out_dir``).
    p_scene_norm : float
        Fraction of crops normalised by their whole scene's range (:func:`make_batch`);
        0 for the shipped model (0.75 with lr 1e-3 was 0.2 % worse on two folds'
        held-out scenes after 14 minutes, docs/learn_complete.md).
    max_density : float
        Upper end of the drawn sample densities (:func:`draw_pattern`); 30 % for the shipped
        model (6 more minutes capped at 3 % made two folds' held-out RMSE slightly worse).

    Returns
    -------
    dict
        ``checkpoint``, ``onnx`` (paths as str), ``steps``, ``minutes``, ``val_rmse`` (last
        validation), ``history`` (list of ``[step, minutes, loss, val_rmse or None]``),
        ``train_scenes``, ``val_scenes``.
    """
    import torch

    from ._checkpoint import load_dict, save
    from ._completion_net import CompletionNet
    from ._data import load_scenes, split

    torch.set_num_threads(1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scenes_ = load_scenes(data_dir) if data_dir is not None else []
    real, held = split(scenes_, folds, fold) if scenes_ else ([], [])
    cache = out if synthetic_cache is None else Path(synthetic_cache)
    synth = synthetic_pool(n_synthetic, tuple(synthetic_size), cache, 0, progress) \
        if n_synthetic else []
    synth_val = synthetic_pool(8, tuple(synthetic_size), cache, 1_000_000) if not held else []
    config = dict(CONFIG if config is None else config)
    if not real and not synth:
        raise InputError("no training data: give --data with Middlebury scenes or synthetic "
                         "scenes")

    torch.manual_seed(seed)
    model = CompletionNet(**config)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    ck = out / CHECKPOINT
    step, elapsed, history = 0, 0.0, []
    if ck.is_file():
        d = load_dict(ck)
        if d["model"] != "CompletionNet":
            raise InputError(f"{ck}: a {d['model']} checkpoint, not CompletionNet")
        model = CompletionNet(**d["config"])
        model.load_state_dict(d["state_dict"])
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        if "optimizer" in d:
            opt.load_state_dict(d["optimizer"])
        meta = d.get("meta", {})
        step, elapsed = int(meta.get("step", 0)), float(meta.get("elapsed_s", 0.0))
        history = [list(h) for h in meta.get("history", [])]
    val = _val_set(held, synth_val, 12345, model.prior)
    budget = 60.0 * float(minutes)
    info = {"folds": folds, "fold": fold, "seed": seed, "batch": batch, "patch": patch,
            "lr": lr, "n_synthetic": n_synthetic, "p_synth": p_synth,
            "p_scene_norm": p_scene_norm, "max_density": max_density,
            "train_scenes": sorted({s.key for s in real}),
            "val_scenes": sorted({s.key for s in held})}

    def meta():
        return {**info, "step": step, "elapsed_s": elapsed, "minutes_budget": minutes,
                "history": history}

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=int(budget), initial=int(min(elapsed, budget)), unit="s",
                   desc=f"train complete{'' if folds is None else f' fold {fold}/{folds}'}")
    t_last = time.perf_counter()
    last_ck, last_val = elapsed, elapsed
    val_rmse = history[-1][3] if history else None
    loss_avg = None
    if not history and val and model.prior:
        # step 0 of a prior model is the classical estimate: its validation is the baseline
        val_rmse = _validate(model, val, torch)
        history.append([0, 0.0, None, val_rmse])
        t_last = time.perf_counter()
    model.train()
    while elapsed < budget:
        rng = np.random.default_rng((seed, step))
        D, M, G, T, V, P = (None if a is None else torch.from_numpy(a) for a in make_batch(
            real, synth, batch, patch, rng, p_synth, prior=model.prior,
            p_scene_norm=p_scene_norm, max_density=max_density))
        for grp in opt.param_groups:
            grp["lr"] = lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * elapsed / budget)))
        pred, _, d0 = model.forward_all(D, M, G, P)
        T = T.clamp(-0.5, 1.5)  # beyond the samples' range: unpredictable, and clipped anyway
        n = V.sum().clamp_min(1)
        loss = (_huber(pred - T) * V).sum() / n
        total = loss + 0.2 * (_huber(d0 - T) * V).sum() / n if model.guided else loss
        opt.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        li = loss.item()
        loss_avg = li if loss_avg is None else 0.98 * loss_avg + 0.02 * li
        now = time.perf_counter()
        elapsed += now - t_last
        t_last = now
        if elapsed - last_val >= 60 * val_minutes or elapsed >= budget:
            val_rmse = _validate(model, val, torch) if val else None
            history.append([step, elapsed / 60, loss_avg, val_rmse])
            last_val = elapsed
            t_last = time.perf_counter()
        if bar is not None:
            bar.n = int(min(elapsed, budget))
            bar.set_postfix(step=step, loss=f"{loss_avg:.2e}",
                            val=("-" if val_rmse is None else f"{val_rmse:.4g}"), refresh=False)
            bar.update(0)
        if elapsed - last_ck >= 60 * checkpoint_minutes:
            save(ck, model, meta(), optimizer=opt.state_dict())
            last_ck = elapsed
    if bar is not None:
        bar.close()
    save(ck, model, meta(), optimizer=opt.state_dict())
    onnx_path = export_onnx(model, out / "complete.onnx") if export else None
    from ..io import atomic_path

    with atomic_path(out / "history.json") as tmp:
        Path(tmp).write_text(json.dumps(meta(), indent=1))
    return {"checkpoint": str(ck), "onnx": None if onnx_path is None else str(onnx_path),
            "steps": step, "minutes": elapsed / 60, "val_rmse": val_rmse, "history": history,
            "train_scenes": info["train_scenes"], "val_scenes": info["val_scenes"]}
