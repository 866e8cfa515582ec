"""Turn a proposed text into a decision and a record: the outbound message and its outbox job, a
draft held for staff, or a block, always with the verdicts of every attempt."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from agent.brains.base import BrainContext, Proposal
from agent.engine.dispose import Decision, decide, deterministic_repair
from agent.engine.outbox import enqueue
from agent.engine.result import ReplyRecord, TurnResult
from agent.engine.situation import Situation
# Curly quotes and dashes become GSM-7 before the chain runs, so a text stays in the cheap encoding.
from agent.guards import count_segments, detect_asks, smart_encode
from agent.store.models import AuditEvent, Draft, Message, Turn
from agent.types import (AskKind, Direction, Disposition, GuardPolicy, GuardVerdict, Intent, IntentScore, MessageKind,
                         Stage)

if TYPE_CHECKING:
    from agent.brains.base import Brain
    from agent.brains.offline.brain import OfflineBrain
    from agent.policy.schema import Policies


class Speaker(Protocol):
    """What delivery needs of the engine (agent.engine.turn.Agent is one): the policies, the brain that
    proposed the reply (asked to regenerate it) and the offline brain (its reviewed fallback). A protocol, so
    that delivery does not import the turn that calls it."""

    policies: Policies
    brain: Brain
    offline: OfflineBrain

# A safety text goes out even when it costs an extra segment (a long or accented name, UCS-2).
SAFETY_WAIVER = frozenset({GuardPolicy.SEGMENTS})


class Deliverer:
    def __init__(self, agent: Speaker, sit: Situation, turn: Turn | None, result: TurnResult, *,
                 defer_ids: bool = False) -> None:
        """`defer_ids`: the caller flushes once at its end and fills reply ids then
        (TurnResult.fill_message_ids), so a reply's insert need not be flushed on its own."""
        self.agent = agent
        self.policies = agent.policies
        self.sit = sit
        self.turn = turn
        self.result = result
        self.defer_ids = defer_ids

    def reply(self, proposal: Proposal, ctx: BrainContext, *, exempt: bool, confirmation: bool = False,
              settled: bool = False, hold: list[str] | None = None) -> ReplyRecord:
        """The brain's draft reply: full chain, repairs, and the staff-approval rules. `hold`: reasons the
        engine already has to put the reply before a person (a maybe-opt-out)."""
        deciding = proposal.deciding
        gctx = self.sit.guard_context(self.policies, self.sit.ask_facts(settled), exempt=exempt,
                                      confirmation=confirmation)
        no_ask_ctx = replace(ctx, allowed_asks=frozenset())

        def regenerate(text: str, bad: list[GuardVerdict]) -> str | None:
            if self.agent.brain is self.agent.offline or proposal.fell_back:
                return None
            new_text, usage = self.agent.brain.regenerate(ctx, text, bad)
            if self.turn is not None:
                usage.charge(self.turn)
            return new_text

        def fallback(text: str, bad: list[GuardVerdict]) -> str | None:
            return self.agent.offline.reply_for(deciding.intent, no_ask_ctx)

        decision = decide(smart_encode(proposal.reply or ""), gctx,
                          repairs=[("repair", deterministic_repair(gctx)), ("regenerate", regenerate),
                                   ("fallback", fallback)],
                          approval_reasons=self._approval_reasons(deciding) + list(hold or []),
                          hold_when_repair_fails=self.policies.approval.hold_when_repair_fails,
                          waived=SAFETY_WAIVER if deciding.intent == Intent.URGENT else frozenset())
        return self._record(decision, MessageKind.REPLY, deciding.intent)

    def fixed(self, text: str, kind: MessageKind, *, confirmation: bool = False, exempt: bool = False,
              touch: str | None = None, repairable: bool = True, safety: bool = False) -> ReplyRecord:
        """Reviewed template text (keyword answers, touches): the same chain, no approval step.
        Not repairable: a trip blocks it outright instead of cutting it or holding it."""
        gctx = self.sit.guard_context(self.policies, self.sit.ask_facts(), confirmation=confirmation, exempt=exempt)
        repairs = [("repair", deterministic_repair(gctx))] if repairable else []
        decision = decide(smart_encode(text), gctx, repairs=repairs, approval_reasons=[],
                          hold_when_repair_fails=repairable and self.policies.approval.hold_when_repair_fails,
                          waived=SAFETY_WAIVER if safety else frozenset())
        return self._record(decision, kind, None, touch=touch)

    # ------------------------------------------------------------------ record

    def _approval_reasons(self, deciding: IntentScore) -> list[str]:
        if deciding.intent == Intent.URGENT:
            return []  # safety text is never delayed behind a queue
        approval = self.policies.approval
        reasons = []
        if deciding.intent in approval.hold_intents:
            reasons.append(f"intent {deciding.intent.value} needs a person")
        if deciding.confidence < approval.min_confidence:
            reasons.append(f"low confidence ({deciding.confidence:.2f} < {approval.min_confidence:.2f})")
        return reasons

    def _record(self, decision: Decision, kind: MessageKind, intent: Intent | None, *, touch: str | None = None) -> ReplyRecord:
        sit = self.sit
        if self.turn is not None:
            self.turn.verdicts = [*self.turn.verdicts, *decision.attempts]
        tripped = [v for a in decision.attempts for v in a["verdicts"]]
        text = decision.text or ""
        found = detect_asks(text, self.policies.asks, sit.clinic.review_link) if text else []
        asks = list(dict.fromkeys(a.value for a in found))  # each kind once, in order
        segments = count_segments(text).segments if text else 0
        record = ReplyRecord(body=text, asks=asks, segments=segments, disposition=decision.disposition,
                             verdicts=tripped)
        if decision.sends:
            message = Message(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, patient_id=sit.patient.id,
                              direction=Direction.OUTBOUND, kind=kind, body=text, asks=asks, segments=segments,
                              touch=touch, turn=self.turn, created_at=sit.now)
            enqueue(sit.session, message, sit.now, flush=not self.defer_ids)
            sit.messages.append(message)
            if self.defer_ids:
                record.outbound = message
            else:
                record.message_id = message.id
            self._note_asks(asks)
        elif decision.disposition == Disposition.HOLD:
            draft = Draft(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id,
                          turn=self.turn, body=text,
                          intent=intent, reasons=decision.hold_reasons,
                          verdicts=decision.attempts, created_at=sit.now)
            sit.session.add(draft)
            sit.session.flush()
            record.draft_id = draft.id
            self._audit("draft.held", "draft", draft.id, reasons=len(decision.hold_reasons),
                        policies=sorted({v["policy"] for v in tripped}))
        else:
            self._audit("reply.blocked", "conversation", sit.conversation.id,
                        policies=sorted({v["policy"] for v in tripped}))
        self.result.replies.append(record)
        return record

    def _note_asks(self, asks: list[str]) -> None:
        if not asks:
            return
        stamped = dict(self.sit.patient.last_asks)
        for ask in asks:
            stamped[ask] = self.sit.now.isoformat()
        self.sit.patient.last_asks = stamped  # reassigned so the JSON column is marked dirty
        if AskKind.REFERRAL.value in asks:
            self.sit.conversation.stage = Stage.ASKED

    def _audit(self, action: str, subject_type: str, subject_id: int | None, **data: object) -> None:
        self.sit.session.add(AuditEvent(clinic_id=self.sit.clinic.id, actor="agent", action=action,
                                        subject_type=subject_type, subject_id=subject_id, data=data,
                                        created_at=self.sit.now))
