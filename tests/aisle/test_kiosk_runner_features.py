"""Tests how `aisle kiosk` composes the camera features on its edge agent's frames."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from aisle.frame_tap import LatestFrame
from aisle.kiosk_features import build_features
from aisle.kiosk_runner import (
    DEMO_CATALOG,
    AgentHost,
    build_parser,
    compose,
    feature_sources,
)
from aisle.kiosk_search import EdgePhotoSearch, EdgeTextSearch
from aisle.kiosk_tryon import EdgeTryOn
from edge.config import load_device_config
from edge.search_config import PhotoSearchConfig
from kiosk.ports import FeatureUnavailable

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "firmware_configs" / "demo" / "kiosk-1.toml"


def demo_args(tmp_path: Path, *extra: str) -> list[str]:
    """Options of `aisle kiosk` for the demo kiosk, its outbox under `tmp_path`."""
    return [
        "--config", str(CONFIG), "--hub-url", "http://127.0.0.1:9",
        "--outbox", str(tmp_path / "outbox.sqlite"), "--tryon-dir", str(tmp_path / "tryon"),
        *extra,
    ]  # fmt: skip


def test_the_demo_kiosk_offers_try_on_and_text_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISLE_MQTT_PASSWORD", secrets.token_urlsafe(12))
    monkeypatch.setenv("AISLE_HUB_TOKEN", secrets.token_urlsafe(12))
    args = build_parser().parse_args(demo_args(tmp_path))
    assert (args.tryon_assets, args.text_catalog) == (None, DEMO_CATALOG)  # assets from the hub
    _host, features, app = compose(args)
    assert isinstance(features.tryon, EdgeTryOn)
    assert isinstance(features.text_search, EdgeTextSearch)
    assert isinstance(features.photo_search, EdgePhotoSearch)  # the demo kiosk has [search]
    assert app.camera_features is features


def test_options_turn_try_on_and_text_search_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISLE_MQTT_PASSWORD", secrets.token_urlsafe(12))
    monkeypatch.setenv("AISLE_HUB_TOKEN", secrets.token_urlsafe(12))
    args = build_parser().parse_args(demo_args(tmp_path, "--no-tryon", "--no-text-search"))
    _host, features, _app = compose(args)
    assert (features.tryon, features.text_search) == (None, None)


def test_a_search_section_turns_photo_search_on_with_the_running_agents_searcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISLE_MQTT_PASSWORD", secrets.token_urlsafe(12))
    monkeypatch.setenv("AISLE_HUB_TOKEN", secrets.token_urlsafe(12))
    args = build_parser().parse_args(demo_args(tmp_path, "--no-tryon", "--no-text-search"))
    demo = load_device_config(CONFIG).model_copy(update={"search": None})
    assert feature_sources(args, demo, AgentHost(demo, [demo.source], {})).photo_searcher is None
    search = PhotoSearchConfig(models_manifest=REPO / "models" / "manifest.json")
    config = demo.model_copy(update={"search": search})
    frames = LatestFrame()
    host = AgentHost(config, [config.source], {}, frames)
    sources = feature_sources(args, config, host)
    assert sources.photo_searcher is not None and sources.photo_searcher() is None  # not started
    photo = build_features(sources, frames).photo_search
    assert isinstance(photo, EdgePhotoSearch)
    with pytest.raises(FeatureUnavailable, match="starting"):
        photo.search_frame(0.1)
