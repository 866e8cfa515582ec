"""A few weeks of realistic clinic activity for the documentation screenshots (offline brain, real engine).

Each week some patients get a check-in; most reply, some praise and introduce a friend, some raise a
concern or a red flag, a few opt out; staff claim handoffs after a while and move referrals along.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine import handoffs as engine_handoffs
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.store.db import session_scope
from agent.store.models import Handoff, Referral
from agent.types import HandoffOutcome, HandoffStatus, Intent, ReferralStatus, VisitType
from tests.fakes import ScriptedBrain, proposal

NAMES = ["Maya", "Jordan", "Priya", "Sam", "Alex", "Rosa", "Lena", "Omar", "Tess", "Ivy", "Noor", "Kai"]
FRIENDS = ["Dana", "Kim", "Leah", "Marco", "Beth", "Chris", "Ana", "Joy"]
WEEKLY = [  # what each week's patients say after their check-in
    ["Loving it! I look amazing", "Love it, thank you!", "Honestly kind of disappointed, it looks uneven", None],
    ["Love it! Can I book my next appointment?", "So happy with it", "my forehead went white", "STOP"],
    ["Loving it! I look amazing", "Thanks! Looks great", "It's fine I guess", None, "purple monkey dishwasher"],
]


def seed_history(engine: sa.Engine, now: datetime, *, weeks: int = 6, staff_id: int = 1) -> None:
    phone = 5000
    friend = 0
    for w in range(weeks, 0, -1):
        moment = now - timedelta(days=7 * w - 1)
        agent = Agent(engine, clock=FixedClock(moment))
        script = WEEKLY[w % len(WEEKLY)]
        for i, reply in enumerate(script):
            phone += 1
            name = NAMES[(w * 5 + i) % len(NAMES)]
            pid = _patient(engine, agent, name, phone)
            send_touch(agent, pid, "results_checkin")
            if reply is None:
                continue
            agent.clock = FixedClock(moment + timedelta(hours=2))
            agent.handle_inbound(pid, reply)
            if reply.startswith("Loving it"):
                who = FRIENDS[friend % len(FRIENDS)]
                friend += 1
                agent.clock = FixedClock(moment + timedelta(hours=3))
                agent.handle_inbound(pid, f"my friend {who} 415-555-01{40 + friend:02d} asked where I went")
            agent.clock = FixedClock(moment)
        phone += 1
        slip = SLIPS[w % len(SLIPS)]
        _model_slip(engine, moment + timedelta(hours=4), NAMES[w % len(NAMES)], phone, slip)
        _staff_catch_up(engine, moment, staff_id, minutes=6 + 9 * (w % 3))


# What a language model sometimes drafts, and the guards stop (then repair or hold): a product name,
# an area, two asks stacked in one text.
SLIPS = [
    "So glad, {name}! Your Botox should look even smoother next week.",
    "Great to hear, {name}! Would you leave us a review and refer a friend too?",
    "Wonderful, {name}! Your forehead lines will keep softening.",
]


def _model_slip(engine: sa.Engine, moment: datetime, name: str, phone: int, text: str) -> None:
    brain = ScriptedBrain(proposal(Intent.POSITIVE, text.format(name=name), confidence=0.9))
    agent = Agent(engine, brain=brain, clock=FixedClock(moment))
    pid = _patient(engine, agent, name, phone)
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "Really happy with how it looks")


def _patient(engine: sa.Engine, agent: Agent, name: str, phone: int) -> int:
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, agent.clock.now())
        patient, _ = add_patient_with_visit(session, clinic, agent.clock.now(), first_name=name,
                                            phone=f"+1415555{phone:04d}", visit_type=VisitType.NEUROMODULATOR,
                                            days_ago=14, treatment="Botox forehead", provider="Dr. Rivera")
        return patient.id


def _staff_catch_up(engine: sa.Engine, moment: datetime, staff_id: int, *, minutes: int) -> None:
    """Staff claim the week's handoffs after a while, resolve them, and move referrals along."""
    with session_scope(engine) as session:
        for h in session.exec(select(Handoff).where(Handoff.status == HandoffStatus.OPEN,
                                                    Handoff.created_at <= moment + timedelta(days=1))):
            engine_handoffs.claim(session, h, staff_id, h.created_at + timedelta(minutes=minutes))
            outcome = HandoffOutcome.BOOKED_CONSULT if h.reason == "referral" else HandoffOutcome.ANSWERED
            engine_handoffs.resolve(session, h, outcome, staff_id, h.created_at + timedelta(minutes=minutes + 20))
        for r in session.exec(select(Referral).where(Referral.status == ReferralStatus.NEW)):
            r.status = [ReferralStatus.CONSULT_BOOKED, ReferralStatus.CONTACTED, ReferralStatus.TREATED,
                        ReferralStatus.REWARD_ISSUED][r.id % 4]

