"""Provides the replayed try-on sequences at 640x480, made from the astronaut still (public domain).

Sequences: `still` (the same pose with sensor noise, for jitter), `moving` (sliding and scaling,
for anchor error under motion), `leave_return` (present, gone, back, for recovery) and `crowd`
(a smaller second person beside the first). Frames carry timestamps at 30 fps; all stay in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.frames import Frame

REPO_ROOT = Path(__file__).resolve().parents[2]
ASTRONAUT = REPO_ROOT / "tests" / "fixtures" / "tryon" / "astronaut.jpg"
FRAME_WH = (640, 480)
FPS = 30.0
NOISE_SIGMA = 3.0


@dataclass(frozen=True, slots=True)
class Sequence:
    """Frames of one replayed sequence and, per frame, whether the person is in view."""

    name: str
    frames: tuple[Frame, ...]
    present: tuple[bool, ...]


def _background(rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    w, h = FRAME_WH
    ramp = np.linspace(0.85, 1.1, w, dtype=np.float32)[None, :, None]
    wall = np.full((h, w, 3), (150, 160, 170), np.float32) * ramp
    return np.clip(wall + rng.normal(0, 2, wall.shape), 0, 255).astype(np.uint8)


def _place(
    canvas: npt.NDArray[np.uint8], person: npt.NDArray[np.uint8], cx: float, scale: float
) -> None:
    h = round(FRAME_WH[1] * scale)
    small = cv2.resize(person, (h, h), interpolation=cv2.INTER_AREA)
    x0, y0 = round(cx - h / 2), FRAME_WH[1] - h
    sx0, sx1 = max(0, -x0), min(h, FRAME_WH[0] - x0)
    if sx1 > sx0:
        canvas[y0:, x0 + sx0 : x0 + sx1] = small[:, sx0:sx1]


def _noisy(image: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    noisy = image.astype(np.float32) + rng.normal(0, NOISE_SIGMA, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _frames(images: list[npt.NDArray[np.uint8]]) -> tuple[Frame, ...]:
    return tuple(Frame(image=im, index=i, t_ms=i * 1000.0 / FPS) for i, im in enumerate(images))


def make_sequence(name: str, count: int, seed: int = 0) -> Sequence:
    """Returns one named sequence of `count` frames.

    Raises:
        ValueError: unknown name, or count < 10.
    """
    if count < 10:
        raise ValueError(f"count must be >= 10, got {count}")
    rng = np.random.default_rng(seed)
    loaded = cv2.imread(str(ASTRONAUT))
    if loaded is None:
        raise ValueError(f"astronaut fixture not readable: {ASTRONAUT}")
    person = np.asarray(loaded, dtype=np.uint8)
    back = _background(rng)
    images, present = [], []
    for i in range(count):
        canvas = back.copy()
        here = True
        if name == "still":
            _place(canvas, person, 320, 1.0)
        elif name == "moving":
            _place(canvas, person, 320 + 70 * math.sin(i / 12), 0.85 + 0.15 * math.cos(i / 17))
        elif name == "leave_return":
            here = not (count // 3 <= i < 2 * count // 3)
            if here:
                _place(canvas, person, 320, 1.0)
        elif name == "crowd":
            _place(canvas, person, 60, 0.4)
            _place(canvas, person, 420, 1.0)
        else:
            raise ValueError(f"unknown sequence {name!r}")
        images.append(_noisy(canvas, rng))
        present.append(here)
    return Sequence(name=name, frames=_frames(images), present=tuple(present))
