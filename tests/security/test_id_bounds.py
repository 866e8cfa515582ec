"""Item 7: an id no row can have is a 422 (or a 404), never a 500, on SQLite and on PostgreSQL.

Ids went from the URL to the database unchecked: past 2**63-1 SQLite's driver overflowed, past 2**31-1
PostgreSQL refused the bind (the id columns are `integer`), and either came back as a 500. The same held for
the `?m=` our own sender puts on Twilio's status callback URL, and for its ErrorCode: there the answer
must stay the empty TwiML Twilio expects (anything else is retried and logged as a webhook failure).
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.clock import FixedClock
from agent.config import Settings
from agent.demo import ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.staff import accounts
from agent.store.db import session_scope
from agent.store.models import Message
from agent.staff.schemas import StaffCreate
from api.app import create_app
from api.routes.twilio import EMPTY_TWIML
from tests.channel.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, post_signed, sid, status_params
from tests.conftest import START, PatientFactory
from tests.console.conftest import as_user, env  # noqa: F401 - fixtures

ID_MAX = 2**31 - 1  # PostgreSQL integer (agent/ids.py); written out so the test stands on its own
OUT_OF_RANGE = [2**63, 2**63 + 1, 2**64, 2**31, ID_MAX + 1, 10**30, 0, -1]

API = [  # every endpoint that takes a row id (method, path template, JSON body)
    ("GET", "/api/drafts/{}", None),
    ("POST", "/api/drafts/{}/approve", None),
    ("POST", "/api/drafts/{}/edit", {"body": "Thanks, Maya!"}),
    ("POST", "/api/drafts/{}/reject", None),
    ("GET", "/api/handoffs/{}", None),
    ("POST", "/api/handoffs/{}/claim", None),
    ("POST", "/api/handoffs/{}/resolve", {"outcome": "answered"}),
    ("POST", "/api/handoffs/{}/reply", {"body": "Thanks, Maya!"}),
    ("PATCH", "/api/referrals/{}", {"status": "contacted"}),
    ("GET", "/api/conversations/{}", None),
    ("POST", "/api/staff/{}/api-key", None),
    ("GET", "/api/audit?before_id={}", None),
]
CONSOLE = [
    ("GET", "/console/handoffs/{}"), ("GET", "/console/conversations/{}"), ("GET", "/console/audit?before={}"),
    ("POST", "/console/drafts/{}/approve"), ("POST", "/console/drafts/{}/edit"), ("POST", "/console/drafts/{}/reject"),
    ("POST", "/console/handoffs/{}/claim"), ("POST", "/console/handoffs/{}/resolve"),
    ("POST", "/console/handoffs/{}/reply"), ("POST", "/console/referrals/{}/status"),
    ("POST", "/console/staff/{}/active"), ("POST", "/console/staff/{}/api-key"),
]


@pytest.fixture
def served(any_engine, tmp_path):  # noqa: ANN001, ANN201
    """The real app on SQLite and on PostgreSQL, Twilio configured (signed webhooks), an admin's API key."""
    settings = Settings(DATABASE_URL="sqlite://", AFTERGLOW_ENV="local", AFTERGLOW_INPROCESS_WORKER=False,
                        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC_BASE)
    agent = Agent(any_engine, clock=FixedClock(START))
    with session_scope(any_engine) as s:
        clinic = ensure_demo_clinic(s, START)
        admin = accounts.create_staff(s, clinic.id, StaffCreate(email="admin@x.test", name="Ada", role="admin",
                                                                password="bounded-ids-admin-pw"), START)
        key = accounts.issue_api_key(s, admin, START, actor="test")
    c = TestClient(create_app(settings, agent=agent, seed=False), raise_server_exceptions=False)
    return c, {"X-API-Key": key}, agent


def test_out_of_range_ids_are_refused_before_the_database(served):  # noqa: ANN001
    c, headers, _ = served
    for method, path, body in API:
        for value in OUT_OF_RANGE:
            r = c.request(method, path.format(value), headers=headers, json=body)
            assert r.status_code == 422, (method, path, value, r.status_code)
        # The largest id passes validation and reaches the query: no such row (the audit page is a list).
        found = c.request(method, path.format(ID_MAX), headers=headers, json=body).status_code
        assert found == (200 if path.startswith("/api/audit") else 404), path


def test_the_status_callback_answers_twilio_whatever_m_and_error_code_say(served):  # noqa: ANN001
    c, _, agent = served
    pid = PatientFactory(agent.db, agent.clock)()
    send_touch(agent, pid, "results_checkin")  # an outbound message; not sent yet (no Twilio SID)
    with Session(agent.db) as s:
        message_id = s.exec(select(Message.id)).one()
    for m in (2**63, 2**31, 10**30, -1, 0, "x"):
        r = post_signed(c, "/webhooks/twilio/status", status_params(sid(), "delivered"), query=f"m={m}")
        assert (r.status_code, r.text) == (200, EMPTY_TWIML), m
    # Our message, found by ?m=, failing with an ErrorCode no integer column holds: recorded without it.
    r = post_signed(c, "/webhooks/twilio/status", status_params(sid(), "failed", error_code=2**63),
                    query=f"m={message_id}")
    assert (r.status_code, r.text) == (200, EMPTY_TWIML)
    with Session(agent.db) as s:
        message = s.get(Message, message_id)
        assert message.delivery_status == "failed" and message.error_code is None


def test_console_pages_and_forms_refuse_them_too(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    form = {"csrf_token": csrf, "body": "Thanks!", "outcome": "answered", "status": "contacted", "active": "true"}
    with TestClient(env.app, raise_server_exceptions=False, cookies=admin.cookies) as c:
        for method, path in CONSOLE:
            for value in OUT_OF_RANGE:
                r = c.request(method, path.format(value), data=form if method == "POST" else None,
                              follow_redirects=False)
                assert r.status_code == 422, (method, path, value, r.status_code)
