"""info, eval and colorize."""

from __future__ import annotations

import json

import click
import numpy as np

from ._common import (
    PositiveFloat,
    check_outputs,
    guard_memory,
    guarded,
    memory_option,
    overwrite_option,
    read_depth_arg,
    require_valid,
    scale_option,
    status,
    write_picture,
)


def _check_cmap(ctx, param, value):
    """A matplotlib colormap name, else a usage error listing a few."""
    from matplotlib import colormaps

    if value not in colormaps:
        some = ", ".join(n for n in ("turbo", "viridis", "magma", "inferno", "plasma", "gray",
                                     "jet") if n in colormaps)
        raise click.BadParameter(f"{value!r} is not a matplotlib colormap (e.g. {some})")
    return value


@click.command("info")
@click.argument("file", type=click.Path(dir_okay=False))
@scale_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@memory_option
@guarded
def info(file, scale, as_json, max_memory):
    """Size, dtype, value range and valid fraction of a depth FILE."""
    guard_memory("info", None, [("FILE", file)], max_memory=max_memory)
    d = read_depth_arg(file, scale, "FILE")
    v = np.isfinite(d) & (d > 0)
    vals = d[v]
    out = {"file": file, "width": d.shape[1], "height": d.shape[0], "dtype": str(d.dtype),
           "valid_fraction": float(v.mean()),
           "min": float(vals.min()) if vals.size else None,
           "max": float(vals.max()) if vals.size else None,
           "median": float(np.median(vals)) if vals.size else None}
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"{file}: {out['width']}x{out['height']} {out['dtype']}, "
               f"valid {100 * out['valid_fraction']:.1f}%")
    if vals.size:
        click.echo(f"range {out['min']:.6g} .. {out['max']:.6g}, median {out['median']:.6g}")


@click.command("eval")
@click.argument("pred", type=click.Path(dir_okay=False))
@click.argument("gt", type=click.Path(dir_okay=False))
@scale_option
@click.option("--gt-scale", type=PositiveFloat(), default=None,
              help="Scale of GT if it differs.")
@click.option("--edge-radius", type=click.IntRange(min=0), default=None,
              help="Also score the band within this many px of GT discontinuities.")
@click.option("--inverse-unit", type=PositiveFloat(), default=1.0,
              help="iRMSE/iMAE unit factor (1000: metres to 1/km).")
@click.option("--json", "as_json", is_flag=True, help="Print the evaluate() dict as JSON.")
@memory_option
@guarded
def eval_(pred, gt, scale, gt_scale, edge_radius, inverse_unit, as_json, max_memory):
    """Every metric of PRED against GT (scored where GT is valid)."""
    from ..metrics import evaluate

    sizes = guard_memory("eval", None, [("PRED", pred), ("GT", gt)], max_memory=max_memory)
    if sizes["PRED"] != sizes["GT"]:
        (ph, pw), (gh, gw) = sizes["PRED"], sizes["GT"]
        raise ValueError(f"PRED {pred} is {pw}x{ph} but GT {gt} is {gw}x{gh}: expected the "
                         "same size")
    p = read_depth_arg(pred, scale, "PRED")
    g = read_depth_arg(gt, gt_scale if gt_scale is not None else scale, "GT")
    if p.shape != g.shape:
        raise ValueError(f"PRED {pred} is {p.shape[1]}x{p.shape[0]} but GT {gt} is "
                         f"{g.shape[1]}x{g.shape[0]}: expected the same size")
    require_valid(g, gt, "GT", "no pixel to score")
    try:
        res = evaluate(p, g, edge_radius=edge_radius, inverse_unit=inverse_unit)
    except ValueError as e:
        if str(e).startswith("pred "):
            raise ValueError(f"PRED {pred}: {str(e)[5:]}") from None
        raise
    if as_json:
        click.echo(json.dumps(res))
    else:
        for k, v in res.items():
            click.echo(f"{k:10s} {v:.6g}")


@click.command("colorize")
@click.argument("src", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@scale_option
@click.option("--cmap", default="turbo", show_default=True, callback=_check_cmap,
              help="Matplotlib colormap.")
@click.option("--invert", is_flag=True, help="Near is bright.")
@overwrite_option
@memory_option
@guarded
def colorize(src, out, scale, cmap, invert, overwrite, max_memory):
    """Write a colorized picture of depth SRC to OUT (invalid pixels black)."""
    from ..io import colorize as _colorize

    check_outputs([("OUT", out, "image")], overwrite=overwrite, inputs=[src])
    guard_memory("colorize", None, [("SRC", src)], max_memory=max_memory)
    d = read_depth_arg(src, scale, "SRC")
    write_picture(out, _colorize(d, cmap=cmap, invert=invert), overwrite=overwrite)
    status(f"wrote {out}")
