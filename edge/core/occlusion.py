"""Provides what is drawn in front of the garment (arms, hands, head, hair) and the lighting gain.

Pure geometry: capsules along the arms past the sleeves, and a head polygon above the collar.
The renderer intersects them with the person mask, so only the shopper's own pixels come forward.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from contracts.tryon import TryOnAsset
from edge.core.tryon import ARM_RADIUS_PER_SHOULDER, BodyGeometry, Capsule, Point, WarpPlan

HAND_EXTENSION = 0.4  # hand length past the wrist, as a fraction of the forearm
SHORT_SLEEVE_COVER = 0.45  # fraction of the upper arm a short sleeve covers when not anchored
HEAD_HALF_WIDTH_PER_SHOULDER = 0.42
NECK_RISE_PER_SHOULDER = 0.12
COLLAR_RISE_PER_SHOULDER = 0.2
GAIN_RANGE = (0.6, 1.3)
GAIN_GAMMA = 0.7


def _pt(v: npt.NDArray[np.float64]) -> Point:
    return float(v[0]), float(v[1])


def _sleeve_cover(asset: TryOnAsset, plan: WarpPlan, body: BodyGeometry, side: str) -> float:
    name = f"{side}_sleeve"
    shoulder, elbow = body.point(f"{side}_shoulder"), body.point(f"{side}_elbow")
    upper = float(np.linalg.norm(elbow - shoulder))
    if name not in plan.targets or upper < 1e-6:
        return SHORT_SLEEVE_COVER
    reach = float(np.linalg.norm(np.subtract(plan.targets[name], shoulder)))
    return reach / upper


def arm_capsules(asset: TryOnAsset, plan: WarpPlan, body: BodyGeometry) -> tuple[Capsule, ...]:
    """Returns the arm parts the sleeves leave bare: upper arm past the sleeve, forearm, hand."""
    radius = ARM_RADIUS_PER_SHOULDER * body.shoulder_width_px
    out: list[Capsule] = []
    for side in ("left", "right"):
        if not body.seen(f"{side}_elbow"):
            continue
        shoulder, elbow = body.point(f"{side}_shoulder"), body.point(f"{side}_elbow")
        cover = _sleeve_cover(asset, plan, body, side)
        if cover < 1.0:
            out.append(Capsule(_pt(shoulder + (elbow - shoulder) * cover), _pt(elbow), radius))
        if body.seen(f"{side}_wrist") and cover < 1.3:
            wrist = body.point(f"{side}_wrist")
            hand = wrist + (wrist - elbow) * HAND_EXTENSION
            out.append(Capsule(_pt(elbow), _pt(hand), radius))
    return tuple(out)


def head_polygon(plan: WarpPlan, body: BodyGeometry) -> tuple[Point, ...]:
    """Returns the region above the collar where head, neck and hair stay in front (a quad)."""
    rs, ls = body.point("right_shoulder"), body.point("left_shoulder")
    width = body.shoulder_width_px
    axis = (ls - rs) / max(width, 1e-6)
    up = np.array([axis[1], -axis[0]])
    neck = (ls + rs) / 2 + up * width * NECK_RISE_PER_SHOULDER
    half = axis * width * HEAD_HALF_WIDTH_PER_SHOULDER
    top = up * width * 2.0
    return (_pt(neck - half), _pt(neck + half), _pt(neck + half + top), _pt(neck - half + top))


def above_collar(body: BodyGeometry) -> tuple[Point, ...]:
    """Returns the region above the collar line (a wide quad) where no garment is drawn."""
    rs, ls = body.point("right_shoulder"), body.point("left_shoulder")
    width = body.shoulder_width_px
    axis = (ls - rs) / max(width, 1e-6)
    up = np.array([axis[1], -axis[0]])
    base = (ls + rs) / 2 + up * width * COLLAR_RISE_PER_SHOULDER
    half, top = axis * width * 4.0, up * width * 4.0
    return (_pt(base - half), _pt(base + half), _pt(base + half + top), _pt(base - half + top))


def with_occluders(asset: TryOnAsset, plan: WarpPlan, body: BodyGeometry) -> WarpPlan:
    """Returns `plan` with the arm capsules and the head polygon set."""
    return WarpPlan(
        inverse=plan.inverse,
        box_xyxy=plan.box_xyxy,
        targets=plan.targets,
        residual_px=plan.residual_px,
        front_capsules=arm_capsules(asset, plan, body),
        front_polygons=(head_polygon(plan, body),),
        clip_polygons=(above_collar(body),) if asset.kind in ("top", "dress") else (),
    )


def shading_gain(
    gray_small: npt.NDArray[np.float32], alpha_small: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Returns a per-pixel brightness gain for the garment from the frame's own lighting.

    Args:
        gray_small: (h, w) frame luminance under the garment, downsampled (blurred) to remove
            the shopper's own clothing detail.
        alpha_small: (h, w) garment coverage at the same size, in [0, 1].

    Returns:
        (h, w) gain: luminance over its median under the garment, clipped and softened.
    """
    if gray_small.shape != alpha_small.shape:
        raise ValueError(f"shapes differ: {gray_small.shape} vs {alpha_small.shape}")
    covered = gray_small[alpha_small > 0.5]
    reference = float(np.median(covered)) if covered.size else float(np.median(gray_small))
    gain = np.clip(gray_small / max(reference, 1.0), *GAIN_RANGE) ** GAIN_GAMMA
    out: npt.NDArray[np.float32] = np.asarray(gain, dtype=np.float32)
    return out
