"""Provides the reconciliation reports: `GET /api/v1/reconciliation/reports`, `.../latest` and
`.../{run_id}` (each discrepancy with its cause and the action taken or proposed)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from hub.api.deps import Db
from hub.db import reconciliation
from hub.db.reconciliation import RunRecord

router = APIRouter(prefix="/api/v1/reconciliation", tags=["reconciliation"])


class FindingOut(BaseModel):
    """One discrepancy of a run."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="stable id across runs, `<kind>:<key>`")
    kind: str = Field(description="unknown_gtin, availability_mismatch, price_mismatch, ...")
    key: str = Field(description="what it is about (GTIN, device:from-to, order id)")
    gtin: str | None = Field(description="the product, if any")
    device: str | None = Field(description="the device, if any")
    cause: str = Field(description="why it differs, as far as the hub can tell")
    action: str = Field(description="what the hub did, or what staff should do")
    action_taken: bool = Field(description="true when the hub acted on its own")
    detail: dict[str, Any] = Field(description="the values compared")


class RunOut(BaseModel):
    """One reconciliation run."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="run id")
    started_at: datetime = Field(description="UTC start")
    finished_at: datetime | None = Field(description="UTC end; null while running or if it died")
    central_reachable: bool = Field(description="central answered during the run")
    cursor_before: int | None = Field(description="change-feed cursor before the pull")
    cursor_after: int | None = Field(description="change-feed cursor after the pull")
    changes_applied: int = Field(description="catalog changes applied by the run")
    availability_key: str | None = Field(description="idempotency key of the push it queued")
    availability_items: int = Field(description="products in that push")
    findings: int = Field(description="discrepancies found")
    error: str | None = Field(description="what the run could not do")


class ReportOut(RunOut):
    """A run with its findings and their count per kind."""

    by_kind: dict[str, int] = Field(description="findings per kind")
    items: list[FindingOut] = Field(description="every finding, by kind and key")


def _run_out(run: RunRecord) -> RunOut:
    return RunOut(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        central_reachable=run.central_reachable,
        cursor_before=run.cursor_before,
        cursor_after=run.cursor_after,
        changes_applied=run.changes_applied,
        availability_key=run.availability_key,
        availability_items=run.availability_items,
        findings=run.findings,
        error=run.error,
    )


def _report(db: Db, run: RunRecord) -> ReportOut:
    findings = reconciliation.run_findings(db, run.id)
    items = [
        FindingOut(
            id=f.id,
            kind=f.kind,
            key=f.key,
            gtin=f.gtin,
            device=f.device,
            cause=f.cause,
            action=f.action,
            action_taken=f.action_taken,
            detail=dict(f.detail),
        )
        for f in findings
    ]
    by_kind = dict(sorted(Counter(f.kind for f in findings).items()))
    return ReportOut(**_run_out(run).model_dump(), by_kind=by_kind, items=items)


@router.get("/reports", response_model=list[RunOut])
async def list_reports(
    db: Db, limit: Annotated[int, Query(ge=1, le=500, description="runs to list")] = 20
) -> list[RunOut]:
    """The most recent reconciliation runs, newest first (without their findings)."""
    return [_run_out(run) for run in reconciliation.list_runs(db, limit=limit)]


@router.get("/reports/latest", response_model=ReportOut)
async def latest_report(db: Db) -> ReportOut:
    """The newest finished run with every finding; 404 before the first run finished."""
    run = reconciliation.latest_finished_run(db)
    if run is None:
        raise HTTPException(status_code=404, detail="no reconciliation run has finished yet")
    return _report(db, run)


@router.get("/reports/{run_id}", response_model=ReportOut)
async def get_report(db: Db, run_id: int) -> ReportOut:
    """One run with every finding; 404 when there is no such run."""
    run = reconciliation.get_run(db, run_id)
    if run is None:
        raise HTTPException(status_code=404, detail=f"no reconciliation run {run_id}")
    return _report(db, run)
