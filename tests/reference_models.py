"""Random-initialised detectors built offline with the libraries users export from, and their own predictions.

Random weights give near-constant, tiny scores: the builders recalibrate batch norm on the sample
photos (so features vary with the picture) and raise the class bias, which gives dozens to hundreds
of boxes over 0.3 on most photos, with distinct scores. Built once per test session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# Ultralytics must neither reach the network nor write settings into the home directory.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="ultralytics-settings-"))
YOLO_SIZE = 320


def _ultralytics(model_class: str = "YOLO"):
    """Ultralytics' YOLO (or RTDETR) class. Importing Ultralytics replaces PIL's `Image.open` for the whole
    process (to try pi-heif on unknown files); the original is put back so other tests see Pillow as it is."""
    from PIL import Image as pil

    original = pil.open
    import ultralytics

    pil.open = original
    return getattr(ultralytics, model_class)


def _yolo():
    return _ultralytics("YOLO")


def sample_photos() -> dict[str, Image.Image]:
    return {path.stem: Image.open(path).convert("RGB") for path in sorted(SAMPLES.glob("*.jpg"))}


def _recalibrate_batch_norm(network, size: tuple[int, int], batch=None) -> None:
    """Batch norm statistics from the sample photos, resized to `size` and divided by 255 unless `batch`
    (float[B, 3, H, W]) gives them as the model's processor prepares them."""
    import torch

    if batch is None:
        batch = torch.stack(
            [
                torch.from_numpy(np.asarray(photo.resize(size), dtype=np.float32) / 255).permute(2, 0, 1)
                for photo in sample_photos().values()
            ]
        )
    for module in network.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # a plain average over the batch
    network.train()
    with torch.no_grad():
        network(batch)
    network.eval()


def build_yolo_onnx(directory: Path, yaml: str, end_to_end: bool, size: int = YOLO_SIZE) -> Path:
    """Ultralytics builds `yaml` (e.g. yolo11n.yaml) with random weights and exports it with its own exporter."""
    import torch

    torch.manual_seed(0)
    model = _yolo()(yaml)
    _recalibrate_batch_norm(model.model, (size, size))
    head = model.model.model[-1]
    with torch.no_grad():
        for branch in ("cv3", "one2one_cv3"):
            for layers in getattr(head, branch, None) or []:
                layers[-1].bias.fill_(-3.0)  # from about -10: scores near 0.05 instead of 0.00005
    # The exporter writes next to the source file, here the working directory: keep it in `directory`.
    previous = Path.cwd()
    os.chdir(directory)
    try:
        exported = Path(model.export(format="onnx", imgsz=size, nms=False if end_to_end else None, verbose=False))
    finally:
        os.chdir(previous)
    target = directory / f"{Path(yaml).stem}{'-end2end' if end_to_end else ''}.onnx"
    shutil.move(directory / exported.name, target)
    return target


def yolo_reference(path: Path, photo: Image.Image, score_threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ultralytics' own predictor on the exported file: boxes xyxy in photo pixels, scores, class ids."""
    bgr = np.ascontiguousarray(np.asarray(photo)[:, :, ::-1])  # the same decoded pixels on both sides
    result = _yolo()(str(path), task="detect").predict(
        bgr, conf=score_threshold, iou=0.5, imgsz=YOLO_SIZE, max_det=300, verbose=False
    )[0]
    boxes = result.boxes
    return boxes.xyxy.numpy(), boxes.conf.numpy(), boxes.cls.numpy().astype(np.int64)


# A small RT-DETR (plain convolution backbone, RT-DETR's AIFI encoder, CCFM neck and RTDETRDecoder with
# 100 queries), so that building and exporting it takes about a second; rtdetr-l.yaml's layout, narrower.
RT_DETR_YAML = """
nc: 80
backbone:
  - [-1, 1, Conv, [16, 3, 2]]
  - [-1, 1, Conv, [32, 3, 2]]
  - [-1, 1, Conv, [32, 3, 2]] # 2: P3/8
  - [-1, 1, Conv, [64, 3, 2]] # 3: P4/16
  - [-1, 1, Conv, [64, 3, 2]] # 4: P5/32
head:
  - [-1, 1, Conv, [64, 1, 1, None, 1, 1, False]]
  - [-1, 1, AIFI, [128, 4]]
  - [-1, 1, Conv, [64, 1, 1]] # 7: Y5
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [3, 1, Conv, [64, 1, 1, None, 1, 1, False]]
  - [[-2, -1], 1, Concat, [1]]
  - [-1, 1, RepC3, [64]]
  - [-1, 1, Conv, [64, 1, 1]] # 12: Y4
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [2, 1, Conv, [64, 1, 1, None, 1, 1, False]]
  - [[-2, -1], 1, Concat, [1]]
  - [-1, 1, RepC3, [64]] # 16: X3
  - [-1, 1, Conv, [64, 3, 2]]
  - [[-1, 12], 1, Concat, [1]]
  - [-1, 1, RepC3, [64]] # 19: F4
  - [-1, 1, Conv, [64, 3, 2]]
  - [[-1, 7], 1, Concat, [1]]
  - [-1, 1, RepC3, [64]] # 22: F5
  - [[16, 19, 22], 1, RTDETRDecoder, [nc, 64, 100, 4, 4, 2, 128]] # hidden, queries, points, heads, layers, ffn
"""


def build_ultralytics_rt_detr_onnx(directory: Path, yaml: str | None = None, size: int = YOLO_SIZE) -> Path:
    """Ultralytics builds the small RT-DETR above (or its own `yaml`, e.g. rtdetr-l.yaml) with random weights
    and exports it with its own exporter."""
    import torch

    torch.manual_seed(0)
    if yaml is None:
        yaml = str(directory / "rtdetr-small.yaml")
        Path(yaml).write_text(RT_DETR_YAML)
    model = _ultralytics("RTDETR")(yaml)
    _recalibrate_batch_norm(model.model, (size, size))
    head = model.model.model[-1]
    with torch.no_grad():
        for layer in [*head.dec_score_head, head.enc_score_head]:
            layer.bias.fill_(-2.0)  # from -4.6 (a prior of 0.01): scores spread over 0.2-0.6
        for mlp in head.dec_bbox_head:
            # Wider and taller boxes (w, h logits), so that some of a class overlap as real detections do.
            mlp.layers[-1].bias[2:] += 1.0
    previous = Path.cwd()
    os.chdir(directory)
    try:
        exported = Path(model.export(format="onnx", imgsz=size, verbose=False))
    finally:
        os.chdir(previous)
    return directory / exported.name


def ultralytics_rt_detr_reference(path: Path, photo: Image.Image, score_threshold: float):
    """Ultralytics' own RTDETRPredictor on the exported file: boxes xyxy in photo pixels (cut at the photo's
    edges, as every box we serve is), scores, class ids."""
    bgr = np.ascontiguousarray(np.asarray(photo)[:, :, ::-1])
    result = _ultralytics("RTDETR")(str(path)).predict(
        bgr, conf=score_threshold, imgsz=YOLO_SIZE, max_det=300, verbose=False
    )[0]
    boxes = result.boxes
    limits = np.array([photo.width, photo.height] * 2, dtype=np.float32)
    return np.clip(boxes.xyxy.numpy(), 0, limits), boxes.conf.numpy(), boxes.cls.numpy().astype(np.int64)


def nms_would_drop(reference, iou_threshold: float = 0.5) -> int:
    """How many of the reference's boxes per-class NMS at `iou_threshold` would remove: for an NMS-free
    model, above zero means a comparison at that threshold can tell whether we apply NMS."""
    from sightline.detection.detector import batched_nms

    boxes, scores, class_ids = reference
    return len(scores) - len(batched_nms(boxes, scores, class_ids, iou_threshold))


def assert_same_detections(ours, reference, score_threshold: float) -> None:
    """Every reference box found with the same class, within 1 px and 0.01 in score, and no others;
    a box whose score is within 0.01 of the threshold may be on either side of it."""
    ref_boxes, ref_scores, ref_classes = reference
    unmatched = set(range(len(ours)))
    for box, score, class_id in zip(ref_boxes, ref_scores, ref_classes, strict=True):
        same_class = [i for i in unmatched if ours.class_ids[i] == class_id]
        if not same_class:
            assert abs(score - score_threshold) < 0.01, f"missed {class_id} {score:.3f} {box}"
            continue
        best = min(same_class, key=lambda i: np.abs(ours.boxes[i] - box).max())
        if np.abs(ours.boxes[best] - box).max() > 1.0 and abs(score - score_threshold) < 0.01:
            continue
        assert np.abs(ours.boxes[best] - box).max() <= 1.0, f"{ours.boxes[best]} vs reference {box}"
        assert abs(ours.scores[best] - score) <= 0.01, f"score {ours.scores[best]} vs reference {score}"
        unmatched.remove(best)
    extra = [i for i in unmatched if abs(ours.scores[i] - score_threshold) >= 0.01]
    assert not extra, f"boxes the reference does not find: {[ours.to_json()[i] for i in extra]}"


def build_rt_detr_checkpoint(directory: Path, full_size: bool = False) -> Path:
    """A small random RT-DETR saved as a transformers checkpoint folder (config, weights, PIL-based processor);
    `full_size`: transformers' default RT-DETR (ResNet-50 backbone, 300 queries) at 640x640 instead."""
    import torch
    from transformers import RTDetrConfig, RTDetrForObjectDetection, RTDetrResNetConfig
    from transformers.models.rt_detr.image_processing_pil_rt_detr import RTDetrImageProcessorPil

    from sightline.detection.categories import COCO_80

    torch.manual_seed(0)
    backbone = RTDetrResNetConfig(
        embedding_size=16,
        hidden_sizes=[16, 32, 64, 128],
        depths=[1, 1, 1, 1],
        out_features=["stage2", "stage3", "stage4"],
    )
    config = RTDetrConfig(
        backbone_config=backbone,
        encoder_in_channels=[32, 64, 128],
        encoder_hidden_dim=64,
        encoder_ffn_dim=128,
        d_model=64,
        decoder_in_channels=[64, 64, 64],
        decoder_ffn_dim=128,
        decoder_layers=2,
        num_queries=50,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        id2label=dict(enumerate(COCO_80)),
    )
    size = 320
    if full_size:
        config, size = RTDetrConfig(id2label=dict(enumerate(COCO_80))), 640
    model = RTDetrForObjectDetection(config).eval()
    folder = directory / ("rt-detr-r50" if full_size else "rt-detr-small")
    model.save_pretrained(folder)
    RTDetrImageProcessorPil(size={"height": size, "width": size}).save_pretrained(folder)
    return folder


def transformers_reference(folder: Path, photo: Image.Image, score_threshold: float):
    """transformers' own processor, model and post-processing: boxes clipped to the photo, scores, labels."""
    import torch
    from transformers import AutoImageProcessor, AutoModelForObjectDetection

    model = AutoModelForObjectDetection.from_pretrained(folder, local_files_only=True).eval()
    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
    with torch.inference_mode():
        outputs = model(**processor(images=photo, return_tensors="pt"))
    (result,) = processor.post_process_object_detection(
        outputs, threshold=score_threshold, target_sizes=[(photo.height, photo.width)]
    )
    limits = np.array([photo.width, photo.height] * 2, dtype=np.float32)
    return np.clip(result["boxes"].numpy(), 0, limits), result["scores"].numpy(), result["labels"].numpy()


DETR_SIZE = 320


def build_detr_checkpoint(directory: Path, architecture: str) -> Path:
    """A small random `architecture` ("detr": softmax with "no object"; "conditional_detr": sigmoid, the
    best query-class pairs) on a ResNet backbone built offline, saved as a transformers checkpoint folder
    whose processor stretches photos to a DETR_SIZE square and normalises them with ImageNet's mean and std.

    Random DETR weights give every query the same box and nearly the same scores: a wider weight
    initialisation, spread query embeddings and a random last box layer (initialised to zero) make the
    queries differ, and a "no object" bias makes it win on some of them; the batch norm statistics
    come from the sample photos, so the features follow the picture.
    """
    import torch
    from transformers import (
        ConditionalDetrConfig,
        ConditionalDetrForObjectDetection,
        DetrConfig,
        DetrForObjectDetection,
        ResNetConfig,
    )
    from transformers.models.conditional_detr.image_processing_pil_conditional_detr import (
        ConditionalDetrImageProcessorPil,
    )
    from transformers.models.detr.image_processing_pil_detr import DetrImageProcessorPil

    from sightline.detection.categories import COCO_80

    config_class, model_class, processor_class = {
        "detr": (DetrConfig, DetrForObjectDetection, DetrImageProcessorPil),
        "conditional_detr": (
            ConditionalDetrConfig,
            ConditionalDetrForObjectDetection,
            ConditionalDetrImageProcessorPil,
        ),
    }[architecture]
    torch.manual_seed(0)
    backbone = ResNetConfig(
        embedding_size=16, hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 1, 1], out_features=["stage4"]
    )
    config = config_class(
        backbone_config=backbone,
        d_model=64,
        encoder_layers=1,
        decoder_layers=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        num_queries=100,  # Conditional DETR's post-processing keeps its best 100 pairs: one per query here
        init_std=0.3,
        id2label=dict(enumerate(COCO_80)),
    )
    model = model_class(config).eval()
    processor = processor_class(size={"height": DETR_SIZE, "width": DETR_SIZE}, do_pad=False)
    batch = processor(images=list(sample_photos().values()), return_tensors="pt")["pixel_values"]
    _recalibrate_batch_norm(model, (DETR_SIZE, DETR_SIZE), batch)
    classifier = model.class_labels_classifier
    with torch.no_grad():
        model.model.query_position_embeddings.weight.normal_(0, 5.0)
        model.bbox_predictor.layers[-1].weight.normal_(0, 0.03)
        # What all queries share decides no class: centred on the photos' mean query, each class's
        # logit follows the query, so queries name different classes with different scores. Then
        # about one query-class pair in a hundred scores over 0.5 (sigmoid), and "no object" wins
        # on some queries (softmax).
        hidden = model.model(pixel_values=batch).last_hidden_state
        classifier.weight.mul_(3.0)
        classifier.bias.copy_(-classifier.weight @ hidden.mean(dim=(0, 1)))
        classes = classifier(hidden)[..., :80]
        classifier.bias.sub_(torch.quantile(classes.flatten(), 0.99))
        if architecture == "detr":
            outputs = classifier(hidden)
            best = torch.quantile(outputs[..., :80].max(dim=-1).values.flatten(), 0.3)
            classifier.bias[-1] += best - outputs[..., -1].mean()
    folder = directory / architecture
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def export_detr_onnx(folder: Path, path: Path, input_name: str, output_names: tuple[str, str]) -> Path:
    """The checkpoint as a two-output ONNX file, tensors named as an exporter names them: "dets" first
    (boxes, then logits) as RF-DETR's, else logits then boxes as optimum's `logits`, `pred_boxes`."""
    import torch
    from transformers import AutoModelForObjectDetection

    model = AutoModelForObjectDetection.from_pretrained(folder, local_files_only=True).eval()
    boxes_first = output_names[0] == "dets"

    class Exported(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            outputs = self.model(pixel_values=pixel_values)
            return (outputs.pred_boxes, outputs.logits) if boxes_first else (outputs.logits, outputs.pred_boxes)

    torch.onnx.export(
        Exported(), (torch.zeros(1, 3, DETR_SIZE, DETR_SIZE),), path, dynamo=False, input_names=[input_name],
        output_names=list(output_names), opset_version=17,
    )  # fmt: skip
    return path


def rename_detr_onnx(path: Path, target: Path, input_name: str, output_names: tuple[str, str]) -> Path:
    """A copy of a two-output file from `export_detr_onnx` with its tensors named and ordered as
    `export_detr_onnx(..., input_name, output_names)` would write them, without exporting again."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    boxes = next(i for i, output in enumerate(graph.output) if output.type.tensor_type.shape.dim[2].dim_value == 4)
    ordered = [graph.output[boxes], graph.output[1 - boxes]]
    if output_names[0] != "dets":
        ordered.reverse()
    renames = {graph.input[0].name: input_name} | {
        output.name: name for output, name in zip(ordered, output_names, strict=True)
    }
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    graph.input[0].name = input_name
    outputs = [onnx.ValueInfoProto.FromString(output.SerializeToString()) for output in ordered]
    for output in outputs:
        output.name = renames[output.name]
    del graph.output[:]
    graph.output.extend(outputs)
    onnx.save(model, str(target))
    return target


def with_processor(folder: Path, target: Path, normalised: bool) -> Path:
    """A copy of a `build_detr_checkpoint` folder whose processor normalises with ImageNet's mean and std
    or, if not `normalised`, only divides by 255 (as RT-DETR's and D-FINE's processors do)."""
    from transformers import AutoImageProcessor

    shutil.copytree(folder, target)
    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True, backend="pil")
    processor.do_normalize = normalised
    processor.save_pretrained(target)
    return target


def transformers_pipeline(folder: Path):
    """transformers' own processor, model and post-processing, loaded once: (photo, threshold) -> boxes
    (clipped to the photo, as every box we serve is), scores, labels, best score first.

    The processor's Pillow backend, whose resizing ONNX files are served with; transformers picks its
    torchvision backend by default where torchvision is installed, which resizes a few pixels in a
    thousand one grey level apart from Pillow.
    """
    import torch
    from transformers import AutoImageProcessor, AutoModelForObjectDetection

    model = AutoModelForObjectDetection.from_pretrained(folder, local_files_only=True).eval()
    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True, backend="pil")

    def detect(photo: Image.Image, score_threshold: float):
        with torch.inference_mode():
            outputs = model(**processor(images=photo, return_tensors="pt"))
        (result,) = processor.post_process_object_detection(
            outputs, threshold=score_threshold, target_sizes=[(photo.height, photo.width)]
        )
        order = np.argsort(-result["scores"].numpy(), kind="stable")
        limits = np.array([photo.width, photo.height] * 2, dtype=np.float32)
        boxes = np.clip(result["boxes"].numpy(), 0, limits)
        return boxes[order], result["scores"].numpy()[order], result["labels"].numpy()[order]

    return detect


def assert_same_ranked_detections(ours, reference, score_threshold: float, score_tolerance: float) -> None:
    """The same detections in the same order: rank for rank the same class, the box within 1 px and the
    score within `score_tolerance`; two whose scores are that close may swap ranks, and one that close to
    the threshold may be on either side of it."""
    ref_boxes, ref_scores, ref_classes = reference
    unmatched = list(range(len(ref_scores)))
    for rank in range(len(ours)):
        box, score, class_id = ours.boxes[rank], ours.scores[rank], ours.class_ids[rank]
        candidates = [i for i in unmatched if abs(ref_scores[i] - score) <= score_tolerance]
        same = [i for i in candidates if ref_classes[i] == class_id and np.abs(ref_boxes[i] - box).max() <= 1.0]
        if not same:
            assert abs(score - score_threshold) <= score_tolerance, (
                f"rank {rank}: {ours.to_json()[rank]} is not among the reference's "
                f"{[(int(ref_classes[i]), float(ref_scores[i]), ref_boxes[i].tolist()) for i in unmatched[:3]]}"
            )
            continue
        assert unmatched.index(same[0]) == 0 or all(
            abs(ref_scores[i] - score) <= score_tolerance for i in unmatched[: unmatched.index(same[0])]
        ), f"rank {rank}: out of the reference's order"
        unmatched.remove(same[0])
    missed = [i for i in unmatched if abs(ref_scores[i] - score_threshold) > score_tolerance]
    assert not missed, f"missed {[(int(ref_classes[i]), float(ref_scores[i]), ref_boxes[i].tolist()) for i in missed]}"


def onnx_file_with_outputs(path: Path, outputs: dict[str, list[int]]) -> Path:
    """A tiny ONNX graph with an image input and the given outputs (zeros): a file of any layout, to refuse."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, initialisers, infos = [], [], []
    for name, shape in outputs.items():
        initialisers.append(numpy_helper.from_array(np.zeros(shape, np.float32), f"{name}_value"))
        nodes.append(helper.make_node("Identity", [f"{name}_value"], [name]))
        infos.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])
    graph = helper.make_graph(nodes, "g", [image], infos, initialisers)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def build_smooth_detr_checkpoint(directory: Path) -> Path:
    """A small random DETR saved as a checkpoint folder whose processor keeps the photo's aspect ratio
    (shortest edge 320, longest 480), as DETR's does at 800/1333, for the ONNX export check.

    Unlike `build_detr_checkpoint`'s, whose outputs are made to swing with every pixel, its boxes move
    as a trained model's do when a few pixels change by one grey level (which is how Pillow's resize,
    used to serve the export, differs from the torchvision one transformers picks): weights a little
    wider than transformers' defaults (init_std 0.1) and a raised class head, so boxes and scores still
    change with the photo and the query, and most queries score over 0.05."""
    import torch
    from transformers import DetrConfig, DetrForObjectDetection, ResNetConfig
    from transformers.models.detr.image_processing_pil_detr import DetrImageProcessorPil

    from sightline.detection.categories import COCO_80

    torch.manual_seed(0)
    backbone = ResNetConfig(
        embedding_size=16, hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 1, 1], out_features=["stage4"]
    )
    config = DetrConfig(
        use_timm_backbone=False,
        use_pretrained_backbone=False,
        backbone_config=backbone,
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        num_queries=50,
        init_std=0.1,
        id2label=dict(enumerate(COCO_80)),
    )
    model = DetrForObjectDetection(config).eval()
    with torch.no_grad():
        model.model.query_position_embeddings.weight.normal_(0.0, 1.0)  # queries that differ from each other
        model.class_labels_classifier.weight.mul_(3.0)
        model.class_labels_classifier.bias[-1] = -2.0  # "no object" less likely
        model.bbox_predictor.layers[-1].weight.mul_(3.0)
    folder = directory / "smooth-detr"
    model.save_pretrained(folder)
    DetrImageProcessorPil(size={"shortest_edge": 320, "longest_edge": 480}).save_pretrained(folder)
    return folder


def build_rf_detr_style_onnx(directory: Path) -> Path:
    """A small random Conditional DETR exported as RF-DETR's exporter writes its files (`input` ->
    `dets`, `labels`), which tells ImageNet normalisation without anything said to `models add`."""
    folder = build_detr_checkpoint(directory, "conditional_detr")
    return export_detr_onnx(folder, directory / "rf-detr-style.onnx", "input", ("dets", "labels"))


BUILDERS = {
    "yolo11n": lambda directory: build_yolo_onnx(directory, "yolo11n.yaml", end_to_end=False),
    "yolo26n-end2end": lambda directory: build_yolo_onnx(directory, "yolo26n.yaml", end_to_end=True),
    "rf-detr-style": build_rf_detr_style_onnx,
    "ultralytics-rt-detr": build_ultralytics_rt_detr_onnx,
    "rt-detr-checkpoint": build_rt_detr_checkpoint,
}

if __name__ == "__main__":
    # For the page's end-to-end tests (web/e2e/file-models.spec.ts), which register these with
    # `sightline models add`: `python tests/reference_models.py NAME DIRECTORY` prints the built path.
    import argparse

    parser = argparse.ArgumentParser(description="Build a random-initialised model file offline.")
    parser.add_argument("name", choices=sorted(BUILDERS))
    parser.add_argument("directory", type=Path)
    arguments = parser.parse_args()
    print(BUILDERS[arguments.name](arguments.directory))
