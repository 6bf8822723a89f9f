"""A user's own torchvision detection model, built from a state-dict file on disk::

    [models.frcnn]
    architecture = "fasterrcnn_resnet50_fpn_v2"
    weights = "fasterrcnn_resnet50_fpn_v2_coco.pth"   # relative to models.toml
    categories = "coco"          # or a list of names, index = label id the model outputs
    version = "coco-2023"
    description = "Faster R-CNN v2, COCO box AP 46.7"

torchvision's architectures resize and normalise internally and return boxes in the
input's pixels, so these photos go in at their own size and nothing is mapped back.
PyTorch is imported only when such a model is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...categories import COCO_80, COCO_91_TO_80
from ...detector import Candidates, Detector
from ...images import Photo
from ...spec import ModelConfigError, ModelSpec
from ..base import Family, LoadContext, entry_categories

ARCHITECTURES: tuple[str, ...] = (
    "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2",
    "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "retinanet_resnet50_fpn",
    "retinanet_resnet50_fpn_v2",
    "fcos_resnet50_fpn",
    "ssd300_vgg16",
    "ssdlite320_mobilenet_v3_large",
    "maskrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn_v2",
    "keypointrcnn_resnet50_fpn",
)


def build_torchvision_module(architecture: str, num_classes: int, weights: Path | None):
    """An architecture from torchvision with no downloaded weights, then `weights` loaded strictly."""
    import torch
    import torchvision.models.detection as tv_detection

    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown torchvision architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}")
    builder = getattr(tv_detection, architecture)
    extra = {"num_keypoints": 17} if architecture.startswith("keypoint") else {"num_classes": num_classes}
    module = builder(weights=None, weights_backbone=None, **extra)
    if weights is not None:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
            state = state["model"]  # torchvision's reference training scripts save checkpoints this way
        module.load_state_dict(state)
    return module.eval()


class TorchvisionDetector(Detector):
    """Wraps a torchvision detection model.

    `coco_91_labels` maps torchvision's COCO ids (1..90 with gaps) onto the 80 contiguous
    COCO class ids used everywhere else, so results compare directly with NanoDet's.
    """

    def __init__(self, name: str, categories: Sequence[str], module, coco_91_labels: bool = False) -> None:
        super().__init__(name, categories)
        self.module = module
        self.label_map = None
        if coco_91_labels:
            self.label_map = np.full(91, -1, dtype=np.int64)
            for coco91, coco80 in COCO_91_TO_80.items():
                self.label_map[coco91] = coco80

    def candidates(self, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
        import torch

        # decode_size is None here, so each photo is decoded at its own size.
        batch = [
            torch.from_numpy(np.asarray(photo.image, dtype=np.float32) / 255.0).permute(2, 0, 1) for photo in photos
        ]
        with torch.inference_mode():
            outputs = self.module(batch)
        found = []
        for output in outputs:
            boxes, scores = output["boxes"].numpy(), output["scores"].numpy()
            labels = output["labels"].numpy().astype(np.int64)
            if self.label_map is not None:
                labels = self.label_map[np.clip(labels, 0, 90)]
            keep = (scores >= score_floor) & (labels >= 0) & (labels < len(self.categories))
            found.append((boxes[keep], scores[keep], labels[keep]))
        return found


class TorchvisionFamily(Family):
    format = "torchvision"

    def spec_from_entry(self, name: str, entry: dict, models_file: Path) -> ModelSpec:
        """The spec of a models-file entry naming a torchvision `architecture`; ModelConfigError if malformed."""
        where = f"{models_file}: [models.{name}]"
        architecture = entry.get("architecture")
        if architecture not in ARCHITECTURES:
            raise ModelConfigError(f"{where}: architecture must be one of {', '.join(ARCHITECTURES)}")
        if not isinstance(entry.get("weights"), str):
            raise ModelConfigError(f"{where}: 'weights' (path to a state-dict file) is required")
        weights = (models_file.parent / entry["weights"]).resolve()
        return ModelSpec(
            name=name,
            family=self,
            version=str(entry.get("version", "1")),
            architecture=architecture,
            description=str(entry.get("description", f"{architecture} from {weights.name}")),
            categories=entry_categories(entry, where) or COCO_80,
            input_spec=None,
            weights=weights,
            license=str(entry.get("license", "unknown")),
            source=str(weights),
            published_accuracy=str(entry.get("published_accuracy", "")),
            weights_sha256=entry.get("sha256"),
        )

    def build(self, spec: ModelSpec, context: LoadContext) -> TorchvisionDetector:
        # torchvision models take any input size; they always run in PyTorch.
        import torch

        if context.threads > 0:
            torch.set_num_threads(context.threads)
        coco = spec.categories == COCO_80
        module = build_torchvision_module(spec.architecture, 91 if coco else len(spec.categories), spec.weights)
        return TorchvisionDetector(spec.name, spec.categories, module, coco_91_labels=coco)


FAMILY = TorchvisionFamily()
