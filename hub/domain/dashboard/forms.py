"""Provides the staff forms' checks: each returns the cleaned values or one message per field.

Pure: takes the submitted fields (strings) and returns a `FormCheck`; pages show `errors` next
to the fields and keep what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hub.domain.staff import password_problem, role_problem, username_problem

DiscrepancyAction = Literal["accept_count", "push_correction", "dismiss"]
DISCREPANCY_ACTIONS: tuple[DiscrepancyAction, ...] = ("accept_count", "push_correction", "dismiss")
MAX_COUNT_UNITS = 1_000_000
REASON_MIN_CHARS = 3
REASON_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class FormCheck:
    """The outcome of checking a form.

    Attributes:
        values: the submitted values, trimmed (what the page shows again on error).
        errors: field name -> message; empty when the form is valid.
    """

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no field has an error."""
        return not self.errors


def _trimmed(form: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in names}


def check_login(form: dict[str, str]) -> FormCheck:
    """Username and password must be present (their truth is checked against the database)."""
    values = _trimmed(form, ("username",))
    values["password"] = form.get("password", "")
    errors: dict[str, str] = {}
    if not values["username"]:
        errors["username"] = "enter your username"
    elif len(values["username"]) > 64:
        errors["username"] = "at most 64 characters"
    if not values["password"]:
        errors["password"] = "enter your password"
    return FormCheck(values, errors)


def check_new_user(form: dict[str, str]) -> FormCheck:
    """A new staff account: a valid username, a role and a password typed twice."""
    values = _trimmed(form, ("username", "role"))
    password, again = form.get("password", ""), form.get("password_again", "")
    errors: dict[str, str] = {}
    for name, problem in (
        ("username", username_problem(values["username"])),
        ("role", role_problem(values["role"])),
        ("password", password_problem(password, username=values["username"])),
    ):
        if problem is not None:
            errors[name] = problem
    if "password" not in errors and password != again:
        errors["password_again"] = "the two passwords differ"
    values["password"] = password
    return FormCheck(values, errors)


def _count_problem(text: str) -> str | None:
    if not text:
        return "enter the units counted on the shelf"
    if not text.isdigit():
        return "a whole number of units, 0 or more"
    if int(text) > MAX_COUNT_UNITS:
        return f"at most {MAX_COUNT_UNITS} units"
    return None


def check_discrepancy_action(form: dict[str, str], *, has_gtin: bool) -> FormCheck:
    """An action on a finding: accept a count (units), push a correction, or dismiss (reason).

    Args:
        form: the submitted fields `action`, `counted_units`, `reason`.
        has_gtin: whether the finding is about one product (counts and pushes need one).
    """
    values = _trimmed(form, ("action", "counted_units", "reason"))
    errors: dict[str, str] = {}
    action = values["action"]
    if action not in DISCREPANCY_ACTIONS:
        errors["action"] = "choose accept count, push correction or dismiss"
    elif action in ("accept_count", "push_correction") and not has_gtin:
        errors["action"] = "this finding is not about one product: only dismiss applies"
    if action == "accept_count" and (problem := _count_problem(values["counted_units"])):
        errors["counted_units"] = problem
    reason = values["reason"]
    if action == "dismiss" and len(reason) < REASON_MIN_CHARS:
        errors["reason"] = f"say why it is dismissed (at least {REASON_MIN_CHARS} characters)"
    if len(reason) > REASON_MAX_CHARS:
        errors["reason"] = f"at most {REASON_MAX_CHARS} characters"
    return FormCheck(values, errors)
