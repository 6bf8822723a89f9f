"""Detector families users bring as files: one module per family, each with its decoding and input."""
