"""The web app at /: the built page from `web/dist` once it exists, the API docs until then."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, send_from_directory

bp = Blueprint("web", __name__)


def _web_dir():
    return current_app.extensions["sightline.settings"].web_dir.resolve()


@bp.get("/")
def index():
    if not (_web_dir() / "index.html").is_file():
        return redirect("/api/v1/docs")
    return send_from_directory(_web_dir(), "index.html", max_age=0)


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(_web_dir() / "assets", filename)
