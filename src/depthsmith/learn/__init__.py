"""Learned models: guided depth super-resolution (and completion), trained here, shipped as
ONNX files run by onnxruntime.

Importing this package (or :mod:`depthsmith`) never imports PyTorch. Training, export and
the model classes need the ``learn`` extra (``pip install 'depthsmith[learn]'``):

- :mod:`depthsmith.learn._sr_net` (``GuidedSRNet``), :mod:`._seed_srgan` (the seed
  research's generator and discriminator), :mod:`._train_sr`, :mod:`._export`,
  :mod:`._checkpoint`;
- inference without PyTorch: :mod:`._sr_infer` (used by ``upsample(method="learned")``),
  :mod:`._predict` (bring your own ONNX monocular model), :mod:`._runtime` (sessions).
"""

from ._runtime import MODELS_DIR, model_path, run, session

__all__ = ["MODELS_DIR", "model_path", "run", "session"]
