"""Provides the One Euro filter (Casiez et al. 2012) for keypoints: steady when still, quick moving.

Pure: the caller passes each sample's timestamp; the filter keeps only its own state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class OneEuroConfig:
    """One Euro parameters.

    Attributes:
        min_cutoff_hz: cutoff at rest; lower means steadier and laggier.
        beta: how fast the cutoff rises with speed (per px/s).
        d_cutoff_hz: cutoff of the speed estimate.
    """

    min_cutoff_hz: float = 1.0
    beta: float = 0.02
    d_cutoff_hz: float = 1.0

    def __post_init__(self) -> None:
        if self.min_cutoff_hz <= 0 or self.d_cutoff_hz <= 0 or self.beta < 0:
            raise ValueError(f"cutoffs must be > 0 and beta >= 0, got {self}")


def _alpha(cutoff_hz: FloatArray | float, dt_s: float) -> FloatArray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, dtype=np.float64))
    return np.asarray(1.0 / (1.0 + tau / dt_s), dtype=np.float64)


class OneEuroFilter:
    """Filters an array of values (e.g. (N, 2) keypoints) sample by sample."""

    def __init__(self, config: OneEuroConfig | None = None) -> None:
        """Starts empty; the first sample passes through unchanged."""
        self._config = config or OneEuroConfig()
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t_s = 0.0

    def reset(self) -> None:
        """Forgets the history (e.g. when the person left the view)."""
        self._x = None
        self._dx = None

    def __call__(self, value: npt.NDArray[np.floating], t_s: float) -> FloatArray:
        """Returns the filtered value of one sample taken at `t_s` seconds.

        Raises:
            ValueError: the shape changed, or time did not move forward.
        """
        x = np.asarray(value, dtype=np.float64)
        if self._x is None or self._dx is None:
            self._x, self._dx, self._t_s = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        if x.shape != self._x.shape:
            raise ValueError(f"shape changed from {self._x.shape} to {x.shape}")
        dt_s = t_s - self._t_s
        if dt_s <= 0:
            raise ValueError(f"time must increase, got dt {dt_s} s")
        cfg = self._config
        dx = (x - self._x) / dt_s
        a_d = _alpha(cfg.d_cutoff_hz, dt_s)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = cfg.min_cutoff_hz + cfg.beta * np.abs(self._dx)
        a = _alpha(cutoff, dt_s)
        self._x = a * x + (1 - a) * self._x
        self._t_s = t_s
        return self._x.copy()
