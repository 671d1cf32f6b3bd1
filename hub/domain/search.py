"""Provides what the hub makes of a device's photo search: its demand signal and the glasses'
one-line answer. Pure: the caller reads the catalog and the ledger.

Signals: a search that abstained (or whose best product the hub does not know) is "searched, no
good match"; a confident match whose product has none on hand here is "searched but out of stock
here". Answers: "Oat milk 1 l, 2.49 here (92% sure)" or "Not sure - maybe X or Y".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from hub.domain.answers import MAX_ANSWER_CHARS, format_cents

SearchSignalKind = Literal["no_match", "out_of_stock"]
MAX_CANDIDATES_SAID = 2
MAX_CONFIDENCE_SAID = 0.99  # a calibration of a few hundred queries cannot promise certainty
NOTHING_FOUND = "Not sure what this is"


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """What the hub knows of a search's best product.

    Attributes:
        gtin: the product.
        name: its catalog name.
        store_price_cents: its price here.
        on_hand: store stock, reservations deducted.
    """

    gtin: str
    name: str
    store_price_cents: int
    on_hand: int


def search_signal(*, abstained: bool, best: MatchFacts | None) -> SearchSignalKind | None:
    """The demand signal a search records, if any.

    Args:
        abstained: the device was not sure (its top score was under its threshold).
        best: the best product as the hub knows it; None when there was no hit or the hub's
            catalog does not hold it.
    """
    if abstained or best is None:
        return "no_match"
    if best.on_hand <= 0:
        return "out_of_stock"
    return None


def _short(name: str, limit: int = 48) -> str:
    text = " ".join(name.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sure_answer(best: MatchFacts, confidence: float | None) -> str:
    """The answer about a confident match, e.g. "Oat milk 1 l, 2.49 here (92% sure)"."""
    text = f"{_short(best.name)}, {format_cents(best.store_price_cents)} here"
    if best.on_hand <= 0:
        text += ", none in stock here"
    if confidence is not None:
        text += f" ({round(100 * min(confidence, MAX_CONFIDENCE_SAID))}% sure)"
    return text[:MAX_ANSWER_CHARS]


def unsure_answer(candidate_names: Sequence[str]) -> str:
    """The answer when the search abstained, e.g. "Not sure - maybe Oat milk 1 l or Soy milk"."""
    names = list(dict.fromkeys(_short(name, 40) for name in candidate_names))
    names = names[:MAX_CANDIDATES_SAID]
    if not names:
        return NOTHING_FOUND
    return f"Not sure — maybe {' or '.join(names)}"[:MAX_ANSWER_CHARS]
