"""Smoke-tests `aisle bench photo-query --help` (the benchmark itself runs outside CI)."""

from __future__ import annotations

import pytest

from aisle.bench import main


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["photo-query", "--help"])
    assert exit_info.value.code == 0
    assert "--images" in capsys.readouterr().out
