"""Tests what the kiosk runner offers when the shopper presses `f`, and its settings."""

from __future__ import annotations

from pathlib import Path

from aisle.kiosk_runner import describe_source, kiosk_settings, source_choices
from edge.config import load_device_config

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "firmware_configs" / "demo" / "kiosk-1.toml"


def test_f_cycles_the_configured_replay_then_other_kiosk_replays_then_the_camera() -> None:
    config = load_device_config(CONFIG, check_secrets=False)
    labels = [describe_source(source) for source in source_choices(config)]
    replays = sorted(p.name for p in (REPO / "tests/fixtures/replays").glob("kiosk_*"))
    assert labels[0] == f"replay {Path(str(config.source.path)).name}"
    assert sorted(label.split()[1] for label in labels[:-1]) == replays
    assert labels[-1] == "camera 0"
    assert len(set(labels)) == len(labels)


def test_kiosk_ui_uses_the_device_config_of_its_edge_agent() -> None:
    config = load_device_config(CONFIG, check_secrets=False)
    settings = kiosk_settings(config, "http://127.0.0.1:9999")
    assert (settings.store_id, settings.device_id) == (config.store_id, config.device_id)
    assert settings.broker_url == config.broker.url
    assert settings.broker_password_env == config.broker.password_env
