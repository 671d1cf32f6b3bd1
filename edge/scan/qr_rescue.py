"""Provides the rescue of QR codes that zxing-cpp located but could not decode.

Photographed QR codes on bent or crumpled labels are not a plane, so the single homography a
decoder fits through the corners lands between modules in places. Given the corners zxing-cpp
reported for a symbol it failed to decode, this module rectifies the symbol, picks the module
count whose fixed patterns (finders, timing rows) fit best, and samples every module where the
image is most decisive within a few pixels of the homography's guess (a per-module search for
the shift with the strongest local contrast, smoothed across neighbours). The sampled bits are
drawn as a clean symbol and decoded again; Reed-Solomon error correction rejects wrong samplings.

Effort follows evidence: how well the fixed patterns (three finders, timing rows) fit at the
reported corners. A quad where they barely fit (not a QR code, or corners far off) is skipped;
one where they fit well is a real symbol whose data area is damaged (a crease, a fold), and gets
the larger budget, since the random corner search needs more tries to move every damaged area
under the error correction's limit at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.barcode import BarcodeRead, QuadXY

Gray = npt.NDArray[np.uint8]
Bits = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float32]
# Decodes a clean, axis-aligned rendering of a symbol; returns its read or None.
PureDecoder = Callable[[Gray], BarcodeRead | None]

_PX_PER_MODULE = 8
_SIZES = tuple(range(21, 58, 4))  # versions 1-10


@dataclass(frozen=True, slots=True)
class RescueConfig:
    """Effort spent on one damaged QR code.

    Attributes:
        max_tries: sampled grids decoded at most (each ~1-2 ms).
        confident_tries: the same when the fixed patterns fit at least `confident_fit`.
        confident_fit: share of finder/timing modules that must match for `confident_tries`.
        min_fit: below this share the quad is not rescued at all (random symbols match ~0.5).
        search_px: how far (pixels at 8 px per module) a module centre may move.
        jitter_px: standard deviations of the corner perturbations tried after the reported
            corners, used in turn. zxing-cpp places corners within about a pixel, so mostly small
            moves: they spread a bend's error without pulling the finders off their patterns.
        seed: seed of the perturbations (rescues are reproducible).
    """

    max_tries: int = 36
    confident_tries: int = 120
    confident_fit: float = 0.9
    min_fit: float = 0.75
    search_px: int = 3
    jitter_px: tuple[float, ...] = (0.75, 1.0, 1.5)
    seed: int = 0

    def __post_init__(self) -> None:
        if min(self.max_tries, self.confident_tries, self.search_px) < 0:
            raise ValueError("RescueConfig tries and search_px must be >= 0")
        if not self.jitter_px or min(self.jitter_px) <= 0:
            raise ValueError("RescueConfig jitter_px needs at least one value, all > 0")


def rescue_qr(
    gray: Gray, quad_xy: QuadXY, decode: PureDecoder, config: RescueConfig | None = None
) -> BarcodeRead | None:
    """Tries to read the QR code whose four corners (TL, TR, BR, BL) zxing-cpp reported.

    Args:
        gray: the frame.
        quad_xy: the symbol's outer corners in frame pixels.
        decode: decoder for a clean rendering (zxing-cpp in pure mode).
        config: effort limits.

    Returns:
        The read (its quad is the rendering's, not the frame's), or None when nothing decodes.
    """
    config = config or RescueConfig()
    if len(quad_xy) != 4:
        return None
    quad = np.array(quad_xy, dtype=np.float32)
    size, fit = _best_size(gray, quad)
    if fit < config.min_fit:
        return None
    max_tries = config.confident_tries if fit >= config.confident_fit else config.max_tries
    tries = 0
    for corners in _perturbed(quad, config):
        warped = _rectify(gray, corners, size)
        for window in (5, 7, 9):
            read = decode(render(_sample(warped, size, window, config.search_px)))
            tries += 1
            if read is not None:
                return read
            if tries >= max_tries:
                return None
    return None


def render(bits: Bits, *, px_per_module: int = 3, quiet_modules: int = 4) -> Gray:
    """Draws a module matrix (True = dark) as a clean black-on-white image with a quiet zone."""
    image = np.where(bits, 0, 255).astype(np.uint8)
    image = np.pad(image, quiet_modules, constant_values=255)
    block = np.ones((px_per_module, px_per_module), dtype=np.uint8)
    return np.ascontiguousarray(np.kron(image, block))


def _perturbed(quad: Floats, config: RescueConfig) -> Iterator[Floats]:
    yield quad
    rng = np.random.default_rng(config.seed)
    for sigma in itertools.cycle(config.jitter_px):
        yield quad + rng.normal(0.0, sigma, quad.shape).astype(np.float32)


def _rectify(gray: Gray, quad: Floats, size: int) -> Gray:
    # One module of margin on each side, so searches near the border stay inside the image.
    k = _PX_PER_MODULE
    side = (size + 2) * k
    target = np.array(
        [[k, k], [side - k, k], [side - k, side - k], [k, side - k]], dtype=np.float32
    )
    homography = cv2.getPerspectiveTransform(quad, target)
    warped = cv2.warpPerspective(
        gray, homography, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, dtype=np.uint8)


def _centres(size: int) -> npt.NDArray[np.int64]:
    return (np.arange(size) * _PX_PER_MODULE + _PX_PER_MODULE // 2 + _PX_PER_MODULE).astype(
        np.int64
    )


def _contrast(warped: Gray) -> tuple[Floats, Floats]:
    pixels = warped.astype(np.float32)
    block = 3 * _PX_PER_MODULE + 1
    threshold = np.asarray(cv2.blur(pixels, (block, block)), dtype=np.float32)
    smooth = np.asarray(cv2.blur(pixels, (3, 3)), dtype=np.float32)
    return smooth, threshold


def _sample(warped: Gray, size: int, window: int, search_px: int) -> Bits:
    smooth, threshold = _contrast(warped)
    deviation = np.abs(smooth - threshold)
    centres = _centres(size)
    shifts = [
        (dy, dx)
        for dy in range(-search_px, search_px + 1)
        for dx in range(-search_px, search_px + 1)
    ]
    # For every module: the shift whose window of neighbouring modules is most decisive.
    scores = np.stack(
        [
            cv2.boxFilter(
                deviation[np.ix_(centres + dy, centres + dx)],
                -1,
                (window, window),
                normalize=False,
                borderType=cv2.BORDER_REPLICATE,
            )
            for dy, dx in shifts
        ]
    )
    chosen = np.array(shifts, dtype=np.float32)[scores.argmax(axis=0)]
    dy = cv2.blur(np.ascontiguousarray(chosen[..., 0]), (3, 3))
    dx = cv2.blur(np.ascontiguousarray(chosen[..., 1]), (3, 3))
    limit = warped.shape[0] - 1
    rows = np.clip(np.rint(centres[:, None] + dy), 0, limit).astype(np.int64)
    cols = np.clip(np.rint(centres[None, :] + dx), 0, limit).astype(np.int64)
    result: Bits = smooth[rows, cols] < threshold[rows, cols]
    return result


def _best_size(gray: Gray, quad: Floats) -> tuple[int, float]:
    """The module count whose finder and timing patterns agree best with the image, and the
    share of those modules that agree."""
    best, best_score = _SIZES[0], -1.0
    for size in _SIZES:
        warped = _rectify(gray, quad, size)
        smooth, threshold = _contrast(warped)
        centres = _centres(size)
        bits = smooth[np.ix_(centres, centres)] < threshold[np.ix_(centres, centres)]
        expected, known = _function_patterns(size)
        score = float((bits[known] == expected[known]).mean())
        if score > best_score:
            best, best_score = size, score
    return best, best_score


def _function_patterns(size: int) -> tuple[Bits, Bits]:
    expected = np.zeros((size, size), dtype=bool)
    known = np.zeros((size, size), dtype=bool)
    finder = np.ones((7, 7), dtype=bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for row, col in ((0, 0), (0, size - 7), (size - 7, 0)):
        expected[row : row + 7, col : col + 7] = finder
        known[row : row + 7, col : col + 7] = True
    timing = np.arange(8, size - 8) % 2 == 0
    expected[6, 8 : size - 8] = timing
    expected[8 : size - 8, 6] = timing
    known[6, 8 : size - 8] = True
    known[8 : size - 8, 6] = True
    return expected, known
