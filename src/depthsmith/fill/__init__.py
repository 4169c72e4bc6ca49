"""Fill (placeholder: its methods land with the fill issue)."""

METHODS: dict = {}

__all__ = ["METHODS"]
