"""POST /webhooks/twilio/status: signed, out-of-order safe, and error codes acted on."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from agent.channel.outbox_worker import OutboxWorker
from agent.channel.sender import Ambiguous, DryRunSender
from agent.channel.status import RANK, StatusUpdate, moves_forward
from agent.engine.touches import send_touch
from agent.store.models import AuditEvent, Message, OutboxJob, Touch
from agent.types import DeliveryStatus, OutboxStatus, TouchStatus
from tests.channel.helpers import jobs, post_signed, sid, status_params, webhook_client
from tests.engine.helpers import outbound, patient, rows

S = DeliveryStatus


@pytest.fixture
def client(agent):
    return webhook_client(agent)


@pytest.fixture
def sent(agent, db, make_patient):
    """A check-in Twilio accepted: (patient id, message id, MessageSid)."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    message_sid = sid()
    with Session(db) as s:
        [job] = s.exec(select(OutboxJob)).all()
        message = s.get(Message, job.message_id)
        message.twilio_sid, message.delivery_status = message_sid, S.QUEUED
        job.status = OutboxStatus.DONE
        s.add_all([message, job])
        s.commit()
        return pid, message.id, message_sid


def callback(client, message_sid: str, status: str, *, error_code: int | None = None, query: str = ""):  # noqa: ANN201
    response = post_signed(client, "/webhooks/twilio/status", status_params(message_sid, status, error_code=error_code),
                           query=query)
    assert response.status_code == 200, response.text
    return response


def status_of(db, pid: int) -> tuple[S | None, int | None]:
    message = outbound(db, pid)[0]
    return message.delivery_status, message.error_code


@pytest.mark.parametrize(("arrivals", "final"), [
    (["sent", "delivered"], "delivered"),
    (["delivered", "sent"], "delivered"),  # out of order: never back from delivered to sent
    (["sending", "queued", "sent"], "sent"),
    (["delivered", "delivered", "sent", "queued"], "delivered"),  # repeats and stragglers
    (["delivered", "read"], "read"),
    (["undelivered", "delivered"], "undelivered"),  # the first final status stays
])
def test_callbacks_in_any_order_only_move_a_message_forward(client, db, sent, arrivals, final):
    pid, _, message_sid = sent
    for status in arrivals:
        callback(client, message_sid, status)
    assert status_of(db, pid)[0] == S(final)


def test_a_forged_status_callback_changes_nothing(client, db, sent):
    pid, _, message_sid = sent
    response = client.post("/webhooks/twilio/status", data=status_params(message_sid, "failed", error_code=21610),
                           headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
    assert response.status_code == 403
    assert status_of(db, pid)[0] == S.QUEUED and not patient(db, pid).opted_out


def test_a_callback_for_a_message_we_do_not_know_is_acknowledged(client, db, sent):
    response = callback(client, sid(), "delivered")
    assert response.text.endswith("<Response/>")


def pending_touches(db, pid: int) -> list[Touch]:
    with Session(db) as s:
        return list(s.exec(select(Touch).where(Touch.patient_id == pid, Touch.status == TouchStatus.PENDING)))


def test_21610_opts_the_patient_out_without_a_confirmation(client, db, sent):
    pid, _, message_sid = sent
    assert pending_touches(db, pid)  # the nudge is scheduled
    callback(client, message_sid, "failed", error_code=21610)
    assert patient(db, pid).opted_out and pending_touches(db, pid) == []
    assert status_of(db, pid) == (S.FAILED, 21610)
    assert len(outbound(db, pid)) == 1  # nothing new queued: the carrier blocked and answered


@pytest.mark.parametrize(("code", "state", "stops"), [
    (30003, "unreachable", False),
    (30005, "unknown_number", True),
    (30006, "landline", True),
    (30007, "filtered", False),
])
def test_carrier_errors_mark_the_number_and_stop_outreach_where_retrying_is_pointless(client, agent, db, sent, code,
                                                                                       state, stops):
    pid, _, message_sid = sent
    agent.handle_inbound(pid, "Loving it!")  # a reply waiting in the outbox
    callback(client, message_sid, "undelivered", error_code=code)
    assert patient(db, pid).number_state == state
    assert status_of(db, pid) == (S.UNDELIVERED, code)
    assert (pending_touches(db, pid) == []) == stops
    assert (jobs(db)[-1].status == OutboxStatus.CANCELED) == stops
    assert not patient(db, pid).opted_out
    assert "patient.number_state" in [e.action for e in rows(db, AuditEvent)]


def test_a_delivery_clears_a_transient_number_state(client, agent, db, sent, clock):
    pid, _, message_sid = sent
    callback(client, message_sid, "undelivered", error_code=30003)
    assert patient(db, pid).number_state == "unreachable"
    clock.advance(timedelta(days=1))
    agent.handle_inbound(pid, "Loving it!")
    later = sid()
    with Session(db) as s:
        message = s.get(Message, outbound(db, pid)[-1].id)
        message.twilio_sid = later
        s.commit()
    callback(client, later, "delivered")
    assert patient(db, pid).number_state is None


def test_a_callback_settles_a_send_whose_answer_was_lost(client, agent, db, clock, make_patient):
    """Messages.create timed out, but Twilio had created it: its callback (?m=) settles the job, no resend."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")

    class TimesOut(DryRunSender):
        def send(self, request):  # noqa: ANN001, ANN202
            return Ambiguous("ReadTimeout")

    OutboxWorker(agent.db, TimesOut(), clock, worker_id="w").drain()
    [job] = jobs(db)
    message_id = job.message_id
    assert job.status == OutboxStatus.UNKNOWN
    message_sid = sid()
    callback(client, message_sid, "sent", query=f"m={message_id}")
    [job] = jobs(db)
    message = outbound(db, pid)[0]
    assert job.status == OutboxStatus.DONE and message.twilio_sid == message_sid
    assert message.delivery_status == S.SENT


def test_a_second_sid_for_one_message_is_recorded_as_a_double_send(client, db, sent):
    pid, message_id, message_sid = sent
    callback(client, sid(), "delivered", query=f"m={message_id}")
    assert status_of(db, pid)[0] == S.QUEUED
    assert "message.second_sid" in [e.action for e in rows(db, AuditEvent)]


def test_status_ranks_cover_every_twilio_status():
    twilio_statuses = {"queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "accepted",
                       "scheduled", "canceled"}
    assert twilio_statuses <= {s.value for s in RANK}
    assert moves_forward(None, S.QUEUED) and not moves_forward(S.DELIVERED, S.SENT)
    assert StatusUpdate.from_params({"MessageSid": "SM1", "MessageStatus": "bogus"}, {}).status is None
    assert StatusUpdate.from_params({}, {}) is None


def test_a_callback_that_beats_a_timed_out_answer_settles_the_send(client, agent, db, clock, make_patient):
    """Twilio's "sent" callback arrives while our create call is still waiting, and the call then times out."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    message_sid = sid()

    class CallbackThenTimeout(DryRunSender):
        def send(self, request):  # noqa: ANN001, ANN202
            callback(client, message_sid, "sent", query=f"m={request.message_id}")
            return Ambiguous("ReadTimeout")

    report = OutboxWorker(agent.db, CallbackThenTimeout(), clock, worker_id="w").drain()
    [job] = jobs(db)
    message = outbound(db, pid)[0]
    assert report.unknown == 0 and job.status == OutboxStatus.DONE
    assert (message.twilio_sid, message.delivery_status) == (message_sid, S.SENT)
