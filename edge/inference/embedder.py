"""Provides image embeddings: manifest-driven preprocessing (pure) and the ONNX embedder.

The embedding models output global-average-pooled ImageNet features (EfficientNet-Lite0,
MobileNetV2) or, for the retail model, its trained 512-d embedding; the search index projects and
normalises them (`edge/core/projection.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.inference.runtime import OnnxModel

_INTERPOLATION = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR}


@dataclass(frozen=True, slots=True)
class ImagePreprocessing:
    """How a BGR uint8 frame becomes the model's NCHW float32 input.

    Attributes:
        size_hw: model input height and width in pixels.
        colour: "RGB" or "BGR" channel order fed to the model.
        scale: multiplier applied to the 0-255 pixel values before mean/std.
        mean: per-channel mean subtracted after scaling.
        std: per-channel divisor after the mean.
        interpolation: "area" or "linear" resize.
    """

    size_hw: tuple[int, int]
    colour: str
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str = "area"

    def __post_init__(self) -> None:
        if self.colour not in ("RGB", "BGR"):
            raise ValueError(f"colour must be RGB or BGR, got {self.colour!r}")
        if self.interpolation not in _INTERPOLATION:
            raise ValueError(f"interpolation must be one of {sorted(_INTERPOLATION)}")
        if min(self.size_hw) < 8 or min(self.std) <= 0:
            raise ValueError(f"bad size_hw {self.size_hw} or std {self.std}")

    @classmethod
    def from_manifest(cls, spec: Mapping[str, Any]) -> ImagePreprocessing:
        """Builds the recipe from a manifest `input.preprocessing` dict (resize "squash")."""
        if spec.get("resize") != "squash":
            raise ValueError(
                f"embedder preprocessing must resize 'squash', got {spec.get('resize')}"
            )
        height, width = spec["size_hw"]
        mean = tuple(float(v) for v in spec["mean"])
        std = tuple(float(v) for v in spec["std"])
        return cls(
            size_hw=(int(height), int(width)),
            colour=str(spec["colour"]),
            scale=float(spec["scale"]),
            mean=(mean[0], mean[1], mean[2]),
            std=(std[0], std[1], std[2]),
            interpolation=str(spec.get("interpolation", "area")),
        )


def preprocess_image(
    image_bgr: npt.NDArray[np.uint8], recipe: ImagePreprocessing
) -> npt.NDArray[np.float32]:
    """Resizes the whole image (no crop) and normalises it.

    Args:
        image_bgr: HxWx3 uint8 BGR image (an OpenCV frame or crop).
        recipe: the model's preprocessing.

    Returns:
        1x3xHxW float32 tensor.

    Raises:
        ValueError: the image is not HxWx3 uint8 or is empty.
    """
    if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f"expected HxWx3 uint8, got {image_bgr.shape} {image_bgr.dtype}")
    if min(image_bgr.shape[:2]) < 1:
        raise ValueError(f"empty image {image_bgr.shape}")
    height, width = recipe.size_hw
    resized = cv2.resize(
        image_bgr, (width, height), interpolation=_INTERPOLATION[recipe.interpolation]
    )
    if recipe.colour == "RGB":
        resized = resized[:, :, ::-1]
    mean = np.asarray(recipe.mean, np.float32)
    std = np.asarray(recipe.std, np.float32)
    pixels = (np.asarray(resized, np.float32) * np.float32(recipe.scale) - mean) / std
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[None], dtype=np.float32)


class ImageEmbedder:
    """Turns BGR images into pooled feature vectors with a verified embedding model."""

    def __init__(self, model: OnnxModel) -> None:
        """Wraps a model loaded by `runtime.load_model`.

        Raises:
            ValueError: the model's manifest entry is not an NCHW image embedder.
        """
        if model.entry.input.layout != "NCHW":
            raise ValueError(f"{model.name}: embedder needs an NCHW input")
        self._model = model
        self.recipe = ImagePreprocessing.from_manifest(model.entry.input.preprocessing)

    @property
    def model(self) -> OnnxModel:
        """The underlying model (name, version, sha256 for the audit log)."""
        return self._model

    def embed(self, image_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """Returns the (D,) float32 pooled features of one image (not normalised)."""
        return np.asarray(self.embed_many([image_bgr])[0], dtype=np.float32)

    def embed_many(self, images_bgr: Sequence[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]:
        """Returns (N, D) float32 pooled features, one row per image, run one at a time."""
        rows = [
            self._model.run_one(preprocess_image(image, self.recipe))[0][0] for image in images_bgr
        ]
        return np.asarray(np.stack(rows), dtype=np.float32)
