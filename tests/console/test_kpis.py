"""agent/reports: each KPI's definition on a small, fully known history."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from agent.engine.handoffs import claim
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.reports import dashboard
from agent.store.db import session_scope
from agent.store.models import Clinic, Handoff, Referral
from agent.types import Intent, Priority, ReferralStatus
from tests.fakes import ScriptedBrain, proposal


def _board(db, clock, **kw):  # noqa: ANN001, ANN003, ANN202
    with Session(db) as s:
        board = dashboard(s, s.exec(select(Clinic)).one(), clock.now(), **kw)
    return board, {k.key: k for k in board.kpis}


def test_the_funnel_from_check_in_to_booked_consult(agent, db, make_patient, clock):  # noqa: ANN001
    happy = make_patient(first_name="Maya")
    send_touch(agent, happy, "results_checkin")
    agent.handle_inbound(happy, "Loving it! I look amazing")  # -> a referral ask
    agent.handle_inbound(happy, "my friend Kim 415-555-0188 asked where I went")  # -> an introduction
    quiet = make_patient(first_name="Jordan")
    send_touch(agent, quiet, "results_checkin")  # never replies
    leaving = make_patient(first_name="Sam")
    send_touch(agent, leaving, "results_checkin")
    agent.handle_inbound(leaving, "STOP")

    _, k = _board(db, clock)
    assert k["checkins_sent"].total.value == 2  # Sam's check-in was still queued when he opted out: cancelled
    assert k["reply_rate"].total.numerator == 1 and k["reply_rate"].total.denominator == 2
    assert k["referral_asks"].total.value == 1
    assert k["introductions"].total.value == 1
    assert k["referrals_per_ask"].total.value == 1.0
    assert k["consults_booked"].total.value == 0 and k["consults_booked"].total.denominator == 1
    assert k["opt_out_rate"].total.numerator == 1 and k["opt_out_rate"].total.denominator == 3

    with session_scope(db) as s:
        s.exec(select(Referral)).one().status = ReferralStatus.CONSULT_BOOKED
    _, k = _board(db, clock)
    assert k["consults_booked"].total.value == 1
    assert k["consults_booked"].points[-1].value == 1  # this week's cohort


def test_median_minutes_from_handoff_to_claim(agent, db, make_patient, clock):  # noqa: ANN001
    for text in ("my lip went white", "my sister Dana 415-555-0134 wants to come", "it looks uneven, not happy"):
        pid = make_patient()
        send_touch(agent, pid, "results_checkin")
        agent.handle_inbound(pid, text)
    with session_scope(db) as s:
        handoffs = s.exec(select(Handoff).order_by(Handoff.id)).all()
        assert len(handoffs) == 3
        for h, minutes in zip(handoffs[:2], (4, 30), strict=True):
            claim(s, h, 1, h.created_at + timedelta(minutes=minutes))
    clock.advance(timedelta(hours=1))
    _, k = _board(db, clock)
    assert k["median_claim_minutes"].total.value == 17.0  # median of 4 and 30; the unclaimed one is not counted
    assert k["median_claim_minutes"].total.numerator == 2 and k["median_claim_minutes"].total.denominator == 3
    urgent = [h for h in handoffs if h.priority == Priority.URGENT]
    assert len(urgent) == 1 and k["median_claim_minutes_urgent"].total.value == 4.0


def test_guard_blocks_by_policy_count_what_the_guards_stopped(db, make_patient, clock):  # noqa: ANN001
    brain = ScriptedBrain(proposal(Intent.POSITIVE, "So glad! Your Botox should keep smoothing out, Maya."),
                          proposal(Intent.POSITIVE, "Great! Would you leave us a review and refer a friend too?"))
    agent = Agent(db, brain=brain, clock=clock)
    for _ in range(2):
        pid = make_patient()
        send_touch(agent, pid, "results_checkin")
        agent.handle_inbound(pid, "Really happy with it")
    board, _ = _board(db, clock)
    blocks = {b.policy: b.total for b in board.guard_blocks}
    assert blocks["phi"] == 1 and blocks["one_ask"] == 1


def test_buckets_follow_the_clinic_calendar_and_the_window(agent, db, make_patient, clock):  # noqa: ANN001
    old = make_patient()
    clock.advance(timedelta(days=-70))
    send_touch(agent, old, "results_checkin")  # outside an 8-week window
    clock.advance(timedelta(days=63))
    last_week = make_patient()
    send_touch(agent, last_week, "results_checkin")
    clock.advance(timedelta(days=7))
    now = make_patient()
    send_touch(agent, now, "results_checkin")

    board, k = _board(db, clock)
    assert len(board.labels) == 8
    assert [p.value for p in k["checkins_sent"].points][-2:] == [1, 1]
    assert k["checkins_sent"].total.value == 2
    board, k = _board(db, clock, bucket="day", periods=14)
    assert len(k["checkins_sent"].points) == 14 and k["checkins_sent"].total.value == 2
    assert k["checkins_sent"].points[-1].value == 1 and k["checkins_sent"].points[-8].value == 1
