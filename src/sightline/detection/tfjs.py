"""Read a TensorFlow.js graph model (JSON topology + binary weights) into NumPy arrays.

Only used when converting the published TF.js weights into PyTorch state dicts; the
serving path never touches this format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_DTYPES = {
    "float32": np.float32,
    "int32": np.int32,
    "float16": np.float16,
    "uint8": np.uint8,
    "bool": np.bool_,
}


@dataclass(frozen=True)
class TfjsNode:
    name: str
    op: str
    inputs: tuple[str, ...]
    attr: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TfjsGraph:
    """The nodes of a graph model in file order and its constant tensors by name."""

    nodes: tuple[TfjsNode, ...]
    tensors: dict[str, np.ndarray]

    def ops(self, op: str) -> list[TfjsNode]:
        return [node for node in self.nodes if node.op == op]


def load_tfjs_graph(model_json: Path) -> TfjsGraph:
    """Parse `model_json` and the weight shards it names (read from the same folder).

    Weights stored float16-quantised are widened back to float32, exactly as the
    TF.js loader does.
    """
    model_json = Path(model_json)
    spec = json.loads(model_json.read_text())
    nodes = tuple(
        TfjsNode(
            name=node["name"],
            op=node["op"],
            inputs=tuple(node.get("input", ())),
            attr=node.get("attr", {}),
        )
        for node in spec["modelTopology"]["node"]
    )
    tensors: dict[str, np.ndarray] = {}
    for group in spec["weightsManifest"]:
        blob = b"".join((model_json.parent / path).read_bytes() for path in group["paths"])
        offset = 0
        for entry in group["weights"]:
            shape = entry["shape"]
            count = int(np.prod(shape)) if shape else 1
            quantization = entry.get("quantization")
            stored = np.dtype(_DTYPES[quantization["dtype"] if quantization else entry["dtype"]])
            if quantization and quantization["dtype"] != "float16":
                raise ValueError(f"unsupported TF.js quantization {quantization['dtype']!r}")
            size = count * stored.itemsize
            array = np.frombuffer(blob, dtype=stored, count=count, offset=offset).reshape(shape)
            tensors[entry["name"]] = array.astype(_DTYPES[entry["dtype"]])
            offset += size
        if offset != len(blob):
            raise ValueError(f"{model_json.name}: weights manifest covers {offset} of {len(blob)} bytes")
    return TfjsGraph(nodes=nodes, tensors=tensors)
