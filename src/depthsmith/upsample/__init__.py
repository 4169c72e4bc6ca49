"""Upsample (placeholder: its methods land with the upsample issue)."""

METHODS: dict = {}

__all__ = ["METHODS"]
