"""`make run` as Twilio sees it: one process, SQLite, the in-process worker woken by the webhook, dry-run."""
from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.config import Settings
from agent.store.db import make_engine
from agent.store.models import Message, Patient
from agent.types import DeliveryStatus, Direction
from api.app import create_app
from tests.channel.helpers import AUTH_TOKEN, PUBLIC_BASE, inbound_params, post_signed


def test_a_signed_text_is_answered_by_the_in_process_worker_without_waiting_for_its_interval(tmp_path):
    url = f"sqlite:///{tmp_path}/embedded.db"
    # An auth token to check signatures, no Account SID: replies stay in the dry-run outbox.
    settings = Settings(DATABASE_URL=url, AFTERGLOW_ENV="local", TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                        PUBLIC_BASE_URL=PUBLIC_BASE, AFTERGLOW_WORKER_INTERVAL=3600)
    assert settings.dry_run
    with TestClient(create_app(settings)) as client:
        engine = make_engine(url)
        with Session(engine) as s:
            maya = s.exec(select(Patient).where(Patient.first_name == "Maya")).one()
        started = time.monotonic()
        response = post_signed(client, "/webhooks/twilio/sms", inbound_params(maya.phone, "Loving it!"))
        assert response.status_code == 200
        reply = None
        while reply is None and time.monotonic() - started < 20:  # a bound, not a speed check
            with Session(engine) as s:
                reply = s.exec(select(Message).where(Message.patient_id == maya.id,
                                                     Message.direction == Direction.OUTBOUND,
                                                     Message.delivery_status == DeliveryStatus.DRY_RUN)).first()
            time.sleep(0.05)
    assert reply is not None  # woken by the webhook: the worker's idle interval is an hour
    engine.dispose()
