"""``python -m depthsmith``."""

from depthsmith.cli import main

main(prog_name="depthsmith")
