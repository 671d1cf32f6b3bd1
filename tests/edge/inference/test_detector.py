"""Tests detector pre/post-processing (pure) and both ONNX formats through aisle's runtime.

YOLOX-Nano is the committed COCO model; the ultralytics model is a tiny untrained YOLOv8 built from
its YAML and exported by `tools/train_detector.py --export-only` (tests/fixtures/models/): it checks
that aisle reads the ultralytics ONNX format, not what it detects.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.inference.detector import (
    Detection,
    DetectorConfig,
    Letterbox,
    ObjectDetector,
    decode_ultralytics,
    decode_yolox,
    letterbox,
    main_object_box,
    nms,
    output_format,
    postprocess,
)
from edge.inference.runtime import load_model

REPO = Path(__file__).resolve().parents[3]
YOLOX_SPEC = {
    "resize": "letterbox_top_left",
    "size_hw": [416, 416],
    "pad_value": 114,
    "colour": "BGR",
    "scale": 1.0,
}


def test_letterbox_top_left_and_centre() -> None:
    image = np.full((100, 200, 3), 7, dtype=np.uint8)
    tensor, geometry = letterbox(image, YOLOX_SPEC)
    assert tensor.shape == (1, 3, 416, 416)
    assert geometry == Letterbox(ratio=2.08, pad_xy=(0.0, 0.0))
    assert tensor[0, 0, 0, 0] == 7 and tensor[0, 0, 415, 0] == 114
    centred = {**YOLOX_SPEC, "resize": "letterbox_center", "colour": "RGB", "scale": 1 / 255}
    tensor, geometry = letterbox(image, centred)
    assert geometry.pad_xy == (0.0, 104.0)
    assert tensor[0, 0, 0, 0] == pytest.approx(114 / 255)


def test_decode_yolox_places_one_anchor() -> None:
    raw = np.zeros((1, 3549, 7), dtype=np.float32)
    raw[0, :, 4] = 0.0
    # anchor (row 2, col 3) of stride 8: centre (3 + 0.5, 2 + 0.5) * 8, size exp(0) * 8
    anchor = 2 * 52 + 3
    raw[0, anchor] = [0.5, 0.5, np.log(4.0), 0.0, 0.9, 0.1, 0.8]
    boxes, scores = decode_yolox(raw, (416, 416))
    assert np.allclose(boxes[anchor], [28 - 16, 20 - 4, 28 + 16, 20 + 4])
    assert np.allclose(scores[anchor], [0.09, 0.72])
    with pytest.raises(ValueError, match="anchors"):
        decode_yolox(raw[:, :100], (416, 416))


def test_decode_ultralytics_and_postprocess_to_frame_pixels() -> None:
    raw = np.zeros((1, 6, 10), dtype=np.float32)
    raw[0, :, 0] = [100, 120, 40, 20, 0.9, 0.1]
    raw[0, :, 1] = [102, 121, 40, 20, 0.8, 0.0]  # overlaps anchor 0: suppressed
    raw[0, :, 2] = [100, 120, 40, 20, 0.0, 0.7]  # same box, other class: kept
    boxes, scores = decode_ultralytics(raw)
    geometry = Letterbox(ratio=0.5, pad_xy=(0.0, 10.0))
    found = postprocess(
        boxes, scores, geometry, (1000, 1000), labels=("a", "b"), config=DetectorConfig()
    )
    assert [(d.label, round(d.score, 2)) for d in found] == [("a", 0.9), ("b", 0.7)]
    assert found[0].box_xyxy == pytest.approx((160.0, 200.0, 240.0, 240.0))


def test_nms_keeps_best_of_overlaps() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.4], dtype=np.float32), 0.5) == [1, 2]


def test_main_object_prefers_large_central_boxes() -> None:
    corner = Detection((0, 0, 50, 50), 0.95, 0, "cup")
    centre = Detection((300, 200, 500, 400), 0.6, 1, "apple")
    assert main_object_box([corner, centre], (600, 800), margin=0.0) == (300, 200, 500, 400)
    assert main_object_box([], (600, 800)) is None


@pytest.mark.parametrize(
    ("shape", "expected"), [([1, 3549, 85], "yolox"), ([1, 84, 8400], "ultralytics")]
)
def test_output_format_inferred_from_shape(shape: list[int], expected: str) -> None:
    assert output_format({}, shape) == expected


def test_yolox_detects_objects_in_real_photos(shared_data: Path) -> None:
    rows = (shared_data / "garments" / "manifest.csv").read_text().splitlines()
    detector = ObjectDetector(load_model(REPO / "models" / "manifest.json", "yolox_nano"))
    labels = set()
    for line in rows[1:6]:
        path = shared_data / "garments" / line.split(",")[0]
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            labels |= {d.label for d in detector.detect(np.asarray(image, np.uint8))}
    assert labels, "YOLOX found nothing in five garment photos"


def test_ultralytics_export_runs_through_aisle_runtime() -> None:
    model = load_model(
        REPO / "tests" / "fixtures" / "models" / "manifest.json", "yolov8_tiny_untrained"
    )
    detector = ObjectDetector(model, DetectorConfig(score_threshold=0.0, max_detections=5))
    image = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    found = detector.detect(image)
    assert 0 < len(found) <= 5
    for det in found:
        x1, y1, x2, y2 = det.box_xyxy
        assert 0 <= x1 <= x2 <= 320 and 0 <= y1 <= y2 <= 240
    crop = detector.crop_main_object(image)
    assert crop.ndim == 3 and crop.dtype == np.uint8
