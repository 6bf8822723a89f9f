"""All settings in one place, read from SIGHTLINE_* environment variables with defaults.

A leaf: nothing here imports the rest of the package, so every part of it may read settings.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

# Variables renamed since; the old name is still read when the new one is not set.
_OLD_NAMES = {"inference_threads": "SIGHTLINE_TORCH_THREADS"}

_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class Settings:
    data_dir: Path | None = None  # default: var/ of a source checkout, else the per-user data folder
    models_dir: Path | None = None  # default: data_dir/models
    models_file: Path | None = None  # default: models_dir/models.toml
    default_model: str = "nanodet"
    max_pixels: int = 50_000_000  # larger images are refused from their header, before decoding
    # Decoded pixels one worker holds at once (see server/memory.py); photos beyond it wait up to
    # decode_wait seconds, then get 503 with Retry-After.
    decode_pixels: int = 50_000_000
    decode_wait: int = 30
    inference_threads: int = 0  # threads of one forward pass (ONNX Runtime or PyTorch); 0: the runtime decides
    inference_backend: str = "onnxruntime"  # or "torch"; see detection/runtime.py
    database_url: str = ""  # default: SQLite file data_dir/sightline.db; or postgresql://user:pass@host/db
    images_dir: Path | None = None  # default: data_dir/images (stored photos, named by sha256)
    images_url: str = ""  # s3://bucket/optional/prefix: stored photos go to that bucket instead of images_dir
    store_images: bool = False  # keep every uploaded photo and its prediction, not only those sent with store=true
    # The HTTP service (`sightline serve`); see `server/serve.py` for how workers and threads were chosen.
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # worker processes, each with its own models; 0: one per core
    threads: int = 8  # requests one worker takes at once; they queue for its model
    max_body_bytes: int = 20_000_000
    max_batch_images: int = 16  # photos in one batch request
    # Slow clients (see `server/worker.py`): a request's headers, then its body, must arrive within these
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
    web_dir: Path | None = None  # the built web app, served at /; default: web/dist of a source checkout
    runtime_dir: Path | None = None  # scratch space the workers of one server share; `serve` makes it

    def __post_init__(self) -> None:
        # Derived paths are filled in once so every reader sees the same values.
        checkout = source_checkout()
        data_dir = Path(self.data_dir) if self.data_dir else default_data_dir(checkout)
        models_dir = Path(self.models_dir) if self.models_dir else data_dir / "models"
        object.__setattr__(self, "data_dir", data_dir)
        object.__setattr__(self, "models_dir", models_dir)
        object.__setattr__(
            self, "models_file", Path(self.models_file) if self.models_file else models_dir / "models.toml"
        )
        object.__setattr__(self, "database_url", self.database_url or f"sqlite:///{data_dir / 'sightline.db'}")
        object.__setattr__(self, "images_dir", Path(self.images_dir) if self.images_dir else data_dir / "images")
        object.__setattr__(
            self, "log_file", Path(self.log_file) if self.log_file else data_dir / "log" / "sightline.log"
        )
        web_dir = Path(self.web_dir) if self.web_dir else (checkout or Path()) / "web" / "dist"
        object.__setattr__(self, "web_dir", web_dir)
        object.__setattr__(self, "runtime_dir", Path(self.runtime_dir) if self.runtime_dir else None)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from `SIGHTLINE_<FIELD>` variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for item in fields(cls):
            variable = f"SIGHTLINE_{item.name.upper()}"
            raw = environ.get(variable)
            old_name = _OLD_NAMES.get(item.name)
            if not raw and old_name and environ.get(old_name):
                log.warning("%s is deprecated; use %s", old_name, variable)
                variable, raw = old_name, environ[old_name]
            if raw is None or raw == "":
                continue
            if item.type == "int":
                try:
                    values[item.name] = int(raw)
                except ValueError:
                    raise ValueError(f"{variable} must be an integer, got {raw!r}") from None
            elif item.type == "bool":
                if raw.lower() not in _BOOLEANS:
                    raise ValueError(f"{variable} must be true or false, got {raw!r}")
                values[item.name] = _BOOLEANS[raw.lower()]
            elif item.type == "tuple[str, ...]":
                values[item.name] = tuple(part.strip() for part in raw.split(",") if part.strip())
            else:
                values[item.name] = raw
        return cls(**{**values, **overrides})


def source_checkout() -> Path | None:
    """The source tree this package runs from (`pip install -e .`, or `src/` on the path), else None.

    A checkout is recognised by its layout, `<root>/src/sightline/` next to `<root>/pyproject.toml`;
    an installed wheel lives in site-packages, which has neither.
    """
    package = Path(__file__).resolve().parent
    root = package.parent.parent
    return root if package.parent.name == "src" and (root / "pyproject.toml").is_file() else None


def default_data_dir(checkout: Path | None) -> Path:
    """`var/` of the checkout, so `make run` and the tests share what `make setup` fetched; else the
    per-user data folder (`~/.local/share/sightline` on Linux), whatever folder the command runs in."""
    if checkout is not None:
        return checkout / "var"
    import platformdirs  # only an installed copy needs it

    return platformdirs.user_data_path("sightline", appauthor=False)
