"""Tests the kiosk's try-on asset receiver against the real hub app: install, resume, corrupt
files refused and reported, nothing fetched twice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from tryon_shipping import KIOSK, NAVY_SIZES, STORE, ShippingHub, shipping_hub

from contracts.errors import ContractError
from contracts.tryon import parse_tryon_catalog
from edge.tryon.installed import ActiveAssets, load_installed
from edge.tryon.receiver import AssetReceiver, ReceiverSettings


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[ShippingHub]:
    """The hub with the navy t-shirt built."""
    yield from shipping_hub(tmp_path)


def receiver(hub: ShippingHub, folder: Path, *, store: str = STORE) -> AssetReceiver:
    """A receiver on the hub app (its HTTP client is the app's TestClient)."""
    settings = ReceiverSettings(
        hub_url="http://testserver", store_id=store, device_id=KIOSK, folder=folder
    )
    return AssetReceiver(settings, load_installed(folder), client=hub.client())


def test_sync_installs_the_catalog_and_fetches_nothing_twice(
    hub: ShippingHub, tmp_path: Path
) -> None:
    folder = tmp_path / "kiosk"
    first = receiver(hub, folder)
    outcome = first.sync_once()
    assert (outcome.version, outcome.changed, outcome.fetched, outcome.refused) == (1, True, 2, ())
    assert first.sync_once().changed is False
    installed = load_installed(folder)  # what a restarted kiosk offers at once
    assert installed.version == 1
    (asset,) = installed.assets().values()
    assert asset.shipped.variants[1].gtin == NAVY_SIZES["M"]
    assert asset.load().bgra.shape[2] == 4
    catalog = hub.service.library.current()
    assert catalog is not None
    (folder / "current.json").unlink()  # files kept: a new install fetches nothing
    assert receiver(hub, folder).sync_once().fetched == 0


def test_a_cut_download_resumes_where_it_stopped(
    hub: ShippingHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = hub.service.library.current()
    assert catalog is not None
    image = catalog.assets[0].image
    files = tmp_path / "kiosk" / "files"
    files.mkdir(parents=True)
    whole = (hub.folder / "assets" / "files" / image.name).read_bytes()
    (files / f"{image.name}.part").write_bytes(whole[:5000])
    caplog.set_level(logging.INFO, logger="edge.tryon.download")
    receiver(hub, tmp_path / "kiosk").sync_once()
    fetched = [r.args for r in caplog.records if r.msg.startswith("try-on file %s fetched")]
    assert (image.name, len(whole) - 5000) in fetched
    assert (files / image.name).read_bytes() == whole


def test_a_corrupt_file_is_refused_reported_and_not_offered(
    hub: ShippingHub, tmp_path: Path
) -> None:
    catalog = hub.service.library.current()
    assert catalog is not None
    shipped = catalog.assets[0]
    served = hub.folder / "assets" / "files" / shipped.image.name
    served.write_bytes(served.read_bytes()[:-10] + b"0123456789")  # bit rot on the hub's disk
    folder = tmp_path / "kiosk"
    outcome = receiver(hub, folder).sync_once()
    assert outcome.version == 1 and len(outcome.refused) == 1
    assert outcome.refused[0].startswith(f"{shipped.asset_id}: ")
    assert load_installed(folder).assets() == {}
    assert not (folder / "files" / shipped.image.name).exists()
    reports = hub.service.device_reports()
    assert [(r.device, r.asset_id) for r in reports] == [(KIOSK, shipped.asset_id)]
    installed = parse_tryon_catalog((folder / "current.json").read_bytes())
    assert installed.assets == ()


def test_a_catalog_for_another_store_is_refused(hub: ShippingHub, tmp_path: Path) -> None:
    other = receiver(hub, tmp_path / "kiosk", store="elsewhere")
    with pytest.raises(ContractError, match="for store"):
        other.sync_once()


def test_the_receiver_thread_installs_and_swaps(hub: ShippingHub, tmp_path: Path) -> None:
    folder = tmp_path / "kiosk"
    active = ActiveAssets()
    settings = ReceiverSettings(
        hub_url="http://testserver",
        store_id=STORE,
        device_id=KIOSK,
        folder=folder,
        poll_interval_s=0.1,
    )
    thread = AssetReceiver(settings, active, client=hub.client())
    thread.start()
    try:
        assert thread.synced.wait(30.0)
    finally:
        thread.stop()
    assert active.version == 1 and active.swaps == 1 and len(active.assets()) == 1
