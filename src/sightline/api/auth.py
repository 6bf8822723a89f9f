"""Optional API keys for `/api` routes (X-API-Key) and a separate admin key for admin actions (X-Admin-Key)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from functools import wraps

from flask import Flask, current_app, request

from ..config import Settings
from .errors import ApiError

API_KEY_HEADER = "X-API-Key"
ADMIN_KEY_HEADER = "X-Admin-Key"
# The API's description is public: the docs page must open in a browser, which sends no key.
_OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


def _matches(offered: str, keys: Iterable[str]) -> bool:
    # Compare with every key, in constant time, so timing reveals nothing about them.
    return any([hmac.compare_digest(offered.encode(), key.encode()) for key in keys if key])


def _settings() -> Settings:
    return current_app.extensions["sightline.settings"]


def _require_api_key() -> None:
    settings = _settings()
    if not settings.api_keys or request.method == "OPTIONS" or not request.path.startswith("/api/"):
        return
    if request.path.startswith(_OPEN_PATHS):
        return
    offered = request.headers.get(API_KEY_HEADER, "")
    if _matches(offered, settings.api_keys) or _matches(
        request.headers.get(ADMIN_KEY_HEADER, ""), [settings.admin_key]
    ):
        return
    if not offered:
        raise ApiError(401, "unauthorized", f"this server needs an API key in the {API_KEY_HEADER} header")
    raise ApiError(401, "unauthorized", "the API key is not valid")


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def checked(*args, **kwargs):
        admin_key = _settings().admin_key
        if not admin_key:
            raise ApiError(403, "admin_disabled", "admin actions are switched off: set SIGHTLINE_ADMIN_KEY to use them")
        if not _matches(request.headers.get(ADMIN_KEY_HEADER, ""), [admin_key]):
            raise ApiError(403, "forbidden", f"this action needs the admin key in the {ADMIN_KEY_HEADER} header")
        return view(*args, **kwargs)

    return checked


def require_metrics_key() -> None:
    """/metrics tells who uses the server and how: with SIGHTLINE_METRICS_KEY set, only a scraper holding it reads it."""
    key = _settings().metrics_key
    if not key:
        return
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not _matches(offered.strip(), [key]):
        raise ApiError(401, "unauthorized", "/metrics needs the metrics key as 'Authorization: Bearer KEY'")


def init_app(app: Flask) -> None:
    app.before_request(_require_api_key)
