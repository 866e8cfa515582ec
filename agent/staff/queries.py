"""Clinic-scoped reads for the console and the JSON API. Every query filters on the caller's clinic; a
record of another clinic is reported as missing (NotFound), never as forbidden."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from sqlmodel import Session, SQLModel, func, select

from agent.engine.handoffs import claimed_by_other
from agent.phones import display_phone
from agent.staff.actor import Actor, NotFound
from agent.staff.roles import Permission
from agent.staff.schemas import (
    AuditEventPublic,
    ConversationBrief,
    ConversationPublic,
    DraftPublic,
    HandoffPublic,
    MessagePublic,
    PatientSummary,
    Pulse,
    ReferralPublic,
    RewardPublic,
    TurnPublic,
    VisitContext,
)
from agent.store.models import AuditEvent, Conversation, Draft, Handoff, Message, Patient, Referral, Turn, Visit
from agent.store.staff_models import Staff
from agent.store.referral_models import Reward
from agent.types import Direction, DraftStatus, HandoffStatus, Priority, Queue, ReferralStatus, RewardStatus

T = TypeVar("T", bound=SQLModel)
THREAD_LINES = 6  # messages shown around a held draft


def owned(session: Session, model: type[T], row_id: int, clinic_id: int) -> T:
    row = session.get(model, row_id)
    if row is None or getattr(row, "clinic_id", None) != clinic_id:
        raise NotFound(f"no {model.__name__.lower()} {row_id}")
    return row


def aware(moment: datetime | None) -> datetime | None:
    """Columns without a timezone type come back naive from SQLite and PostgreSQL; they hold UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------ small builders


def patient_summary(p: Patient) -> PatientSummary:
    return PatientSummary(id=p.id, first_name=p.first_name, phone=display_phone(p.phone), opted_out=p.opted_out,
                          marketing_consent=p.marketing_consent)


def message_public(m: Message) -> MessagePublic:
    return MessagePublic(id=m.id, direction=m.direction, kind=m.kind, body=m.body, intent=m.intent,
                         intents=list(m.intents), asks=list(m.asks), segments=m.segments,
                         delivery_status=m.delivery_status, error_code=m.error_code, touch=m.touch,
                         handoff_id=m.handoff_id, turn_id=m.turn_id, created_at=m.created_at)


def turn_public(t: Turn) -> TurnPublic:
    return TurnPublic(id=t.id, brain=t.brain, inbound_message_id=t.inbound_message_id, intents=list(t.intents),
                      tool_calls=list(t.tool_calls), verdicts=list(t.verdicts), disposition=t.disposition,
                      fell_back=t.fell_back, model_calls=t.model_calls, prompt_tokens=t.prompt_tokens,
                      completion_tokens=t.completion_tokens, latency_ms=t.latency_ms, created_at=t.created_at)


def _patients(session: Session, ids: set[int]) -> dict[int, Patient]:
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Patient).where(Patient.id.in_(ids)))}


def _staff_names(session: Session, clinic_id: int) -> dict[int, str]:
    return {s.id: s.name for s in session.exec(select(Staff).where(Staff.clinic_id == clinic_id))}


def _visit_context(context: dict) -> VisitContext:
    return VisitContext(**{k: context.get(k) for k in VisitContext.model_fields})


def _context_for_conversation(session: Session, conversation: Conversation, now: datetime) -> VisitContext:
    visit = session.get(Visit, conversation.visit_id) if conversation.visit_id else None
    days = (now - aware(visit.occurred_at)).days if visit else None
    return VisitContext(visit_type=visit.visit_type.value if visit else None,
                        treatment=visit.treatment if visit else None,
                        provider=visit.provider if visit else None, days_since_visit=days,
                        opening_touch=conversation.opening_touch, stage=conversation.stage.value)


# ------------------------------------------------------------------ drafts


def drafts(session: Session, actor: Actor, *, status: DraftStatus = DraftStatus.PENDING,
           limit: int = 100) -> list[DraftPublic]:
    query = select(Draft).where(Draft.clinic_id == actor.clinic_id, Draft.status == status)
    query = query.order_by(Draft.id if status == DraftStatus.PENDING else Draft.id.desc()).limit(limit)
    rows = list(session.exec(query))
    return [_draft_public(session, d) for d in rows]


def draft(session: Session, actor: Actor, draft_id: int) -> DraftPublic:
    return _draft_public(session, owned(session, Draft, draft_id, actor.clinic_id))


def _draft_public(session: Session, d: Draft, *, with_thread: bool = True) -> DraftPublic:
    conversation = session.get(Conversation, d.conversation_id)
    patient = session.get(Patient, conversation.patient_id)
    thread: list[MessagePublic] = []
    newer = 0
    if with_thread:
        turn = session.get(Turn, d.turn_id) if d.turn_id else None
        messages = list(session.exec(select(Message).where(Message.conversation_id == d.conversation_id)
                                     .order_by(Message.id)))
        cut = turn.inbound_message_id if turn and turn.inbound_message_id else (messages[-1].id if messages else 0)
        before = [m for m in messages if m.id <= cut]
        thread = [message_public(m) for m in before[-THREAD_LINES:]]
        newer = len(messages) - len(before)  # as engine.drafts.newer_messages counts them
    return DraftPublic(id=d.id, conversation_id=d.conversation_id, patient=patient_summary(patient), body=d.body,
                       intent=d.intent, reasons=list(d.reasons), verdicts=list(d.verdicts), status=d.status,
                       created_at=d.created_at, decided_by=d.decided_by, decided_at=aware(d.decided_at),
                       thread=thread, newer_messages=newer)


# ------------------------------------------------------------------ handoffs


ACTIVE = "active"  # open or claimed


def handoffs(session: Session, actor: Actor, now: datetime, *, status: str = ACTIVE, queue: Queue | None = None,
             limit: int = 200, queues: set[Queue] | None = None, search: str = "") -> list[HandoffPublic]:
    """The inbox: urgent first, then unclaimed before claimed, then the thread the patient wrote in last.
    Resolved handoffs come newest first. `queues`: only these, and every urgent one whatever its queue (a red
    flag is everyone's business). `search`: a first name (start of it) or digits of the phone."""
    query = select(Handoff).where(Handoff.clinic_id == actor.clinic_id)
    if status == ACTIVE:
        query = query.where(Handoff.status != HandoffStatus.RESOLVED)
    else:
        query = query.where(Handoff.status == HandoffStatus(status))
    if queue is not None:
        query = query.where(Handoff.queue == queue)
    if queues is not None:
        query = query.where(Handoff.queue.in_(queues) | (Handoff.priority == Priority.URGENT))
    if search.strip():
        query = query.join(Patient, Patient.id == Handoff.patient_id).where(_patient_matches(search))
    rows = list(session.exec(query.order_by(Handoff.id.desc() if status == HandoffStatus.RESOLVED.value
                                            else Handoff.id).limit(limit)))
    latest = _latest_patient_texts(session, {h.conversation_id for h in rows})
    news = _new_texts(session, rows)
    if status != HandoffStatus.RESOLVED.value:
        # Urgent first, unclaimed before claimed, then the thread the patient wrote in most recently.
        rows.sort(key=lambda h: (h.priority != Priority.URGENT, h.status != HandoffStatus.OPEN,
                                 -_activity(h, latest.get(h.conversation_id))))
    patients = _patients(session, {h.patient_id for h in rows})
    names = _staff_names(session, actor.clinic_id)
    return [_handoff_public(h, patients[h.patient_id], names, actor, now, latest.get(h.conversation_id),
                            news.get(h.id, 0)) for h in rows]


def _patient_matches(search: str):  # noqa: ANN202 - a SQL condition
    digits = "".join(ch for ch in search if ch.isdigit())
    if len(digits) >= 3:
        return Patient.phone.contains(digits)
    return func.lower(Patient.first_name).startswith(search.strip().lower()[:60])


def _activity(h: Handoff, text: Message | None) -> float:
    opened = aware(h.created_at)
    moment = aware(text.created_at) if text is not None else opened
    return max(moment, opened).timestamp()


def _latest_patient_texts(session: Session, conversation_ids: set[int]) -> dict[int, Message]:
    """The newest patient text of each thread, two indexed queries whatever the threads' length."""
    if not conversation_ids:
        return {}
    newest = select(func.max(Message.id)).where(Message.conversation_id.in_(conversation_ids),
                                                Message.direction == Direction.INBOUND) \
        .group_by(Message.conversation_id)
    return {m.conversation_id: m for m in session.exec(select(Message).where(Message.id.in_(newest)))}


def _new_texts(session: Session, rows: list[Handoff]) -> dict[int, int]:
    """Patient texts since each handoff opened (the one that opened it is not new: it is the reason)."""
    if not rows:
        return {}
    counted = (select(Handoff.id, func.count(Message.id))
               .join(Message, (Message.conversation_id == Handoff.conversation_id)
                     & (Message.direction == Direction.INBOUND) & (Message.created_at > Handoff.created_at))
               .where(Handoff.id.in_([h.id for h in rows])).group_by(Handoff.id))
    return dict(session.exec(counted).all())


def handoff(session: Session, actor: Actor, handoff_id: int, now: datetime) -> HandoffPublic:
    h = owned(session, Handoff, handoff_id, actor.clinic_id)
    return _handoff_public(h, session.get(Patient, h.patient_id), _staff_names(session, actor.clinic_id), actor, now,
                           _latest_patient_texts(session, {h.conversation_id}).get(h.conversation_id),
                           _new_texts(session, [h]).get(h.id, 0))


def _handoff_public(h: Handoff, patient: Patient, names: dict[int, str], actor: Actor, now: datetime,
                    latest: Message | None = None, new_texts: int = 0) -> HandoffPublic:
    created = aware(h.created_at)
    until = aware(h.claimed_at) or aware(h.resolved_at) or now
    workable = actor.can_work(h.queue) and h.status != HandoffStatus.RESOLVED
    colleagues = actor.staff_id is not None and claimed_by_other(h, actor.staff_id)
    return HandoffPublic(id=h.id, conversation_id=h.conversation_id, patient=patient_summary(patient), queue=h.queue,
                         priority=h.priority, reason=h.reason, summary=h.summary, context=_visit_context(h.context),
                         status=h.status, outcome=h.outcome, claimed_by=h.claimed_by,
                         claimed_by_name=names.get(h.claimed_by) if h.claimed_by else None, created_at=created,
                         claimed_at=aware(h.claimed_at), resolved_at=aware(h.resolved_at),
                         waiting_minutes=max(0, int((until - created).total_seconds() // 60)),
                         can_work=workable, can_act=workable and not colleagues,
                         can_take_over=workable and colleagues and actor.can(Permission.TAKE_OVER_HANDOFFS),
                         latest_text=latest.body if latest else None,
                         latest_text_at=aware(latest.created_at) if latest else None, new_texts=new_texts)


# ------------------------------------------------------------------ referrals


def referrals(session: Session, actor: Actor, *, status: ReferralStatus | None = None,
              limit: int = 500) -> list[ReferralPublic]:
    query = select(Referral).where(Referral.clinic_id == actor.clinic_id)
    if status is not None:
        query = query.where(Referral.status == status)
    rows = list(session.exec(query.order_by(Referral.id.desc()).limit(limit)))
    return [_referral_public(session, r) for r in rows]


def referral(session: Session, actor: Actor, referral_id: int) -> ReferralPublic:
    return _referral_public(session, owned(session, Referral, referral_id, actor.clinic_id))


def _referral_public(session: Session, r: Referral) -> ReferralPublic:
    referrer = session.get(Patient, r.referrer_id)
    h = session.get(Handoff, r.handoff_id) if r.handoff_id else None
    if h is not None:
        context = _visit_context(h.context)
    else:
        context = _context_for_conversation(session, session.get(Conversation, r.conversation_id), aware(r.created_at))
    reward = session.exec(select(Reward).where(Reward.referral_id == r.id)).first()
    return ReferralPublic(id=r.id, referrer=patient_summary(referrer), name=r.name,
                          phone=display_phone(r.phone) if r.phone else None, relationship=r.relationship, note=r.note,
                          status=r.status, source=r.source, flag=r.flag, reward_id=reward.id if reward else None,
                          reward_status=reward.status if reward else None,
                          conversation_id=r.conversation_id, handoff_id=r.handoff_id,
                          handoff_status=h.status if h else None, context=context, created_at=r.created_at,
                          updated_at=r.updated_at)


def rewards(session: Session, actor: Actor, *, status: RewardStatus | None = None,
            limit: int = 500) -> list[RewardPublic]:
    query = select(Reward).where(Reward.clinic_id == actor.clinic_id)
    if status is not None:
        query = query.where(Reward.status == status)
    rows = list(session.exec(query.order_by(Reward.id.desc()).limit(limit)))
    return [RewardPublic(id=w.id, referral_id=w.referral_id, referrer=patient_summary(session.get(Patient, w.referrer_id)),
                         description=w.description, credit_cents=w.credit_cents, status=w.status, due_at=w.due_at,
                         issued_at=w.issued_at, issued_by=w.issued_by) for w in rows]


# ------------------------------------------------------------------ conversations


def conversation(session: Session, actor: Actor, conversation_id: int, now: datetime) -> ConversationPublic:
    c = owned(session, Conversation, conversation_id, actor.clinic_id)
    patient = session.get(Patient, c.patient_id)
    messages = session.exec(select(Message).where(Message.conversation_id == c.id).order_by(Message.id)).all()
    turns = session.exec(select(Turn).where(Turn.conversation_id == c.id).order_by(Turn.id)).all()
    held = session.exec(select(Draft).where(Draft.conversation_id == c.id).order_by(Draft.id)).all()
    hands = session.exec(select(Handoff).where(Handoff.conversation_id == c.id).order_by(Handoff.id)).all()
    names = _staff_names(session, actor.clinic_id)
    return ConversationPublic(
        id=c.id, patient=patient_summary(patient), stage=c.stage, mode=c.mode, opening_touch=c.opening_touch,
        referral_eligible=c.referral_eligible, created_at=c.created_at, updated_at=c.updated_at,
        closed_at=aware(c.closed_at), visit=_context_for_conversation(session, c, now) if c.visit_id else None,
        messages=[message_public(m) for m in messages], turns=[turn_public(t) for t in turns],
        drafts=[_draft_public(session, d, with_thread=False) for d in held],
        handoffs=[_handoff_public(h, patient, names, actor, now) for h in hands])


def conversations(session: Session, actor: Actor, *, limit: int = 50) -> list[ConversationBrief]:
    rows = list(session.exec(select(Conversation).where(Conversation.clinic_id == actor.clinic_id)
                             .order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit)))
    patients = _patients(session, {c.patient_id for c in rows})
    out = []
    for c in rows:
        count = session.exec(select(func.count()).select_from(Message).where(Message.conversation_id == c.id)).one()
        last = session.exec(select(Message.body).where(Message.conversation_id == c.id)
                            .order_by(Message.id.desc())).first()
        out.append(ConversationBrief(id=c.id, patient=patient_summary(patients[c.patient_id]), stage=c.stage,
                                     mode=c.mode, opening_touch=c.opening_touch, updated_at=c.updated_at,
                                     messages=count, last_message=last))
    return out


# ------------------------------------------------------------------ counts and audit


def pulse(session: Session, actor: Actor) -> Pulse:
    clinic = actor.clinic_id

    def count(model: type[SQLModel], *where: object) -> int:
        return session.exec(select(func.count()).select_from(model).where(model.clinic_id == clinic, *where)).one()

    return Pulse(
        urgent_open=count(Handoff, Handoff.status != HandoffStatus.RESOLVED, Handoff.priority == Priority.URGENT),
        open=count(Handoff, Handoff.status == HandoffStatus.OPEN),
        claimed=count(Handoff, Handoff.status == HandoffStatus.CLAIMED),
        pending_drafts=count(Draft, Draft.status == DraftStatus.PENDING),
        new_referrals=count(Referral, Referral.status == ReferralStatus.NEW),
    )


def audit_log(session: Session, actor: Actor, *, limit: int = 200,
              before_id: int | None = None) -> list[AuditEventPublic]:
    query = select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = session.exec(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
    return [AuditEventPublic(id=e.id, actor=e.actor, action=e.action, subject_type=e.subject_type,
                             subject_id=e.subject_id, data=dict(e.data), created_at=e.created_at) for e in rows]
