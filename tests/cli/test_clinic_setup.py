"""`afterglow clinic create / show / set`: a second clinic from nothing, with its own API key, and every
setting validated as the policy files are (a bad value changes nothing)."""
from __future__ import annotations

from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.demo import ensure_demo_clinic
from agent.security import clinic_for_key
from agent.store.db import session_scope
from agent.store.models import AuditEvent, Clinic
from tests.conftest import START


def run(*args: str):
    from agent.cli import app

    return CliRunner().invoke(app, ["clinic", *args])


def test_create_show_and_set_a_second_clinic(file_db):
    with session_scope(file_db) as s:
        ensure_demo_clinic(s, START)
    made = run("create", "--name", "Luma Skin", "--phone", "(310) 555-0100", "--timezone", "America/New_York",
               "--sender-name", "Jo at Luma", "--review-link", "https://g.page/r/luma/review")
    assert made.exit_code == 0, made.output
    assert "phone: +13105550100" in made.output and "sender_name: Jo at Luma" in made.output
    key = made.output.split("shown once): ")[1].split()[0]
    with Session(file_db) as s:
        luma = s.exec(select(Clinic).where(Clinic.name == "Luma Skin")).one()
        assert clinic_for_key(s, key).id == luma.id and luma.timezone == "America/New_York"
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "clinic.created")).one().subject_id == luma.id
    changed = run("set", "--clinic", str(luma.id), "--quiet-start", "21", "--segment-budget", "1")
    assert changed.exit_code == 0 and "quiet_start: 21" in changed.output and "segment_budget: 1" in changed.output
    shown = run("show", "--clinic-id", str(luma.id))
    assert "quiet_end: 9" in shown.output  # defaults shown too


def test_bad_values_are_refused_whole_and_name_the_field(file_db):
    with session_scope(file_db) as s:
        demo = ensure_demo_clinic(s, START)
        cid, before = demo.id, dict(demo.settings)
    for args, field in [(["--segment-budget", "7"], "segment_budget"), (["--timezone", "Mars/Base"], "timezone"),
                        (["--review-link", "http://not-secure"], "review_link"), (["--phone", "12"], "phone"),
                        (["--quiet-start", "21", "--quiet-end", "25"], "quiet_end")]:
        result = run("set", "--clinic", str(cid), *args)
        assert result.exit_code == 2 and field in result.output, (args, result.output)
    with Session(file_db) as s:
        assert s.get(Clinic, cid).settings == before  # nothing half-changed
    taken = run("create", "--name", "Copy", "--phone", "+14155550100")
    assert taken.exit_code == 2 and "already uses this Twilio number" in taken.output
    assert run("create", "--name", "No number").exit_code == 2
