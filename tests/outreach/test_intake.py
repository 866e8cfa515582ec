"""Visit intake: JSON API per clinic key (idempotent), CSV import row by row, review path, simulate."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli import app as cli
from agent.config import Settings
from agent.outreach.csv_import import import_csv, parse_csv
from agent.outreach.scheduler import run_due
from agent.security import set_api_key
from agent.store.db import session_scope
from agent.store.models import Message, Patient, Touch, Visit
from agent.types import TouchStatus
from api.app import create_app
from tests.outreach.test_scheduler import run_days, setup

VISIT = {"external_id": "pms-1001", "visit_type": "neuromodulator", "treatment": "Botox 20u",
         "provider": "Dr. Rivera", "occurred_at": "2026-03-02T09:30:00",
         "patient": {"phone": "(415) 555-0177", "first_name": "Ana", "marketing_consent": True}}


def _client(tmp_path, agent=None) -> TestClient:  # noqa: ANN001
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/i.db", AFTERGLOW_ENV="local",
                        AFTERGLOW_INPROCESS_WORKER=False, AFTERGLOW_DEMO_API_KEY="k-demo")
    return TestClient(create_app(settings, agent=agent))


def test_visit_api_is_idempotent_and_schedules_touches(tmp_path):
    with _client(tmp_path) as client:
        first = client.post("/api/visits", json=VISIT, headers={"X-API-Key": "k-demo"})
        again = client.post("/api/visits", json=VISIT, headers={"X-API-Key": "k-demo"})
    assert first.status_code == 201 and again.status_code == 200
    body = first.json()
    assert body["created"] and not again.json()["created"] and body["visit_id"] == again.json()["visit_id"]
    assert [t["name"] for t in body["touches"]] == ["clinical_checkin", "results_checkin"]
    # 09:30 local with no zone is read in the clinic's zone: day 1 at 10:00 PST is 18:00 UTC.
    assert body["touches"][0]["due_at"].startswith("2026-03-03T18:00")


def test_visit_api_rejects_bad_keys_and_bad_input_clearly(tmp_path):
    with _client(tmp_path) as client:
        assert client.post("/api/visits", json=VISIT).status_code == 401
        assert client.post("/api/visits", json=VISIT, headers={"X-API-Key": "wrong"}).status_code == 401
        bad = dict(VISIT, visit_type="tattoo", patient=dict(VISIT["patient"], phone="12"))
        response = client.post("/api/visits", json=bad, headers={"X-API-Key": "k-demo"})
    assert response.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in response.json()["detail"]}
    assert ("visit_type",) in fields and ("patient", "phone") in fields


def test_patient_is_matched_by_phone_across_visits(db, clock):
    from agent.demo import ensure_demo_clinic
    from agent.outreach.intake import VisitIn, intake_visit
    from agent.policy.loader import default_policies

    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        for n, phone in enumerate(["415-555-0177", "+1 (415) 555 0177"]):
            intake_visit(s, clinic, VisitIn.model_validate(dict(VISIT, external_id=f"v{n}",
                                                                patient=dict(VISIT["patient"], phone=phone))),
                         default_policies(), clock.now())
    with Session(db) as s:
        assert len(s.exec(select(Patient)).all()) == 1 and len(s.exec(select(Visit)).all()) == 2


def test_a_touch_whose_moment_passed_before_the_visit_arrived_is_never_sent(db):
    """A backfill of last week's visits sends nothing seconds later; a visit imported the morning after
    (within intake_grace_hours of its day-1 check-in) still gets it."""
    from datetime import UTC, datetime

    from agent.clock import FixedClock
    from agent.demo import ensure_demo_clinic
    from agent.engine.turn import Agent
    from agent.outreach.intake import VisitIn, intake_visit
    from agent.policy.loader import default_policies

    clock = FixedClock(datetime(2026, 3, 6, 19, 0, tzinfo=UTC))  # Friday 11:00 in Los Angeles
    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        old = intake_visit(s, clinic, VisitIn.model_validate(dict(VISIT, occurred_at="2026-03-02T09:30:00")),
                           default_policies(), clock.now())
        fresh = intake_visit(s, clinic, VisitIn.model_validate(dict(
            VISIT, external_id="pms-1002", occurred_at="2026-03-05T16:00:00",
            patient=dict(VISIT["patient"], phone="415-555-0178"))), default_policies(), clock.now())
        assert [(t.name, t.status, t.reason) for t in old.touches] == [
            ("clinical_checkin", TouchStatus.EXPIRED, "its moment passed before the visit arrived"),
            ("results_checkin", TouchStatus.PENDING, "")]
        assert [t.status for t in fresh.touches] == [TouchStatus.PENDING, TouchStatus.PENDING]
    sent = run_due(Agent(db, clock=clock))
    assert len(sent) == 1 and sent[0].sent  # the fresh visit's day-1 check-in, one hour late


CSV = """external_id,phone,first_name,visit_type,occurred_at,treatment,marketing_consent
a1,415-555-0101,Ana,neuromodulator,2026-03-02 09:30,Botox,yes
a2,not-a-phone,Bo,facial,2026-03-02 10:00,Peel,no
a3,415-555-0103,Cy,tattoo,2026-03-02 10:00,,no
a4,415-555-0104,Di,laser,yesterday,IPL,maybe
a1,415-555-0101,Ana,neuromodulator,2026-03-02 09:30,Botox,yes
a5,415-555-0105,Ed,dermal filler,2026-03-02 11:00,Juvederm,
"""


def test_csv_import_reports_bad_rows_and_imports_good_ones(db, clock):
    from agent.demo import ensure_demo_clinic
    from agent.policy.loader import default_policies

    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        report = import_csv(s, clinic, CSV, default_policies(), clock.now())
    assert (report.created, report.duplicates) == (2, 1)
    reasons = {e.row: e.reason for e in report.errors}
    assert set(reasons) == {3, 4, 5}
    assert "phone" in reasons[3] and "visit_type" in reasons[4]
    assert "occurred_at" in reasons[5] and "marketing_consent" in reasons[5]
    assert "not-a-phone" not in " ".join(reasons.values())  # reasons never echo the values


def test_csv_with_missing_columns_is_refused_whole():
    parsed = parse_csv("phone,first_name\n4155550101,Ana\n")
    assert parsed.good == [] and "external_id" in parsed.errors[0].reason


def test_import_command(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/c.db")
    from agent.config import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["seed-demo"]).exit_code == 0
        path = tmp_path / "visits.csv"
        path.write_text(CSV)
        dry = runner.invoke(cli, ["import", str(path), "--clinic-id", "1", "--dry-run"])
        assert dry.exit_code == 1 and "2 would import, 1 already known, 3 rejected" in dry.output, dry.output
        assert "dry run: nothing was written" in dry.output
        result = runner.invoke(cli, ["import", str(path), "--clinic-id", "1"])
        assert result.exit_code == 1, result.output  # rows were rejected: the exit says so
        assert "2 imported, 1 already known, 3 rejected" in result.output
        assert "line 4: visit_type" in result.output
        again = runner.invoke(cli, ["import", str(path), "--clinic-id", "1", "--dry-run"])
        assert "0 would import, 3 already known" in again.output  # the dry run wrote nothing; this did
        assert runner.invoke(cli, ["import", str(path), "--clinic-id", "99"]).exit_code != 0
    finally:
        get_settings.cache_clear()


def test_review_ask_travels_alone_days_after_a_positive_reply(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 15)
    happy = agent.handle_inbound(pid, "Honestly obsessed, thank you!")
    assert happy.sent[0].asks == ["referral"]
    sent = run_days(agent, clock, 10)
    assert sent == ["03-20 11:00"]
    with Session(db) as s:
        review = s.exec(select(Message).where(Message.touch == "review_ask")).one()
    assert review.asks == ["review"] and "g.page" in review.body


def test_review_ask_is_skipped_without_marketing_consent_or_when_spacing_fails(db):
    agent, clock, pid = setup(db, marketing=False)
    run_days(agent, clock, 15)
    agent.handle_inbound(pid, "Honestly obsessed, thank you!")
    assert run_days(agent, clock, 10) == []
    with Session(db) as s:
        assert s.exec(select(Touch).where(Touch.name == "review_ask")).first() is None


def test_review_touch_blocked_by_policy_is_not_sent_mangled(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 15)
    agent.handle_inbound(pid, "Honestly obsessed, thank you!")
    with session_scope(db) as s:  # squeeze the review touch against the referral ask
        touch = s.exec(select(Touch).where(Touch.name == "review_ask")).one()
        touch.due_at = clock.now() + timedelta(hours=1)
    assert run_days(agent, clock, 2) == []
    with Session(db) as s:
        touch = s.exec(select(Touch).where(Touch.name == "review_ask")).one()
    assert touch.status == TouchStatus.SKIPPED and "ask_timing" in touch.reason
    assert run_due(agent) == []


def test_simulate_shows_the_timeline():
    result = CliRunner().invoke(cli, ["simulate", "--visit-type", "facial", "--days", "20",
                                      "--reply", "7=love it!!"])
    assert result.exit_code == 0, result.output
    assert "day   1 Tue 10:00" in result.output and "day   7 Mon 11:00" in result.output
    assert "review_ask" in result.output and "ask referral" in result.output
    bad = CliRunner().invoke(cli, ["simulate", "--reply", "seven=hi"])
    assert bad.exit_code != 0 and "DAY=TEXT" in bad.output


def test_api_key_command_issues_a_working_key(db):
    from agent.demo import ensure_demo_clinic
    from agent.security import clinic_for_key

    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, __import__("datetime").datetime.now(__import__("datetime").UTC))
        key = set_api_key(clinic)
    with Session(db) as s:
        assert clinic_for_key(s, key).name == "Glow Aesthetics" and clinic_for_key(s, key + "x") is None


def test_decline_cancels_a_pending_review_ask(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 15)
    agent.handle_inbound(pid, "Honestly obsessed, thank you!")
    agent.handle_inbound(pid, "please don't ask me for referrals or reviews")
    assert run_days(agent, clock, 10) == []
    with Session(db) as s:
        touch = s.exec(select(Touch).where(Touch.name == "review_ask")).one()
    assert (touch.status, touch.reason) == (TouchStatus.CANCELLED, "patient declined asks")


def test_praise_on_the_day_one_check_in_schedules_no_review(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 1)
    agent.handle_inbound(pid, "feeling amazing, love it!")
    with Session(db) as s:
        assert s.exec(select(Touch).where(Touch.name == "review_ask")).first() is None


def test_start_brings_back_timely_care_touches(db):
    agent, clock, pid = setup(db)
    agent.handle_inbound(pid, "STOP")
    agent.handle_inbound(pid, "START")
    assert run_days(agent, clock, 15)[:2] == ["03-03 10:00", "03-16 11:00"]
