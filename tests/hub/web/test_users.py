"""Tests the staff accounts page and `aisle hub add-user` on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_harness import log_in

from hub.__main__ import main as hub_main
from hub.db import staff as staff_db
from hub.db.connection import open_database


def test_manager_adds_an_account_and_bad_fields_show_errors(client: TestClient) -> None:
    token = log_in(client)
    bad = client.post(
        "/dashboard/users",
        data={"csrf_token": token, "username": "x", "role": "boss", "password": "short"},
    )
    assert bad.status_code == 422
    for field in ("username", "role", "password"):
        assert f'data-field="{field}"' in bad.text
    good = client.post(
        "/dashboard/users",
        data={
            "csrf_token": token,
            "username": "sam.lee",
            "role": "associate",
            "password": "a long enough one",
            "password_again": "a long enough one",
        },
    )
    assert good.status_code == 200 and "Added sam.lee." in good.text
    again = client.post(
        "/dashboard/users",
        data={"csrf_token": token, "username": "SAM.LEE", "role": "associate",
              "password": "another long one", "password_again": "another long one"},
    )  # fmt: skip
    assert again.status_code == 422 and "this username is taken" in again.text


def test_add_user_form_without_csrf_is_refused(client: TestClient) -> None:
    log_in(client)
    response = client.post("/dashboard/users", data={"username": "zed"})
    assert response.status_code == 400


def test_cli_adds_a_user_from_an_env_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = tmp_path / "hub.db"
    monkeypatch.setenv("NEW_STAFF_PASSWORD", "pickup counter 42")
    argv = ["add-user", "--db", str(db_path), "--username", "kim", "--role", "manager"]
    assert hub_main([*argv, "--password-env", "NEW_STAFF_PASSWORD"]) == 0
    db = open_database(db_path)
    user = staff_db.find_user(db, "kim")
    assert user is not None and user.role == "manager"
    assert "pickup counter 42" not in staff_db.password_hash_of(db, user.id)
    db.close()
    assert hub_main([*argv, "--password-env", "NEW_STAFF_PASSWORD"]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        (["--password-env", "MISSING_VAR"], {}, "MISSING_VAR is not set"),
        (["--password-env", "PW"], {"PW": "short"}, "password: at least 10 characters"),
    ],
)
def test_cli_refuses_bad_input(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = ["add-user", "--db", str(tmp_path / "h.db"), "--username", "kim", "--role", "manager"]
    assert hub_main([*argv, *extra]) == 2
    assert message in capsys.readouterr().err
