"""Referral-loop fixtures: the console's app over a SQLite file (two clinics and their staff), plus
helpers to make a referrer's code and fill in the friend page as a browser would."""
from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.referrals.codes import code_for
from agent.store.db import session_scope
from agent.store.models import Patient
from tests.console.conftest import Env, as_user, env  # noqa: F401 - fixtures shared with the console tests


def make_code(env: Env, patient_id: int) -> str:
    with session_scope(env.engine) as session:
        return code_for(session, session.get(Patient, patient_id), env.clock.now(), actor="test").code


def fill_friend_page(c: TestClient, env: Env, code: str, *, wait_s: int = 5, headers: dict | None = None,
                     **fields: str) -> object:
    """GET the page, wait like a person, POST the form with its stamp; returns the POST's response."""
    page = c.get(f"/r/{code}")
    assert page.status_code == 200, page.text[:300]
    stamp = re.search(r'name="stamp" value="([^"]+)"', page.text).group(1)
    env.clock.advance(timedelta(seconds=wait_s))
    data = {"first_name": "Jo", "phone": "(415) 555-7001", "sms_consent": "yes", "stamp": stamp, **fields}
    return c.post(f"/r/{code}", data=data, headers=headers or {}, follow_redirects=False)


def patient_by_phone(env: Env, phone: str) -> Patient | None:
    with Session(env.engine) as session:
        return session.exec(select(Patient).where(Patient.phone == phone)).first()
