"""Complete (placeholder: its methods land with the complete issue)."""

METHODS: dict = {}

__all__ = ["METHODS"]
