"""Provides the glasses' answer to a photo search: the sure product, or "not sure" candidates."""

from __future__ import annotations

from sqlite_utils import Database

from contracts.payloads import Answer, SearchPayload
from contracts.topics import answer_topic
from hub.db import answers
from hub.db.search_signals import match_facts
from hub.domain.search import sure_answer, unsure_answer

ANSWERED_PROFILES = frozenset({"glasses"})
CANDIDATES_READ = 3


def build_search_answer(db: Database, event_id: str) -> tuple[str, Answer] | None:
    """The answer to an applied search event and its topic; None when the device is not answered.

    A confident match the hub knows is answered with its name, price here and the device's
    calibrated confidence; otherwise the first known candidates are offered as "maybe".
    """
    row = db.execute(
        "SELECT store, device, payload FROM events WHERE id = ? AND type = 'search'", [event_id]
    ).fetchone()
    if row is None or answers.device_profile(db, str(row[1])) not in ANSWERED_PROFILES:
        return None
    body = SearchPayload.model_validate_json(row[2])
    best = None if body.abstained or not body.hits else match_facts(db, body.hits[0].gtin)
    if best is not None:
        answer = Answer(event_id=event_id, text=sure_answer(best, body.confidence), gtin=best.gtin)
    else:
        names = []
        for hit in body.hits[:CANDIDATES_READ]:
            facts = match_facts(db, hit.gtin)
            if facts is not None:
                names.append(facts.name)
        answer = Answer(event_id=event_id, text=unsure_answer(names))
    return answer_topic(str(row[0]), str(row[1])), answer
