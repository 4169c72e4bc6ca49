"""train, export, predict: the learned models' commands (training needs the learn extra)."""

from __future__ import annotations

import click

from ._common import (
    check_outputs,
    check_plain_output,
    fail,
    guarded,
    output_option,
    overwrite_option,
    read_guide_arg,
    scale_option,
    status,
    write_output,
)

__all__ = ["train_cmd", "export_cmd", "predict_cmd"]


def _require_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        fail("PyTorch is not installed: install the training extra with "
             "pip install 'depthsmith[learn]' (or pip install -e '.[learn]' in a checkout)")


@click.command("train")
@click.argument("task", type=click.Choice(["sr", "complete"]))
@click.option("--data", required=True, type=click.Path(file_okay=False),
              help="The data folder (../shared/data: middlebury, middlebury_sr30, ...).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Run folder: last.pt (resumable), model.pt, curve.json.")
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Training budget (sr: CPU minutes of the process).")
@click.option("--folds", type=click.IntRange(min=2), default=None,
              help="k-fold by scene: number of folds (with --fold).")
@click.option("--fold", type=click.IntRange(min=0), default=None,
              help="The held-out fold (0 .. folds-1).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--wall-minutes", type=click.FloatRange(min=0, min_open=True), default=None,
              help="sr: also stop after this wall time (the decay follows the first budget).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def train_cmd(task, data, out, minutes, folds, fold, seed, wall_minutes, quiet):
    """Train a learned model (sr: GuidedSRNet; complete: CompletionNet) on --data.

    Crops, flips, rotations, factor / density / pattern augmentation and degradations; a
    checkpoint every few minutes: the same command resumes a run. The four seed scenes
    (cones, teddy, tsukuba, venus) are never trained on. CPU by default, the GPU when
    there is one.
    """
    from pathlib import Path

    if (folds is None) != (fold is None):
        raise click.UsageError("--folds and --fold go together")
    if folds is not None and fold >= folds:
        raise click.UsageError(f"--fold {fold} must be < --folds {folds}")
    if not Path(data).is_dir():
        fail(f"--data {data}: no such folder", 2)
    _require_torch()
    if task == "sr":
        from ..learn._train_sr import train

        path = train(data, out, minutes=minutes, folds=folds, fold=fold, seed=seed,
                     progress=not quiet, wall_minutes=wall_minutes)
    else:
        try:
            from ..learn._train_complete import train
        except ImportError as e:
            fail(f"train complete is not available: {e}")
        if wall_minutes is not None:
            raise click.UsageError("--wall-minutes applies to train sr only")
        path = train(data, out, minutes=minutes, folds=folds, fold=fold, seed=seed,
                     progress=not quiet)
    if isinstance(path, dict):  # train complete returns a summary
        path = ", ".join(f"{k} {v}" for k, v in path.items()
                         if isinstance(v, str | Path | int | float)) or out
    status(f"wrote {path}")


@click.command("export")
@click.argument("model", type=click.Path(dir_okay=False))
@output_option
@overwrite_option
@guarded
def export_cmd(model, output, overwrite):
    """Export a trained MODEL.pt to ONNX (dynamic height and width) as -o OUT.onnx.

    The checkpoint is read with torch.load(weights_only=True): tensors and plain data
    only, never pickled code. The torch and ONNX outputs are compared on a test input.
    """
    from pathlib import Path

    if not Path(output).name.lower().endswith(".onnx"):
        raise click.BadParameter(f"expected a .onnx file name, got {output!r}",
                                 param_hint="-o")
    if not Path(model).is_file():
        fail(f"MODEL {model}: no such file")
    check_plain_output(output, name="-o", overwrite=overwrite)
    _require_torch()
    from ..learn._export import export, max_relative_difference

    p = export(model, output, overwrite=overwrite)
    diff = max_relative_difference(model, p)
    status(f"wrote {p} (torch vs onnxruntime: max relative difference {diff:.1e})")


def _floats(n):
    def parse(ctx, param, value):
        if value is None:
            return None
        try:
            vals = tuple(float(v) for v in value.split(","))
        except ValueError:
            raise click.BadParameter(f"expected {n} comma-separated numbers, got {value!r}",
                                     ctx=ctx, param=param) from None
        if len(vals) != n:
            raise click.BadParameter(f"expected {n} comma-separated numbers, got {value!r}",
                                     ctx=ctx, param=param)
        return vals
    return parse


def _size(ctx, param, value):
    if value is None:
        return None
    try:
        h, w = (int(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected H,W (e.g. 384,384), got {value!r}",
                                 ctx=ctx, param=param) from None
    if h < 1 or w < 1:
        raise click.BadParameter(f"sizes must be >= 1, got {value!r}", ctx=ctx, param=param)
    return h, w


@click.command("predict")
@click.argument("rgb", type=click.Path(dir_okay=False))
@output_option
@click.option("--model", "model", required=True, type=click.Path(dir_okay=False),
              help="Your ONNX monocular depth model (one 4-D image input).")
@click.option("--refine", is_flag=True,
              help="Refine the prediction with the RGB image (depthsmith refine, auto).")
@click.option("--input-size", callback=_size, default=None, metavar="H,W",
              help="Network input size (default: the model's, or the image's rounded to "
                   "a multiple of 32).")
@click.option("--mean", callback=_floats(3), default="0.485,0.456,0.406", show_default=True,
              metavar="R,G,B", help="Per-channel mean subtracted from [0, 1] colours.")
@click.option("--std", callback=_floats(3), default="0.229,0.224,0.225", show_default=True,
              metavar="R,G,B", help="Per-channel std the colours are divided by.")
@click.option("--model-output", type=click.Choice(["depth", "inverse"]), default="depth",
              show_default=True,
              help="What the network predicts: depth (FCRN-style) or inverse depth "
                   "(MiDaS-style; written as 1/x, relative).")
@click.option("--layout", type=click.Choice(["nchw", "nhwc"]), default="nchw",
              show_default=True, help="The model's input tensor layout.")
@click.option("--out-scale", type=float, default=1.0, show_default=True,
              help="Multiplies the written depth.")
@scale_option
@overwrite_option
@guarded
def predict_cmd(rgb, output, model, refine, input_size, mean, std, model_output, layout,
                out_scale, scale, overwrite):
    """Depth from one RGB image with your own ONNX monocular model, written to -o DEPTH.

    Runs through onnxruntime (no PyTorch); --refine then snaps the prediction to the
    image's edges. Examples: MiDaS-style: --input-size 384,384 --model-output inverse;
    FCRN-style: --input-size 228,304 --layout nhwc --mean 0,0,0 --std 1,1,1.
    """
    import numpy as np

    from .._validate import InputError

    if out_scale <= 0 or not np.isfinite(out_scale):
        raise click.BadParameter(f"expected a finite number > 0, got {out_scale!r}",
                                 param_hint="--out-scale")
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=[rgb, model])
    from ..learn._predict import predict

    image = read_guide_arg(rgb, name="RGB")
    try:
        depth = predict(image, model, input_size=input_size, mean=mean, std=std,
                        output=model_output, layout=layout, out_scale=out_scale)
    except InputError as e:
        raise InputError(f"--model {model}: {e}" if model not in str(e) else str(e)) from None
    valid = depth > 0
    if refine:
        if not valid.any():
            fail(f"--model {model}: the prediction has no positive depth to refine")
        from ..refine import refine as refine_fn

        depth = refine_fn(depth, image, valid=valid)
    write_output(output, depth, scale=scale, overwrite=overwrite)
    status(f"{output}: {depth.shape[1]}x{depth.shape[0]} from {model}"
           + (" (refined)" if refine else ""))
