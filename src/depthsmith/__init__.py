"""depthsmith: dense, clean, edge-aligned depth from the depth maps people actually get.

Subpackages
-----------
io        read/write every depth format, colorize
datasets  loaders for Middlebury, KITTI, NYU v2, Sintel, Scene Flow, HCI 4D, SYNDOF
metrics   RMSE, MAE, AbsRel, iRMSE, delta, bad-N, SSIM, PSNR, ``evaluate``
ops       shared primitives (normalized convolution, filters, solvers)
fill, refine, complete, upsample   the tasks on depth
defocus   blur maps and relative depth from one photo
bench     the benchmark runner of ``BENCHMARKS.md``
degrade   the degradation models of the benchmarks (ground truth -> benchmark inputs)
learn     small CNNs (guided SR, completion) shipped as ONNX, bring-your-own ONNX models
batch     folders of frames: pairing, manifest, resume, local processes or Dask
report    static HTML reports of bench and batch runs
"""

from importlib import import_module

__version__ = "0.3.5"

_SUBPACKAGES = (
    "io", "datasets", "metrics", "ops", "bench", "degrade", "fill", "refine", "complete",
    "upsample", "defocus", "learn", "batch", "report",
)
__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):  # lazy subpackages: ``import depthsmith`` stays fast
    if name in _SUBPACKAGES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'depthsmith' has no attribute {name!r}")
