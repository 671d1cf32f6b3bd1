"""Tests the device config: validation table, readable errors, secrets, CLI exit codes, schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from edge.__main__ import main
from edge.config import DeviceConfig, load_device_config, with_overrides
from edge.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV = "AISLE_TEST_MQTT_PASSWORD"

GOOD_TOML = f"""
store_id = "demo"
device_id = "kiosk-9"
profile = "kiosk"

[broker]
url = "mqtt://127.0.0.1:1883"
username = "aisle"
password_env = "{ENV}"

[source]
kind = "replay"
path = "fixtures/some_replay"
width_px = 640
height_px = 480
fps = 15

[outbox]
path = "state/kiosk-9.sqlite"
budget_mb = 64
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(text)
    return path


def _edit(key: str, new: str) -> str:
    lines = [new if line.startswith(key) else line for line in GOOD_TOML.splitlines()]
    return "\n".join(lines)


CASES: list[tuple[str, str, str, AbstractContextManager[Any]]] = [
    ("good", GOOD_TOML, "", nullcontext()),
    (
        "extra key",
        'colour = "red"\n' + GOOD_TOML,
        "colour -> 'red' -> Extra inputs",
        pytest.raises(ConfigError),
    ),
    (
        "bad device id",
        _edit("device_id", 'device_id = "kiosk/9"'),
        "device_id -> 'kiosk/9' -> device id",
        pytest.raises(ConfigError),
    ),
    (
        "bad url scheme",
        _edit("url", 'url = "http://hub:1883"'),
        "broker.url -> 'http://hub:1883' -> scheme",
        pytest.raises(ConfigError),
    ),
    ("user in url", _edit("url", 'url = "mqtt://aisle@hub:1883"'), "", nullcontext()),
    (
        "other user in url",
        _edit("url", 'url = "mqtt://bob@hub:1883"'),
        "broker -> ",
        pytest.raises(ConfigError),
    ),
    (
        "password in url",
        _edit("url", 'url = "mqtt://u:p@hub:1883"'),
        "broker.url",
        pytest.raises(ConfigError),
    ),
    (
        "unknown profile",
        _edit("profile", 'profile = "watch"'),
        "profile -> 'watch'",
        pytest.raises(ConfigError),
    ),
    (
        "negative fps",
        _edit("fps", "fps = -1"),
        "source.fps -> -1 -> Input should be greater than 0",
        pytest.raises(ConfigError),
    ),
    (
        "missing key",
        _edit("store_id", ""),
        "store_id -> '(missing)' -> Field required",
        pytest.raises(ConfigError),
    ),
    ("not toml", "store_id = ", "(toml)", pytest.raises(ConfigError)),
]


@pytest.mark.parametrize(
    ("text", "expected", "outcome"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_config_validation_table(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    expected: str,
    outcome: AbstractContextManager[Any],
) -> None:
    monkeypatch.setenv(ENV, "a-real-password")
    path = _write(tmp_path, text)
    with outcome as caught:
        config = load_device_config(path)
        assert config.outbox.path == tmp_path / "state" / "kiosk-9.sqlite"  # relative to the file
    if caught is not None:
        problems = caught.value.problems
        assert all(line.startswith(f"{path} -> ") and line.count(" -> ") >= 3 for line in problems)
        assert any(expected in line for line in problems), problems


@pytest.mark.parametrize(
    ("value", "dev_mode", "expected"),
    [
        (None, False, "environment variable is not set"),
        ("changeme", False, "known default"),
        ("", False, "known default"),
        ("changeme", True, None),
        ("s3cret-enough", False, None),
    ],
)
def test_password_comes_from_the_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str | None,
    dev_mode: bool,
    expected: str | None,
) -> None:
    if value is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, value)
    text = GOOD_TOML.replace(
        'profile = "kiosk"', f'profile = "kiosk"\ndev_mode = {str(dev_mode).lower()}'
    )
    path = _write(tmp_path, text)
    if expected is None:
        load_device_config(path)
        return
    with pytest.raises(ConfigError) as caught:
        load_device_config(path)
    (line,) = caught.value.problems
    assert line == f"{path} -> broker.password_env -> '{ENV}' -> " + line.split(" -> ", 3)[3]
    assert expected in line
    assert (
        value is None
        or value == ""
        or value not in line.split(" -> ", 3)[3].replace("known default", "")
    )


def test_config_is_frozen_and_overrides_make_a_new_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "a-real-password")
    config = load_device_config(_write(tmp_path, GOOD_TOML))
    with pytest.raises(ValueError, match="frozen"):
        config.store_id = "other"  # type: ignore[misc]
    moved = with_overrides(config, broker_url="mqtt://10.0.0.5:1884", realtime=True)
    assert (moved.broker.host, moved.broker.port, moved.source.realtime) == ("10.0.0.5", 1884, True)
    assert (moved.broker.login_name, config.broker.port) == ("aisle", 1883)
    as_other = with_overrides(config, broker_url="mqtt://store%2Duser@10.0.0.5:1884")
    assert as_other.broker.login_name == "store-user"
    with pytest.raises(ConfigError, match=r"broker\.url"):
        with_overrides(config, broker_url="tcp://x")


def test_cli_validate_config_prints_each_error_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV, "a-real-password")
    bad = _write(
        tmp_path, GOOD_TOML.replace('device_id = "kiosk-9"', 'device_id = "a b"') + "\nextra = 1\n"
    )
    assert main(["--validate-config", str(bad)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{bad} -> device_id -> 'a b' -> device id 'a b' must match ^[A-Za-z0-9_-]{{1,64}}$",
        f"{bad} -> outbox.extra -> 1 -> Extra inputs are not permitted",
    ]


def test_cli_validate_config_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV, "a-real-password")
    assert main(["--validate-config", str(_write(tmp_path, GOOD_TOML))]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_cli_missing_password_variable_is_exit_2_through_aisle(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != ENV}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisle.cli",
            "edge",
            "--validate-config",
            str(_write(tmp_path, GOOD_TOML)),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"broker.password_env -> '{ENV}' -> environment variable is not set" in result.stdout


def test_cli_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "DeviceConfig"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {
        "store_id",
        "device_id",
        "profile",
        "broker",
        "source",
        "outbox",
    }


def test_every_field_has_a_description() -> None:
    def walk(schema: dict[str, Any]) -> list[str]:
        missing = []
        for name, definition in schema.get("$defs", {}).items():
            missing += [
                f"{name}.{key}"
                for key, prop in definition["properties"].items()
                if "description" not in prop
            ]
        missing += [key for key, prop in schema["properties"].items() if "description" not in prop]
        return missing

    assert walk(DeviceConfig.model_json_schema()) == []


@pytest.mark.parametrize(
    "path", sorted((REPO_ROOT / "firmware_configs").glob("*/*.toml")), ids=lambda p: p.stem
)
def test_shipped_firmware_configs_validate(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_MQTT_PASSWORD", "a-real-password")
    config = load_device_config(path)
    assert path.parent.name == config.store_id and path.stem == config.device_id
    assert config.source.path is None or config.source.path.is_dir(), config.source.path


def test_schema_in_the_docs_is_current() -> None:
    # Regenerate with: aisle edge --schema > docs/device-config.schema.json
    committed = json.loads((REPO_ROOT / "docs" / "device-config.schema.json").read_text())
    assert committed == DeviceConfig.model_json_schema()
