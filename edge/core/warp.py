"""Provides the garment warp: a thin-plate spline through anchor points and bilinear sampling.

Pure numpy. The spline is fitted from target (frame) points to source (asset) points, evaluated on
a coarse grid over the target region; the renderer (`edge/tryon/render.py`) interpolates it per
pixel and samples the garment, so the per-frame cost stays a few milliseconds at 640x480.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
GRID_STEP_PX = 8
REGULARISATION = 1e-3


def _kernel(d2: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 0.5 * d2 * np.log(d2)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


@dataclass(frozen=True, slots=True)
class ThinPlateSpline:
    """A 2-D thin-plate spline fitted through control points.

    Attributes:
        ctrl: (K, 2) control points of the domain, divided by `scale`.
        weights: (K + 3, 2) kernel weights, then the affine part (constant, x, y).
        scale: the domain's extent, for numerical conditioning.
    """

    ctrl: FloatArray
    weights: FloatArray
    scale: float

    @classmethod
    def fit(cls, src: npt.ArrayLike, dst: npt.ArrayLike) -> ThinPlateSpline:
        """Fits the spline so that f(src[i]) ~= dst[i] (lightly regularised).

        Raises:
            ValueError: fewer than 3 points, shapes differ, or the points are degenerate.
        """
        s, d = np.asarray(src, np.float64), np.asarray(dst, np.float64)
        if s.shape != d.shape or s.ndim != 2 or s.shape[1] != 2 or s.shape[0] < 3:
            raise ValueError(f"need matching (K>=3, 2) point sets, got {s.shape} and {d.shape}")
        k = s.shape[0]
        scale = max(float(np.ptp(s, axis=0).max()), 1.0)
        q = s / scale
        system = np.zeros((k + 3, k + 3))
        system[:k, :k] = _kernel(((q[:, None] - q[None]) ** 2).sum(-1)) + REGULARISATION * np.eye(k)
        affine = np.hstack([np.ones((k, 1)), q])
        system[:k, k:] = affine
        system[k:, :k] = affine.T
        rhs = np.vstack([d, np.zeros((3, 2))])
        try:
            weights = np.linalg.solve(system, rhs)
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"degenerate control points: {s.tolist()}") from exc
        return cls(ctrl=q, weights=weights, scale=scale)

    def __call__(self, points: npt.ArrayLike) -> FloatArray:
        """Evaluates the spline at (N, 2) points; returns (N, 2)."""
        q = np.asarray(points, np.float64) / self.scale
        k = self.ctrl.shape[0]
        d2 = ((q[:, None, :] - self.ctrl[None, :, :]) ** 2).sum(-1)
        affine = self.weights[k:]
        result: FloatArray = _kernel(d2) @ self.weights[:k] + affine[0] + q @ affine[1:]
        return result


def coarse_map(
    spline: ThinPlateSpline, box_xyxy: tuple[int, int, int, int], step: int = GRID_STEP_PX
) -> npt.NDArray[np.float32]:
    """Evaluates the spline on a grid over a box, corners included, every `step` pixels.

    The renderer resizes this grid to the box's size (bilinear) to get one source coordinate per
    pixel; the grid's last row/column sit on the box's far edges so the resize is exact there.

    Returns:
        (rows, cols, 2) float32 source (x, y) per grid node, rows = ceil(h / step) + 1.
    """
    x0, y0, x1, y1 = box_xyxy
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box must have x1 > x0 and y1 > y0, got {box_xyxy}")
    cols = int(np.ceil((x1 - x0) / step)) + 1
    rows = int(np.ceil((y1 - y0) / step)) + 1
    gx = np.linspace(x0, x1 - 1, cols)
    gy = np.linspace(y0, y1 - 1, rows)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    return spline(grid).reshape(rows, cols, 2).astype(np.float32)
