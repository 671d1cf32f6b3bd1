"""Provides the live try-on session: per frame, person mask + pose (or face mesh) -> composite.

The session dresses the person nearest the camera (the largest blob of the person mask), smooths
keypoints with a One Euro filter, starts afresh when the person leaves and comes back, and keeps
frames, composites and stills in memory only: it has no publisher, no logger of pixels and no
file output, and `close()` drops everything it held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from edge.core.accessories import accessory_targets
from edge.core.frames import Frame
from edge.core.occlusion import with_occluders
from edge.core.smoothing import OneEuroConfig, OneEuroFilter
from edge.core.tryon import (
    SIZE_SCALE,
    BodyGeometry,
    WarpPlan,
    body_geometry,
    garment_targets,
    plan_warp,
)
from edge.inference.face import FaceMeshModel
from edge.inference.pose import MoveNetModel, roi_from_box
from edge.inference.segmentation import SelfieSegmenter, nearest_person
from edge.tryon.assets import GarmentAsset
from edge.tryon.render import compose

HINT_NO_PERSON = "Step in front of the screen to try it on"
HINT_NO_SHOULDERS = "Face the screen so both shoulders show"
HINT_NO_FACE = "Look at the screen to try it on"
PERSON_ROI_MARGIN = 1.1
HIPS_SEEN_SCORE = 0.5  # hysteresis: hips count as seen above this score...
HIPS_LOST_SCORE = 0.2  # ...and as lost only below this one


class TryOnSettings(BaseModel):
    """How the try-on session behaves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: Literal["XS", "S", "M", "L", "XL"] = Field(default="M", description="garment size")
    min_cutoff_hz: float = Field(default=1.0, gt=0, description="One Euro cutoff at rest, Hz")
    beta: float = Field(default=0.1, ge=0, description="One Euro speed coefficient, per px/s")
    max_stills: int = Field(default=4, ge=0, le=16, description="stills kept in memory at most")


@dataclass(frozen=True, slots=True)
class TryOnModels:
    """The models a session runs (loaded and verified by `edge/inference/runtime.py`)."""

    movenet: MoveNetModel
    segmenter: SelfieSegmenter
    face: FaceMeshModel | None = None


@dataclass(frozen=True, slots=True)
class TryOnResult:
    """One processed frame.

    Attributes:
        image: (H, W, 3) BGR composite (the plain frame when nothing could be drawn).
        hint: what the shopper should do, or None when the garment is drawn.
        body: the smoothed body the garment was fitted to (body-worn garments only).
        raw_xy: (17, 2) unsmoothed keypoints of this frame, or None.
        plan: the warp plan drawn, or None.
    """

    image: npt.NDArray[np.uint8]
    hint: str | None
    body: BodyGeometry | None = None
    raw_xy: npt.NDArray[np.float32] | None = None
    plan: WarpPlan | None = None

    @property
    def dressed(self) -> bool:
        """True when the garment was drawn on this frame."""
        return self.plan is not None


class TryOnSession:
    """A shopper's try-on: one garment (switchable), one size, stills kept in memory."""

    def __init__(
        self, models: TryOnModels, asset: GarmentAsset, settings: TryOnSettings | None = None
    ) -> None:
        """Starts a session for `asset` with the given models and settings."""
        self._models = models
        self._settings = settings or TryOnSettings()
        self._size: str = self._settings.size
        self._asset = asset
        self._check_models(asset)
        config = OneEuroConfig(min_cutoff_hz=self._settings.min_cutoff_hz, beta=self._settings.beta)
        self._filter = OneEuroFilter(config)
        self._hips_trusted = False
        self._last: npt.NDArray[np.uint8] | None = None
        self._stills: list[npt.NDArray[np.uint8]] = []

    def _check_models(self, asset: GarmentAsset) -> None:
        if asset.meta.kind in ("hat", "glasses") and self._models.face is None:
            raise ValueError(f"{asset.meta.kind} try-on needs the face models")

    @property
    def size(self) -> str:
        """The chosen size."""
        return self._size

    def set_size(self, size: str) -> None:
        """Chooses another size. Raises ValueError for an unknown size."""
        if size not in SIZE_SCALE:
            raise ValueError(f"size must be one of {list(SIZE_SCALE)}, got {size!r}")
        self._size = size

    def set_garment(self, asset: GarmentAsset) -> None:
        """Switches to another garment (the body tracking carries on)."""
        self._check_models(asset)
        on_face = asset.meta.kind in ("hat", "glasses")
        if on_face != (self._asset.meta.kind in ("hat", "glasses")):
            self._filter.reset()
        self._asset = asset

    def process(self, frame: Frame) -> TryOnResult:
        """Dresses the nearest person of a frame: the composite, or the plain frame and a hint."""
        if self._asset.meta.kind in ("hat", "glasses"):
            result = self._process_face(frame)
        else:
            result = self._process_body(frame)
        if result.plan is None:
            self._filter.reset()  # start afresh when the person comes back
            self._hips_trusted = False
        self._last = result.image
        return result

    def _process_body(self, frame: Frame) -> TryOnResult:
        prob = self._models.segmenter.segment_small(frame.image)
        blob = nearest_person(prob, frame_wh=frame.size_wh)
        if blob is None:
            return TryOnResult(image=frame.image.copy(), hint=HINT_NO_PERSON)
        x0, y0, x1, y1 = (float(v) for v in blob.box_xyxy)
        roi = roi_from_box((x0, y0, x1, y1), margin=PERSON_ROI_MARGIN)
        keypoints = self._models.movenet.detect(frame.image, roi)
        if body_geometry(keypoints.xy, keypoints.scores) is None:
            return TryOnResult(
                image=frame.image.copy(), hint=HINT_NO_SHOULDERS, raw_xy=keypoints.xy
            )
        smooth = self._filter(keypoints.xy, frame.t_ms / 1000.0)
        hip_score = float(min(keypoints.scores[11], keypoints.scores[12]))
        self._hips_trusted = hip_score >= (
            HIPS_LOST_SCORE if self._hips_trusted else HIPS_SEEN_SCORE
        )
        body = body_geometry(smooth, keypoints.scores, trust_hips=self._hips_trusted)
        if body is None:
            return TryOnResult(
                image=frame.image.copy(), hint=HINT_NO_SHOULDERS, raw_xy=keypoints.xy
            )
        targets = garment_targets(self._asset.meta, body, self._size)
        plan = plan_warp(self._asset.meta, targets, frame.size_wh)
        plan = with_occluders(self._asset.meta, plan, body)
        image = compose(frame.image, self._asset, plan, blob.mask)
        return TryOnResult(image=image, hint=None, body=body, raw_xy=keypoints.xy, plan=plan)

    def _process_face(self, frame: Frame) -> TryOnResult:
        face_model = self._models.face
        if face_model is None:  # checked at construction; kept for the type checker
            raise ValueError("face models missing")
        face = face_model.detect_face(frame.image)
        mesh = face_model.mesh(frame.image, face) if face is not None else None
        if mesh is None:
            return TryOnResult(image=frame.image.copy(), hint=HINT_NO_FACE)
        smooth = self._filter(mesh.xy, frame.t_ms / 1000.0)
        targets = accessory_targets(self._asset.meta, smooth, self._size)
        plan = plan_warp(self._asset.meta, targets, frame.size_wh)
        no_person = np.zeros(frame.image.shape[:2], np.float32)
        image = compose(frame.image, self._asset, plan, no_person)
        return TryOnResult(image=image, hint=None, plan=plan)

    def take_still(self) -> int:
        """Keeps the last composite in memory as a still; returns its index.

        Raises:
            ValueError: no frame was processed yet, or the stills limit is reached.
        """
        if self._last is None:
            raise ValueError("no frame processed yet: nothing to keep")
        if len(self._stills) >= self._settings.max_stills:
            raise ValueError(f"at most {self._settings.max_stills} stills per session")
        self._stills.append(self._last.copy())
        return len(self._stills) - 1

    @property
    def stills(self) -> tuple[npt.NDArray[np.uint8], ...]:
        """Copies of the stills taken in this session (in memory only)."""
        return tuple(still.copy() for still in self._stills)

    def side_by_side(self, first: int, second: int) -> npt.NDArray[np.uint8]:
        """Returns two stills next to each other (same height), for comparing two garments."""
        a, b = self._stills[first], self._stills[second]
        height = min(a.shape[0], b.shape[0])
        return np.hstack([a[:height], b[:height]])

    def close(self) -> None:
        """Ends the session: forgets stills, the last composite and the tracking state."""
        self._stills.clear()
        self._last = None
        self._filter.reset()

    def __enter__(self) -> TryOnSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
