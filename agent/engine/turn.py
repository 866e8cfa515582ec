"""The turn loop: keyword layer -> brain -> tools (by code, scoped) -> guard chain -> disposition ->
persist everything with the verdicts. One patient message in, at most one reply out."""
from __future__ import annotations

import logging
import time
from dataclasses import replace

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from agent.brains.base import Brain, BrainContext, Proposal, Usage
from agent.brains.offline.brain import OfflineBrain
from agent.brains.offline.classify import Classification, classify, known_names
from agent.brains.waiting import while_waiting
from agent.clock import Clock, SystemClock
from agent.engine.consent import apply_opt_in, apply_opt_out
from agent.engine.delivery import Deliverer
from agent.engine.obligations import Obligations
from agent.engine.reading import Ahead, read
from agent.engine.result import TurnResult
from agent.engine.situation import Situation, advance_stage, load_patient, load_situation
from agent.engine.scope import tool_scope
from agent.guards.asks import allowed_asks, detect_asks
from agent.guards.phi import phi_matcher
from agent.keywords import match_keyword
from agent.brains.offline.safety import screen
from agent.nlu.screen import label_of
from agent.engine.review import schedule_review
from agent.policy.loader import default_policies
from agent.policy.schema import AskPolicy, Policies
from agent.prompts import PromptLibrary, clinic_templates, default_prompts
from agent.store.db import session_scope
from agent.store.models import Handoff, Message, Turn
from agent.tools import TOOLS, RecordReferralArgs, ToolOutcome, ToolScope, add_referral_phone, attach_referral, execute, open_handoff
from agent.triage import TriageResult
from agent.types import (
    DeliveryStatus,
    Direction,
    Disposition,
    Intent,
    IntentScore,
    Keyword,
    MessageKind,
    Mode,
    Priority,
    Queue,
    ToolCall,
    ToolName,
)

log = logging.getLogger("afterglow.engine")
MAX_TOOL_CALLS = 4  # per turn; more is a misbehaving brain, refused and recorded
MAYBE_OPT_OUT = "possible opt-out: staff decide before we text again"
HELD_FOR_STAFF = "not run: the offline reader saw no opt-out; a person confirms it first"


SEEN_SID = select(Message.id).where(Message.twilio_sid == sa.bindparam("sid"))  # built once: every webhook turn


class UnknownPatient(LookupError):
    pass


class Agent:
    """The conversation engine. A brain proposes; policy disposes."""

    def __init__(self, db: sa.Engine, *, brain: Brain | None = None, policies: Policies | None = None,
                 prompts: PromptLibrary | None = None, clock: Clock | None = None) -> None:
        self.db = db
        self.policies = policies or default_policies()
        self.prompts = prompts or default_prompts()
        self.offline = OfflineBrain(self.policies, self.prompts)
        self.brain: Brain = brain or self.offline
        self.obligations = Obligations(self.policies, self.offline)
        self.clock = clock or SystemClock()

    def warm(self) -> float:
        """Compile what a process's first turn would otherwise pay for (the reader, the lexicons, the PHI
        matcher: about a second), so the first patient to text after a start is answered as fast as the
        rest. Returns the milliseconds it took."""
        started = time.perf_counter()
        classify("warm up", self.policies)
        screen("warm up", self.policies, None)
        phi_matcher(self.policies.phi)
        detect_asks("warm up", self.policies.asks)
        return (time.perf_counter() - started) * 1000

    # ------------------------------------------------------------------ entry point

    def handle_inbound(self, patient_id: int, body: str, *, sid: str | None = None,
                       session: Session | None = None) -> TurnResult:
        """One turn in its own transaction, or inside the caller's `session` (the inbound worker's: the turn,
        its reply's outbox job and the job's `done` then commit together)."""
        if session is not None:
            return self._turn(session, patient_id, body, sid)
        with session_scope(self.db) as own:
            return self._turn(own, patient_id, body, sid)

    def _turn(self, session: Session, patient_id: int, body: str, sid: str | None) -> TurnResult:
        now = self.clock.now()
        rows = load_patient(session, patient_id)
        if rows is None:
            raise UnknownPatient(patient_id)
        patient = rows.patient
        if sid and session.exec(SEEN_SID, params={"sid": sid}).first():
            return TurnResult(duplicate=True)
        sit = load_situation(session, patient, now, rows=rows)
        turn = Turn(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id,
                    brain=self.brain.name, disposition=Disposition.SILENT, created_at=now)
        inbound = _record_inbound(session, sit, body, sid, turn)
        if inbound is None:
            return TurnResult(duplicate=True)  # a concurrent delivery of the same MessageSid won
        result = TurnResult(conversation_id=sit.conversation.id, turn_id=turn.id, brain=self.brain.name)
        keyword = match_keyword(body, self.policies.keywords, opted_out=patient.opted_out)
        # Changes are flushed where an id is needed and at commit, not before every query: fewer
        # round trips per turn (queries here never need the turn's own pending changes).
        # Every reply rendered in the turn is in the clinic's own wording where it has some.
        with session.no_autoflush, clinic_templates(sit.rules.templates):
            if keyword is not None:
                self._keyword_turn(sit, inbound, turn, keyword, result)
            elif patient.opted_out or patient.wrong_number:
                self._unreachable_turn(sit, inbound, turn, result)
            elif sit.conversation.mode == Mode.HUMAN:
                self._human_mode_turn(sit, inbound, turn, result)
            else:
                self._agent_turn(sit, inbound, turn, result)
        turn.disposition = result.replies[-1].disposition if result.replies else Disposition.SILENT
        turn.tool_calls = result.tools
        result.usage = {"calls": turn.model_calls, "prompt_tokens": turn.prompt_tokens,
                        "completion_tokens": turn.completion_tokens, "latency_ms": round(turn.latency_ms, 2)}
        sit.conversation.updated_at = now
        session.flush()  # the turn's writes in one batch, before the commit
        result.turn_id = turn.id
        result.fill_message_ids()
        return result

    # ------------------------------------------------------------------ the four kinds of turn

    def _keyword_turn(self, sit: Situation, inbound: Message, turn: Turn, keyword: Keyword, result: TurnResult) -> None:
        intent = {Keyword.OPT_OUT: Intent.OPT_OUT, Keyword.OPT_IN: Intent.OPT_IN, Keyword.HELP: Intent.HELP}[keyword]
        _label(inbound, turn, result, (IntentScore(intent, 1.0),))
        result.keyword = keyword
        keywords = self.policies.keywords
        flags = screen(inbound.body, self.policies, sit.visit.visit_type if sit.visit else None)
        if flags.urgent:
            # "stop, my lip went white": the opt-out is honoured and the clinical team still hears of it.
            self._escalate(sit, inbound, flags, result, notify_patient=False)
        if keyword == Keyword.OPT_OUT:
            # One confirmation at most: only the message that actually changed the state gets one.
            if apply_opt_out(sit.session, sit.patient, sit.conversation, sit.now, actor="patient"):
                self._deliver_template(sit, turn, inbound, result, keywords.opt_out.reply, MessageKind.CONFIRMATION,
                                       confirmation=True, exempt=True)
        elif keyword == Keyword.OPT_IN:
            if apply_opt_in(sit.session, sit.patient, sit.now, actor="patient",
                            stale_after_hours=sit.rules.timing(self.policies.timing).stale_after_hours):
                sit.conversation.mode = Mode.AGENT
                self._deliver_template(sit, turn, inbound, result, keywords.opt_in.reply, MessageKind.CONFIRMATION, exempt=True)
        elif not sit.patient.opted_out:
            self._deliver_template(sit, turn, inbound, result, keywords.help.reply, MessageKind.CONFIRMATION, exempt=True)

    def _unreachable_turn(self, sit: Situation, inbound: Message, turn: Turn, result: TurnResult) -> None:
        """Opted out or wrong number: no text goes out, but a red flag still reaches the clinical team."""
        flags = self._label_offline(sit, inbound, turn, result).triage
        if flags.urgent:
            self._escalate(sit, inbound, flags, result, notify_patient=False)

    def _human_mode_turn(self, sit: Situation, inbound: Message, turn: Turn, result: TurnResult) -> None:
        """A person owns the thread: the message joins the open handoff and the agent stays silent,
        unless it is a red flag, which always escalates at once, or an opt-out in the patient's own
        words, which is honoured at once. Names of people the patient introduces are recorded on the
        handoff staff are working."""
        found = self._label_offline(sit, inbound, turn, result)
        flags = found.triage
        handoffs = sit.open_handoffs()
        if handoffs:
            inbound.handoff_id = handoffs[-1].id
        if found.has(Intent.OPT_OUT):
            self._opt_out_in_own_words(sit, inbound, turn, result)
        already_urgent = any(h.queue == Queue.CLINICAL and h.priority == Priority.URGENT for h in handoffs)
        if flags.urgent and not already_urgent:
            self._escalate(sit, inbound, flags, result, notify_patient=not sit.patient.opted_out, turn=turn)
        if handoffs and found.has(Intent.REFERRAL):
            self._attach_referrals(sit, found, handoffs[-1], result)

    def _opt_out_in_own_words(self, sit: Situation, inbound: Message, turn: Turn, result: TurnResult) -> None:
        if apply_opt_out(sit.session, sit.patient, sit.conversation, sit.now, actor="patient"):
            self._deliver_template(sit, turn, inbound, result, self.policies.keywords.opt_out.reply, MessageKind.CONFIRMATION,
                                   confirmation=True, exempt=True)

    def _attach_referrals(self, sit: Situation, found: Classification, handoff: Handoff, result: TurnResult) -> None:
        scope = self._scope(sit)
        for mention in found.referrals:
            if not mention.name:
                # A number alone follows a name given earlier on this handoff.
                added = add_referral_phone(scope, mention.phone, handoff) if mention.phone else None
                if added is not None:
                    result.tools.append(added.as_record())
                continue
            call = ToolCall(ToolName.RECORD_REFERRAL, {k: v for k, v in {"name": mention.name, "phone": mention.phone,
                                                                  "relationship": mention.relationship}.items() if v})
            try:
                args = RecordReferralArgs.model_validate(call.args)
            except ValidationError:
                result.tools.append({"name": call.name, "args": {}, "ok": False, "error": "invalid arguments"})
                continue
            outcome = attach_referral(scope, args, handoff)
            result.tools.append(outcome.as_record())
            if outcome.referral is not None and outcome.referral.name not in result.referrals:
                result.referrals.append(outcome.referral.name)

    def _agent_turn(self, sit: Situation, inbound: Message, turn: Turn, result: TurnResult) -> None:
        ctx = agent_context(sit, inbound.body, self.policies)
        # The offline reading of the same text: the offline brain's own proposal just made it (memoised);
        # under a brain that waits on a model it runs on a worker while the call is in flight (reading.py).
        # Safety is a union: an opt-out it reads stops texts whatever a model said, a maybe-opt-out is never
        # answered blind, and its red flags escalate.
        ahead = Ahead(inbound.body, self.policies, ctx) if getattr(self.brain, "remote", False) else None
        try:
            proposal = self._propose(ctx, ahead)
        except BaseException:
            if ahead is not None:
                ahead.settle()  # an interrupted turn leaves no worker waiting on a gate
            raise
        reading = ahead.result() if ahead is not None else read(inbound.body, self.policies, ctx)
        flags, check = reading.flags, reading.check
        if check.has(Intent.OPT_OUT) and not any(s.intent == Intent.OPT_OUT for s in proposal.intents):
            proposal = replace(proposal, intents=(IntentScore(Intent.OPT_OUT, check.confidence(Intent.OPT_OUT)),
                                                  *proposal.intents))
        held: frozenset[str] = frozenset()
        if proposal.brain != self.offline.name and not check.has(Intent.OPT_OUT) and _reads_opt_out(proposal):
            # A model's opt-out the offline reader sees no sign of (a weak model opting out "loving it!"):
            # nothing is sent and every scheduled text waits while a person confirms.
            proposal = _without_opt_out(proposal)
            check = replace(check, possible_opt_out=True)
            held = frozenset({ToolName.OPT_OUT})
        maybe_opt_out = check.possible_opt_out and not any(s.intent == Intent.OPT_OUT for s in proposal.intents)
        obligations = self.obligations
        proposal = obligations.before_tools(proposal, flags, ctx)  # red flags; an opt-out whose tool was forgotten
        _label(inbound, turn, result, proposal.intents)
        result.brain, result.fell_back = proposal.brain, proposal.fell_back
        turn.brain, turn.fell_back = proposal.brain, proposal.fell_back
        # "Settled" unlocks asks, so a model's reading of it must agree with the offline rules' (a model that
        # calls "ok" positive must not earn a referral ask). Carrier keywords were handled before any brain.
        inbound.settled = _settled(proposal.intents, self.policies.asks) and (proposal.brain == self.offline.name or any(
            s.intent == Intent.POSITIVE for s in check.intents))
        outcomes = self._run_tools(sit, proposal.tool_calls, result, held=held)
        if maybe_opt_out:  # the policy's own action: it does not count against the brain's calls
            outcomes += self._run_tools(sit, (_confirm_opt_out_call(ctx),), result)
        # The policy's handoff that no action opened, then a reply that relied on a refused action.
        owed = obligations.owed_calls(proposal, outcomes, ctx)
        if owed:
            outcomes += self._run_tools(sit, owed, result)
        proposal = obligations.settle_reply(proposal, outcomes, ctx)
        advance_stage(sit.conversation, proposal.intents)
        # The review ask waits for visible results: only praise in a referral-eligible thread schedules it.
        if inbound.settled and sit.conversation.referral_eligible:
            schedule_review(sit.session, sit.clinic, sit.patient, sit.visit, sit.rules.timing(self.policies.timing),
                            sit.now)
        opened = [o.handoff for o in outcomes if o.ok and o.handoff is not None]
        if opened:
            inbound.handoff_id = opened[-1].id
        ran = {o.name for o in outcomes if o.ok}
        if ToolName.OPT_OUT in ran:
            # A revocation in the patient's own words, caught by the brain: the same single confirmation.
            self._deliver_template(sit, turn, inbound, result, self.policies.keywords.opt_out.reply, MessageKind.CONFIRMATION,
                                   confirmation=True, exempt=True)
        elif proposal.reply:
            closing = ToolName.MARK_WRONG_NUMBER in ran  # the one apology that closes the thread
            Deliverer(self, sit, turn, result, defer_ids=True).reply(proposal, ctx, exempt=bool(opened) or flags.urgent or closing,
                                                     confirmation=closing, settled=inbound.settled,
                                                     hold=[MAYBE_OPT_OUT] if maybe_opt_out else [])
        proposal.usage.charge(turn)

    # ------------------------------------------------------------------ pieces

    def _propose(self, ctx: BrainContext, ahead: Ahead | None = None) -> Proposal:
        if self.brain is self.offline:
            return self.offline.propose(ctx)
        started = time.perf_counter()
        try:
            if ahead is None:
                return self.brain.propose(ctx)
            with while_waiting(ahead.open):  # the reading runs while the request awaits its answer
                return self.brain.propose(ctx)
        except Exception as exc:  # noqa: BLE001 - any brain failure falls back; the patient is never left waiting
            # Only the exception type is logged: a provider's error text could quote the conversation.
            log.warning("brain %s failed (%s); offline brain answers this turn", self.brain.name, type(exc).__name__)
            if ahead is not None:
                ahead.settle()  # the offline brain reads the same text: not while the worker still is
            proposal = self.offline.propose(ctx)
            proposal.fell_back = True
            spent = getattr(exc, "usage", None)
            if isinstance(spent, Usage):
                proposal.usage.add(spent)  # the failed attempts still cost calls and tokens
            proposal.usage.latency_ms = (time.perf_counter() - started) * 1000
            return proposal

    def _run_tools(self, sit: Situation, calls: tuple[ToolCall, ...], result: TurnResult, *,
                   held: frozenset[str] = frozenset()) -> list[ToolOutcome]:
        """`held`: tools a person must confirm this turn; a valid call to one is recorded, not run."""
        scope = self._scope(sit)
        outcomes = []
        for index, call in enumerate(calls):
            if index >= MAX_TOOL_CALLS:
                outcome = ToolOutcome(call.name, {}, False, "too many tool calls in one turn")
            elif call.name in held and _valid_args(call):
                outcome = ToolOutcome(call.name, dict(call.args), False, HELD_FOR_STAFF)
            else:
                outcome = execute(scope, call)
            outcomes.append(outcome)
            result.tools.append(outcome.as_record())
            if outcome.handoff is not None:
                entry = {"queue": outcome.handoff.queue.value, "priority": outcome.handoff.priority.value,
                         "id": outcome.handoff.id}
                if entry not in result.handoffs:
                    result.handoffs.append(entry)
            if outcome.referral is not None and outcome.referral.name not in result.referrals:
                result.referrals.append(outcome.referral.name)
        return outcomes

    def _escalate(self, sit: Situation, inbound: Message, flags: TriageResult, result: TurnResult, *,
                  notify_patient: bool, turn: Turn | None = None) -> None:
        scope = self._scope(sit)
        labels = "; ".join(label_of(i, self.policies.triage) for i in flags.red_flags)
        handoff = open_handoff(scope, Queue.CLINICAL, Priority.URGENT, ("red flag: " + labels)[:200],
                               "Red flag in a patient reply while the agent was not texting.")
        inbound.handoff_id = handoff.id
        result.tools.append({"name": ToolName.CREATE_HANDOFF, "args": {"queue": "clinical", "priority": "urgent"},
                             "ok": True, "error": None})
        result.handoffs.append({"queue": "clinical", "priority": "urgent", "id": handoff.id})
        if notify_patient and turn is not None:
            self._deliver_template(sit, turn, inbound, result, self.policies.triage.urgent_reply, MessageKind.REPLY, exempt=True,
                                   safety=True)

    def _label_offline(self, sit: Situation, inbound: Message, turn: Turn, result: TurnResult) -> Classification:
        """Every patient message gets an intent, even when no brain call is due (no model call here)."""
        found = classify(inbound.body, self.policies, visit_type=sit.visit.visit_type if sit.visit else None,
                         last_asks=sit.last_asks(), opted_out=sit.patient.opted_out,
                         known_names=known_names(sit.patient.first_name, sit.clinic.name))
        _label(inbound, turn, result, found.intents)
        return found

    def _scope(self, sit: Situation) -> ToolScope:
        return tool_scope(sit)

    def _deliver_template(self, sit: Situation, turn: Turn, inbound: Message, result: TurnResult, template: str,
                          kind: MessageKind, *, confirmation: bool = False, exempt: bool = False,
                          safety: bool = False) -> None:
        # In the patient's language: the message this turn answers ("BAJA", a red flag in Spanish) decides,
        # else their earlier texts.
        text = self.offline.render(template, sit.brain_context(inbound.body, self.policies, frozenset()),
                                   help_text=sit.settings.help_text)
        Deliverer(self, sit, turn, result, defer_ids=True).fixed(text, kind, confirmation=confirmation, exempt=exempt, safety=safety)


def agent_context(sit: Situation, body: str, policies: Policies) -> BrainContext:
    """What the brain sees on an agent turn: the asks policy would allow if this reply is the positive one
    they wait for (the brain is the one reading whether it is)."""
    hypothetical = replace(sit.ask_facts(), positive_reply_seen=True)
    return sit.brain_context(body, policies, allowed_asks(hypothetical, policies.asks))


def _reads_opt_out(proposal: Proposal) -> bool:
    """The brain reads an opt-out: the intent, or an opt_out call the tool layer would run."""
    return any(s.intent == Intent.OPT_OUT for s in proposal.intents) or any(
        c.name == ToolName.OPT_OUT and _valid_args(c) for c in proposal.tool_calls)


def _without_opt_out(proposal: Proposal) -> Proposal:
    """The reading without the opt-out intent (its tool call stays, to be recorded as held)."""
    intents = tuple(s for s in proposal.intents if s.intent != Intent.OPT_OUT) or (IntentScore(Intent.OTHER, 0.3),)
    return replace(proposal, intents=intents)


def _valid_args(call: ToolCall) -> bool:
    spec = TOOLS.get(call.name)
    try:
        return spec is not None and spec.args_model.model_validate(call.args) is not None
    except ValidationError:
        return False


def _confirm_opt_out_call(ctx: BrainContext) -> ToolCall:
    """A person confirms a maybe-opt-out; the open handoff pauses every scheduled text meanwhile."""
    return ToolCall(ToolName.CREATE_HANDOFF, {"queue": Queue.FRONT_DESK.value, "priority": Priority.NORMAL.value,
                                       "reason": MAYBE_OPT_OUT,
                                       "summary": f"The patient may be asking for no more texts; day {ctx.days_since_visit}. "
                                                  "Scheduled texts wait. Confirm before texting again."})


def _settled(intents: tuple[IntentScore, ...], asks: AskPolicy) -> bool:
    """The patient sounds settled and happy: the deciding intent is clearly positive (policies/asks.yaml)."""
    return bool(intents) and asks.is_clearly_positive(intents[0].intent, intents[0].confidence)


def _label(inbound: Message, turn: Turn, result: TurnResult, intents: tuple[IntentScore, ...]) -> None:
    record = [{"intent": s.intent.value, "confidence": round(s.confidence, 3)} for s in intents]
    inbound.intents = record
    inbound.intent = intents[0].intent
    turn.intents = record
    result.intents = list(intents)


def _record_inbound(session: Session, sit: Situation, body: str, sid: str | None, turn: Turn) -> Message | None:
    """Add the patient's message and its turn; None when the MessageSid was already recorded.

    Without a MessageSid there is nothing to collide with: both rows wait for the turn's next flush (its
    last one, or the first that needs an id, e.g. a handoff's) and go in with the values they have then,
    linked by relationship (turn_id on the insert, inbound_message_id in one post-update). With one, they
    are inserted at once in a savepoint, so a duplicate delivery stops here, before any brain call; each
    learns the other's id after it (the turn's last flush updates both rows anyway: intents, disposition)."""
    inbound = Message(clinic_id=sit.clinic.id, conversation_id=sit.conversation.id, patient_id=sit.patient.id,
                      direction=Direction.INBOUND, kind=MessageKind.PATIENT, body=body, twilio_sid=sid,
                      delivery_status=DeliveryStatus.RECEIVED, created_at=sit.now)
    if sid is None:
        inbound.turn = turn
        turn.inbound_message = inbound
        session.add_all((turn, inbound))
        return inbound
    try:
        with session.begin_nested():  # a savepoint: a duplicate MessageSid rolls back both inserts
            session.add_all((turn, inbound))
    except IntegrityError:
        return None
    turn.inbound_message_id = inbound.id
    inbound.turn_id = turn.id
    return inbound

