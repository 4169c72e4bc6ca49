"""The ``depthsmith`` command line: a thin click group over the library.

Each command lives in its own module and registers itself on :data:`main`; errors from the
library become one line on stderr with exit code 1, usage errors exit 2.
"""

from . import _basic, _bench, _complete, _fill, _refine, _upsample  # noqa: F401,E402  (register commands)
from ._common import main

__all__ = ["main"]
