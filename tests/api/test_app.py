"""The embedded default as `make run` serves it: migrations, demo clinic, dry-run outbox."""
from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.config import Settings
from agent.store.models import Conversation
from api.app import create_app
from tests.replies import reply_text


def _client(tmp_path) -> TestClient:  # noqa: ANN001
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/app.db", AFTERGLOW_ENV="local")
    return TestClient(create_app(settings))


def test_health_reports_the_embedded_default(tmp_path):
    with _client(tmp_path) as client:
        body = client.get("/health").json()
    assert body == {"status": "ok", "database": "sqlite", "brain": "offline", "dry_run": True}


def test_demo_clinic_talks_and_the_dry_run_outbox_records(tmp_path):
    with _client(tmp_path) as client:
        patients = client.get("/dev/patients").json()
        maya = next(p for p in patients if p["first_name"] == "Maya")
        touch = client.post(f"/dev/patients/{maya['id']}/touches", json={"touch": "results_checkin"}).json()
        assert touch["replies"][0]["disposition"] == "send"
        turn = client.post(f"/dev/patients/{maya['id']}/messages", json={"body": "Loving it!"}).json()
        assert turn["intents"][0]["intent"] == "positive"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            transcript = client.get(f"/dev/patients/{maya['id']}/transcript").json()
            if all(m["delivery_status"] != "pending" for m in transcript):
                break
            time.sleep(0.1)
        # The worker sends the demo patients' due touches beside this test during clinic hours (Maya's too: each
        # touch opens a conversation and closes the last), so the conversation the reply went out in, whose id
        # with its message count picks the phrasing, is read, not assumed.
        with Session(client.app.state.agent.db) as session:
            conversation_id = session.exec(select(Conversation.id).where(Conversation.patient_id == maya["id"])
                                           .order_by(Conversation.id.desc())).first()
    statuses = {m["direction"]: set() for m in transcript}
    for m in transcript:
        statuses[m["direction"]].add(m["delivery_status"])
    assert statuses == {"outbound": {"dry_run"}, "inbound": {"received"}}
    assert turn["replies"][0]["asks"] == ["referral"]
    # The phrasing the conversation's variant picks: its id plus the one message (a touch) before the reply.
    assert transcript[-1]["body"] == reply_text("positive_ask", variant=conversation_id + 1)


def test_bad_input_gets_a_clear_error(tmp_path):
    with _client(tmp_path) as client:
        assert client.post("/dev/patients/9999/messages", json={"body": "hi"}).status_code == 404
        assert client.post("/dev/patients/1/messages", json={"body": ""}).status_code == 422
        assert client.post("/dev/patients/1/touches", json={"touch": "no_such_touch"}).status_code == 404


def test_dev_routes_are_absent_outside_local(tmp_path):
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/p.db", AFTERGLOW_ENV="test")
    with TestClient(create_app(settings)) as client:
        assert client.get("/dev/patients").status_code == 404
