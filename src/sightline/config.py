"""All settings in one place, read from SIGHTLINE_* environment variables with defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from .detection.images import DEFAULT_MAX_PIXELS
from .storage.s3 import split_s3_url

_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    models_dir: Path | None = None  # default: data_dir/models
    models_file: Path | None = None  # default: models_dir/models.toml
    default_model: str = "nanodet"
    max_pixels: int = DEFAULT_MAX_PIXELS
    # Decoded pixels one worker holds at once (see api/memory.py); photos beyond it wait up to
    # decode_wait seconds, then get 503 with Retry-After.
    decode_pixels: int = 50_000_000
    decode_wait: int = 30
    torch_threads: int = 0  # 0: let PyTorch decide
    inference_backend: str = "onnxruntime"  # or "torch"; see detection/runtime.py
    database_url: str = ""  # default: SQLite file data_dir/sightline.db; or postgresql://user:pass@host/db
    images_dir: Path | None = None  # default: data_dir/images (stored photos, named by sha256)
    images_url: str = ""  # s3://bucket/optional/prefix: stored photos go to that bucket instead of images_dir
    store_images: bool = False  # keep every uploaded photo and its prediction, not only those sent with store=true
    # The HTTP service (`sightline serve`); see `api/server.py` for how workers and threads were chosen.
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # worker processes, each with its own models; 0: one per core
    threads: int = 8  # requests one worker takes at once; they queue for its model
    max_body_bytes: int = 20_000_000
    max_batch_images: int = 16  # photos in one batch request
    # Slow clients (see `api/worker.py`): a request's headers, then its body, must arrive within these
    # seconds or it is answered 408; requests still arriving may hold this many bytes per worker at once.
    header_timeout: int = 10
    body_timeout: int = 60
    max_read_ahead_bytes: int = 400_000_000
    log_file: Path | None = None  # default: data_dir/log/sightline.log
    log_level: str = "INFO"
    api_keys: tuple[str, ...] = ()  # comma-separated; when set, every /api request needs one in X-API-Key
    admin_key: str = ""  # X-Admin-Key for admin actions; none: admin actions are off
    metrics_key: str = ""  # when set, /metrics needs it as "Authorization: Bearer KEY" (Prometheus' bearer_token)
    cors_origins: tuple[str, ...] = ()  # comma-separated origins allowed to call the API from a browser
    web_dir: Path = Path("web/dist")  # the built web app, served at /
    runtime_dir: Path | None = None  # scratch space the workers of one server share; `serve` makes it

    def __post_init__(self) -> None:
        # Derived paths are filled in once so every reader sees the same values.
        models_dir = Path(self.models_dir) if self.models_dir else Path(self.data_dir) / "models"
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "models_dir", models_dir)
        object.__setattr__(
            self, "models_file", Path(self.models_file) if self.models_file else models_dir / "models.toml"
        )
        data_dir = Path(self.data_dir)
        object.__setattr__(self, "database_url", self.database_url or f"sqlite:///{data_dir / 'sightline.db'}")
        object.__setattr__(self, "images_dir", Path(self.images_dir) if self.images_dir else data_dir / "images")
        if self.images_url:
            try:
                split_s3_url(self.images_url)
            except ValueError as error:
                raise ValueError(f"SIGHTLINE_IMAGES_URL: {error}") from None
        object.__setattr__(
            self, "log_file", Path(self.log_file) if self.log_file else data_dir / "log" / "sightline.log"
        )
        object.__setattr__(self, "web_dir", Path(self.web_dir))
        object.__setattr__(self, "runtime_dir", Path(self.runtime_dir) if self.runtime_dir else None)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from `SIGHTLINE_<FIELD>` variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for item in fields(cls):
            raw = environ.get(f"SIGHTLINE_{item.name.upper()}")
            if raw is None or raw == "":
                continue
            if item.type == "int":
                try:
                    values[item.name] = int(raw)
                except ValueError:
                    raise ValueError(f"SIGHTLINE_{item.name.upper()} must be an integer, got {raw!r}") from None
            elif item.type == "bool":
                if raw.lower() not in _BOOLEANS:
                    raise ValueError(f"SIGHTLINE_{item.name.upper()} must be true or false, got {raw!r}")
                values[item.name] = _BOOLEANS[raw.lower()]
            elif item.type == "tuple[str, ...]":
                values[item.name] = tuple(part.strip() for part in raw.split(",") if part.strip())
            else:
                values[item.name] = raw
        return cls(**{**values, **overrides})
