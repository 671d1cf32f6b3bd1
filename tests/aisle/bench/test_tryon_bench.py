"""Tests `aisle bench tryon`'s command line and its long-sleeve figures' asset."""

from __future__ import annotations

import pytest

from aisle.bench.tryon import main
from aisle.bench.tryon_sleeves import long_sleeve_asset


def test_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "--frames" in capsys.readouterr().out


def test_the_long_sleeve_asset_has_both_sleeves() -> None:
    asset = long_sleeve_asset()
    assert asset.meta.kind == "top"
    assert {"left_sleeve", "right_sleeve"} <= set(asset.meta.anchors)
