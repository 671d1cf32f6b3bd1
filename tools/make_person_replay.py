"""Provides the try-on demo replay: a shopper (the astronaut) sways at the kiosk, then leaves.

Writes `tests/fixtures/replays/kiosk_tryon_person/` in the replay fixture format (frames,
`timestamps.json`, `expected.json` with no scans), so `aisle kiosk` can show the try-on without a
camera: press `f` until it reads this replay, then `t`. The person is scikit-image's `astronaut`
photo (public domain, tests/fixtures/tryon/astronaut.jpg); the frames are deterministic.

Usage: python tools/make_person_replay.py [--out DIR] [--frames N] [--fps F]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parent.parent
ASTRONAUT = REPO_ROOT / "tests" / "fixtures" / "tryon" / "astronaut.jpg"
DEFAULT_OUT = REPO_ROOT / "tests" / "fixtures" / "replays" / "kiosk_tryon_person"
FRAME_WH = (640, 480)
JPEG_QUALITY = 80
SWAY_PX = 24
AWAY_FRACTION = 0.25


def wall(rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """A lit wall with a little sensor noise."""
    width, height = FRAME_WH
    ramp = np.linspace(0.85, 1.1, width, dtype=np.float32)[None, :, None]
    plain = np.full((height, width, 3), (150, 160, 170), np.float32) * ramp
    return np.clip(plain + rng.normal(0, 2, plain.shape), 0, 255).astype(np.uint8)


def frame(person: npt.NDArray[np.uint8], index: int, frames: int) -> npt.NDArray[np.uint8]:
    """Frame `index`: the person swaying, or the bare wall in the last quarter (walked away)."""
    rng = np.random.default_rng(index)
    canvas = wall(rng)
    if index >= frames * (1 - AWAY_FRACTION):
        return canvas
    side = FRAME_WH[1]
    x0 = (FRAME_WH[0] - side) // 2 + round(SWAY_PX * math.sin(2 * math.pi * index / frames))
    canvas[:, x0 : x0 + side] = cv2.resize(person, (side, side), interpolation=cv2.INTER_AREA)
    return canvas


def write(out: Path, frames: int, fps: float) -> int:
    """Writes the fixture; returns its size in bytes."""
    person = cv2.imread(str(ASTRONAUT))
    if person is None:
        raise FileNotFoundError(f"cannot read {ASTRONAUT}")
    (out / "frames").mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(frames):
        name = f"frames/{index:06d}.jpg"
        image = frame(np.asarray(person, np.uint8), index, frames)
        cv2.imwrite(str(out / name), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        rows.append({"file": name, "t_ms": round(index * 1000 / fps)})
    (out / "timestamps.json").write_text(json.dumps({"fps": fps, "frames": rows}, indent=1))
    notes = "the astronaut sways in front of the kiosk, then leaves (try-on demo; no barcode)"
    (out / "expected.json").write_text(json.dumps({"scans": [], "notes": notes}, indent=1))
    return sum(path.stat().st_size for path in out.rglob("*") if path.is_file())


def main(argv: list[str] | None = None) -> int:
    """Writes the replay and prints where and how big."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixture folder to write")
    parser.add_argument("--frames", type=int, default=16, help="frames in the replay")
    parser.add_argument("--fps", type=float, default=8.0, help="recording rate, frames/s")
    args = parser.parse_args(argv)
    if args.frames < 4 or args.fps <= 0:
        print("need --frames >= 4 and --fps > 0", file=sys.stderr)
        return 2
    size = write(args.out, args.frames, args.fps)
    print(f"{args.out}: {args.frames} frames, {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
