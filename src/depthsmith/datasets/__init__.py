"""Loaders for the benchmark datasets, each returning one small :class:`Sample`.

``load(folder)`` reads any scene folder of ``../shared/data`` (the dataset is named in its
``meta.json``); ``scenes("middlebury")`` lists a dataset's folders; ``data_root()`` finds the
data (``$DEPTHSMITH_DATA``, else a ``shared/data`` beside or above the working directory or
the package), or returns None when it is absent.
"""

from ._loaders import LOADERS, Sample, data_root, load, require_data_root, scenes

__all__ = ["Sample", "LOADERS", "load", "scenes", "data_root", "require_data_root"]
