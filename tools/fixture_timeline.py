"""Provides fixture timelines: when each item enters, is held and leaves, and its per-frame pose
and defects (motion blur while moving, a glare sweep, a thumb over the barcode, a far start).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from tools.fixture_scene import Defects, Pose

Side = Literal["left", "right", "bottom"]
EXPOSURE_SHARE = 0.6  # share of a frame interval the shutter is open (motion-blur length)


@dataclass(frozen=True, slots=True)
class Appearance:
    """One item's visit in front of the camera.

    Attributes:
        gtin: the item (GTIN-14).
        start: first frame of the entry.
        enter, hold, leave: frames spent moving in, held still-ish, moving out.
        hold_xy: centre while held (fractions of the frame).
        size: item side while held, fraction of the frame height.
        from_side, to_side: where it comes from and goes to.
        far_frames: frames at the start of the hold during which the item is far away (small),
            before it is brought close (0: no far phase).
        occlude: a thumb covers the barcode for a few frames mid-hold.
        glare: a highlight sweeps across the package mid-hold.
    """

    gtin: str
    start: int
    enter: int
    hold: int
    leave: int
    hold_xy: tuple[float, float] = (0.5, 0.5)
    size: float = 0.8
    from_side: Side = "right"
    to_side: Side = "left"
    far_frames: int = 0
    occlude: bool = True
    glare: bool = True

    def __post_init__(self) -> None:
        """Checks the phases are non-negative and the hold is long enough to scan."""
        if min(self.start, self.enter, self.leave) < 0 or self.hold < 3:
            raise ValueError(f"bad phases for {self.gtin}: need start/enter/leave >= 0, hold >= 3")

    @property
    def end(self) -> int:
        """One past the last frame the item is visible in."""
        return self.start + self.enter + self.hold + self.leave


def _offscreen(side: Side, xy: tuple[float, float], size: float) -> tuple[float, float]:
    margin = size * 0.75 + 0.1
    if side == "left":
        return (-margin, xy[1] + 0.05)
    if side == "right":
        return (1 + margin, xy[1] - 0.05)
    return (xy[0] + 0.1, 1 + margin)


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))


def _centre(app: Appearance, frame: int) -> tuple[float, float, float]:
    """Centre (x, y) and size of the item at `frame` (size changes only in a far phase)."""
    local = frame - app.start
    if local < app.enter:
        begin = _offscreen(app.from_side, app.hold_xy, app.size)
        t = _ease((local + 1) / (app.enter + 1))
        size = app.size * 0.35 if app.far_frames else app.size
        return (
            begin[0] + (app.hold_xy[0] - begin[0]) * t,
            begin[1] + (app.hold_xy[1] - begin[1]) * t,
            size,
        )
    local -= app.enter
    if local < app.hold:
        size = app.size
        if local < app.far_frames:
            size = app.size * 0.35
        elif local < app.far_frames + 3 and app.far_frames:
            size = app.size * (0.35 + 0.65 * (local - app.far_frames + 1) / 3)
        return app.hold_xy[0], app.hold_xy[1], size
    local -= app.hold
    end = _offscreen(app.to_side, app.hold_xy, app.size)
    t = _ease((local + 1) / (app.leave + 1))
    return (
        app.hold_xy[0] + (end[0] - app.hold_xy[0]) * t,
        app.hold_xy[1] + (end[1] - app.hold_xy[1]) * t,
        app.size,
    )


def pose_at(app: Appearance, frame: int, rng: np.random.Generator) -> Pose | None:
    """The item's pose at `frame`, or None when it is not in view."""
    if not app.start <= frame < app.end:
        return None
    cx, cy, size = _centre(app, frame)
    wobble = math.sin(frame * 0.9)
    return Pose(
        cx=cx + float(rng.normal(0, 0.006)),
        cy=cy + float(rng.normal(0, 0.006)),
        size=size,
        angle_deg=4.0 * wobble + float(rng.normal(0, 1.0)),
        yaw=0.12 * math.sin(frame * 0.5),
        pitch=0.08 * math.cos(frame * 0.4),
    )


def defects_at(app: Appearance, frame: int, size_wh: tuple[int, int]) -> Defects:
    """Motion blur from the item's speed, plus the glare and thumb of the hold phase."""
    if not app.start <= frame < app.end:
        return Defects()
    x0, y0, _ = _centre(app, max(app.start, frame - 1))
    x1, y1, _ = _centre(app, frame)
    dx, dy = (x1 - x0) * size_wh[0], (y1 - y0) * size_wh[1]
    speed_px = math.hypot(dx, dy) * EXPOSURE_SHARE
    local = frame - app.start - app.enter - app.far_frames
    middle = (app.hold - app.far_frames) // 2
    glare = 0.0
    if app.glare and abs(local - middle) <= 1:
        glare = 0.9 - 0.2 * abs(local - middle)
    occluded = app.occlude and local in (middle + 2, middle + 3)
    return Defects(
        blur_px=speed_px,
        blur_angle_deg=math.degrees(math.atan2(dy, dx)),
        glare=glare,
        glare_xy=(0.3 + 0.2 * (local - middle), 0.72),
        thumb=0.3 if occluded else 0.14,
        thumb_y=0.72 if occluded else 0.3,
    )


def gain_at(frame: int, frames: int) -> float:
    """Exposure over the sequence: a slow swing plus a dimmer stretch (lights changing)."""
    dim = 0.78 if frames // 3 <= frame < frames // 3 + max(2, frames // 8) else 1.0
    return dim * (1.0 + 0.1 * math.sin(2 * math.pi * frame / max(frames, 1)))


def held(gtins: tuple[str, ...], frames: int, item_size: float) -> list[Appearance]:
    """One item is brought in from the right, held up to the camera, and taken away."""
    return [Appearance(gtins[0], start=2, enter=3, hold=frames - 8, leave=3, size=item_size)]


def far(gtins: tuple[str, ...], frames: int, item_size: float) -> list[Appearance]:
    """One item is first held far away (code too small), then brought close."""
    hold = frames - 8
    return [
        Appearance(
            gtins[0],
            start=1,
            enter=3,
            hold=hold,
            leave=3,
            size=item_size,
            far_frames=hold // 3,
            occlude=False,
        )
    ]


def two_in_view(gtins: tuple[str, ...], frames: int, item_size: float) -> list[Appearance]:
    """Two items are held up side by side at the same time."""
    # staggered in height: ZBar joins halves of two EAN-13s that share a scan line
    left = Appearance(
        gtins[0],
        start=1,
        enter=3,
        hold=frames - 7,
        leave=3,
        size=item_size * 0.65,
        hold_xy=(0.26, 0.36),
        from_side="left",
        to_side="left",
        occlude=False,
    )
    right = replace(
        left, gtin=gtins[1], hold_xy=(0.74, 0.64), from_side="right", to_side="right", glare=False
    )
    return [left, right]


def two_in_line(gtins: tuple[str, ...], frames: int, item_size: float) -> list[Appearance]:
    """Two items side by side at the same height: a hard case, not a committed fixture.

    ZBar's scan lines cross both codes and it can join the left half of one EAN-13 with the
    right half of the other into a third, valid-looking code; `--verify` reports those reads.
    """
    left, right = two_in_view(gtins, frames, item_size)
    return [replace(left, hold_xy=(0.27, 0.5)), replace(right, hold_xy=(0.73, 0.5))]


def sequence(gtins: tuple[str, ...], frames: int, item_size: float) -> list[Appearance]:
    """Items are looked at one after another, close up (smart glasses)."""
    slot = frames // len(gtins)
    return [
        Appearance(
            gtin,
            start=i * slot + 1,
            enter=2,
            hold=slot - 6,
            leave=2,
            size=min(1.2, item_size * 1.15),
            hold_xy=(0.5, 0.52),
            from_side="bottom",
            to_side="left",
            occlude=i == 0,
        )
        for i, gtin in enumerate(gtins)
    ]


Scenario = Callable[[tuple[str, ...], int, float], list[Appearance]]
SCENARIOS: dict[str, Scenario] = {
    "held": held,
    "far": far,
    "two_in_view": two_in_view,
    "two_in_line": two_in_line,
    "sequence": sequence,
}
