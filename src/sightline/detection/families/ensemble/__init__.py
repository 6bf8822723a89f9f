"""A model made of other models: each member runs on the photo, their boxes fused by weighted boxes fusion.

Registered in the models file with its members and, optionally, a weight per member::

    [models.strong]
    members = ["nanodet", "centernet"]
    weights = [1.0, 2.0]          # default: 1 each
    description = "NanoDet and CenterNet fused"

Members are loaded and served as themselves (their own locks and metrics); an ensemble holds no
weights of its own. Why the built-in one is what it is, with figures:
docs/decisions/0003-ensembles-and-detection-options.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from ...detector import Candidates, Detector, PassRunner, run_pass, suppress
from ...fusion import FUSION_IOU, weighted_boxes_fusion
from ...images import Photo
from ...options import DetectOptions
from ...spec import ModelConfigError, ModelLoadError, ModelSpec
from ..base import Family, LoadContext

ARCHITECTURE = "ensemble"

# name -> (members, weights, description) of the ensembles every server offers.
BUILTIN_ENSEMBLES = {
    "nanodet+centernet": (
        ("nanodet", "centernet"),
        (1.0, 1.0),
        "NanoDet-g and CenterNet together, boxes fused (weighted boxes fusion): more accurate, about twice the time",
    ),
}


def parse_members(entry: dict, where: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """`members = [...]` and optional `weights = [...]` of a models-file entry, checked."""
    members = entry.get("members")
    if not (isinstance(members, list) and len(members) >= 2 and all(isinstance(m, str) and m for m in members)):
        raise ModelConfigError(f"{where}: 'members' must list at least two model names")
    if len(set(members)) != len(members):
        raise ModelConfigError(f"{where}: 'members' names a model twice: {members}")
    weights = entry.get("weights", [1.0] * len(members))
    if not (
        isinstance(weights, list)
        and len(weights) == len(members)
        and all(isinstance(w, int | float) and not isinstance(w, bool) and w > 0 for w in weights)
    ):
        raise ModelConfigError(f"{where}: 'weights' must be {len(members)} positive numbers, one per member")
    return tuple(members), tuple(float(w) for w in weights)


class EnsembleDetector(Detector):
    """Runs every member on the photos and fuses their boxes; NMS and the options apply to the result."""

    def __init__(self, name: str, members: Sequence[Detector], weights: Sequence[float]) -> None:
        categories = members[0].categories
        for member in members[1:]:
            if member.categories != categories:
                raise ValueError(
                    f"ensemble {name!r}: members {members[0].name!r} and {member.name!r} have different classes"
                )
        super().__init__(name, categories)
        self.members = tuple(members)
        self.weights = tuple(weights)

    def decode_size(self, width: int, height: int) -> tuple[int, int] | None:
        # The photo is decoded once for every member: as large as the most demanding one needs.
        sizes = [member.decode_size(width, height) for member in self.members]
        if any(size is None for size in sizes):
            return None
        return max(size[0] for size in sizes), max(size[1] for size in sizes)

    def gather(self, images: Sequence[Photo], options: DetectOptions, run: PassRunner) -> list[Candidates]:
        # Each member's boxes are suppressed first, as the member would serve them: fusing raw,
        # overlapping candidates would average strong boxes with their own weak duplicates.
        per_member = [member.gather(images, options, run) for member in self.members]
        return [
            weighted_boxes_fusion(
                [suppress(found, options, member.nms_free) for found, member in zip(photo, self.members, strict=True)],
                self.weights,
                FUSION_IOU,
            )
            for photo in zip(*per_member, strict=True)
        ]

    def candidates(self, images: Sequence[Photo], score_floor: float) -> list[Candidates]:
        return self.gather(images, DetectOptions(score_threshold=score_floor), run_pass)


class EnsembleFamily(Family):
    format = "ensemble"
    cached = False  # built afresh from the members, each loaded (or reloaded) as itself: it holds nothing else

    def _spec(self, name, members, weights, description, where: Path, source: str, builtin=False, version="1"):
        return ModelSpec(
            name=name,
            family=self,
            version=version,
            architecture=ARCHITECTURE,
            description=description,
            categories=(),  # the members' classes, filled in by `with_member_classes`
            input_spec=None,
            weights=where,
            license="the members' licences",
            source=source,
            builtin=builtin,
            members=members,
            member_weights=weights,
        )

    def builtin_specs(self, models_dir: Path) -> list[ModelSpec]:
        return [
            self._spec(name, members, weights, description, models_dir, f"built in: members {', '.join(members)}", True)
            for name, (members, weights, description) in BUILTIN_ENSEMBLES.items()
        ]

    def spec_from_entry(self, name: str, entry: dict, models_file: Path) -> ModelSpec:
        members, weights = parse_members(entry, f"{models_file}: [models.{name}]")
        return self._spec(
            name,
            members,
            weights,
            str(entry.get("description", f"ensemble of {', '.join(members)}")),
            models_file,
            f"{models_file}: members {', '.join(members)}",
            version=str(entry.get("version", "1")),
        )

    def with_member_classes(self, spec: ModelSpec, named: dict[str, ModelSpec]) -> ModelSpec:
        """The spec with its members checked against the registered models and their classes as its own."""
        for member in spec.members:
            known = named.get(member)
            if known is None:
                raise ModelConfigError(f"ensemble {spec.name!r}: member {member!r} is not a registered model")
            if known.members:
                raise ModelConfigError(f"ensemble {spec.name!r}: member {member!r} is an ensemble itself")
        return dataclasses.replace(spec, categories=named[spec.members[0]].categories)

    def build(self, spec: ModelSpec, context: LoadContext) -> EnsembleDetector:
        members = [context.member(name) for name in spec.members]  # ModelLoadError names the member's problem
        try:
            return EnsembleDetector(spec.name, members, spec.member_weights)
        except ValueError as error:
            raise ModelLoadError(f"cannot load model {spec.name!r}: {error}") from error


FAMILY = EnsembleFamily()
