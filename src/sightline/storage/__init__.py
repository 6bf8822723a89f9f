"""Stored photos, predictions and user feedback: the database, its migrations and the image files."""
