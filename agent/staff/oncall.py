"""Who is texted about urgent handoffs: a clinic's on-call clinicians and its manager number.

Stored in the clinic's settings JSON and always written through ClinicSettings, so the CLI, the console
and a hand-edited row are held to the same rules (E.164, no duplicates, at most ten numbers).
"""
from __future__ import annotations

from pydantic import ValidationError

from agent.phones import to_e164
from agent.policy.schema import ClinicSettings, OnCall
from agent.store.models import Clinic


class OnCallError(ValueError):
    """Bad input for the on-call list; the message is safe to show (it never echoes the number)."""


def settings_of(clinic: Clinic) -> ClinicSettings:
    return ClinicSettings.model_validate(clinic.settings or {})


def normalise(phone: str) -> str:
    try:
        return to_e164(phone.strip())
    except ValueError as exc:
        raise OnCallError(f"{exc}: write it with its area code, e.g. +1 415 555 0100") from None


def add(clinic: Clinic, phone: str, name: str = "") -> OnCall:
    """Add a number (or rename it when it is already on the list)."""
    number = normalise(phone)
    current = settings_of(clinic)
    entry = OnCall(phone=number, name=name.strip()[:60])
    kept = [c for c in current.on_call if c.phone != number]
    if len(kept) >= 10:
        raise OnCallError("at most 10 on-call numbers per clinic")
    _save(clinic, current, on_call=[*kept, entry])
    return entry


def remove(clinic: Clinic, phone: str) -> bool:
    number = normalise(phone)
    current = settings_of(clinic)
    kept = [c for c in current.on_call if c.phone != number]
    _save(clinic, current, on_call=kept)
    return len(kept) != len(current.on_call)


def set_manager(clinic: Clinic, phone: str | None) -> str | None:
    """Set (or with None / "" clear) the manager number texted when an urgent handoff stays unclaimed."""
    number = normalise(phone) if phone and phone.strip() else None
    _save(clinic, settings_of(clinic), manager_phone=number)
    return number


def _save(clinic: Clinic, current: ClinicSettings, **changes: object) -> None:
    data = current.model_dump(mode="json", exclude_unset=False)
    data.update({k: ([c.model_dump(mode="json") for c in v] if k == "on_call" else v) for k, v in changes.items()})
    try:
        validated = ClinicSettings.model_validate(data)
    except ValidationError as exc:
        raise OnCallError(exc.errors()[0]["msg"]) from None
    # A new dict, not an in-place edit: the JSON column only notices a reassignment.
    clinic.settings = {**(clinic.settings or {}), **validated.model_dump(mode="json", include=set(changes))}
