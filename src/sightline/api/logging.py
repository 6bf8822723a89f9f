"""Where the service writes its log (a rotating file and stderr), request ids, and one line per request."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from concurrent_log_handler import ConcurrentRotatingFileHandler
from flask import Flask, Response, g, request

from ..config import Settings

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_LOG_FILE_BYTES = 10_000_000
_LOG_FILE_BACKUPS = 5

log = logging.getLogger("sightline.api")


class _Formatter(logging.Formatter):
    converter = time.gmtime

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")


def configure_logging(settings: Settings) -> None:
    """Send the `sightline` loggers to the log file and stderr; calling it again replaces the handlers.

    The file handler locks the file around each write and rotation, so the workers of one server
    can share it.
    """
    logger = logging.getLogger("sightline")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    settings.log_file.parent.mkdir(parents=True, exist_ok=True)
    formatter = _Formatter()
    for handler in (
        ConcurrentRotatingFileHandler(str(settings.log_file), maxBytes=_LOG_FILE_BYTES, backupCount=_LOG_FILE_BACKUPS),
        logging.StreamHandler(sys.stderr),
    ):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    logger.setLevel(settings.log_level.upper())
    logger.propagate = False


def _logfmt(value: object) -> str:
    text = "-" if value is None else str(value)
    return json.dumps(text) if not text or re.search(r'[\s"=]', text) else text


def _start_request() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _ACCEPTED_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    fields = {
        "request_id": g.request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": f"{(time.perf_counter() - g.started) * 1000:.1f}",
        "model": g.get("model"),
        "detections": g.get("detection_count"),
        "client": request.remote_addr,
    }
    log.info("request %s", " ".join(f"{key}={_logfmt(value)}" for key, value in fields.items()))
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_finish_request)
