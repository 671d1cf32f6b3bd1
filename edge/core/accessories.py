"""Provides where glasses and hats go on a face: anchor targets from the 468-point face mesh.

Pure: mesh points in frame pixels in, anchor targets out. Mesh indices are MediaPipe's canonical
face mesh (168 between the eyes, 127/356 the sides of the face at eye level, 10 the top of the
forehead); the subject's right side is on the image's left.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from contracts.tryon import TryOnAsset
from edge.core.tryon import SIZE_SCALE

FloatArray = npt.NDArray[np.float64]
BRIDGE, RIGHT_SIDE, LEFT_SIDE, FOREHEAD_TOP = 168, 127, 356, 10
GLASSES_WIDTH_PER_FACE = 1.02
HAT_WIDTH_PER_FACE = 1.25
BRIM_DOWN_FROM_TOP = 0.35  # of the forehead-top-to-bridge distance


def _hat_targets(
    asset: TryOnAsset, mesh: FloatArray, axis: FloatArray, width: float
) -> dict[str, FloatArray]:
    a_r, a_l = np.array(asset.anchors["right_brim"]), np.array(asset.anchors["left_brim"])
    a_crown = np.array(asset.anchors["crown"])
    a_w = max(float(np.linalg.norm(a_l - a_r)), 1e-6)
    along, rel = (a_l - a_r) / a_w, a_crown - (a_r + a_l) / 2
    height = abs(float(along[0] * rel[1] - along[1] * rel[0]))  # crown's distance to the brim line
    up = np.array([axis[1], -axis[0]])
    brim_mid = mesh[FOREHEAD_TOP] + (mesh[BRIDGE] - mesh[FOREHEAD_TOP]) * BRIM_DOWN_FROM_TOP
    return {
        "right_brim": brim_mid - axis * width / 2,
        "left_brim": brim_mid + axis * width / 2,
        "crown": brim_mid + up * height * width / a_w,
    }


def accessory_targets(
    asset: TryOnAsset, mesh_xy: npt.ArrayLike, size: str
) -> dict[str, FloatArray]:
    """Returns the frame targets of a hat's or glasses' anchors on a face.

    Args:
        asset: a "hat" or "glasses" asset.
        mesh_xy: (468, 2) face mesh in frame pixels.
        size: a key of `SIZE_SCALE` (scales the accessory's width).

    Raises:
        ValueError: wrong mesh shape, unknown size, or a body-worn asset.
    """
    mesh = np.asarray(mesh_xy, dtype=np.float64)
    if mesh.shape != (468, 2):
        raise ValueError(f"mesh_xy must be (468, 2), got {mesh.shape}")
    if size not in SIZE_SCALE:
        raise ValueError(f"size must be one of {list(SIZE_SCALE)}, got {size!r}")
    right, left = mesh[RIGHT_SIDE], mesh[LEFT_SIDE]
    face_w = float(np.linalg.norm(left - right))
    axis = (left - right) / max(face_w, 1e-6)
    s = SIZE_SCALE[size]
    if asset.kind == "glasses":
        half = axis * face_w * GLASSES_WIDTH_PER_FACE * s / 2
        bridge = mesh[BRIDGE]
        mid = (right + left) / 2
        return {"bridge": bridge, "right_temple": mid - half, "left_temple": mid + half}
    if asset.kind == "hat":
        return _hat_targets(asset, mesh, axis, face_w * HAT_WIDTH_PER_FACE * s)
    raise ValueError(f"{asset.kind} assets are worn on the body, not the face")
