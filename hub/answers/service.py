"""Provides `AnswerService`: the answer publisher and the answerer, started and stopped together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from hub.answers.answerer import GlassesAnswerer
from hub.answers.publisher import AnswerPublisher
from hub.config import BrokerAddress


@dataclass(frozen=True, slots=True)
class AnswerService:
    """The running answer side of the hub (give `answerer.on_committed` to ingest)."""

    publisher: AnswerPublisher
    answerer: GlassesAnswerer

    def stop(self, timeout_s: float) -> None:
        """Stops answering, then disconnects."""
        self.answerer.stop(timeout_s)
        self.publisher.stop()


def start_answer_service(
    broker: BrokerAddress, *, store_id: str, db: Database, keepalive_s: int
) -> AnswerService:
    """Connects the answer publisher (in the background) and starts the answerer on `db`."""
    publisher = AnswerPublisher(broker, store_id=store_id, keepalive_s=keepalive_s)
    publisher.start()
    answerer = GlassesAnswerer(db, publish=publisher.publish)
    answerer.start()
    return AnswerService(publisher, answerer)
