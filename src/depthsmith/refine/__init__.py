"""Refine (placeholder: its methods land with the refine issue)."""

METHODS: dict = {}

__all__ = ["METHODS"]
