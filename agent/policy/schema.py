"""Pydantic schemas for policies/*.yaml.

Every model forbids unknown keys and compiles its regexes at load, so a typo in a policy file stops
the service at start-up instead of silently disabling a guard.
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from agent.types import AskKind, ConsentClass, Intent, Priority, Queue, RewardMilestone, VisitType


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return pattern


Regex = Annotated[str, AfterValidator(_compiles)]
PromptRef = Annotated[str, Field(pattern=r"^[a-z0-9_]+(/[a-z0-9_]+)*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- intents.yaml


class HandoffSpec(Strict):
    queue: Queue
    priority: Priority = Priority.NORMAL


class IntentRule(Strict):
    description: str
    reply: PromptRef | None = None  # offline reply template; None = no reply is due
    handoff: HandoffSpec | None = None


class IntentPolicy(Strict):
    # Order in which a turn's intents decide what the agent does: the first one present wins.
    precedence: list[Intent]
    intents: dict[Intent, IntentRule]
    positive_ask_reply: PromptRef  # positive reply that carries the referral ask

    @model_validator(mode="after")
    def _complete(self) -> IntentPolicy:
        missing = set(Intent) - set(self.intents)
        if missing:
            raise ValueError(f"intents without a rule: {sorted(missing)}")
        if sorted(self.precedence) != sorted(Intent):
            raise ValueError("precedence must list every intent exactly once")
        return self


# ---------------------------------------------------------------- triage.yaml


class Symptom(Strict):
    id: str
    label: str
    # Plain phrases a medical director can edit; matched case-insensitively on word boundaries.
    phrases: list[str] = []
    # Regexes for what phrases cannot say (e.g. "\b(lip|skin)s? (is|are|went) (white|pale)\b").
    patterns: list[Regex] = []
    # Regexes for benign uses of the symptom's words ("trabajo en la sala de emergencias", "sorry for
    # the confusion"): a phrase or pattern match that lies inside an exception's match does not count,
    # and the symptom is reported as denied (like a negated one). Narrow them to the benign use.
    exceptions: list[Regex] = []
    visit_types: list[VisitType] = []  # empty = applies after any visit

    @model_validator(mode="after")
    def _has_matchers(self) -> Symptom:
        if not self.phrases and not self.patterns:
            raise ValueError(f"symptom {self.id!r} has neither phrases nor patterns")
        return self


class TriagePolicy(Strict):
    urgent_reply: PromptRef
    red_flags: list[Symptom]
    expected_effects: list[Symptom]
    # Words that negate a symptom when they come shortly before it ("no swelling at all").
    negations: list[str]
    negation_window: int = Field(default=3, ge=1, le=8)
    # Words that say an expected effect is resolving ("the swelling went down"): not counted.
    resolved: list[str] = Field(min_length=1)


# ---------------------------------------------------------------- reader.yaml


class ReaderPolicy(Strict):
    """How the statistical reader (agent/nlu) and the rules combine. Safety is a union of the two."""

    urgent_threshold: float = Field(ge=0.05, le=0.95)
    opt_out_threshold: float = Field(ge=0.05, le=0.99)
    possible_opt_out_threshold: float = Field(ge=0.01, le=0.95)
    adopt_threshold: float = Field(ge=0.05, le=0.99)
    join_threshold: float = Field(ge=0.05, le=0.99)
    model_positive: float = Field(ge=0.05, le=0.99)
    positive_veto: float = Field(ge=0.0, le=0.95)
    unsure_clinical: float = Field(ge=0.0, le=0.95)
    model_alone: float = Field(ge=0.05, le=0.99)
    # The model's red flag with no evidence word in the text counts from here (model_alone when unset).
    red_flag_alone: float | None = Field(default=None, ge=0.05, le=0.99)
    red_flag_evidence: list[Regex] = Field(min_length=1)
    opt_out_evidence: list[Regex] = Field(min_length=1)
    # Texts that ask for the messages to go on ("please don't stop", "keep them coming"): the model's
    # opt-out never decides them; they are possible opt-outs, for a person.
    keep_texting: list[Regex] = []
    # Other people who will text or call the clinic ("Priya and Lauren are texting you today"): their words
    # name the messages as a revocation does; below `model_alone` the model's opt-out is for a person.
    others_contacting: list[Regex] = []
    symptom_gone: list[Regex] = []
    messages_named: list[Regex] = []
    clinical_words: list[Regex] = Field(min_length=1)
    decline_topic: list[Regex] = Field(min_length=1)
    sarcasm: list[Regex] = []
    mild_effect: list[Regex] = []
    not_mild: list[Regex] = []

    @model_validator(mode="after")
    def _ordered(self) -> ReaderPolicy:
        if self.possible_opt_out_threshold >= self.opt_out_threshold:
            raise ValueError("possible_opt_out_threshold must be below opt_out_threshold")
        return self


# ---------------------------------------------------------------- phi.yaml


class PhiPolicy(Strict):
    # Category -> terms. Categories are reported in verdicts instead of the matched term.
    categories: dict[str, list[str]]
    patterns: dict[str, list[Regex]] = {}


# ---------------------------------------------------------------- asks.yaml


class AskRule(Strict):
    consent: ConsentClass
    requires_positive_reply: bool
    requires_referral_eligible_touch: bool
    blocked_by_open_handoff: list[Queue]
    blocked_after_decline: bool
    cooldown_days: int = Field(ge=0)
    # Minimum days since the last ask of another kind (keeps referral and review asks apart).
    spacing_days: dict[AskKind, int] = {}


class AskPolicy(Strict):
    max_asks_per_message: int = Field(ge=0, le=1)
    # A reply this confidently positive (the deciding intent) is "clearly positive": it can unlock an ask.
    clearly_positive: float = Field(ge=0.5, le=1.0)
    detect: dict[AskKind, list[Regex]]
    rules: dict[AskKind, AskRule]

    @model_validator(mode="after")
    def _complete(self) -> AskPolicy:
        for kind in AskKind:
            if kind not in self.detect or kind not in self.rules:
                raise ValueError(f"ask kind {kind.value!r} needs detect patterns and a rule")
        return self

    def is_clearly_positive(self, intent: Intent, confidence: float) -> bool:
        """The one test of "clearly positive": the engine's settled flag, the offline brain's ask
        reply and the evals' referral-timing invariant all ask here."""
        return intent == Intent.POSITIVE and confidence >= self.clearly_positive


# ---------------------------------------------------------------- keywords.yaml


class KeywordSet(Strict):
    keywords: list[str]  # matched on the whole message, case-insensitive
    phrases: list[Regex] = []  # plain-language forms, matched anywhere
    reply: PromptRef


class KeywordPolicy(Strict):
    opt_out: KeywordSet
    opt_in: KeywordSet
    help: KeywordSet
    # Opt-in keywords that only count from an opted-out patient (Twilio: YES).
    opt_in_only_when_opted_out: list[str] = []


# ---------------------------------------------------------------- approval.yaml


class ApprovalPolicy(Strict):
    min_confidence: float = Field(ge=0, le=1)
    hold_intents: list[Intent]
    hold_when_repair_fails: bool = True


# ---------------------------------------------------------------- timing.yaml


class TouchSpec(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    day: int = Field(ge=0, le=730)
    hour: int = Field(default=10, ge=0, le=23)  # local time at which the touch is due
    consent: ConsentClass = ConsentClass.CARE
    referral_eligible: bool = False
    template: PromptRef
    nudge_after_days: int | None = Field(default=None, ge=1, le=30)  # one nudge if no reply


class VisitTiming(Strict):
    description: str
    touches: list[TouchSpec]

    @model_validator(mode="after")
    def _unique(self) -> VisitTiming:
        names = [t.name for t in self.touches]
        if len(names) != len(set(names)):
            raise ValueError("touch names must be unique within a visit type")
        return self


class ReviewTouch(Strict):
    """The review ask travels its own path: a separate touch some days after a clearly positive reply."""

    delay_days: int = Field(ge=1, le=60)
    hour: int = Field(default=11, ge=0, le=23)
    template: PromptRef


class UrgentAlerts(Strict):
    """When an urgent clinical handoff texts the clinic's on-call clinicians (agent/engine/alerts.py)."""

    template: PromptRef = "alerts/urgent"
    # Still unclaimed this many minutes after the first alert: the on-call numbers are texted once more...
    realert_after_minutes: int = Field(default=5, ge=1, le=240)
    # ...and after this many, the clinic's manager number.
    manager_after_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _order(self) -> UrgentAlerts:
        if self.manager_after_minutes <= self.realert_after_minutes:
            raise ValueError("manager_after_minutes must be later than realert_after_minutes")
        return self


class TimingPolicy(Strict):
    nudge_template: PromptRef
    review: ReviewTouch
    # A touch more than this late is no longer natural ("checking in after yesterday" a week on): expire it.
    stale_after_hours: int = Field(default=48, ge=1, le=24 * 14)
    # A visit that arrives late (an import of past visits): a touch whose moment passed more than this many
    # hours before the visit arrived is recorded as expired at once, never sent seconds after the import.
    intake_grace_hours: int = Field(default=12, ge=0, le=24 * 14)
    # Frequency cap: at most one proactive text per patient in this many hours.
    min_hours_between_touches: int = Field(default=20, ge=0, le=24 * 14)
    # While a person owns the thread, a due touch waits this long and is tried again.
    handoff_defer_hours: int = Field(default=24, ge=1, le=24 * 7)
    visit_types: dict[VisitType, VisitTiming]
    urgent_alerts: UrgentAlerts = UrgentAlerts()

    @model_validator(mode="after")
    def _complete(self) -> TimingPolicy:
        missing = set(VisitType) - set(self.visit_types)
        if missing:
            raise ValueError(f"visit types without timing: {sorted(missing)}")
        return self

    def touch(self, visit_type: VisitType, name: str) -> TouchSpec:
        for spec in self.visit_types[visit_type].touches:
            if spec.name == name:
                return spec
        raise KeyError(f"visit type {visit_type.value} has no touch {name!r}")


# ---------------------------------------------------------------- rewards.yaml


class Offer(Strict):
    """A reward or an offer: words people read, and optionally an amount a practice system can book."""

    text: str = Field(min_length=1, max_length=120)
    credit_cents: int | None = Field(default=None, ge=1, le=1_000_000)


class RewardPolicy(Strict):
    referrer_reward: Offer
    friend_offer: Offer
    milestone: RewardMilestone = RewardMilestone.TREATED
    cap_per_referrer_per_year: int = Field(default=5, ge=0, le=1000)


# ---------------------------------------------------------------- all of them


class Policies(Strict):
    intents: IntentPolicy
    triage: TriagePolicy
    phi: PhiPolicy
    asks: AskPolicy
    keywords: KeywordPolicy
    approval: ApprovalPolicy
    timing: TimingPolicy
    reader: ReaderPolicy
    rewards: RewardPolicy

    def prompt_refs(self) -> list[tuple[str, str]]:
        """Every (policy file, prompt name) this set refers to, for the load-time existence check."""
        refs: list[tuple[str, str]] = []
        for rule in self.intents.intents.values():
            if rule.reply:
                refs.append(("intents", rule.reply))
        refs.append(("intents", self.intents.positive_ask_reply))
        refs.append(("triage", self.triage.urgent_reply))
        refs += [("keywords", s.reply) for s in (self.keywords.opt_out, self.keywords.opt_in, self.keywords.help)]
        refs.append(("timing", self.timing.nudge_template))
        refs.append(("timing", self.timing.review.template))
        refs.append(("timing", self.timing.urgent_alerts.template))
        for timing in self.timing.visit_types.values():
            refs += [("timing", t.template) for t in timing.touches]
        return refs


def _e164(value: str) -> str:
    from agent.phones import to_e164  # the one normaliser; its error never echoes the number

    return to_e164(value)


Phone = Annotated[str, AfterValidator(_e164)]


class OnCall(Strict):
    """One on-call clinician: a number to text (stored E.164) and a name for staff screens, never texted."""

    phone: Phone
    name: str = Field(default="", max_length=60)


class ClinicSettings(Strict):
    """Per-clinic settings stored as JSON on the clinic row; validated the same way as policies."""

    segment_budget: int = Field(default=2, ge=1, le=4)
    quiet_start: int = Field(default=20, ge=0, le=23)  # no proactive texts from this local hour...
    quiet_end: int = Field(default=9, ge=0, le=23)  # ...until this one
    help_text: str = "Reply STOP to opt out. Msg & data rates may apply. Msg frequency varies."
    phi_extra_terms: list[str] = []  # clinic-specific products or services to keep out of texts
    sender_name: str = ""  # how the agent signs off, e.g. "Ana at Glow"; empty = clinic name
    # Who is texted when a patient's message opens an urgent clinical handoff (agent/engine/alerts.py).
    on_call: list[OnCall] = Field(default=[], max_length=10)
    manager_phone: Phone | None = None  # texted when an urgent handoff is still unclaimed much later

    @model_validator(mode="after")
    def _distinct_on_call(self) -> ClinicSettings:
        phones = [c.phone for c in self.on_call]
        if len(set(phones)) != len(phones):
            raise ValueError("an on-call number is listed twice")
        return self
