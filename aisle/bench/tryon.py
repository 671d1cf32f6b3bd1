"""Provides `aisle bench tryon`: try-on speed, keypoint jitter, anchor error and recovery, as JSON.

Runs the real session (selfie segmentation + MoveNet + warp + render) on replayed 640x480
sequences made from the astronaut still, with the committed t-shirt asset; the peer measured in the
same run is the two models alone, so the compositor's overhead is visible. Torso height is the
detected shoulder-to-hip distance.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aisle.bench.tryon_sequences import REPO_ROOT, make_sequence
from aisle.bench.tryon_sequences import Sequence as Replay
from aisle.bench.tryon_sleeves import sleeve_figures
from edge.core.tryon import body_geometry
from edge.inference.pose import MoveNetModel, roi_from_box
from edge.inference.runtime import RuntimeConfig, load_model
from edge.inference.segmentation import SelfieSegmenter, nearest_person
from edge.tryon.assets import load_asset_files
from edge.tryon.session import TryOnModels, TryOnSession

MANIFEST = REPO_ROOT / "models" / "manifest.json"
ASSET = REPO_ROOT / "tests" / "fixtures" / "tryon" / "tshirt-navy-v1.json"
GOALS = {"fps": 20.0, "jitter_pct_torso": 1.0, "anchor_error_pct_torso": 3.0}
SHOULDERS = (("left_shoulder", 5), ("right_shoulder", 6))


def _models(threads: int) -> TryOnModels:
    config = RuntimeConfig(intra_op_threads=threads)
    return TryOnModels(
        movenet=MoveNetModel(load_model(MANIFEST, "movenet_lightning", config=config)),
        segmenter=SelfieSegmenter(load_model(MANIFEST, "selfie_segmentation", config=config)),
    )


def _anchor_errors(result: Any) -> list[float]:
    """Anchor error of one dressed frame, in % of the detected torso height."""
    raw = body_geometry(result.raw_xy, result.body.scores)
    if raw is None or raw.torso_height_px <= 0:
        return []
    plan, torso = result.plan, raw.torso_height_px
    errors = [
        float(np.linalg.norm(np.subtract(plan.targets[name], raw.xy[i]))) + plan.residual_px
        for name, i in SHOULDERS
    ]
    if not result.body.hips_estimated:  # the hem is pinned to the hips only when they are seen
        hem = np.add(plan.targets["left_hem"], plan.targets["right_hem"]) / 2
        hips = (raw.xy[11] + raw.xy[12]) / 2
        errors.append(float(abs(np.dot(hem - hips, (hips - raw.xy[5:7].mean(0)))) / torso))
    return [100.0 * e / torso for e in errors]


def _run(session: TryOnSession, replay: Replay) -> tuple[list[Any], float]:
    start = time.perf_counter()
    results = [session.process(frame) for frame in replay.frames]
    return results, time.perf_counter() - start


def _jitter_pct(results: list[Any]) -> float:
    moves = []
    for prev, cur in itertools.pairwise(results):
        if prev.body is None or cur.body is None:
            continue
        torso = cur.body.torso_height_px
        delta = np.linalg.norm(cur.body.xy[[5, 6, 11, 12]] - prev.body.xy[[5, 6, 11, 12]], axis=1)
        moves.append(100.0 * float(delta.mean()) / torso)
    return float(np.mean(moves)) if moves else float("nan")


def _recovery_frames(results: list[Any], present: Sequence[bool]) -> int:
    back = next(i for i in range(1, len(present)) if present[i] and not present[i - 1])
    for offset, result in enumerate(results[back:]):
        if (
            result.dressed
            and max(_anchor_errors(result), default=99.0) <= GOALS["anchor_error_pct_torso"]
        ):
            return offset
    return len(results) - back


def _models_only_fps(models: TryOnModels, replay: Replay) -> float:
    start = time.perf_counter()
    for frame in replay.frames:
        small = models.segmenter.segment_small(frame.image)
        blob = nearest_person(small, frame_wh=frame.size_wh)
        if blob is not None:
            x0, y0, x1, y1 = (float(v) for v in blob.box_xyxy)
            models.movenet.detect(frame.image, roi_from_box((x0, y0, x1, y1), margin=1.1))
    return len(replay.frames) / (time.perf_counter() - start)


def measure(frames: int, threads: int) -> dict[str, Any]:
    """Runs every sequence and returns the figures (see the module docstring)."""
    models = _models(threads)
    asset = load_asset_files(ASSET)
    replays = {n: make_sequence(n, frames, seed=i) for i, n in enumerate(
        ("still", "moving", "leave_return", "crowd"))}  # fmt: skip
    runs: dict[str, list[Any]] = {}
    elapsed, count = 0.0, 0
    for name, replay in replays.items():
        with TryOnSession(models, asset) as session:
            runs[name], seconds = _run(session, replay)
        elapsed, count = elapsed + seconds, count + len(replay.frames)
    moving_errors = [e for r in runs["moving"] if r.dressed for e in _anchor_errors(r)]
    crowd_x = [r.body.xy[5:7, 0].mean() for r in runs["crowd"] if r.body is not None]
    raw_still = [r for r in runs["still"] if r.raw_xy is not None]
    fps, models_fps = count / elapsed, _models_only_fps(models, replays["moving"])
    return {
        "fps": round(fps, 1),
        "models_only_fps": round(models_fps, 1),
        "overhead_ms_per_frame": round(1000 / fps - 1000 / models_fps, 1),
        "jitter_pct_torso": round(_jitter_pct(runs["still"]), 3),
        "anchor_error_pct_torso": round(float(np.mean(moving_errors)), 3),
        "recovery_frames": _recovery_frames(runs["leave_return"], replays["leave_return"].present),
        "anchor_error_p95_pct_torso": round(float(np.percentile(moving_errors, 95)), 3),
        "still_anchor_error_pct_torso": round(
            float(np.mean([e for r in raw_still if r.dressed for e in _anchor_errors(r)])), 3
        ),
        "crowd_dressed_nearest": bool(crowd_x) and bool(np.mean(crowd_x) > 250),
        **sleeve_figures(models, replays["moving"]),
        "frames_per_sequence": frames,
        "frame_wh": [640, 480],
        "threads": threads,
        "goals": GOALS,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Prints the try-on figures (one JSON object with --json, else indented)."""
    parser = argparse.ArgumentParser(prog="aisle bench tryon", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--frames", type=int, default=90, help="frames per sequence (>= 10)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not MANIFEST.is_file() or not ASSET.is_file():
        print(f"missing {MANIFEST} or {ASSET}", file=__import__("sys").stderr)
        return 2
    figures = measure(args.frames, args.threads)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))
    return 0


__all__ = ["Path", "main", "measure"]
