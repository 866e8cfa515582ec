"""POST /webhooks/twilio/sms: real signatures (the SDK's RequestValidator), forged ones, retries, fast TwiML."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from agent.store.channel_models import InboundJob, InboundStatus
from agent.store.models import AuditEvent, Message, Turn
from agent.types import Direction
from agent.worker import Worker
from tests.channel.helpers import (
    AUTH_TOKEN,
    PUBLIC_BASE,
    inbound_params,
    messages,
    phone_of,
    post_signed,
    sign,
    webhook_client,
)
from tests.engine.helpers import rows

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@pytest.fixture
def client(agent):
    return webhook_client(agent)


def _jobs(db) -> list[InboundJob]:
    with Session(db) as s:
        return list(s.exec(select(InboundJob).order_by(InboundJob.id)))


def test_a_signed_text_is_queued_and_answered_with_empty_twiml_before_any_turn(client, agent, db, make_patient):
    pid = make_patient()
    response = post_signed(client, "/webhooks/twilio/sms", inbound_params(phone_of(db, pid), "Loving it!"))
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML and response.headers["content-type"].startswith("text/xml")
    [job] = _jobs(db)
    assert job.status == InboundStatus.PENDING and job.body == "Loving it!"
    assert messages(db) == [] and rows(db, Turn) == []  # the turn has not run inside the request
    Worker(agent).step()
    inbound = messages(db, direction=Direction.INBOUND)
    assert [m.body for m in inbound] == ["Loving it!"] and inbound[0].twilio_sid == job.message_sid
    assert len(messages(db, direction=Direction.OUTBOUND)) == 1
    [job] = _jobs(db)
    assert job.status == InboundStatus.DONE and job.body == "" and job.patient_id == pid  # text not kept twice


@pytest.mark.parametrize("tamper", ["missing", "garbage", "other_token", "other_url", "param_added", "body_changed"])
def test_forged_or_unsigned_requests_get_403_and_store_nothing(client, db, make_patient, tamper):
    pid = make_patient()
    params = inbound_params(phone_of(db, pid), "hi")
    url = PUBLIC_BASE + "/webhooks/twilio/sms"
    signature = {
        "missing": "",
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "other_token": sign(url, params, token="someone-elses-token"),
        "other_url": sign("http://testserver/webhooks/twilio/sms", params),  # what the app sees behind a proxy
        "param_added": sign(url, params),
        "body_changed": sign(url, params),
    }[tamper]
    if tamper == "param_added":
        params = {**params, "Extra": "1"}  # every received parameter is covered, not a filtered model
    if tamper == "body_changed":
        params = {**params, "Body": "STOP"}
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post("/webhooks/twilio/sms", data=params, headers=headers)
    assert response.status_code == 403
    assert _jobs(db) == [] and messages(db) == []


def test_the_query_string_is_part_of_the_signed_url(client, db, make_patient):
    params = inbound_params(phone_of(db, make_patient()), "hi")
    assert post_signed(client, "/webhooks/twilio/sms", params, query="clinic=glow").status_code == 200
    signature = sign(PUBLIC_BASE + "/webhooks/twilio/sms", params)  # signed without the query
    forged = client.post("/webhooks/twilio/sms?clinic=glow", data=params, headers={"X-Twilio-Signature": signature})
    assert forged.status_code == 403


def test_without_an_auth_token_every_webhook_is_refused(agent, db, make_patient):
    client = webhook_client(agent, TWILIO_AUTH_TOKEN=None)
    params = inbound_params(phone_of(db, make_patient()), "hi")
    assert post_signed(client, "/webhooks/twilio/sms", params).status_code == 403


def test_a_retried_delivery_produces_one_message_and_one_reply(client, agent, db, make_patient):
    pid = make_patient()
    params = inbound_params(phone_of(db, pid), "Honestly loving it!")
    for _ in range(3):  # Twilio retries after a timeout with the same MessageSid
        assert post_signed(client, "/webhooks/twilio/sms", params).status_code == 200
    Worker(agent).step()
    assert post_signed(client, "/webhooks/twilio/sms", params).status_code == 200  # retried after processing
    Worker(agent).step()
    assert len(_jobs(db)) == 1
    assert len(messages(db, direction=Direction.INBOUND)) == 1
    assert len(messages(db, direction=Direction.OUTBOUND)) == 1


def test_a_text_to_a_number_that_is_no_clinics_is_not_stored(client, db, make_patient):
    params = inbound_params(phone_of(db, make_patient()), "hello?", to="+14155559999")
    response = post_signed(client, "/webhooks/twilio/sms", params)
    assert response.status_code == 200 and response.text == EMPTY_TWIML
    assert _jobs(db) == []
    assert [e.action for e in rows(db, AuditEvent)] == ["inbound.unrouted"]


def test_a_signed_request_without_the_required_fields_is_a_400_not_a_500(client):
    params = {"AccountSid": "AC" + "0" * 32, "Body": "hi"}
    assert post_signed(client, "/webhooks/twilio/sms", params).status_code == 400


def test_oversized_bodies_are_cut_and_oversized_requests_refused(client, agent, db, make_patient):
    pid = make_patient()
    long_text = "I have a question about my aftercare. " * 60  # 2,280 characters
    assert post_signed(client, "/webhooks/twilio/sms", inbound_params(phone_of(db, pid), long_text)).status_code == 200
    [job] = _jobs(db)
    assert len(job.body) == 1600 and job.body_truncated
    huge = inbound_params(phone_of(db, pid), "x" * 70_000)
    assert post_signed(client, "/webhooks/twilio/sms", huge).status_code == 413
    Worker(agent).step()
    [inbound] = messages(db, direction=Direction.INBOUND)
    assert len(inbound.body) <= 1600


def test_webhook_logs_carry_no_numbers_or_text(client, db, make_patient, caplog):
    caplog.set_level("DEBUG")
    pid = make_patient()
    post_signed(client, "/webhooks/twilio/sms", inbound_params(phone_of(db, pid), "my lip went white"))
    post_signed(client, "/webhooks/twilio/sms", inbound_params(phone_of(db, pid), "x", to="+14155559999"))
    client.post("/webhooks/twilio/sms", data=inbound_params(phone_of(db, pid), "forged"),
                headers={"X-Twilio-Signature": "x"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (phone_of(db, pid), "+14155559999", "lip", "forged", AUTH_TOKEN):
        assert secret not in logged


def test_inbound_message_rows_keep_no_media_urls(client, agent, db, make_patient):
    pid = make_patient()
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    params = inbound_params(phone_of(db, pid), "how does this look?", media=[(url, "image/jpeg")])
    post_signed(client, "/webhooks/twilio/sms", params)
    Worker(agent).step()
    with Session(db) as s:
        stored = [m.body for m in s.exec(select(Message))] + [j.body for j in s.exec(select(InboundJob))]
    assert stored and not any("twilio.com" in text or "Media" in text for text in stored)
