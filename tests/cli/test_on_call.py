"""`afterglow clinic on-call`: who is texted about urgent handoffs, set from the server."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.demo import ensure_demo_clinic
from agent.store.db import session_scope
from agent.store.models import Clinic
from tests.conftest import START


@pytest.fixture
def clinic_id(file_db):
    with session_scope(file_db) as s:
        cid = ensure_demo_clinic(s, START).id
    return cid, file_db


def run(*args: str):
    from agent.cli import app

    return CliRunner().invoke(app, ["clinic", "on-call", *args])


def test_add_list_remove_and_manager(clinic_id):
    cid, engine = clinic_id
    result = run("--clinic", str(cid))
    assert result.exit_code == 0 and "on call: none" in result.output and "manager: none" in result.output
    result = run("--clinic", str(cid), "--add", "415 555 0181", "--name", "Nurse Ana", "--manager", "4155550199")
    assert result.exit_code == 0, result.output
    assert "(415) 555-0181 Nurse Ana" in result.output and "manager: (415) 555-0199" in result.output
    with Session(engine) as s:
        settings = s.get(Clinic, cid).settings
    assert settings["on_call"] == [{"phone": "+14155550181", "name": "Nurse Ana"}]
    assert settings["manager_phone"] == "+14155550199"
    result = run("--clinic-id", str(cid), "--remove", "+1 (415) 555-0181")
    assert result.exit_code == 0 and "on call: none" in result.output
    assert run("--clinic", str(cid), "--remove", "+14155550181").exit_code == 1


def test_bad_numbers_are_a_clear_error_and_change_nothing(clinic_id):
    cid, engine = clinic_id
    result = run("--clinic", str(cid), "--add", "nurse ana")
    assert result.exit_code == 2 and "not a" in result.output and "area code" in result.output
    assert run("--clinic", str(cid), "--manager", "12").exit_code == 2
    assert run("--clinic", "999").exit_code != 0
    with Session(engine) as s:
        assert "on_call" not in s.exec(select(Clinic)).one().settings
