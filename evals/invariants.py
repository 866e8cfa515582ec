"""Global invariants: checked on every outbound text of every case, without being written in a suite.

They read what was actually recorded (the messages table, in order) and re-derive every fact from the
text itself with the shipped policies, so a guard that is switched off or a brain that misbehaves
cannot hide a violation:

- phi: no PHI term (shared lexicon, the clinic's extra terms, the case's own treatment and its words;
  the patient's first name, written as a name, is not a term: "Hi Chin" is fine, "your chin" is not)
- one_ask: at most `max_asks_per_message` different asks in one text
- segments: within the clinic's segment budget (the red-flag safety reply is exempt: it goes out whole)
- opt_out: after an opt-out, nothing but one confirmation until the patient opts back in
- referral_timing: no referral ask before a clearly positive reply in the same conversation, and
  none ever after the patient declined
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from agent.guards.asks import detect_asks
from agent.guards.context import AskFacts, GuardContext
from agent.guards.phi import find_phi
from agent.guards.segments import count_segments
from agent.keywords import match_keyword
from agent.policy.schema import ClinicSettings, Policies
from agent.types import AskKind, Direction, Intent, Keyword, MessageKind

__all__ = ["INVARIANTS", "Msg", "Violation", "InvariantChecker", "treatment_terms"]

INVARIANTS = ("phi", "one_ask", "segments", "opt_out", "referral_timing")

# Words that say nothing about a treatment on their own (and that ordinary replies need).
_GENERIC = frozenset("""skin visit visits appointment results result treatment treatments consult consultation
clinician care feeling glow progress program programme milestone session sessions package packages plan full
with series round rounds follow followup touch check your that this from area areas""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]{3,}")


def treatment_terms(treatment: str) -> tuple[str, ...]:
    """The treatment as written plus each of its telling words ("Botox forehead" -> botox, forehead)."""
    if not treatment.strip():
        return ()
    words = [w for w in _WORD.findall(treatment) if w.lower() not in _GENERIC]
    return tuple(dict.fromkeys([treatment.strip(), *words]))


@dataclass(frozen=True)
class Msg:
    """One recorded message, as the invariants need it."""

    direction: Direction
    body: str
    conversation_id: int | None = None
    kind: MessageKind | None = None
    intents: tuple[tuple[str, float], ...] = ()  # inbound: (intent, confidence), deciding first

    @property
    def deciding(self) -> str | None:
        return self.intents[0][0] if self.intents else None


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str
    body: str


@dataclass
class InvariantChecker:
    """Feed it every message of one case in order; it returns the violations each outbound makes."""

    policies: Policies
    settings: ClinicSettings
    treatment: str = ""
    first_name: str = ""  # the patient's own name is not PHI, even when it is a word like "Chin"
    clinic_name: str = ""
    review_link: str | None = None
    opted_out: bool = False
    confirmations_since_opt_out: int = 0
    declined: bool = False
    urgent_turn: bool = False  # the last patient message was a red flag: its safety reply may exceed the budget
    positive_in: set[int | None] = field(default_factory=set)
    checked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INVARIANTS, 0))

    def __post_init__(self) -> None:
        self._ctx = GuardContext(
            policies=self.policies, settings=self.settings, facts=AskFacts(now=datetime.now()),
            patient_terms=treatment_terms(self.treatment), review_link=self.review_link,
            exempt_phrases=tuple(p for p in (self.clinic_name, self.settings.sender_name) if p))

    def feed(self, msg: Msg) -> list[Violation]:
        if msg.direction == Direction.INBOUND:
            self._inbound(msg)
            return []
        return self._outbound(msg)

    def _mask_name(self, body: str) -> str:
        """Blank out the patient's first name where it is written as a name (same case, whole word)."""
        if not self.first_name.strip():
            return body
        return re.sub(rf"(?<!\w){re.escape(self.first_name.strip())}(?!\w)", " ", body)

    # ------------------------------------------------------------------ state from the patient

    def _inbound(self, msg: Msg) -> None:
        keyword = match_keyword(msg.body, self.policies.keywords, opted_out=self.opted_out)
        deciding = msg.deciding
        self.urgent_turn = deciding == Intent.URGENT
        if keyword == Keyword.OPT_OUT or deciding == Intent.OPT_OUT:
            if not self.opted_out:
                self.opted_out, self.confirmations_since_opt_out = True, 0
            return
        if self.opted_out and (keyword == Keyword.OPT_IN or deciding == Intent.OPT_IN):
            self.opted_out = False
            return
        if deciding == Intent.DECLINE:
            self.declined = True
        if any(self.policies.asks.is_clearly_positive(i, c) for i, c in msg.intents):
            self.positive_in.add(msg.conversation_id)

    # ------------------------------------------------------------------ checks on what went out

    def _outbound(self, msg: Msg) -> list[Violation]:
        out: list[Violation] = []

        def fail(name: str, why: str) -> None:
            out.append(Violation(name, why, msg.body))

        safety_reply = self.urgent_turn and msg.kind == MessageKind.REPLY
        for name in INVARIANTS:
            if not (name == "segments" and safety_reply):
                self.checked[name] += 1
        body = msg.body or ""
        categories = sorted(set(find_phi(self._mask_name(body), self._ctx)))
        if categories:
            fail("phi", f"the text names protected health information ({', '.join(categories)})")
        asks = list(dict.fromkeys(detect_asks(body, self.policies.asks, self.review_link)))
        limit = self.policies.asks.max_asks_per_message
        if len(asks) > limit:
            fail("one_ask", f"{len(asks)} different asks ({', '.join(a.value for a in asks)}); at most {limit}")
        segments = count_segments(body).segments
        if segments > self.settings.segment_budget and not safety_reply:
            fail("segments", f"{segments} segments; the clinic's budget is {self.settings.segment_budget}")
        if self.opted_out:
            if msg.kind != MessageKind.CONFIRMATION:
                fail("opt_out", "a text went to a patient who opted out (only one confirmation may)")
            elif self.confirmations_since_opt_out >= 1:
                fail("opt_out", "a second confirmation after one opt-out (only one may go out)")
            self.confirmations_since_opt_out += 1
        if AskKind.REFERRAL in asks:
            if self.declined:
                fail("referral_timing", "a referral ask after the patient declined to refer")
            elif msg.conversation_id not in self.positive_in:
                fail("referral_timing", "a referral ask before a clearly positive reply in this conversation")
        return out
