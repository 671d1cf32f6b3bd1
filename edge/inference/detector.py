"""Provides object detection: letterbox preprocessing, YOLOX and ultralytics YOLOv8/11 decoding.

Two ONNX output layouts are read:
- "yolox": (1, A, 5 + C) raw per anchor point (x, y, w, h, objectness, class scores), decoded over
  strides 8/16/32 (xy = (out + grid) * stride, wh = exp(out) * stride), score = objectness x class.
- "ultralytics": (1, 4 + C, A) with (cx, cy, w, h) in input pixels and class scores, as exported
  by `yolo export format=onnx` for YOLOv8 and YOLO11.
Then class-aware non-maximum suppression, and boxes are mapped back to frame pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from edge.inference.runtime import OnnxModel

OutputFormat = Literal["yolox", "ultralytics"]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a frame was fitted into the square model input.

    Attributes:
        ratio: frame pixels x ratio = input pixels.
        pad_xy: left and top padding in input pixels.
    """

    ratio: float
    pad_xy: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Detection:
    """One detected object in frame pixels."""

    box_xyxy: tuple[float, float, float, float]
    score: float
    class_id: int
    label: str

    def __post_init__(self) -> None:
        x1, y1, x2, y2 = self.box_xyxy
        if x2 < x1 or y2 < y1 or not 0.0 <= self.score <= 1.0:
            raise ValueError(f"bad detection box {self.box_xyxy} or score {self.score}")


def letterbox(image_bgr: npt.NDArray[np.uint8], spec: Mapping[str, Any]) -> tuple[F32, Letterbox]:
    """Resizes keeping aspect ratio, pads, reorders and scales per the manifest recipe.

    Args:
        image_bgr: HxWx3 uint8 BGR frame.
        spec: `input.preprocessing` with size_hw, pad_value, colour, scale and resize
            ("letterbox_top_left" for YOLOX, "letterbox_center" for ultralytics).

    Returns:
        (1x3xHxW float32 tensor, the letterbox geometry).
    """
    if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f"expected HxWx3 uint8, got {image_bgr.shape} {image_bgr.dtype}")
    height, width = (int(v) for v in spec["size_hw"])
    ratio = min(height / image_bgr.shape[0], width / image_bgr.shape[1])
    new_w = max(1, round(image_bgr.shape[1] * ratio))
    new_h = max(1, round(image_bgr.shape[0] * ratio))
    resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    centred = spec["resize"] == "letterbox_center"
    left = (width - new_w) // 2 if centred else 0
    top = (height - new_h) // 2 if centred else 0
    canvas = np.full((height, width, 3), int(spec["pad_value"]), dtype=np.uint8)
    canvas[top : top + new_h, left : left + new_w] = resized
    if spec["colour"] == "RGB":
        canvas = canvas[:, :, ::-1]
    tensor = np.asarray(canvas, np.float32) * np.float32(spec["scale"])
    tensor = np.ascontiguousarray(tensor.transpose(2, 0, 1)[None], dtype=np.float32)
    return tensor, Letterbox(ratio=ratio, pad_xy=(float(left), float(top)))


def _yolox_grid(input_hw: tuple[int, int], anchors: int) -> tuple[F32, F32]:
    grids, strides = [], []
    for stride in (8, 16, 32):
        rows, cols = input_hw[0] // stride, input_hw[1] // stride
        ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        grids.append(np.stack([xs.ravel(), ys.ravel()], axis=1))
        strides.append(np.full((rows * cols, 1), stride))
    grid = np.concatenate(grids).astype(np.float32)
    if len(grid) != anchors:
        raise ValueError(
            f"yolox output has {anchors} anchors, input {input_hw} implies {len(grid)}"
        )
    return grid, np.concatenate(strides).astype(np.float32)


def decode_yolox(raw: F32, input_hw: tuple[int, int]) -> tuple[F32, F32]:
    """Decodes a (1, A, 5 + C) YOLOX output into (A, 4) xyxy input-pixel boxes and (A, C) scores."""
    if raw.ndim != 3 or raw.shape[0] != 1 or raw.shape[2] < 6:
        raise ValueError(f"yolox output must be (1, A, 5 + C), got {raw.shape}")
    out = raw[0]
    grid, stride = _yolox_grid(input_hw, len(out))
    centre = (out[:, :2] + grid) * stride
    size = np.exp(np.minimum(out[:, 2:4], 20.0)) * stride
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    return boxes.astype(np.float32), (out[:, 4:5] * out[:, 5:]).astype(np.float32)


def decode_ultralytics(raw: F32) -> tuple[F32, F32]:
    """Decodes a (1, 4 + C, A) YOLOv8/YOLO11 output into (A, 4) xyxy boxes and (A, C) scores."""
    if raw.ndim != 3 or raw.shape[0] != 1 or raw.shape[1] < 5:
        raise ValueError(f"ultralytics output must be (1, 4 + C, A), got {raw.shape}")
    out = raw[0].T
    centre, size = out[:, :2], out[:, 2:4]
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    return boxes.astype(np.float32), out[:, 4:].astype(np.float32)


def nms(boxes: F32, scores: F32, iou_threshold: float) -> list[int]:
    """Greedy non-maximum suppression; returns kept indices, best first."""
    order = list(np.argsort(-scores, kind="stable"))
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    keep: list[int] = []
    while order:
        best = int(order.pop(0))
        keep.append(best)
        if not order:
            break
        rest = np.asarray(order)
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = (x2 - x1).clip(0) * (y2 - y1).clip(0)
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = [int(i) for i in rest[iou <= iou_threshold]]
    return keep


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Detection thresholds."""

    score_threshold: float = 0.3
    iou_threshold: float = 0.45
    max_detections: int = 50


def postprocess(
    boxes: F32,
    scores: F32,
    geometry: Letterbox,
    frame_hw: tuple[int, int],
    *,
    labels: tuple[str, ...],
    config: DetectorConfig,
) -> list[Detection]:
    """Thresholds, class-aware NMS and mapping back to frame pixels (clipped to the frame)."""
    class_ids = scores.argmax(axis=1)
    best = scores[np.arange(len(scores)), class_ids]
    keep = np.nonzero(best >= config.score_threshold)[0]
    # offsetting boxes per class makes one NMS pass class-aware
    shifted = boxes[keep] + (class_ids[keep, None] * 4096.0).astype(np.float32)
    kept = [int(keep[i]) for i in nms(shifted, best[keep], config.iou_threshold)]
    out = []
    pad = np.asarray(geometry.pad_xy * 2, dtype=np.float32)
    limits = np.asarray([frame_hw[1], frame_hw[0]] * 2, dtype=np.float32)
    for index in kept[: config.max_detections]:
        xyxy = np.clip((boxes[index] - pad) / geometry.ratio, 0, limits)
        class_id = int(class_ids[index])
        label = labels[class_id] if class_id < len(labels) else str(class_id)
        box = (float(xyxy[0]), float(xyxy[1]), float(xyxy[2]), float(xyxy[3]))
        out.append(Detection(box, float(min(best[index], 1.0)), class_id, label))
    return out


def output_format(entry_preprocessing: Mapping[str, Any], output_shape: list[Any]) -> OutputFormat:
    """The manifest's `decoder` key, else inferred: (1, A, 5+C) YOLOX, (1, 4+C, A) ultralytics."""
    declared = entry_preprocessing.get("decoder")
    if declared in ("yolox", "ultralytics"):
        return "yolox" if declared == "yolox" else "ultralytics"
    if (
        len(output_shape) == 3
        and isinstance(output_shape[1], int)
        and isinstance(output_shape[2], int)
    ):
        return "yolox" if output_shape[1] > output_shape[2] else "ultralytics"
    raise ValueError(f"cannot tell the detector format from output shape {output_shape}")


def main_object_box(
    detections: list[Detection], frame_hw: tuple[int, int], *, margin: float = 0.1
) -> tuple[int, int, int, int] | None:
    """The crop of the object a shopper points at: large, confident and central, plus a margin.

    Args:
        detections: detections in frame pixels.
        frame_hw: frame height and width.
        margin: fraction of the box size added on each side.

    Returns:
        Integer (x1, y1, x2, y2) inside the frame, or None when nothing was detected.
    """
    if not detections:
        return None
    height, width = frame_hw

    def weight(det: Detection) -> float:
        x1, y1, x2, y2 = det.box_xyxy
        area = (x2 - x1) * (y2 - y1) / float(height * width)
        off_x = ((x1 + x2) / 2 - width / 2) / width
        off_y = ((y1 + y2) / 2 - height / 2) / height
        centrality = 1.0 - min(1.0, 2.0 * float(np.hypot(off_x, off_y)))
        return det.score * float(np.sqrt(area)) * centrality

    x1, y1, x2, y2 = max(detections, key=weight).box_xyxy
    grow_x, grow_y = (x2 - x1) * margin, (y2 - y1) * margin
    box = (
        max(0, int(x1 - grow_x)),
        max(0, int(y1 - grow_y)),
        min(width, int(np.ceil(x2 + grow_x))),
        min(height, int(np.ceil(y2 + grow_y))),
    )
    return box if box[2] - box[0] >= 8 and box[3] - box[1] >= 8 else None


class ObjectDetector:
    """Runs a verified YOLOX or ultralytics ONNX detector on BGR frames."""

    def __init__(self, model: OnnxModel, config: DetectorConfig | None = None) -> None:
        """Wraps a model loaded by `runtime.load_model`; reads format and labels from its entry."""
        self._model = model
        self._config = config or DetectorConfig()
        spec = model.entry.input
        self._spec = spec.preprocessing
        self._input_hw = (int(spec.shape[2]), int(spec.shape[3]))
        self._format = output_format(self._spec, list(model.entry.outputs[0].shape))
        self._labels = tuple(model.entry.labels or ())

    @property
    def model(self) -> OnnxModel:
        """The underlying model (name, version, sha256 for the audit log)."""
        return self._model

    def detect(self, image_bgr: npt.NDArray[np.uint8]) -> list[Detection]:
        """Detections in frame pixels, best first."""
        tensor, geometry = letterbox(image_bgr, self._spec)
        raw = np.asarray(self._model.run_one(tensor)[0], dtype=np.float32)
        if self._format == "yolox":
            boxes, scores = decode_yolox(raw, self._input_hw)
        else:
            boxes, scores = decode_ultralytics(raw)
        frame_hw = (image_bgr.shape[0], image_bgr.shape[1])
        return postprocess(
            boxes, scores, geometry, frame_hw, labels=self._labels, config=self._config
        )

    def crop_main_object(self, image_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """The main object's crop, or the whole frame when nothing is detected."""
        box = main_object_box(self.detect(image_bgr), (image_bgr.shape[0], image_bgr.shape[1]))
        if box is None:
            return image_bgr
        x1, y1, x2, y2 = box
        return np.ascontiguousarray(image_bgr[y1:y2, x1:x2])
