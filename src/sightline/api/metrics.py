"""Prometheus metrics: requests and their latency by route, model and status; inference time; errors.

Under gunicorn with several workers every worker writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (set by `sightline serve`) and `/metrics` adds them up.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("route", "method", "status", "model")
        self.requests = Counter("sightline_http_requests", "HTTP requests answered", labels, registry=self.registry)
        self.latency = Histogram(
            "sightline_http_request_duration_seconds",
            "time from request to response in the server",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "sightline_http_errors",
            "error responses by their error code",
            ("route", "status", "code"),
            registry=self.registry,
        )
        self.inference = Histogram(
            "sightline_inference_duration_seconds",
            "one forward pass with post-processing, for the photos of one request",
            ("model",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_pass(self, model: str, seconds: float) -> None:
        self.inference.labels(model).observe(seconds)

    def observe_request(self, response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        status = str(response.status_code)
        labels = (route, request.method, status, g.get("model", ""))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(time.perf_counter() - g.started)
        if response.status_code >= 400:
            self.errors.labels(route, status, g.get("error_code", "")).inc()
        return response

    def exposition(self) -> Response:
        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    def init_app(self, app: Flask) -> None:
        app.extensions["sightline.metrics"] = self
        app.after_request(self.observe_request)


def current_metrics() -> Metrics:
    return current_app.extensions["sightline.metrics"]
