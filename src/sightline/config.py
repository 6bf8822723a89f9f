"""All settings in one place, read from SIGHTLINE_* environment variables with defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from .detection.images import DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    models_dir: Path | None = None  # default: data_dir/models
    models_file: Path | None = None  # default: models_dir/models.toml
    default_model: str = "nanodet"
    max_pixels: int = DEFAULT_MAX_PIXELS
    torch_threads: int = 0  # 0: let PyTorch decide

    def __post_init__(self) -> None:
        # Derived paths are filled in once so every reader sees the same values.
        models_dir = Path(self.models_dir) if self.models_dir else Path(self.data_dir) / "models"
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "models_dir", models_dir)
        object.__setattr__(
            self, "models_file", Path(self.models_file) if self.models_file else models_dir / "models.toml"
        )

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
            else:
                values[item.name] = raw
        return cls(**{**values, **overrides})
