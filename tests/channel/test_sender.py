"""Outbound through the real twilio SDK, its REST API mocked with respx in Twilio's own JSON.

The retry matrix: retry only when the text provably never left (connect errors, 429, 401); a 4xx is
final (21610 opts the patient out); 5xx and timeouts are unknown and reconciled before any resend.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from sqlmodel import Session, select

from agent.channel.http import HttpxTwilioClient
from agent.channel.outbox_worker import OutboxWorker
from agent.channel.sender import DryRunSender, SendRequest, TwilioSender
from agent.engine.touches import send_touch
from agent.store.models import AuditEvent, OutboxJob, Touch
from agent.types import DeliveryStatus, MessageKind, OutboxStatus, TouchStatus
from tests.channel.helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGES_URL,
    PUBLIC_BASE,
    error_json,
    jobs,
    list_json,
    message_json,
    phone_of,
    sid,
    twilio_worker,
)
from tests.engine.helpers import outbound, patient, rows

J = OutboxStatus


def form_from(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def created(request: httpx.Request, status: str = "queued") -> httpx.Response:
    """Twilio's 201 for Messages.create, echoing what was posted."""
    form = form_from(request)
    return httpx.Response(201, json=message_json(sid(), to=form["To"], body=form["Body"], from_=form["From"],
                                                 status=status))


def form_of(call) -> dict[str, str]:  # noqa: ANN001 - a respx call
    return form_from(call.request)


@pytest.fixture
def twilio():
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def queued(agent, make_patient, db):
    """One patient with a check-in waiting in the outbox."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    [message] = outbound(db, pid)
    return pid, message


def test_an_accepted_send_records_the_sid_and_posts_what_twilio_expects(agent, db, twilio, queued):
    pid, message = queued
    create = twilio.post(MESSAGES_URL).mock(side_effect=created)
    report = twilio_worker(agent).outbox.drain()
    assert report.sent == 1 and create.call_count == 1
    form = form_of(create.calls[0])
    assert form["To"] == phone_of(db, pid) and form["From"] == "+14155550100" and form["Body"] == message.body
    assert form["StatusCallback"] == f"{PUBLIC_BASE}/webhooks/twilio/status?m={message.id}"
    assert create.calls[0].request.headers["Authorization"].startswith("Basic ")
    [job] = jobs(db)
    [sent] = outbound(db, pid)
    assert job.status == J.DONE and job.attempts == 1
    assert sent.twilio_sid.startswith("SM") and sent.delivery_status == DeliveryStatus.QUEUED


@pytest.mark.parametrize("failure", [
    httpx.ConnectError("connection refused"),
    httpx.ConnectTimeout("connect timed out"),
    httpx.Response(429, json=error_json(20429, "Too Many Requests", 429)),
    httpx.Response(401, json=error_json(20003, "Authenticate", 401)),
], ids=["connect-error", "connect-timeout", "429", "401"])
def test_provably_unsent_requests_are_retried_with_backoff(agent, db, clock, twilio, queued, failure):
    create = twilio.post(MESSAGES_URL).mock(side_effect=[failure, created])
    worker = twilio_worker(agent)
    assert worker.outbox.drain().retried == 1
    [job] = jobs(db)
    assert job.status == J.PENDING and job.attempts == 1 and job.available_at > clock.now()
    worker.outbox.drain()
    assert create.call_count == 1  # backing off
    clock.advance(timedelta(seconds=6))
    assert worker.outbox.drain().sent == 1
    assert create.call_count == 2 and jobs(db)[0].status == J.DONE


def test_retries_run_out_into_failed(agent, db, clock, twilio, queued):
    twilio.post(MESSAGES_URL).mock(side_effect=httpx.ConnectError("refused"))
    worker = twilio_worker(agent, max_attempts=3)
    for _ in range(4):
        worker.outbox.drain()
        clock.advance(timedelta(minutes=10))
    [job] = jobs(db)
    assert job.status == J.FAILED and job.attempts == 3 and job.last_error == "ConnectError"
    assert outbound(db, queued[0])[0].delivery_status == DeliveryStatus.FAILED


def test_21610_means_the_patient_replied_stop_to_the_carrier(agent, db, twilio, queued):
    pid, _ = queued
    twilio.post(MESSAGES_URL).respond(400, json=error_json(21610, "Attempt to send to unsubscribed recipient", 400))
    assert twilio_worker(agent).outbox.drain().failed == 1
    [job] = jobs(db)
    [message] = outbound(db, pid)
    assert job.status == J.FAILED and message.error_code == 21610 and message.delivery_status == DeliveryStatus.FAILED
    assert patient(db, pid).opted_out
    with Session(db) as s:
        assert s.exec(select(Touch).where(Touch.patient_id == pid, Touch.status == TouchStatus.PENDING)).all() == []
    assert len(outbound(db, pid)) == 1  # no confirmation: the carrier already blocked and answered
    assert "patient.carrier_opt_out" in [e.action for e in rows(db, AuditEvent)]


def test_an_invalid_number_is_final_and_stops_outreach(agent, db, twilio, queued):
    pid, _ = queued
    create = twilio.post(MESSAGES_URL).respond(
        400, json=error_json(21211, "The 'To' number +14155552001 is not a valid phone number.", 400))
    twilio_worker(agent).outbox.drain()
    assert patient(db, pid).number_state == "unknown_number" and jobs(db)[0].status == J.FAILED
    with Session(db) as s:
        assert s.exec(select(Touch).where(Touch.patient_id == pid, Touch.status == TouchStatus.PENDING)).all() == []
    agent.handle_inbound(pid, "Loving it!")  # a reply queued later is not sent to a dead number either
    twilio_worker(agent).outbox.drain()
    assert create.call_count == 1 and jobs(db)[-1].status == J.CANCELED


@pytest.mark.parametrize("failure", [
    httpx.Response(500, json=error_json(20500, "Internal Server Error", 500)),
    httpx.Response(503, text="<html>Service Unavailable</html>"),
    httpx.ReadTimeout("read timed out"),
    httpx.RemoteProtocolError("peer closed connection"),
], ids=["500", "503-html", "read-timeout", "dropped"])
def test_an_ambiguous_send_found_at_twilio_is_never_sent_again(agent, db, clock, twilio, queued, failure):
    pid, message = queued
    create = twilio.post(MESSAGES_URL).mock(side_effect=[failure])
    worker = twilio_worker(agent, reconcile_after_s=30)
    assert worker.outbox.drain().unknown == 1
    assert jobs(db)[0].status == J.UNKNOWN and outbound(db, pid)[0].delivery_status == DeliveryStatus.UNKNOWN
    lookup = twilio.get(MESSAGES_URL).respond(200, json=list_json([
        message_json("SM" + "a" * 32, to=phone_of(db, pid), body="Somebody else's text", created=clock.now()),
        message_json("SM" + "b" * 32, to=phone_of(db, pid), body=message.body, status="delivered",
                     created=clock.now()),
    ]))
    worker.outbox.drain()
    assert lookup.call_count == 0  # not before the reconcile delay
    clock.advance(timedelta(seconds=31))
    worker.outbox.drain()
    assert lookup.call_count == 1 and create.call_count == 1
    query = parse_qs(lookup.calls[0].request.url.query.decode())
    assert query["To"] == [phone_of(db, pid)] and query["From"] == ["+14155550100"]
    [job] = jobs(db)
    [sent] = outbound(db, pid)
    assert job.status == J.DONE and sent.twilio_sid == "SM" + "b" * 32
    assert sent.delivery_status == DeliveryStatus.DELIVERED


def test_an_ambiguous_send_missing_at_twilio_is_sent_again_only_after_the_lookup(agent, db, clock, twilio, queued):
    pid, message = queued
    order = []
    outcomes = iter([httpx.ReadTimeout("read timed out"), None])

    def post(request: httpx.Request) -> httpx.Response:
        order.append("create")
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome
        return created(request)

    def lookup(request: httpx.Request) -> httpx.Response:
        order.append("list")
        old = message_json("SM" + "c" * 32, to=phone_of(db, pid), body=message.body,
                           created=clock.now() - timedelta(days=3))  # same words, days before: not ours
        return httpx.Response(200, json=list_json([old]))

    twilio.post(MESSAGES_URL).mock(side_effect=post)
    twilio.get(MESSAGES_URL).mock(side_effect=lookup)
    worker = twilio_worker(agent, reconcile_after_s=30)
    worker.outbox.drain()
    clock.advance(timedelta(seconds=31))
    worker.outbox.drain()
    assert order == ["create", "list", "create"]
    [job] = jobs(db)
    assert job.status == J.DONE and job.attempts == 2 and outbound(db, pid)[0].twilio_sid != "SM" + "c" * 32


def test_no_resend_while_twilio_cannot_be_asked(agent, db, clock, twilio, queued):
    create = twilio.post(MESSAGES_URL).respond(500, json=error_json(20500, "Internal Server Error", 500))
    lookup = twilio.get(MESSAGES_URL).respond(503, json=error_json(20503, "Service Unavailable", 503))
    worker = twilio_worker(agent, reconcile_after_s=0, max_attempts=4)
    for _ in range(6):
        worker.outbox.drain()
        clock.advance(timedelta(minutes=10))
    assert create.call_count == 1 and lookup.call_count >= 3
    [job] = jobs(db)
    assert job.status == J.FAILED and outbound(db, queued[0])[0].delivery_status == DeliveryStatus.UNKNOWN
    assert "outbox.unresolved" in [e.action for e in rows(db, AuditEvent)]


@pytest.mark.parametrize("twilio_has_it", [True, False], ids=["sent-before-death", "died-before-sending"])
def test_a_worker_killed_mid_send_is_reconciled_after_its_lease(agent, db, clock, twilio, queued, twilio_has_it):
    pid, message = queued
    dead = OutboxWorker(agent.db, DryRunSender(), clock, worker_id="dead")
    [job_id] = dead._claim(1)
    dead._prepare(job_id, None)  # lease renewed, HTTP call under way... then SIGKILL
    create = twilio.post(MESSAGES_URL).mock(side_effect=created)
    remote = [message_json("SM" + "d" * 32, to=phone_of(db, pid), body=message.body, created=clock.now())]
    lookup = twilio.get(MESSAGES_URL).respond(200, json=list_json(remote if twilio_has_it else []))
    live = twilio_worker(agent, lease_s=120)
    live.outbox.drain()
    assert create.call_count == 0 and lookup.call_count == 0  # the lease still holds
    clock.advance(timedelta(seconds=121))
    live.outbox.drain()
    assert lookup.call_count == 1 and create.call_count == (0 if twilio_has_it else 1)
    [job] = jobs(db)
    assert job.status == J.DONE
    assert (outbound(db, pid)[0].twilio_sid == "SM" + "d" * 32) == twilio_has_it


def test_a_conversation_goes_out_in_order_one_text_at_a_time(agent, db, clock, twilio, queued):
    pid, _ = queued
    agent.handle_inbound(pid, "Loving it!")  # the reply joins the same conversation's queue
    bodies = []

    def post(request: httpx.Request) -> httpx.Response:
        bodies.append(form_from(request)["Body"])
        if len(bodies) == 1:
            return httpx.Response(429, json=error_json(20429, "Too Many Requests", 429))
        return created(request)

    twilio.post(MESSAGES_URL).mock(side_effect=post)
    worker = twilio_worker(agent)
    worker.outbox.drain()
    assert len(bodies) == 1  # the reply waits behind the check-in that is backing off
    clock.advance(timedelta(seconds=6))
    worker.outbox.drain()
    touch, reply = outbound(db, pid)
    assert bodies == [touch.body, touch.body, reply.body]


def test_a_send_claimed_before_an_opt_out_is_not_sent_after_it(agent, db, twilio, queued):
    pid, _ = queued
    create = twilio.post(MESSAGES_URL).mock(side_effect=created)
    with Session(db) as s:  # the opt-out lands between the claim and the send
        p = s.get(type(patient(db, pid)), pid)
        p.opted_out = True
        s.add(p)
        s.commit()
    twilio_worker(agent).outbox.drain()
    assert create.call_count == 0 and jobs(db)[0].status == J.CANCELED
    assert outbound(db, pid)[0].delivery_status == DeliveryStatus.CANCELED


def test_the_opt_out_confirmation_itself_still_goes_out(agent, db, twilio, make_patient):
    pid = make_patient()
    create = twilio.post(MESSAGES_URL).mock(side_effect=created)
    agent.handle_inbound(pid, "please stop texting me")
    twilio_worker(agent).outbox.drain()
    assert create.call_count == 1 and "unsubscribed" in form_of(create.calls[0])["Body"]
    assert outbound(db, pid)[0].kind == MessageKind.CONFIRMATION


def test_a_messaging_service_sends_from_the_clinic_number_in_its_pool(twilio):
    create = twilio.post(MESSAGES_URL).mock(side_effect=created)
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid="MG" + "0" * 32)
    outcome = sender.send(SendRequest(message_id=1, to="+14155552001", from_="+14155550100", body="Hi"))
    form = form_of(create.calls[0])
    assert form["MessagingServiceSid"] == "MG" + "0" * 32 and form["From"] == "+14155550100"
    assert outcome.sid.startswith("SM")


def test_the_http_client_can_point_the_sdk_at_a_loopback_fake():
    client = HttpxTwilioClient(base_url="http://127.0.0.1:8765/fake")
    uri = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert client._rebase(uri) == f"http://127.0.0.1:8765/fake/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert HttpxTwilioClient()._rebase(uri) == uri


def test_dry_run_records_and_nothing_leaves_the_machine(agent, db, twilio, queued):
    from agent.worker import Worker

    report = Worker(agent).step()  # no credentials: the dry-run sender
    assert report.delivered == 1 and len(twilio.calls) == 0
    assert outbound(db, queued[0])[0].delivery_status == DeliveryStatus.DRY_RUN


def test_sends_and_lookups_log_no_numbers_or_text(agent, db, clock, twilio, queued, caplog, make_patient):
    caplog.set_level(logging.DEBUG)
    pid, message = queued
    twilio.post(MESSAGES_URL).respond(
        400, json=error_json(21211, f"The 'To' number {phone_of(db, pid)} is not a valid phone number.", 400))
    twilio_worker(agent).outbox.drain()
    other = make_patient()
    send_touch(agent, other, "results_checkin")
    twilio.post(MESSAGES_URL).mock(side_effect=httpx.ReadTimeout("timed out"))
    twilio.get(MESSAGES_URL).respond(200, json=list_json([]))
    worker = twilio_worker(agent, reconcile_after_s=0)
    worker.outbox.drain()
    worker.outbox.drain()  # the lookup: GET Messages.json?To=<number>
    assert twilio.routes[-1].call_count >= 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    with Session(db) as s:
        stored_errors = " ".join(j.last_error or "" for j in s.exec(select(OutboxJob)))
    # Digits only: a number in a URL is percent-encoded (%2B1415...).
    for secret in (phone_of(db, pid)[2:], phone_of(db, other)[2:], message.body[:20], AUTH_TOKEN):
        assert secret not in logged and secret not in stored_errors
    assert "21211" in stored_errors
