"""Provides the long-sleeve figures of `aisle bench tryon`: where the sleeve's elbow lands against
the detected (unsmoothed) elbow, in % of torso height, with the elbow bend and, as the peer in the
same run, for the same frames' warp without the elbow anchors (a straight sleeve to the wrist).

The long-sleeve asset is built from the demo photo `hub/data/tryon_photos/coastline-zip-hoodie-
grey.jpg` by the hub's builder. Only frames where the session bent a sleeve (elbow and wrist seen,
sleeve long enough to reach past the elbow) count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aisle.bench.tryon_sequences import REPO_ROOT
from aisle.bench.tryon_sequences import Sequence as Replay
from edge.core.tryon import ELBOW_SUFFIX, anchor_point, body_geometry
from edge.core.warp import ThinPlateSpline
from edge.tryon.assets import GarmentAsset, load_asset
from edge.tryon.session import TryOnModels, TryOnSession
from hub.tryon.assets import build_asset

PHOTO = REPO_ROOT / "hub" / "data" / "tryon_photos" / "coastline-zip-hoodie-grey.jpg"


def long_sleeve_asset() -> GarmentAsset:
    """The demo hoodie, built by the hub's asset builder and verified as a kiosk would."""
    built = build_asset(
        PHOTO.read_bytes(), product_id="hoodie", colour="grey", category="longsleeve"
    )
    return load_asset(built.png, built.meta.model_dump_json())


def _elbow_errors(result: Any, asset: GarmentAsset) -> tuple[float, float] | None:
    """(bent, straight) distance from the sleeve's elbow point to the detected elbow, % torso."""
    raw = body_geometry(result.raw_xy, result.body.scores)
    if raw is None or raw.torso_height_px <= 0:
        return None
    plan, meta = result.plan, asset.meta
    straight = [k for k in plan.targets if not k.endswith(ELBOW_SUFFIX)]
    forward = ThinPlateSpline.fit(
        np.array([anchor_point(meta, k) for k in straight]),
        np.array([plan.targets[k] for k in straight]),
    )
    bent, flat = [], []
    for name, target in plan.targets.items():
        if name.endswith(ELBOW_SUFFIX):
            detected = raw.point(name.removesuffix(ELBOW_SUFFIX) + "_elbow")
            bent.append(float(np.linalg.norm(np.subtract(target, detected))) + plan.residual_px)
            landed = forward(np.array([anchor_point(meta, name)]))[0]
            flat.append(float(np.linalg.norm(landed - detected)))
    torso = raw.torso_height_px
    return 100 * float(np.mean(bent)) / torso, 100 * float(np.mean(flat)) / torso


def sleeve_figures(models: TryOnModels, replay: Replay) -> dict[str, Any]:
    """Elbow error of a long sleeve with the elbow bend and without it (peer), on `replay`."""
    asset = long_sleeve_asset()
    errors = []
    with TryOnSession(models, asset) as session:
        for frame in replay.frames:
            result = session.process(frame)
            if result.plan is None or result.raw_xy is None:
                continue
            if any(k.endswith(ELBOW_SUFFIX) for k in result.plan.targets):
                pair = _elbow_errors(result, asset)
                if pair is not None:
                    errors.append(pair)
    bent, flat = [e[0] for e in errors], [e[1] for e in errors]
    return {
        "long_sleeve_bent_frames": len(errors),
        "elbow_error_pct_torso": round(float(np.mean(bent)), 3) if errors else None,
        "elbow_error_straight_sleeve_pct_torso": round(float(np.mean(flat)), 3) if errors else None,
    }
