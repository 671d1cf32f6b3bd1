"""Provides anchor finding on a garment mask: shoulders, neck, hem, sleeves; brim, crown; temples.

Pure geometry on the cut-out's silhouette, garment upright in the photo. Names follow the wearer's
sides (the wearer's left is the image's right, as for a shopper facing the kiosk).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hub.tryon.cutout import PhotoRejected

Anchors = dict[str, tuple[float, float]]
Mask = npt.NDArray[np.uint8]

TORSO_ROWS = (0.55, 0.85)
SHOULDER_INSET = 0.06
HEM_ROWS = 0.03
SLEEVE_ROWS = 0.6
SLEEVE_MIN_OVERHANG = 0.08
NECK_MAX_RISE = 0.15


def _row_extents(mask: Mask) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int, int]:
    on = mask > 0
    rows = np.nonzero(on.any(axis=1))[0]
    if rows.size < 8:
        raise PhotoRejected("no garment found: the mask is empty")
    width = on.shape[1]
    left = np.where(on.any(axis=1), on.argmax(axis=1), -1)
    right = np.where(on.any(axis=1), width - 1 - on[:, ::-1].argmax(axis=1), -1)
    return left, right, int(rows[0]), int(rows[-1])


def _top_in_column(mask: Mask, x: int) -> int:
    column = np.nonzero(mask[:, x] > 0)[0]
    if column.size == 0:
        raise PhotoRejected(f"garment silhouette has a gap at column {x}: no clear shoulder line")
    return int(column[0])


def _neck_y(mask: Mask, cx: int, sx_r: int, sx_l: int) -> float:
    # The collar's top, kept near the shoulder line: a hanger or a raised hood is not the neck.
    shoulders_y = (_top_in_column(mask, sx_r), _top_in_column(mask, sx_l))
    width = sx_l - sx_r
    top = _top_in_column(mask, cx)
    return float(np.clip(top, min(shoulders_y) - NECK_MAX_RISE * width, max(shoulders_y)))


def _extremes(
    left: npt.NDArray[np.int64], right: npt.NDArray[np.int64], y0: int, y1: int
) -> Anchors:
    rows = np.arange(y0, y1 + 1)
    valid = rows[left[rows] >= 0]
    i_min = int(valid[np.argmin(left[valid])])
    i_max = int(valid[np.argmax(right[valid])])
    return {"min": (float(left[i_min]), float(i_min)), "max": (float(right[i_max]), float(i_max))}


def _top_anchors(mask: Mask) -> Anchors:
    left, right, y0, y1 = _row_extents(mask)
    height = y1 - y0 + 1
    rows = np.arange(y0 + int(TORSO_ROWS[0] * height), y0 + int(TORSO_ROWS[1] * height) + 1)
    rows = rows[left[rows] >= 0]
    xl, xr = float(np.median(left[rows])), float(np.median(right[rows]))
    inset = SHOULDER_INSET * (xr - xl)
    sx_r, sx_l = round(xl + inset), round(xr - inset)
    hem = _extremes(left, right, y1 - max(1, int(HEM_ROWS * height)), y1)
    cx = round((xl + xr) / 2)
    anchors: Anchors = {
        "right_shoulder": (float(sx_r), float(_top_in_column(mask, sx_r))),
        "left_shoulder": (float(sx_l), float(_top_in_column(mask, sx_l))),
        "neck": (float(cx), _neck_y(mask, cx, sx_r, sx_l)),
        "right_hem": (hem["min"][0], float(y1)),
        "left_hem": (hem["max"][0], float(y1)),
    }
    sleeves = _extremes(left, right, y0, y0 + int(SLEEVE_ROWS * height))
    overhang = SLEEVE_MIN_OVERHANG * (xr - xl)
    if sleeves["min"][0] < xl - overhang:
        anchors["right_sleeve"] = sleeves["min"]
    if sleeves["max"][0] > xr + overhang:
        anchors["left_sleeve"] = sleeves["max"]
    return anchors


def _bottom_anchors(mask: Mask) -> Anchors:
    left, right, y0, y1 = _row_extents(mask)
    band = max(1, int(HEM_ROWS * (y1 - y0 + 1)))
    waist, hem = _extremes(left, right, y0, y0 + band), _extremes(left, right, y1 - band, y1)
    return {
        "right_waist": (waist["min"][0], float(y0)),
        "left_waist": (waist["max"][0], float(y0)),
        "right_hem": (hem["min"][0], float(y1)),
        "left_hem": (hem["max"][0], float(y1)),
    }


def _accessory_anchors(mask: Mask, kind: str) -> Anchors:
    left, right, y0, y1 = _row_extents(mask)
    sides = _extremes(left, right, y0, y1)
    cx = round((sides["min"][0] + sides["max"][0]) / 2)
    top = (float(cx), float(_top_in_column(mask, cx)))
    if kind == "hat":
        return {"crown": top, "right_brim": sides["min"], "left_brim": sides["max"]}
    return {"bridge": top, "right_temple": sides["min"], "left_temple": sides["max"]}


def find_anchors(mask: Mask, kind: str) -> Anchors:
    """Returns the anchor points of a garment mask.

    Args:
        mask: (H, W) uint8 garment mask (255 on the garment), garment upright.
        kind: "top", "dress", "bottom", "hat" or "glasses".

    Returns:
        Anchor name -> (x, y) in mask pixels.

    Raises:
        PhotoRejected: the silhouette gives no usable anchors.
        ValueError: unknown kind.
    """
    if kind in ("top", "dress"):
        anchors = _top_anchors(mask)
        if anchors["left_shoulder"][0] - anchors["right_shoulder"][0] < 8:
            raise PhotoRejected("shoulders could not be told apart on the silhouette")
        return anchors
    if kind == "bottom":
        return _bottom_anchors(mask)
    if kind in ("hat", "glasses"):
        return _accessory_anchors(mask, kind)
    raise ValueError(f"kind must be top, dress, bottom, hat or glasses, got {kind!r}")
