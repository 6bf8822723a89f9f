"""Headers every response carries so a browser runs nothing but the server's own page and scripts:
a Content-Security-Policy, no content-type sniffing, no framing by other sites."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

# The page (web/dist) loads its scripts, styles and icon from /assets and calls the API on the same
# origin; a stored photo is shown from a blob: URL the API module makes. Nothing else is needed.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI at /api/v1/docs starts from one inline script (allowed by its hash) and styles its
# elements inline.
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' {script_hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _script_hashes(page: bytes) -> str:
    digests = (hashlib.sha256(script).digest() for script in _INLINE_SCRIPT.findall(page))
    return " ".join(f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)


def _add_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.path.rstrip("/") == "/api/v1/docs" and response.mimetype == "text/html":
        policy = _DOCS_POLICY.format(script_hashes=_script_hashes(response.get_data()))
    else:
        policy = PAGE_POLICY
    response.headers["Content-Security-Policy"] = policy
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
