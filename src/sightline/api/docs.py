"""The Swagger UI files behind /api/v1/docs, served from a pinned package so the page works offline."""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("docs", __name__, url_prefix="/api/v1/docs")

ASSETS_URL = "/api/v1/docs/assets/"


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
