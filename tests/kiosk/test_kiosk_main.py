"""Tests of the kiosk command line: help, settings errors, composition."""

from __future__ import annotations

import pytest

from kiosk.__main__ import EXIT_CONFIG, build_app, build_parser, main, settings_from_args
from kiosk.app import KioskApp
from kiosk.errors import ConfigError


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--store", "--device", "--hub-url", "--broker-url", "--no-scanner"):
        assert option in out


def test_invalid_settings_exit_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--store", "s1", "--device", "kiosk/1"]) == EXIT_CONFIG
    assert "device_id: String should match pattern" in capsys.readouterr().err


def test_missing_broker_password_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_TEST_PW", raising=False)
    argv = ["--store", "s1", "--device", "k1", "--broker-url", "mqtt://aisle@127.0.0.1:1883"]
    assert main([*argv, "--broker-password-env", "KIOSK_TEST_PW"]) == EXIT_CONFIG
    assert "export KIOSK_TEST_PW=" in capsys.readouterr().err


def test_options_become_settings_and_an_app() -> None:
    args = build_parser().parse_args(
        [
            "--store",
            "s1",
            "--device",
            "k1",
            "--hub-url",
            "http://hub:8000",
            "--request-timeout-s",
            "3",
        ]
    )
    settings = settings_from_args(args)
    assert (settings.store_id, settings.hub_url, settings.request_timeout_s) == (
        "s1",
        "http://hub:8000",
        3.0,
    )
    environ = {"AISLE_HUB_TOKEN": "kiosk-token"}
    app = build_app(settings, environ, scanner=True)
    assert isinstance(app, KioskApp)
    assert app.scan_feed is not None
    assert app.scan_feed.topic == "aisle/s1/dev/k1/events"
    assert app.hub_client.base_url == "http://hub:8000"
    assert build_app(settings, environ, scanner=False).scan_feed is None
    with pytest.raises(ConfigError, match="no hub API token: export AISLE_HUB_TOKEN"):
        build_app(settings, {}, scanner=False)
