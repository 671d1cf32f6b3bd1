"""Provides the try-on geometry: body from keypoints, garment warp plan through the anchors, sizes.

Pure (numpy + contracts): keypoints in MoveNet order and the asset's anchors go in; a thin-plate
spline (frame -> asset pixels) over a frame box, the anchors' targets, the regions drawn in front of
the garment (forearms, hands, head and hair) and a lighting gain come out. `edge/tryon/render.py`
turns a plan into pixels. Sizes scale the garment around the body's centre line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contracts.tryon import TryOnAsset
from edge.core.warp import ThinPlateSpline

Point = tuple[float, float]
FloatArray = npt.NDArray[np.float64]
POINTS = {
    "nose": 0, "left_eye": 1, "right_eye": 2, "left_ear": 3, "right_ear": 4,
    "left_shoulder": 5, "right_shoulder": 6, "left_elbow": 7, "right_elbow": 8,
    "left_wrist": 9, "right_wrist": 10, "left_hip": 11, "right_hip": 12,
}  # fmt: skip
SIZE_SCALE = {"XS": 0.90, "S": 0.95, "M": 1.00, "L": 1.06, "XL": 1.12}
TORSO_PER_SHOULDER = 1.45  # torso height / shoulder width when the hips are out of view
ARM_RADIUS_PER_SHOULDER = 0.12
MIN_SCORE = 0.3
ELBOW_ALONG_SLEEVE = 0.5  # a long sleeve's elbow: halfway from the shoulder seam to the cuff
ELBOW_SUFFIX = "_sleeve_elbow"  # targets named <side>_sleeve_elbow bend long sleeves


@dataclass(frozen=True, slots=True)
class BodyGeometry:
    """The body the garment is fitted to, in frame pixels.

    Attributes:
        xy: (17, 2) keypoints (MoveNet order), smoothed or raw.
        scores: (17,) keypoint confidences.
        hips_estimated: True when the hips were out of view and placed from the shoulders.
    """

    xy: FloatArray
    scores: FloatArray
    hips_estimated: bool

    def __post_init__(self) -> None:
        if self.xy.shape != (17, 2) or self.scores.shape != (17,):
            raise ValueError(
                f"expected (17, 2) and (17,), got {self.xy.shape}, {self.scores.shape}"
            )

    def point(self, name: str) -> FloatArray:
        """Returns the (2,) position of a named keypoint."""
        point: FloatArray = self.xy[POINTS[name]]
        return point

    def seen(self, name: str) -> bool:
        """True when the named keypoint's score reaches `MIN_SCORE`."""
        return bool(self.scores[POINTS[name]] >= MIN_SCORE)

    @property
    def shoulder_width_px(self) -> float:
        """Distance between the shoulders."""
        return float(np.linalg.norm(self.point("left_shoulder") - self.point("right_shoulder")))

    @property
    def torso_height_px(self) -> float:
        """Distance from the shoulders' midpoint to the hips' midpoint."""
        mid_s = (self.point("left_shoulder") + self.point("right_shoulder")) / 2
        mid_h = (self.point("left_hip") + self.point("right_hip")) / 2
        return float(np.linalg.norm(mid_h - mid_s))


def body_geometry(
    xy: npt.ArrayLike, scores: npt.ArrayLike, *, trust_hips: bool | None = None
) -> BodyGeometry | None:
    """Returns the body of 17 MoveNet-ordered keypoints, or None when the shoulders are not seen.

    Hips out of view (or implausible) are placed below the shoulders at `TORSO_PER_SHOULDER`.
    `trust_hips` overrides the hips' score test (callers keep it steady with hysteresis, so the
    hips do not flip between detected and estimated from frame to frame).
    """
    pts = np.array(xy, dtype=np.float64)
    sc = np.array(scores, dtype=np.float64)
    ls, rs = pts[POINTS["left_shoulder"]], pts[POINTS["right_shoulder"]]
    width = float(np.linalg.norm(ls - rs))
    if min(sc[5], sc[6]) < MIN_SCORE or width < 4.0:
        return None
    axis = (ls - rs) / width
    down = np.array([-axis[1], axis[0]])
    mid_s, mid_h = (ls + rs) / 2, (pts[11] + pts[12]) / 2
    torso = float(np.dot(mid_h - mid_s, down))
    seen = min(sc[11], sc[12]) >= MIN_SCORE if trust_hips is None else trust_hips
    estimated = not seen or not 0.8 < torso / width < 2.5
    if estimated:
        hip_mid = mid_s + down * width * TORSO_PER_SHOULDER
        pts[11], pts[12] = hip_mid + axis * width * 0.4, hip_mid - axis * width * 0.4
    return BodyGeometry(xy=pts, scores=sc, hips_estimated=estimated)


@dataclass(frozen=True, slots=True)
class Capsule:
    """A segment with a radius (frame pixels): a limb drawn in front of the garment."""

    a: Point
    b: Point
    radius_px: float


@dataclass(frozen=True, slots=True)
class WarpPlan:
    """How to draw one garment on one frame.

    Attributes:
        inverse: spline from frame pixels to asset pixels.
        box_xyxy: frame box the garment may cover (clipped to the frame, x1/y1 exclusive).
        targets: anchor name -> frame point the anchor is pinned to.
        residual_px: largest |inverse(target) - anchor|, converted to frame pixels.
        front_capsules: limbs drawn in front of the garment.
        front_polygons: convex polygons (head, hair) drawn in front of the garment.
        clip_polygons: convex polygons where the garment is never drawn (above the collar).
    """

    inverse: ThinPlateSpline
    box_xyxy: tuple[int, int, int, int]
    targets: dict[str, Point]
    residual_px: float
    front_capsules: tuple[Capsule, ...] = ()
    front_polygons: tuple[tuple[Point, ...], ...] = ()
    clip_polygons: tuple[tuple[Point, ...], ...] = ()


def _frame(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    width = float(np.linalg.norm(b - a))
    if width < 1e-6:
        raise ValueError("the two reference anchors coincide")
    axis = (b - a) / width
    return (a + b) / 2, axis, np.array([-axis[1], axis[0]]), width


def _uv(
    points: FloatArray, mid: FloatArray, axis: FloatArray, down: FloatArray, w: float
) -> FloatArray:
    rel = points - mid
    return np.stack([rel @ axis, rel @ down], axis=-1) / w


def _corners(asset: TryOnAsset) -> FloatArray:
    w, h = asset.size_wh
    return np.array([[0.0, 0.0], [w, 0.0], [0.0, h], [w, h]])


def _sleeve_targets(
    asset: TryOnAsset, body: BodyGeometry, scale: float, targets: dict[str, FloatArray]
) -> None:
    for side in ("left", "right"):
        name = f"{side}_sleeve"
        if name not in asset.anchors or not body.seen(f"{side}_elbow"):
            continue
        shoulder = body.point(f"{side}_shoulder")
        arm = body.point(f"{side}_elbow") - shoulder
        length = float(
            np.linalg.norm(np.subtract(asset.anchors[name], asset.anchors[f"{side}_shoulder"]))
        )
        reach = length * scale
        arm_len = float(np.linalg.norm(arm))
        if reach > 1.3 * arm_len and body.seen(f"{side}_wrist"):
            targets[name] = body.point(f"{side}_wrist")  # long sleeve: ends at the wrist
            targets[side + ELBOW_SUFFIX] = body.point(f"{side}_elbow")  # and bends there
        elif arm_len > 1e-6:
            targets[name] = shoulder + arm / arm_len * reach


def top_targets(asset: TryOnAsset, body: BodyGeometry, size: str) -> dict[str, FloatArray]:
    """Returns each anchor's frame target for a top or dress (shoulders on shoulders, hem at hips).

    A dress keeps its own length (in shoulder widths); a top's hem is pinned to the hip line.
    """
    a = {k: np.array(v, dtype=np.float64) for k, v in asset.anchors.items()}
    a_mid, a_axis, a_down, a_w = _frame(a["right_shoulder"], a["left_shoulder"])
    b_mid, b_axis, _, b_w = _frame(body.point("right_shoulder"), body.point("left_shoulder"))
    hip_mid = (body.point("left_hip") + body.point("right_hip")) / 2
    b_torso = hip_mid - b_mid
    s = SIZE_SCALE[size]
    hem_v = float(_uv((a["left_hem"] + a["right_hem"]) / 2, a_mid, a_axis, a_down, a_w)[1])
    if asset.kind == "top" and hem_v > 0.2:
        down_per_v = b_torso / hem_v  # hem lands on the hip line
    else:
        down_per_v = b_torso / float(np.linalg.norm(b_torso)) * b_w
    targets: dict[str, FloatArray] = {}
    for name, point in a.items():
        u, v = _uv(point, a_mid, a_axis, a_down, a_w)
        targets[name] = b_mid + s * (u * b_w * b_axis + v * down_per_v)
    _sleeve_targets(asset, body, s * b_w / a_w, targets)
    return targets


def _bottom_targets(asset: TryOnAsset, body: BodyGeometry, size: str) -> dict[str, FloatArray]:
    a = {k: np.array(v, dtype=np.float64) for k, v in asset.anchors.items()}
    a_mid, a_axis, a_down, a_w = _frame(a["right_waist"], a["left_waist"])
    rh, lh = body.point("right_hip"), body.point("left_hip")
    b_mid, b_axis, b_down, hip_w = _frame(rh, lh)
    b_w = hip_w * 1.25  # the waistband is wider than the hip joints
    s = SIZE_SCALE[size]
    out: dict[str, FloatArray] = {}
    for name, point in a.items():
        u, v = _uv(point, a_mid, a_axis, a_down, a_w)
        out[name] = b_mid + s * b_w * (u * b_axis + v * b_down)
    return out


def garment_targets(asset: TryOnAsset, body: BodyGeometry, size: str) -> dict[str, FloatArray]:
    """Returns the frame target of every anchor of a body-worn asset (top, dress, bottom).

    Raises:
        ValueError: unknown size, or an accessory asset (use `accessory_targets`).
    """
    if size not in SIZE_SCALE:
        raise ValueError(f"size must be one of {list(SIZE_SCALE)}, got {size!r}")
    if asset.kind in ("top", "dress"):
        return top_targets(asset, body, size)
    if asset.kind == "bottom":
        return _bottom_targets(asset, body, size)
    raise ValueError(f"{asset.kind} assets are placed on the face, not the body")


def anchor_point(asset: TryOnAsset, name: str) -> Point:
    """An anchor of the asset, or a derived one: `<side>_sleeve_elbow` lies on the line from the
    shoulder anchor to the sleeve anchor, `ELBOW_ALONG_SLEEVE` of the way.

    Raises:
        KeyError: the asset has no such anchor and it cannot be derived.
    """
    if name in asset.anchors:
        return asset.anchors[name]
    side = name.removesuffix(ELBOW_SUFFIX)
    if side == name:
        raise KeyError(name)
    (sx, sy), (cx, cy) = asset.anchors[f"{side}_shoulder"], asset.anchors[f"{side}_sleeve"]
    return sx + ELBOW_ALONG_SLEEVE * (cx - sx), sy + ELBOW_ALONG_SLEEVE * (cy - sy)


def plan_warp(
    asset: TryOnAsset, targets: dict[str, FloatArray], frame_wh: tuple[int, int]
) -> WarpPlan:
    """Fits the frame->asset spline through the anchors (asset corners follow the best affine)."""
    names = sorted(targets)
    src = np.array([anchor_point(asset, n) for n in names], dtype=np.float64)
    dst = np.array([targets[n] for n in names], dtype=np.float64)
    affine = ThinPlateSpline.fit(src, dst)  # 3+ points; its affine part places the corners
    corners_dst = affine(_corners(asset))
    inverse = ThinPlateSpline.fit(np.vstack([dst, corners_dst]), np.vstack([src, _corners(asset)]))
    every = np.vstack([dst, corners_dst])
    w, h = frame_wh
    x0, y0 = np.floor(every.min(axis=0)).astype(int)
    x1, y1 = np.ceil(every.max(axis=0)).astype(int) + 1
    box = (max(0, int(x0)), max(0, int(y0)), min(w, int(x1)), min(h, int(y1)))
    frame_per_asset = float(np.linalg.norm(np.ptp(dst, axis=0))) / max(
        float(np.linalg.norm(np.ptp(src, axis=0))), 1e-6
    )
    residual = float(np.linalg.norm(inverse(dst) - src, axis=1).max()) * frame_per_asset
    return WarpPlan(
        inverse=inverse,
        box_xyxy=box,
        targets={n: (float(targets[n][0]), float(targets[n][1])) for n in names},
        residual_px=residual,
    )
