"""defocus: blur (defocus) maps and relative depth from one photo."""

from __future__ import annotations

import click

# choices from the library's registries (this module is imported only when a defocus command
# runs or shows its help, so `depthsmith --help` stays light)
from ..defocus import MAP_METHODS
from ..ops import DEFOCUS_KERNELS
from ._common import (
    _write,
    check_outputs,
    guarded,
    output_option,
    overwrite_option,
    png_output_scale,
    read_guide_arg,
    status,
    write_output,
    write_picture,
)
from ._scale_options import threads_option, tile_option
from ._task_spec import TaskSpec, tile_kw

KERNELS = tuple(DEFOCUS_KERNELS)
MAP_CHOICES = tuple(MAP_METHODS)


@click.group("defocus")
def defocus_group():
    """Blur (defocus) maps and relative depth from one photo by ML blur estimation."""


def _read_photo(path, name="IMAGE"):
    """The photo, read through the guide reader of every command (errors name ``name``)."""
    return read_guide_arg(path, name=name)


#: the callback keywords :func:`task_options` adds
KEYS = ("kernel", "method", "segments", "stride")


def task_options(fn):
    """``defocus map``'s own options, shared with ``depthsmith batch defocus``."""
    fn = click.option("--stride", type=click.IntRange(min=1), default=None,
                      help="Window step in px of the patches map (default 10; 30 runs about "
                           "5x faster and ranks a little lower: docs/bench_dfd.md).")(fn)
    fn = click.option("--segments", default=None,
                      help="slic, felzenszwalb, or a label image (PNG; one value per "
                           "segment).")(fn)
    fn = click.option("--method", type=click.Choice(MAP_CHOICES), default="auto",
                      show_default=True,
                      help="Map method (auto: segments when --segments is given, else "
                           "patches).")(fn)
    return click.option("--kernel", type=click.Choice(KERNELS), default="disc",
                        show_default=True, help="Blur-kernel model.")(fn)


def check(options: dict, has_guide: bool) -> None:
    """Usage checks before any file is read (exit 2): in a batch, --segments is slic or
    felzenszwalb (one label image cannot serve every photo)."""
    if options.get("batch") and options.get("segments") not in (None, "slic", "felzenszwalb"):
        raise click.BadParameter("in a batch, expected slic or felzenszwalb (a label image "
                                 "fits one photo only)", param_hint="--segments")
    if options.get("stride") is not None and (options.get("segments") is not None
                                              or options.get("method") not in ("auto",
                                                                               "patches")):
        raise click.BadParameter("applies to the patches map only (method auto or patches, "
                                 "without --segments)", param_hint="--stride")


def _segments_input(segments):
    return segments if segments not in (None, "slic", "felzenszwalb") else None


def _run(paths: dict, options: dict):
    import numpy as np

    from ..defocus import blur_map

    image, output = paths["depth"], paths["output"]
    segments, method = options.get("segments"), options["method"]
    inputs = [image, _segments_input(segments)]
    rgb = _read_photo(image)
    seg = segments
    if _segments_input(segments) is not None:
        from ..io import read_image

        lab = read_image(segments)
        seg = (lab[..., 0].astype(np.int64) * 65536 + lab[..., 1].astype(np.int64) * 256
               + lab[..., 2])
    mp = rgb.shape[0] * rgb.shape[1] / 1e6
    if mp > 1 and not options.get("batch"):
        status(f"estimating blur on {mp:.1f} MP ...")
    extra = {"progress": True} if mp > 1 and seg is None and method in ("auto", "patches") \
        and not options.get("batch") else {}
    if options.get("stride") is not None:
        extra["stride"] = int(options["stride"])
    bm = blur_map(rgb, kernel=options.get("kernel", "disc"), method=method, segments=seg,
                  **tile_kw(options), **extra)
    write_output(output, bm.radius, overwrite=options.get("overwrite", False), inputs=inputs)
    msg = (f"{output}: blur radius {float(np.median(bm.radius)):.2f} px median "
           f"({float(bm.radius.min()):.2f}-{float(bm.radius.max()):.2f})")
    return msg, rgb, bm


def run_item(paths: dict, options: dict) -> str:
    """Blur map of one photo: ``paths`` has ``depth`` (the photo) and ``output`` (a float
    format); returns the status line."""
    return _run(paths, options)[0]


SPEC = TaskSpec("defocus", __name__, task_options, KEYS, None, guide="none", inputs="image",
                check=check, run_item=run_item, output_ext=".pfm",
                help="Blur (defocus) map of every photo of --input (defocus map).")


@defocus_group.command("map")
@click.argument("image", type=click.Path(dir_okay=False))
@output_option
@task_options
@click.option("--confidence", "confidence_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the confidence map (0-1, float format).")
@click.option("--preview", type=click.Path(dir_okay=False), default=None,
              help="Also write a colorized photo / radius / confidence picture (PNG).")
@overwrite_option
@tile_option
@threads_option
@guarded
def map_cmd(image, output, kernel, method, segments, stride, confidence_out, preview, overwrite,
            tile, threads):
    """Blur-circle radius (px) of every pixel of IMAGE, written to -o OUT (float format)."""
    import numpy as np

    from .._threads import threads as threads_block

    options = {"kernel": kernel, "method": method, "segments": segments, "stride": stride,
               "overwrite": overwrite, "tile": tile}
    check(options, False)
    inputs = [image, _segments_input(segments)]
    check_outputs([("-o", output, "depth"), ("--confidence", confidence_out, "depth"),
                   ("--preview", preview, "image")], overwrite=overwrite, inputs=inputs)
    png_output_scale(output, None)  # radii are fractional: a PNG output is refused now
    png_output_scale(confidence_out or "", None, name="--confidence")
    with threads_block(threads):
        msg, rgb, bm = _run({"depth": image, "output": output}, options)
    status(msg)
    if confidence_out:
        write_output(confidence_out, bm.confidence, overwrite=overwrite, inputs=inputs,
                     name="--confidence")
        status(f"wrote {confidence_out}")
    if preview:
        from ..io import colorize, save_panel

        imgs = [rgb if rgb.dtype == np.uint8 else (rgb / 257).astype(np.uint8),
                colorize(bm.radius, vmin=0.0, vmax=float(max(bm.radius.max(), 1e-3))),
                colorize(bm.confidence, vmin=0.0, vmax=1.0)]
        _write("--preview", preview, lambda: save_panel(
            preview, imgs, ["photo", f"blur radius ({kernel})", "confidence"],
            overwrite=overwrite))
        status(f"wrote {preview}")


@defocus_group.command("simulate")
@click.argument("image", type=click.Path(dir_okay=False))
@click.argument("radius", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Output picture (8-bit gray PNG).")
@click.option("--depth", type=click.Path(dir_okay=False), default=None,
              help="Depth map (larger = farther) for layered back-to-front compositing.")
@click.option("--kernel", type=click.Choice(KERNELS), default="disc", show_default=True)
@click.option("--noise", type=click.FloatRange(0), default=0.001, show_default=True,
              help="Gaussian noise std (image in [0, 1]).")
@overwrite_option
@guarded
def simulate_cmd(image, radius, output, depth, kernel, noise, overwrite):
    """Blur IMAGE with the per-pixel radius map RADIUS (px) and write it to -o OUT."""
    import numpy as np

    from ..defocus import simulate
    from ..io import read_depth

    check_outputs([("-o", output, "image")], overwrite=overwrite, inputs=[image, radius, depth])
    rgb = _read_photo(image)
    rad = read_depth(radius)
    d = read_depth(depth) if depth else None
    out = simulate(rgb, np.nan_to_num(rad), depth=d, kernel=kernel, noise=noise)
    gray = np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)
    write_picture(output, np.repeat(gray[..., None], 3, axis=2), overwrite=overwrite, name="-o")
    status(f"wrote {output}")


@defocus_group.command("study")
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False),
              help="Folder for the figures (created).")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Benchmark data folder for the sharp images (default: the bundled sample "
                   "or $DEPTHSMITH_DATA).")
@click.option("--prior", type=click.Choice(["ar1", "iid"]), default="ar1", show_default=True)
@click.option("--quick", is_flag=True, help="Fewer patches and sigmas (a smoke test).")
@guarded
def study_cmd(output, data, prior, quick):
    """Redraw the report's figures 5-9 (log-likelihood surfaces, r_hat against sigma)."""
    import json

    from ..datasets import data_root
    from ..defocus._study import study

    root = data or data_root()
    found = study(output, root=root, prior=prior, quick=quick)
    click.echo(json.dumps(found, indent=1))
    status(f"wrote figures to {output}")
