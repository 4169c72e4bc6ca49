"""The report's figures 5-9 redrawn: the log-likelihood surface over (r, sigma) and the
estimated radius against sigma for several patch sizes (``depthsmith defocus study``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import signal

from ..ops import defocus_kernel
from ._api import loglik_surface
from ._likelihood import R_GRID

__all__ = ["study", "sharp_images"]

SIGMAS = np.round(np.arange(0.01, 0.4001, 0.01), 4)


def sharp_images(root=None, n: int = 5) -> list:
    """Up to ``n`` sharp gray images in [0, 1]: Middlebury scenes under ``root`` when present,
    else the bundled Cones sample."""
    out = []
    if root is not None:
        try:
            from ..datasets import load, scenes

            for f in list(scenes("middlebury", Path(root)))[:n]:
                rgb = np.asarray(load(f).rgb, np.float64)
                out.append(rgb @ [0.299, 0.587, 0.114] / 255.0)
        except Exception:  # noqa: BLE001 - the study falls back to the sample
            out = []
    if not out:
        from ..io import read_image

        sample = Path(__file__).resolve().parents[3] / "data" / "sample" / "cones" / "rgb.png"
        out = [read_image(sample).astype(np.float64) @ [0.299, 0.587, 0.114] / 255.0]
    return out


def _blurred(img, r, p, rng, eta=0.001):
    k = defocus_kernel("disc", r)
    h = k.shape[0] // 2
    n = p + 2 * h
    y = int(rng.integers(0, img.shape[0] - n + 1))
    x = int(rng.integers(0, img.shape[1] - n + 1))
    return signal.fftconvolve(img[y:y + n, x:x + n], k, mode="valid") + rng.normal(0, eta, (p, p))


def study(out_dir, *, root=None, rng=0, prior: str = "ar1", quick: bool = False) -> dict:
    """Draw the report's figures 5-9 as PNGs into ``out_dir`` and return the key numbers.

    fig5/fig6: ``log L`` over r in [1, 4] (0.05) and sigma in [0.01, 0.4] (0.01), eta = 0.001,
    one 101 x 101 patch blurred by a disc of r = 3 / 2.5; fig7-9: the maximiser in r against
    sigma for p = 51, 101, 201, r_true = 1, 3, 5, five random patches per image.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(rng)
    imgs = sharp_images(root, 2 if quick else 5)
    radii = np.round(np.arange(1.0, 4.0001, 0.05), 4)
    found = {}
    for fig, r_true in (("fig5", 3.0), ("fig6", 2.5)):
        patch = _blurred(imgs[0], r_true, 101, rng)
        surf = loglik_surface(patch, radii, SIGMAS, prior=prior, eta=0.001)
        i, j = np.unravel_index(np.argmax(surf), surf.shape)
        peaks = _local_maxima(surf)
        found[fig] = {"r_true": r_true, "global_r": float(radii[j]),
                      "global_sigma": float(SIGMAS[i]),
                      "local_maxima": [(float(radii[b]), float(SIGMAS[a])) for a, b in peaks]}
        f, ax = plt.subplots(1, 2, figsize=(10, 4))
        ax[0].imshow(patch, cmap="gray")
        ax[0].set_title(f"101 x 101 patch, disc r = {r_true}")
        z = surf - surf.max()
        im = ax[1].contourf(radii, SIGMAS, np.maximum(z, np.percentile(z, 5)), 30)
        for a, b in peaks:
            ax[1].plot(radii[b], SIGMAS[a], "r.", ms=9)
        ax[1].plot(radii[j], SIGMAS[i], "wx", ms=10)
        ax[1].set_xlabel("r (px)")
        ax[1].set_ylabel("sigma")
        ax[1].set_title(f"log L ({prior} prior, eta = 0.001); max r = {radii[j]:.2f}, "
                        f"sigma = {SIGMAS[i]:.2f}")
        f.colorbar(im, ax=ax[1])
        f.tight_layout()
        f.savefig(out / f"{fig}_loglik_r{r_true}.png", dpi=90)
        plt.close(f)
    sig = SIGMAS[1::2] if quick else SIGMAS[::1]
    for fig, p in (("fig7", 51), ("fig8", 101), ("fig9", 201)):
        f, axes = plt.subplots(3, len(imgs), figsize=(3 * len(imgs), 8), squeeze=False)
        at_01, at_02 = [], []
        for row, r_true in enumerate((1.0, 3.0, 5.0)):
            for col, img in enumerate(imgs):
                ax = axes[row, col]
                for _ in range(2 if quick else 5):
                    if min(img.shape) < p + 12:
                        continue
                    surf = loglik_surface(_blurred(img, r_true, p, rng), R_GRID, sig,
                                          prior=prior, eta=0.001)
                    rhat = R_GRID[np.argmax(surf, axis=1)]
                    ax.plot(sig, rhat, lw=1)
                    at_01.append(abs(rhat[np.argmin(abs(sig - 0.1))] - r_true))
                    at_02.append(abs(rhat[np.argmin(abs(sig - 0.2))] - r_true))
                ax.axhline(r_true, color="k", ls="--", lw=0.8)
                ax.set_ylim(0, 8)
                if row == 2:
                    ax.set_xlabel("sigma")
                if col == 0:
                    ax.set_ylabel(f"r_hat (r_true = {r_true:g})")
        f.suptitle(f"{p} x {p} patches, disc kernel, eta = 0.001, {prior} prior")
        f.tight_layout()
        f.savefig(out / f"{fig}_rhat_vs_sigma_p{p}.png", dpi=80)
        plt.close(f)
        found[fig] = {"p": p, "median_abs_err_sigma_0.1": float(np.median(at_01)),
                      "median_abs_err_sigma_0.2": float(np.median(at_02)),
                      "within_0.5_sigma_0.1": float(np.mean(np.array(at_01) <= 0.5)),
                      "within_0.5_sigma_0.2": float(np.mean(np.array(at_02) <= 0.5))}
    return found


def _local_maxima(z, top: int = 5):
    """(row, col) of the strict 8-neighbour local maxima of ``z``, best first."""
    from scipy import ndimage

    mx = ndimage.maximum_filter(z, size=3, mode="nearest")
    rows, cols = np.nonzero((z == mx) & (z > np.percentile(z, 50)))
    order = np.argsort(-z[rows, cols])[:top]
    return list(zip(rows[order].tolist(), cols[order].tolist(), strict=True))
