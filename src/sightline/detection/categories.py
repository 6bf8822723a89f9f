"""Class-name lists that models are trained on."""

# The 80 COCO categories in the contiguous order used by NanoDet, CenterNet and most
# detectors trained on COCO 2017 (index = class id).
COCO_80: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip

# torchvision's detection models predict the original 91 COCO ids, with gaps ("N/A")
# and 0 as background; this maps each of those ids onto the COCO_80 index.
_COCO_91_IDS: tuple[int, ...] = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28,
    31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
    56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84,
    85, 86, 87, 88, 89, 90,
)  # fmt: skip
COCO_91_TO_80: dict[int, int] = {coco91: index for index, coco91 in enumerate(_COCO_91_IDS)}
# The same ids as class indices (index = COCO id, "N/A" for 0 and the gaps), as DETR's and RF-DETR's
# COCO models predict them: 91 classes (DETR's softmax adds "no object" as a 92nd).
COCO_91: tuple[str, ...] = tuple(
    COCO_80[COCO_91_TO_80[coco91]] if coco91 in COCO_91_TO_80 else "N/A" for coco91 in range(91)
)

CATEGORY_SETS: dict[str, tuple[str, ...]] = {"coco": COCO_80}
