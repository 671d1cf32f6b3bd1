"""Tests the store's process plan: order, kiosk modes, and no secret on a command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisle.broker import BrokerEndpoint
from aisle.store import (
    HUB_TOKEN_ENV,
    PASSWORD_ENV,
    StoreOptions,
    ensure_kiosk_token,
    plan_children,
)
from hub.__main__ import main as hub_main
from hub.token_admin import token_is_live

ENDPOINT = BrokerEndpoint("mosquitto", "127.0.0.1", 1999, "aisle", "s3cret-pass")


def _options(tmp_path: Path, *, headless: bool) -> StoreOptions:
    return StoreOptions(
        data_dir=tmp_path,
        store_id="demo",
        kiosk_config=Path("kiosk-1.toml"),
        glasses_config=Path("glasses-1.toml"),
        stock_seed=Path("stock.json"),
        broker_kind="auto",
        central_port=8100,
        hub_port=8080,
        headless=headless,
    )


@pytest.mark.parametrize(
    ("headless", "last", "foreground"), [(True, "kiosk-edge", False), (False, "kiosk", True)]
)
def test_plan_starts_central_hub_glasses_then_the_kiosk(
    tmp_path: Path, headless: bool, last: str, foreground: bool
) -> None:
    plan = plan_children(_options(tmp_path, headless=headless), ENDPOINT)
    assert [spec.name for spec in plan] == ["central", "hub", "glasses", last]
    assert plan[-1].foreground is foreground
    assert plan[0].ready_url == "http://127.0.0.1:8100/v1/health"
    assert plan[1].ready_url == "http://127.0.0.1:8080/api/v1/health"


def test_the_broker_password_travels_in_the_environment_only(tmp_path: Path) -> None:
    for headless in (True, False):
        for spec in plan_children(_options(tmp_path, headless=headless), ENDPOINT):
            assert not any("s3cret" in arg for arg in spec.argv), spec.name
            if spec.name != "central":
                assert spec.env == {PASSWORD_ENV: "s3cret-pass"}
                assert "mqtt://aisle@127.0.0.1:1999" in spec.argv


def test_devices_keep_separate_outboxes(tmp_path: Path) -> None:
    plan = plan_children(_options(tmp_path, headless=True), ENDPOINT)
    outboxes = [spec.argv[spec.argv.index("--outbox") + 1] for spec in plan[2:]]
    assert len(set(outboxes)) == 2
    assert all(Path(path).parent == tmp_path for path in outboxes)


def test_the_kiosk_gets_a_live_hub_token_in_its_environment_only(tmp_path: Path) -> None:
    options = _options(tmp_path, headless=False)
    token = ensure_kiosk_token(options)
    token_file = tmp_path / "kiosk-1-hub-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert ensure_kiosk_token(options) == token  # kept across restarts
    kiosk = plan_children(options, ENDPOINT, token)[-1]
    assert kiosk.env[HUB_TOKEN_ENV] == token
    assert not any(token in arg for arg in kiosk.argv)
    assert token_is_live(tmp_path / "hub.db", token)
    assert hub_main(["revoke-token", "--db", str(tmp_path / "hub.db"), "--device", "kiosk-1"]) == 0
    fresh = ensure_kiosk_token(options)  # a revoked token is replaced
    assert fresh != token and token_is_live(tmp_path / "hub.db", fresh)
