"""Tests `aisle bench index` on a tiny index (its own mosquitto) and the enrollment tool's help."""

from __future__ import annotations

import json

import pytest

from aisle.bench import main as bench_main
from tools import enroll_photos


def test_bench_index_prints_the_transfer_beside_its_peer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench_main(["index", "--rows", "2000", "--dims", "64", "--chunk-bytes", "8192"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["index"]["chunks"] == -(-result["index"]["bytes"] // 8192)
    assert result["aisle"]["seconds_to_installed"] > 0
    assert (
        result["resumed"]["chunks_at_cut"] + result["resumed"]["chunks_written_after_cut"]
        >= (result["index"]["chunks"])
    )
    assert result["raw_qos1"]["megabytes_per_s"] > 0


def test_enroll_tool_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        enroll_photos.main(["--help"])
    assert exit_info.value.code == 0
    assert "reference-photos" in capsys.readouterr().out
