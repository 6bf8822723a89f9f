"""Sightline: a self-hosted object-detection service and web app."""

__version__ = "0.1.0"
