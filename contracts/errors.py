"""Provides the one exception every contract violation raises."""

from __future__ import annotations


class ContractError(ValueError):
    """A message, topic or identifier does not follow the wire contract.

    The message always says what was expected and what arrived, so it can be stored verbatim as
    the reason of a dead letter.
    """
