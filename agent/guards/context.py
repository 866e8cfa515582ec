"""What the guard chain knows about a draft's situation. Built by the engine from the record; guards
never query the database themselves, so they stay pure, fast and testable in isolation."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from agent.policy.schema import ClinicSettings, Policies
from agent.types import AskKind, Mode, Queue


@dataclass(frozen=True)
class AskFacts:
    """Facts the ask timing/consent guard decides on."""

    now: datetime
    positive_reply_seen: bool = False  # a clearly positive patient reply in this conversation
    referral_eligible_touch: bool = False  # the thread was opened by a referral-eligible touch
    marketing_consent: bool = False
    open_handoff_queues: frozenset[Queue] = frozenset()
    referral_declined: bool = False  # the patient declined referring, ever
    last_ask_at: dict[AskKind, datetime] = field(default_factory=dict)  # this patient's last ask of each kind


@dataclass(frozen=True)
class GuardContext:
    policies: Policies
    settings: ClinicSettings
    facts: AskFacts
    # The patient's own visit terms (treatment, products) on top of the shared lexicon.
    patient_terms: tuple[str, ...] = ()
    review_link: str | None = None
    # The clinic's own name and sign-off: "Laser Lounge" must be able to say its name.
    exempt_phrases: tuple[str, ...] = ()
    opted_out: bool = False
    # The single confirmation text allowed after an opt-out.
    is_opt_out_confirmation: bool = False
    mode: Mode = Mode.AGENT
    # The one acknowledgement allowed in the turn that hands the thread to a human, or a safety reply.
    human_mode_exempt: bool = False
