"""Provides the fixture maker: turns product images into camera-like replay fixtures.

A fixture is what `ReplaySource` plays: `frames/NNNNNN.jpg`, `timestamps.json`
(`{"fps", "frames": [{"file", "t_ms"}]}`) and `expected.json` (`{"scans": [{"gtin", "text",
"symbology"}], "notes"}`: each distinct scan the sequence must produce, in order). The maker also
writes `generator.json` (how it was made, and how many frames each decoder reads each code in).

Scenarios: `held` (one item held up), `sequence` (items one after another), `far` (a code far
away, then brought close), `two_in_view` (two codes in view at once, at different heights) and
`two_in_line` (side by side at one height: ZBar joins halves of the two EAN-13s into valid-looking
third codes, which `--verify` reports). Frames show perspective, motion blur, noise, lighting
changes, glare and a thumb over the barcode.

Usage:
    python tools/make_fixture.py --out DIR --scenario held --gtin featured:oat_milk [--verify]
    python tools/make_fixture.py --committed      # rebuild tests/fixtures/replays/*
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from central.images import LabelSpec, barcode_for_gtin, render_label  # noqa: E402
from central.seed import DEMO_CATALOG_PATH  # noqa: E402
from contracts.gtin import to_gtin14  # noqa: E402
from tools.fixture_check import DecodeReport, check_fixture, check_frames  # noqa: E402
from tools.fixture_scene import apply_camera, composite_item, make_background, shake  # noqa: E402
from tools.fixture_timeline import (  # noqa: E402
    SCENARIOS,
    Appearance,
    defects_at,
    gain_at,
    pose_at,
)

COMMITTED_DIR = REPO_ROOT / "tests" / "fixtures" / "replays"
ITEM_TEXTURE_PX = 480


@dataclass(frozen=True, slots=True)
class FixtureSpec:
    """Everything that determines a fixture."""

    scenario: str
    gtins: tuple[str, ...]
    frames: int
    size_wh: tuple[int, int]
    fps: int
    seed: int
    jpeg_quality: int
    noise_sigma: float
    item_size: float = 0.8


# name -> (arguments): the fixtures committed under tests/fixtures/replays
COMMITTED: dict[str, list[str]] = {
    "kiosk_oat_milk": ["--scenario", "held", "--gtin", "featured:oat_milk", "--frames", "20"],
    "glasses_two_items": [
        "--scenario",
        "sequence",
        "--gtin",
        "featured:granola",
        "--gtin",
        "featured:mug",
        "--frames",
        "30",
        "--size",
        "320x240",
        "--fps",
        "10",
        "--seed",
        "6",
    ],
    "kiosk_unknown_code": [
        "--scenario",
        "held",
        "--gtin",
        "unknown:0",
        "--frames",
        "20",
        "--seed",
        "3",
    ],
    "kiosk_two_in_view": [
        "--scenario",
        "two_in_view",
        "--gtin",
        "featured:sneakers",
        "--gtin",
        "featured:granola",
        "--frames",
        "16",
        "--seed",
        "4",
    ],
    "kiosk_far_code": [
        "--scenario",
        "far",
        "--gtin",
        "featured:mug",
        "--frames",
        "24",
        "--seed",
        "5",
    ],
}


def load_catalog(path: Path) -> dict[str, Any]:
    """Reads a seed catalog document (products, featured and unknown GTINs)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def resolve_gtin(token: str, catalog: dict[str, Any]) -> str:
    """Resolves `featured:KEY`, `unknown:N` or a GTIN of any length to a GTIN-14.

    Raises:
        ValueError: naming the token and what is wrong.
    """
    kind, _, value = token.partition(":")
    if kind == "featured" and value:
        if value not in catalog.get("featured", {}):
            raise ValueError(f"no featured product {value!r}; have {sorted(catalog['featured'])}")
        return str(catalog["featured"][value])
    if kind == "unknown" and value.isdigit():
        return str(catalog["unknown_gtins"][int(value)])
    return to_gtin14(token)


def item_texture(gtin: str, catalog: dict[str, Any]) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The product image of a GTIN; a plain "unlisted item" label when it is not in the catalog."""
    product = next((p for p in catalog["products"] if p["gtin"] == gtin), None)
    if product is None:
        spec = LabelSpec(gtin, "Imported specialty item", "Unlisted", "unknown")
    else:
        detail = str(product["attributes"].get("size") or product.get("subcategory", ""))
        spec = LabelSpec(gtin, product["name"], product["brand"], product["category"], detail)
    return render_label(spec, size_px=ITEM_TEXTURE_PX)


def build_timeline(spec: FixtureSpec) -> list[Appearance]:
    """Lays out when each item enters, is held and leaves, for the spec's scenario."""
    return SCENARIOS[spec.scenario](spec.gtins, spec.frames, spec.item_size)


def render_frames(
    spec: FixtureSpec, timeline: list[Appearance], catalog: dict[str, Any]
) -> list[np.ndarray[Any, np.dtype[np.uint8]]]:
    """Renders every frame of the fixture."""
    rng = np.random.default_rng(spec.seed)
    background = make_background(spec.size_wh, rng)
    textures = {app.gtin: item_texture(app.gtin, catalog) for app in timeline}
    frames = []
    for index in range(spec.frames):
        offset = (int(rng.integers(-2, 3)), int(rng.integers(-2, 3)))
        frame = shake(background, offset)
        for app in timeline:
            pose = pose_at(app, index, rng)
            if pose is not None:
                defects = defects_at(app, index, spec.size_wh)
                composite_item(frame, textures[app.gtin], pose, defects)
        gain = gain_at(index, spec.frames)
        frames.append(apply_camera(frame, gain=gain, noise_sigma=spec.noise_sigma, rng=rng))
    return frames


def expected_scans(timeline: list[Appearance], catalog: dict[str, Any]) -> dict[str, Any]:
    """The scans the fixture must produce (held items in entry order, left to right on ties)."""
    ordered = sorted(timeline, key=lambda app: (app.start, app.hold_xy[0]))
    scans = []
    for app in ordered:
        code = barcode_for_gtin(app.gtin)
        scans.append({"gtin": app.gtin, "text": code.text, "symbology": code.symbology})
    names = {p["gtin"]: f"{p['brand']} {p['name']}" for p in catalog["products"]}
    return {"scans": scans, "notes": describe(timeline, names)}


def describe(timeline: list[Appearance], names: dict[str, str]) -> str:
    """A one-paragraph description of what the fixture shows (`names`: GTIN -> product name)."""
    parts = []
    for app in timeline:
        name = names.get(app.gtin, "an item with a valid GTIN that is not in the catalog")
        text = f"{name} ({app.gtin}) enters from the {app.from_side} (motion blur), "
        text += f"is held {app.hold} frames"
        if app.far_frames:
            text += f" ({app.far_frames} of them far away, code too small to read)"
        if app.glare:
            text += ", a glare sweeps over it"
        if app.occlude:
            text += ", a thumb covers the barcode for 2 frames"
        parts.append(text + f", and leaves to the {app.to_side}")
    if len(timeline) > 1 and timeline[0].start == timeline[1].start:
        parts.append("both codes are in view at the same time (listed left to right)")
    return "; ".join(parts) + ". Lighting dims for a stretch; sensor noise and camera shake."


def write_fixture(
    folder: Path, spec: FixtureSpec, catalog: dict[str, Any], argv: list[str]
) -> DecodeReport:
    """Renders and writes one fixture folder; returns its decode report."""
    timeline = build_timeline(spec)
    frames = render_frames(spec, timeline, catalog)
    if (folder / "frames").exists():
        shutil.rmtree(folder / "frames")
    (folder / "frames").mkdir(parents=True)
    entries: list[dict[str, Any]] = []
    for index, frame in enumerate(frames):
        name = f"frames/{index:06d}.jpg"
        cv2.imwrite(str(folder / name), frame, [cv2.IMWRITE_JPEG_QUALITY, spec.jpeg_quality])
        entries.append({"file": name, "t_ms": round(index * 1000 / spec.fps)})
    written = [cv2.imread(str(folder / e["file"]), cv2.IMREAD_COLOR) for e in entries]
    report = check_frames([np.asarray(image, dtype=np.uint8) for image in written])
    _write_json(folder / "timestamps.json", {"fps": spec.fps, "frames": entries})
    _write_json(folder / "expected.json", expected_scans(timeline, catalog))
    _write_json(
        folder / "generator.json",
        {
            "tool": "tools/make_fixture.py",
            "args": argv,
            "scenario": spec.scenario,
            "seed": spec.seed,
            "size_wh": list(spec.size_wh),
            "decoded_frames": {"zxing": report.zxing, "zbar": report.zbar},
        },
    )
    return report


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="GTINs: digits, featured:KEY or unknown:N "
        "(from the catalog's `featured` / `unknown_gtins`).",
    )
    parser.add_argument("--out", type=Path, help="fixture folder to write")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="held")
    parser.add_argument("--gtin", action="append", default=[], help="item(s) to show")
    parser.add_argument("--frames", type=int, default=20, help="number of frames")
    parser.add_argument("--size", default="640x480", help="frame size WxH (default 640x480)")
    parser.add_argument("--fps", type=int, default=15, help="frames per second")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--jpeg-quality", type=int, default=80, help="JPEG quality 1-100")
    parser.add_argument("--noise", type=float, default=4.0, help="sensor noise sigma (0-255)")
    parser.add_argument(
        "--item-size", type=float, default=0.8, help="held item side / frame height (held)"
    )
    parser.add_argument("--catalog", type=Path, default=DEMO_CATALOG_PATH, help="seed catalog")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="exit 1 unless every expected code decodes in >= 3 frames",
    )
    parser.add_argument(
        "--check-fixture",
        type=Path,
        metavar="DIR",
        help="decode an existing fixture's frames, print a JSON report, exit 1 on problems",
    )
    parser.add_argument(
        "--committed",
        action="store_true",
        help=f"rebuild the committed fixtures under {COMMITTED_DIR}",
    )
    return parser


def spec_from_args(args: argparse.Namespace, catalog: dict[str, Any]) -> FixtureSpec:
    """Validates the command line into a `FixtureSpec`.

    Raises:
        ValueError: for a bad size, too few or too many GTINs, or too few frames.
    """
    width, _, height = str(args.size).partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise ValueError(f"--size must be WxH, got {args.size!r}")
    needed = {"held": 1, "far": 1, "two_in_view": 2}.get(args.scenario)
    gtins = tuple(resolve_gtin(token, catalog) for token in args.gtin)
    if not gtins or (needed is not None and len(gtins) != needed):
        raise ValueError(f"scenario {args.scenario} needs {needed or '1 or more'} --gtin")
    if args.frames < 10 * len(gtins) if args.scenario == "sequence" else args.frames < 12:
        raise ValueError(f"too few frames ({args.frames}) for scenario {args.scenario}")
    if not 0.1 <= args.item_size <= 1.2:
        raise ValueError(f"--item-size must be within 0.1..1.2, got {args.item_size}")
    return FixtureSpec(
        args.scenario,
        gtins,
        args.frames,
        (int(width), int(height)),
        args.fps,
        args.seed,
        args.jpeg_quality,
        args.noise,
        args.item_size,
    )


def make_one(argv: list[str], out: Path | None = None) -> int:
    """Makes one fixture from command-line arguments; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.check_fixture is not None:
        return check_one(args.check_fixture)
    folder = out or args.out
    if folder is None:
        print("make_fixture: give --out DIR (or --committed)", file=sys.stderr)
        return 2
    catalog = load_catalog(args.catalog)
    try:
        spec = spec_from_args(args, catalog)
    except (ValueError, IndexError) as exc:
        print(f"make_fixture: {exc}", file=sys.stderr)
        return 2
    report = write_fixture(folder, spec, catalog, argv)
    problems = report.problems(list(spec.gtins))
    size_kb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024
    print(
        f"{folder}: {spec.frames} frames, {size_kb:.0f} KB, zxing {report.zxing}, "
        f"zbar {report.zbar}"
    )
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return 1 if problems and args.verify else 0


def check_one(folder: Path) -> int:
    """Prints the decode report of an existing fixture as JSON; 1 when a scan is not achievable."""
    try:
        report, problems = check_fixture(folder)
    except (OSError, KeyError, ValueError) as exc:
        print(f"make_fixture: cannot check {folder}: {exc}", file=sys.stderr)
        return 2
    summary = {
        "frames": report.frames,
        "zxing": report.zxing,
        "zbar": report.zbar,
        "problems": problems,
    }
    print(json.dumps(summary, sort_keys=True))
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Runs the fixture maker (one fixture, or `--committed` for the committed set)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--committed" not in arguments:
        return make_one(arguments)
    codes = [
        make_one([*spec, "--verify"], COMMITTED_DIR / name) for name, spec in COMMITTED.items()
    ]
    return max(codes)


if __name__ == "__main__":
    raise SystemExit(main())
