"""Helpers without models."""
