"""info, eval and colorize."""

from __future__ import annotations

import json

import click
import numpy as np

from ._common import guarded, overwrite_option, read_depth_arg, scale_option, status


@click.command("info")
@click.argument("file", type=click.Path(dir_okay=False))
@scale_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@guarded
def info(file, scale, as_json):
    """Size, dtype, value range and valid fraction of a depth FILE."""
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
@click.option("--gt-scale", type=float, default=None, help="Scale of GT if it differs.")
@click.option("--edge-radius", type=int, default=None,
              help="Also score the band within this many px of GT discontinuities.")
@click.option("--inverse-unit", type=float, default=1.0,
              help="iRMSE/iMAE unit factor (1000: metres to 1/km).")
@click.option("--json", "as_json", is_flag=True, help="Print the evaluate() dict as JSON.")
@guarded
def eval_(pred, gt, scale, gt_scale, edge_radius, inverse_unit, as_json):
    """Every metric of PRED against GT (scored where GT is valid)."""
    from ..metrics import evaluate

    p = read_depth_arg(pred, scale, "PRED")
    g = read_depth_arg(gt, gt_scale if gt_scale is not None else scale, "GT")
    if p.shape != g.shape:
        raise ValueError(f"PRED {pred} is {p.shape[1]}x{p.shape[0]} but GT {gt} is "
                         f"{g.shape[1]}x{g.shape[0]}: expected the same size")
    res = evaluate(p, g, edge_radius=edge_radius, inverse_unit=inverse_unit)
    if as_json:
        click.echo(json.dumps(res))
    else:
        for k, v in res.items():
            click.echo(f"{k:10s} {v:.6g}")


@click.command("colorize")
@click.argument("src", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@scale_option
@click.option("--cmap", default="turbo", show_default=True, help="Matplotlib colormap.")
@click.option("--invert", is_flag=True, help="Near is bright.")
@overwrite_option
@guarded
def colorize(src, out, scale, cmap, invert, overwrite):
    """Write a colorized picture of depth SRC to OUT (invalid pixels black)."""
    from ..io import check_output, write_image
    from ..io import colorize as _colorize

    d = read_depth_arg(src, scale, "SRC")
    check_output(out, overwrite=overwrite, inputs=[src])
    write_image(out, _colorize(d, cmap=cmap, invert=invert))
    status(f"wrote {out}")
