"""Everything one turn needs to know about its patient, read once from the record.

Builds the two views the rest of the turn uses: what the brain may see (minimum necessary) and what
the guards decide on (facts, consent, mode).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.brains.base import BrainContext, Line
from agent.engine.clinic_rules import NO_OVERRIDES, ClinicRules, clinic_rules
from agent.guards.context import AskFacts, GuardContext
from agent.nlu.language import conversation_language, language_evidence
from agent.phones import display_phone
from agent.policy.schema import ClinicSettings, Policies
from agent.store.models import SETTLED, Clinic, Conversation, Handoff, Message, Patient, Visit
from agent.types import AskKind, Direction, HandoffStatus, Intent, Mode, Queue, Stage

HISTORY_LINES = 12  # what a brain sees of the conversation: enough for context, bounded for tokens
# What a turn loads of its thread: the newest messages, oldest first. A thread only grows, and loading all
# of it cost ~100 ms per turn at 5,000 messages; the few facts that reach further back (a settled reply,
# the last outbound, the message count, the conversation's language) come from their own small queries,
# run only when the thread is longer than this window. Must be >= HISTORY_LINES.
THREAD_WINDOW = 50
OLDER_PAGE = 200  # older inbound texts read at a time when looking back for the conversation's language


@dataclass
class Situation:
    session: Session
    clinic: Clinic
    settings: ClinicSettings
    patient: Patient
    conversation: Conversation
    visit: Visit | None
    now: datetime
    messages: list[Message] = field(default_factory=list)  # the newest THREAD_WINDOW, oldest first
    # Set when the thread may go further back than `messages`: the id of the oldest message loaded.
    older_than: int | None = None
    rules: ClinicRules = NO_OVERRIDES  # the clinic's own wording and timing over the files'
    _open_handoffs: list[Handoff] | None = None
    _older_settled: bool | None = None
    _older_count: int | None = None

    # ------------------------------------------------------------------ derived facts

    @property
    def days_since_visit(self) -> int | None:
        if self.visit is None:
            return None
        return (local_date(self.now, self.clinic.timezone) - local_date(self.visit.occurred_at, self.clinic.timezone)).days

    @property
    def sender(self) -> str:
        return self.settings.sender_name or self.clinic.name

    def open_handoffs(self) -> list[Handoff]:
        if self._open_handoffs is None:
            self._open_handoffs = list(self.session.exec(OPEN_HANDOFFS, params={"patient_id": self.patient.id}))
        return self._open_handoffs

    def positive_reply_seen(self, current_settled: bool = False) -> bool:
        if current_settled or any(m.settled for m in self.messages if m.direction == Direction.INBOUND):
            return True
        if self.older_than is None:
            return False
        if self._older_settled is None:
            self._older_settled = self.session.exec(OLDER_SETTLED, params=self._older()).first() is not None
        return self._older_settled

    def last_outbound(self) -> Message | None:
        last = next((m for m in reversed(self.messages) if m.direction == Direction.OUTBOUND), None)
        if last is None and self.older_than is not None:
            last = self.session.exec(OLDER_OUTBOUND, params=self._older()).first()
        return last

    def message_count(self) -> int:
        """Messages in the whole conversation, including any this turn appended."""
        if self.older_than is None:
            return len(self.messages)
        if self._older_count is None:
            self._older_count = self.session.exec(OLDER_COUNT, params=self._older()).one()
        return self._older_count + len(self.messages)

    def earlier_inbound(self, message: str) -> list[str]:
        """The inbound texts the conversation's language is read from. conversation_language goes by the
        newest text with language evidence; when neither this message nor the window has any, the newest
        older inbound text that has some is all it needs of the rest of the thread."""
        bodies = [m.body for m in self.messages if m.direction == Direction.INBOUND]
        if (self.older_than is None or language_evidence(message) is not None
                or any(language_evidence(b) is not None for b in bodies)):
            return bodies
        older = self._older_inbound_with_evidence()
        return [older, *bodies] if older is not None else bodies

    def _older(self) -> dict:
        return {"conversation_id": self.conversation.id, "older_than": self.older_than}

    def _older_inbound_with_evidence(self) -> str | None:
        before = self.older_than
        while True:
            page = self.session.exec(OLDER_INBOUND, params={**self._older(), "older_than": before}).all()
            for message_id, body in page:
                if language_evidence(body) is not None:
                    return body
                before = message_id
            if len(page) < OLDER_PAGE:
                return None

    def last_asks(self) -> frozenset[AskKind]:
        last = self.last_outbound()
        return frozenset(AskKind(a) for a in last.asks) if last else frozenset()

    def ask_facts(self, current_settled: bool = False) -> AskFacts:
        return AskFacts(
            now=self.now,
            positive_reply_seen=self.positive_reply_seen(current_settled),
            referral_eligible_touch=self.conversation.referral_eligible,
            marketing_consent=self.patient.marketing_consent,
            open_handoff_queues=frozenset(Queue(h.queue) for h in self.open_handoffs()),
            referral_declined=self.patient.referral_declined_at is not None,
            last_ask_at={AskKind(k): datetime.fromisoformat(v) for k, v in self.patient.last_asks.items()},
        )

    # ------------------------------------------------------------------ views

    def brain_context(self, message: str, policies: Policies, allowed_asks: frozenset[AskKind]) -> BrainContext:
        history = tuple(
            Line("patient" if m.direction == Direction.INBOUND else "agent", m.body)
            for m in self.messages[-HISTORY_LINES:]
        )
        return BrainContext(
            first_name=self.patient.first_name,
            visit_category=self.visit.visit_type if self.visit else None,
            days_since_visit=self.days_since_visit,
            stage=self.conversation.stage,
            message=message,
            history=history,
            last_asks=self.last_asks(),
            allowed_asks=allowed_asks,
            clinic_name=self.clinic.name,
            clinic_phone=display_phone(self.clinic.phone),
            sender=self.sender,
            variant=(self.conversation.id or 0) + self.message_count(),
            segment_budget=self.settings.segment_budget,
            # This message decides when it says anything; "ok" or an emoji keeps the conversation's language.
            language=conversation_language(message, self.earlier_inbound(message)),
        )

    def guard_context(self, policies: Policies, facts: AskFacts, *, confirmation: bool = False,
                      exempt: bool = False) -> GuardContext:
        return GuardContext(
            policies=policies,
            settings=self.settings,
            facts=facts,
            patient_terms=self.patient_terms(),
            review_link=self.clinic.review_link,
            # Names are not PHI: a patient called "Chin" or a clinic called "Laser Lounge" may be named.
            exempt_phrases=(self.clinic.name, self.sender, self.patient.first_name),
            opted_out=self.patient.opted_out or self.patient.wrong_number,
            is_opt_out_confirmation=confirmation,
            mode=self.conversation.mode,
            human_mode_exempt=exempt,
        )

    def patient_terms(self) -> tuple[str, ...]:
        """This patient's own visit terms, blocked on top of the shared lexicon."""
        if self.visit is None or not self.visit.treatment:
            return ()
        return (self.visit.treatment,)


def local_date(moment: datetime, timezone: str):  # noqa: ANN201 - a date
    return moment.astimezone(ZoneInfo(timezone)).date()


class TurnRows(NamedTuple):
    patient: Patient
    clinic: Clinic
    conversation: Conversation | None  # the open one, if any
    visit: Visit | None
    # Whether the patient has an open handoff: most turns have none, and then the list is known to be
    # empty without a query of its own.
    any_open_handoff: bool = True


def _turn_rows_query():  # noqa: ANN202 - a Select
    latest = (select(sa.func.max(Conversation.id))
              .where(Conversation.patient_id == Patient.id, Conversation.mode != Mode.CLOSED)
              .correlate(Patient).scalar_subquery())
    any_open = (sa.exists().where(Handoff.patient_id == Patient.id, Handoff.status != HandoffStatus.RESOLVED)
                .correlate(Patient))
    return (select(Patient, Clinic, Conversation, Visit, any_open.label("any_open_handoff"))
            .join(Clinic, Clinic.id == Patient.clinic_id)
            .outerjoin(Conversation, Conversation.id == latest)
            .outerjoin(Visit, Visit.id == Conversation.visit_id)
            .where(Patient.id == sa.bindparam("patient_id")))


# Built once: constructing a four-entity select costs about as much as running it.
TURN_ROWS = _turn_rows_query()
OPEN_HANDOFFS = (select(Handoff).where(Handoff.patient_id == sa.bindparam("patient_id"),
                                       Handoff.status != HandoffStatus.RESOLVED).order_by(Handoff.id))
# The newest messages of a thread (ix_message_thread), newest first; load_situation reverses them.
THREAD = (select(Message).where(Message.conversation_id == sa.bindparam("conversation_id"))
          .order_by(Message.id.desc()).limit(sa.bindparam("window")))
_IN_CONVERSATION = Message.conversation_id == sa.bindparam("conversation_id")
_OLDER = Message.id < sa.bindparam("older_than")
# Literal predicate, as ix_message_settled states it, so the partial index applies (see models).
OLDER_SETTLED = (select(Message.id).where(_IN_CONVERSATION, _OLDER, Message.direction == Direction.INBOUND,
                                          sa.text(f"message.{SETTLED}")).limit(1))
OLDER_OUTBOUND = (select(Message).where(_IN_CONVERSATION, _OLDER, Message.direction == Direction.OUTBOUND)
                  .order_by(Message.id.desc()).limit(1))
OLDER_COUNT = select(sa.func.count()).select_from(Message).where(_IN_CONVERSATION, _OLDER)
OLDER_INBOUND = (select(Message.id, Message.body).where(_IN_CONVERSATION, _OLDER, Message.direction == Direction.INBOUND)
                 .order_by(Message.id.desc()).limit(OLDER_PAGE))


def load_patient(session: Session, patient_id: int) -> TurnRows | None:
    """The patient with their clinic, open conversation and its visit, and whether an open handoff exists,
    in one round trip: a turn's first read, instead of five."""
    row = session.exec(TURN_ROWS, params={"patient_id": patient_id}).first()
    return TurnRows(*row[:4], bool(row[4])) if row is not None else None


def load_situation(session: Session, patient: Patient, now: datetime, *, open_if_missing: bool = True,
                   rows: TurnRows | None = None, window: int = THREAD_WINDOW) -> Situation:
    """`rows`: what load_patient already read for this patient (the session only holds rows weakly,
    so they are passed on rather than looked up again)."""
    clinic = rows.clinic if rows else session.get(Clinic, patient.clinic_id)
    conversation = rows.conversation if rows else current_conversation(session, patient)
    if conversation is None:
        conversation = Conversation(clinic_id=clinic.id, patient_id=patient.id, visit_id=latest_visit_id(session, patient),
                                    created_at=now, updated_at=now)
        session.add(conversation)
        session.flush()
    if rows and rows.conversation is conversation:
        visit = rows.visit
    else:
        visit = session.get(Visit, conversation.visit_id) if conversation.visit_id else None
    messages = list(session.exec(THREAD, params={"conversation_id": conversation.id, "window": window}))
    messages.reverse()
    # A full window may have older messages behind it (a conversation just opened has none at all).
    older_than = messages[0].id if len(messages) >= window else None
    return Situation(session=session, clinic=clinic, settings=ClinicSettings.model_validate(clinic.settings),
                     patient=patient, conversation=conversation, visit=visit, now=now, messages=messages,
                     older_than=older_than, rules=clinic_rules(session, clinic),
                     # None: read when first asked for. Handoffs opened later this turn join this same list.
                     _open_handoffs=None if rows is None or rows.any_open_handoff else [])


def current_conversation(session: Session, patient: Patient) -> Conversation | None:
    return session.exec(
        select(Conversation).where(Conversation.patient_id == patient.id, Conversation.mode != Mode.CLOSED)
        .order_by(Conversation.id.desc())
    ).first()


def latest_visit_id(session: Session, patient: Patient) -> int | None:
    visit = session.exec(select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.occurred_at.desc())).first()
    return visit.id if visit else None


def advance_stage(conversation: Conversation, intents: tuple) -> None:
    """Move the journey forward from what the patient said; tools set REFERRED/DECLINED/ENDED themselves."""
    deciding = intents[0].intent if intents else None
    if deciding in (Intent.URGENT, Intent.CONCERN):
        conversation.stage = Stage.CARE
    elif deciding == Intent.POSITIVE and conversation.stage == Stage.CHECKIN:
        conversation.stage = Stage.SETTLED
