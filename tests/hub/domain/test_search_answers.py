"""Tests what the hub makes of a photo search: the demand signal and the glasses' answer line."""

from __future__ import annotations

import pytest

from hub.domain.search import MatchFacts, search_signal, sure_answer, unsure_answer

OAT = MatchFacts("04012734004359", "Oat milk 1 l", 249, 14)
GONE = MatchFacts("05014521002622", "Crunchy oat granola 500 g", 399, 0)


@pytest.mark.parametrize(
    ("abstained", "best", "signal"),
    [
        (False, OAT, None),  # a sure match in stock: nothing to signal
        (False, GONE, "out_of_stock"),
        (True, OAT, "no_match"),  # not sure: whatever the candidates are
        (False, None, "no_match"),  # the hub does not know the product (or no hit at all)
        (True, None, "no_match"),
    ],
)
def test_search_signal(abstained: bool, best: MatchFacts | None, signal: str | None) -> None:
    assert search_signal(abstained=abstained, best=best) == signal


@pytest.mark.parametrize(
    ("best", "confidence", "text"),
    [
        (OAT, 0.92, "Oat milk 1 l, 2.49 here (92% sure)"),
        (OAT, 1.0, "Oat milk 1 l, 2.49 here (99% sure)"),  # never promises certainty
        (OAT, None, "Oat milk 1 l, 2.49 here"),
        (GONE, 0.905, "Crunchy oat granola 500 g, 3.99 here, none in stock here (90% sure)"),
    ],
)
def test_sure_answer(best: MatchFacts, confidence: float | None, text: str) -> None:
    assert sure_answer(best, confidence) == text


@pytest.mark.parametrize(
    ("names", "text"),
    [
        (
            ["Oat milk 1 l", "Soy milk 1 l", "Rice milk"],
            "Not sure — maybe Oat milk 1 l or Soy milk 1 l",
        ),
        (["Oat milk 1 l", "Oat milk 1 l"], "Not sure — maybe Oat milk 1 l"),
        ([], "Not sure what this is"),
        (["x" * 100], "Not sure — maybe " + "x" * 39 + "…"),
    ],
)
def test_unsure_answer(names: list[str], text: str) -> None:
    assert unsure_answer(names) == text
