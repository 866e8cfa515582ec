"""Typed vocabulary shared by the engine, brains, guards and store.

Enums instead of bare strings: an intent, a queue or a verdict that is misspelt fails at load or at
construction, never silently in a branch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Intent(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    CONCERN = "concern"
    URGENT = "urgent"
    UNHAPPY = "unhappy"
    REFERRAL = "referral"
    BOOKING = "booking"
    SERVICE_INTEREST = "service_interest"
    QUESTION = "question"
    DECLINE = "decline"
    OPT_OUT = "opt_out"
    HELP = "help"
    OPT_IN = "opt_in"
    WRONG_NUMBER = "wrong_number"
    OTHER = "other"


class Queue(StrEnum):
    CLINICAL = "clinical"
    FRONT_DESK = "front_desk"
    MANAGER = "manager"


class Priority(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"


class Mode(StrEnum):
    """Who owns the thread: the agent, a human (after a handoff), or nobody (closed)."""

    AGENT = "agent"
    HUMAN = "human"
    CLOSED = "closed"


class Stage(StrEnum):
    """Where the conversation is in the post-visit journey."""

    CHECKIN = "checkin"  # a touch went out, no reply yet
    SETTLED = "settled"  # the patient replied clearly positive
    ASKED = "asked"  # a referral ask went out
    REFERRED = "referred"  # the patient introduced someone
    DECLINED = "declined"  # the patient said no to referring
    CARE = "care"  # a concern or urgent symptom is being handled
    ENDED = "ended"  # opted out or wrong number


class VisitType(StrEnum):
    CONSULTATION = "consultation"
    NEUROMODULATOR = "neuromodulator"
    DERMAL_FILLER = "dermal_filler"
    LASER = "laser"
    FACIAL = "facial"  # facials, peels, microneedling
    PROGRAM = "program"  # skincare or weight-management programme
    PACKAGE_MILESTONE = "package_milestone"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageKind(StrEnum):
    PATIENT = "patient"  # inbound text from the patient
    TOUCH = "touch"  # proactive outreach (check-in, results check-in, nudge)
    REPLY = "reply"  # the agent's answer to a patient turn
    CONFIRMATION = "confirmation"  # opt-out / opt-in / help keyword answers
    STAFF = "staff"  # written or approved by a human in the console


class AskKind(StrEnum):
    REFERRAL = "referral"
    REVIEW = "review"
    BOOKING = "booking"


class ConsentClass(StrEnum):
    CARE = "care"  # informational healthcare message
    MARKETING = "marketing"  # referral or review ask


class Disposition(StrEnum):
    """What policy decided for a proposed outbound message."""

    SEND = "send"
    REPAIR = "repair"  # sent after a repair (the repaired text is what went out)
    HOLD = "hold"  # held for staff approval
    BLOCK = "block"  # never sent
    SILENT = "silent"  # no reply was due (human owns the thread, neutral ack, opted out)


class GuardPolicy(StrEnum):
    PHI = "phi"
    ONE_ASK = "one_ask"
    ASK_TIMING = "ask_timing"
    ASK_CONSENT = "ask_consent"
    SEGMENTS = "segments"
    OPTED_OUT = "opted_out"
    THREAD_OWNER = "thread_owner"


class HandoffStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class HandoffOutcome(StrEnum):
    BOOKED_CONSULT = "booked_consult"
    BOOKED_TREATMENT = "booked_treatment"
    ANSWERED = "answered"
    NO_ACTION = "no_action"


class ReferralStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    CONSULT_BOOKED = "consult_booked"
    TREATED = "treated"
    REWARD_ISSUED = "reward_issued"


class ReferralSource(StrEnum):
    """How the introduction reached the clinic."""

    CONVERSATION = "conversation"  # the patient named someone by text (record_referral)
    FRIEND_PAGE = "friend_page"  # the friend signed up on the referrer's code page
    STAFF = "staff"  # a staff member added it in the console or the API (told at the desk, by phone)


class ReferralFlag(StrEnum):
    """Why a referral can never earn a reward (kept, shown to staff, audited)."""

    SELF_REFERRAL = "self_referral"  # the friend's phone is the referrer's own
    ALREADY_PATIENT = "already_patient"  # the friend was a patient before the introduction


class RewardStatus(StrEnum):
    DUE = "due"  # the milestone was met; staff still have to give it
    ISSUED = "issued"


class RewardMilestone(StrEnum):
    """The referral status at which the referrer's reward becomes due."""

    BOOKED = "consult_booked"
    TREATED = "treated"


class VisitStatus(StrEnum):
    """What a visit from a practice system is: a completed visit (touches follow) or a booking (only
    attribution follows: a referred friend's consult is booked)."""

    COMPLETED = "completed"
    BOOKED = "booked"


class WebhookEvent(StrEnum):
    REFERRAL_CREATED = "referral.created"
    REFERRAL_STATUS_CHANGED = "referral.status_changed"
    REWARD_DUE = "reward.due"
    REWARD_ISSUED = "reward.issued"


class DeliveryState(StrEnum):
    """An outbound webhook delivery: waiting (first try or a retry), delivered, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class TouchStatus(StrEnum):
    PENDING = "pending"  # due in the future (or deferred to a later time)
    SENT = "sent"
    SKIPPED = "skipped"  # policy said no for good (consent, patient replied before a nudge, blocked)
    CANCELLED = "cancelled"  # opted out, superseded by a newer visit, patient unhappy
    EXPIRED = "expired"  # too late to be natural any more


# The review ask's touch name (agent/engine/review.py schedules it). Here, not in the engine, because the
# decline tool (below the engine) cancels it too.
REVIEW_TOUCH = "review_ask"


class DraftStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class DeliveryStatus(StrEnum):
    """Twilio's message statuses plus our own pre-send states."""

    PENDING = "pending"  # in the outbox, not yet handed to a sender
    DRY_RUN = "dry_run"  # recorded only: no Twilio credentials configured
    UNKNOWN = "unknown"  # a send whose outcome is ambiguous: reconcile before any resend
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    CANCELED = "canceled"
    RECEIVED = "received"


class OutboxStatus(StrEnum):
    """OutboxJob.status: where a send stands in the transactional outbox."""

    PENDING = "pending"  # waiting to be handed to Twilio (again: only when provably never sent)
    SENDING = "sending"  # a worker holds it and may be talking to Twilio right now (lease: locked_at)
    UNKNOWN = "unknown"  # may or may not have been sent: reconcile against Twilio before any resend
    RECONCILING = "reconciling"  # a worker is listing Twilio's messages for it (lease: locked_at)
    DONE = "done"  # Twilio accepted it (or dry-run recorded it)
    FAILED = "failed"  # Twilio refused it, or retries ran out
    CANCELED = "canceled"  # not sent on purpose (opt-out, dead number, carrier already answered)


class Keyword(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


# --------------------------------------------------------------------------------------------
# Value objects passed between engine, brains and guards.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentScore:
    intent: Intent
    confidence: float


class ToolName(StrEnum):
    """The tools a brain may call (agent/tools.py). The values go to the model as function names."""

    CREATE_HANDOFF = "create_handoff"
    RECORD_REFERRAL = "record_referral"
    RECORD_DECLINE = "record_decline"
    MARK_WRONG_NUMBER = "mark_wrong_number"
    OPT_OUT = "opt_out"


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict
    call_id: str = ""


@dataclass(frozen=True)
class GuardVerdict:
    """One guard's judgement of one draft. `detail` never carries PHI: it names terms by category."""

    policy: GuardPolicy
    tripped: bool
    reason: str = ""
    detail: dict = field(default_factory=dict)

    def as_record(self) -> dict:
        return {"policy": self.policy.value, "tripped": self.tripped, "reason": self.reason, **self.detail}


class StaffRole(StrEnum):
    """A console account's role; what each may do is agent/staff/roles.py's table."""

    FRONT_DESK = "front_desk"
    CLINICAL = "clinical"
    MANAGER = "manager"
    ADMIN = "admin"
