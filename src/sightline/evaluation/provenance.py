"""Where an evaluation's ground truth came from, per model, and whether that makes the comparison lopsided.

Truth seeded from one model's boxes favours that model: a reviewer confirms what it found and
rarely draws what it missed. Each truth box keeps its source (a model's name, "drawn",
"imported"), and for each evaluated model the boxes are counted as its own, other models', drawn
or imported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from ..storage.truth import DRAWN, IMPORTED
from .datasets import LabelledImage

# A model whose own predictions seeded this much more of the truth than another's has the edge.
LOPSIDED_GAP = 0.25
# Evaluated alone, a model is flattered once its own boxes make this share of the truth.
LOPSIDED_ALONE = 0.5


def source_counts(images: Sequence[LabelledImage]) -> Counter[str]:
    return Counter(source for image in images for source in image.sources)


def provenance(sources: Mapping[str, int], model: str) -> dict[str, int]:
    """How many truth boxes came from `model`'s own predictions, other models', drawing, an import."""
    drawn, imported = sources.get(DRAWN, 0), sources.get(IMPORTED, 0)
    own = sources.get(model, 0)
    total = sum(sources.values())
    return {
        "own_predictions": own,
        "other_models": total - own - drawn - imported,
        "drawn": drawn,
        "imported": imported,
        "total": total,
    }


def own_share(counts: Mapping[str, int]) -> float:
    return counts["own_predictions"] / counts["total"] if counts["total"] else 0.0


def lopsided_warning(by_model: Mapping[str, Mapping[str, int]]) -> str | None:
    """A sentence when the truth favours one evaluated model's own boxes, else None."""
    if not by_model:
        return None
    shares = {model: own_share(counts) for model, counts in by_model.items()}
    favoured = max(shares, key=shares.get)
    least = min(shares, key=shares.get)
    fair = "compare them on an imported dataset, or on photos whose boxes were all drawn by hand, for a fair reference"
    if len(shares) == 1 and shares[favoured] >= LOPSIDED_ALONE:
        return (
            f"{shares[favoured]:.0%} of the truth boxes are {favoured}'s own predictions, confirmed by a reviewer, "
            f"so its scores here are flattering; {fair}."
        )
    if len(shares) > 1 and shares[favoured] - shares[least] >= LOPSIDED_GAP:
        return (
            f"The comparison is lopsided: {shares[favoured]:.0%} of the truth boxes are {favoured}'s own predictions "
            f"and {shares[least]:.0%} are {least}'s, which favours {favoured}; {fair}."
        )
    return None
