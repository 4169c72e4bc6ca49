"""Reading and writing depth maps and images, and turning depth into pictures.

Depth comes back as float32 (H, W) in the user's units (``raw / scale``) with unknown pixels
as NaN; writers map NaN back to the format's invalid value (0 in PNG, +inf in PFM).
"""

from ._atomic import atomic_path, check_output, remove_temp_files, sweep_stale_temps
from ._depth import FORMATS, read_depth, write_depth
from ._errors import OutputExistsError, ReadError, UnsupportedFormatError
from ._image import image_formats, read_image, write_image
from ._probe import MAX_PIXELS, image_size
from ._viz import colorize, error_map, save_panel

__all__ = [
    "FORMATS", "MAX_PIXELS", "read_depth", "write_depth", "read_image", "write_image",
    "image_size", "image_formats", "colorize", "error_map", "save_panel", "atomic_path",
    "check_output", "remove_temp_files", "sweep_stale_temps", "OutputExistsError",
    "ReadError", "UnsupportedFormatError",
]
