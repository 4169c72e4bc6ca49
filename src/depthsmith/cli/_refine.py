"""refine: RGB-guided edge-preserving refinement of a depth map."""

from __future__ import annotations

import click

from ._common import (
    guarded,
    main,
    output_option,
    overwrite_option,
    read_depth_arg,
    read_guide_arg,
    scale_option,
    write_output,
)

# which tuning options each method takes (others are a usage error)
_PARAMS = {
    "auto": (),
    "joint_bilateral": ("radius", "sigma_space", "sigma_color", "color_space"),
    "guided": ("radius", "eps"),
    "weighted_median": ("radius", "sigma_space", "sigma_color"),
    "solver": ("lam", "sigma_color", "iterations"),
}


@main.command("refine")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", required=True, type=click.Path(dir_okay=False),
              help="Registered color image (same size as DEPTH).")
@output_option
@click.option("--method", type=click.Choice(list(_PARAMS)), default="auto", show_default=True,
              help="Refinement method.")
@click.option("--radius", type=click.IntRange(0), default=None,
              help="Window half-width in px (joint_bilateral, guided, weighted_median).")
@click.option("--sigma-space", type=float, default=None,
              help="Spatial Gaussian sigma in px (joint_bilateral, weighted_median).")
@click.option("--sigma-color", type=float, default=None,
              help="Color sigma in guide units, 0-255 for 8-bit images (joint_bilateral, "
                   "weighted_median, solver).")
@click.option("--eps", type=float, default=None,
              help="Guided filter regularisation in squared guide units (guided).")
@click.option("--lam", type=float, default=None, help="Smoothness strength (solver).")
@click.option("--iterations", type=click.IntRange(1), default=None,
              help="Horizontal+vertical sweeps (solver).")
@click.option("--color-space", type=click.Choice(["rgb", "lab"]), default=None,
              help="Color distance space (joint_bilateral).")
@click.option("--confidence", "confidence_path", type=click.Path(dir_okay=False), default=None,
              help="Optional per-pixel confidence map (any depth format, >= 0).")
@scale_option
@overwrite_option
@guarded
def refine_cmd(depth, guide, output, method, radius, sigma_space, sigma_color, eps, lam,
               iterations, color_space, confidence_path, scale, overwrite):
    """Denoise DEPTH and snap its edges to the color edges of --guide.

    Invalid pixels (0, NaN) are never read and are filled from valid neighbours. The output
    keeps DEPTH's units; a PNG output is written with the same --scale.
    """
    import numpy as np

    from ..refine import refine

    given = {"radius": radius, "sigma_space": sigma_space, "sigma_color": sigma_color,
             "eps": eps, "lam": lam, "iterations": iterations, "color_space": color_space}
    params = {k: v for k, v in given.items() if v is not None}
    bad = [k for k in params if k not in _PARAMS[method]]
    if bad:
        opts = ", ".join("--" + k.replace("_", "-") for k in bad)
        raise click.UsageError(f"{opts} does not apply to --method {method}")
    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide, d.shape)
    conf = None
    if confidence_path:
        conf = read_depth_arg(confidence_path, None, "--confidence")
        if conf.shape != d.shape:
            raise ValueError(f"--confidence: {confidence_path} is {conf.shape[1]}x"
                             f"{conf.shape[0]} but the depth is {d.shape[1]}x{d.shape[0]}")
        conf = np.nan_to_num(conf, nan=0.0)
    out = refine(d, g, confidence=conf, method=method, **params)
    png = output.lower().endswith(".png")
    write_output(output, out, scale=scale if png else None, overwrite=overwrite,
                 inputs=[depth, guide] + ([confidence_path] if confidence_path else []))
    click.echo(f"wrote {output} ({d.shape[1]}x{d.shape[0]}, method {method})", err=True)
