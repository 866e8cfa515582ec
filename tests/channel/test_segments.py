"""The channel's view of segments: what actually reaches Twilio stays within the clinic's budget and in
GSM-7 where it can. The counter itself is agent/guards/segments.py (tested in tests/unit/test_segments.py)."""
from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest
import respx

from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.guards.segments import GSM7, count_segments
from agent.policy.loader import default_policies
from agent.types import Intent, VisitType
from tests.channel.helpers import MESSAGES_URL, message_json, phone_of, sid, twilio_worker
from tests.channel.test_inbound import PHOTO, receive
from tests.engine.helpers import outbound
from tests.fakes import ScriptedBrain, proposal

BUDGET = 2  # ClinicSettings.segment_budget default
REPLIES = ["Loving it!", "a bit swollen still, is that normal?", "my lip went white and it hurts",
           "My sister Dana 415-555-0134 wants to come in", "no thanks", "Can I book another one?",
           "what are your hours?", "HELP", "STOP", "START", "wrong number, who is this?"]


@pytest.fixture
def twilio_bodies():
    bodies: list[str] = []

    def create(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        bodies.append(form["Body"])
        return httpx.Response(201, json=message_json(sid(), to=form["To"], body=form["Body"]))

    with respx.mock(assert_all_mocked=True) as router:
        router.post(MESSAGES_URL).mock(side_effect=create)
        yield bodies


def test_every_text_that_reaches_twilio_is_within_the_budget(agent, db, make_patient, twilio_bodies):
    long_name = "Maximiliana-Josefina"
    pids = []
    for visit_type in VisitType:
        pid = make_patient(first_name=long_name, visit_type=visit_type, days_ago=1)
        pids.append(pid)
        for spec in default_policies().timing.visit_types[visit_type].touches:
            send_touch(agent, pid, spec.name)
    for pid, text in zip(pids * 2, REPLIES, strict=False):
        agent.handle_inbound(pid, text)
    receive(agent, phone_of(db, pids[-1]), "", media=[PHOTO])  # the photo acknowledgement
    worker = twilio_worker(agent)
    worker.step()
    assert len(twilio_bodies) >= 15 and any("can't view photos" in body for body in twilio_bodies)
    recorded = {m.body: m.segments for pid in pids for m in outbound(db, pid)}
    for body in twilio_bodies:
        info = count_segments(body)
        assert 1 <= info.segments <= BUDGET, body
        assert recorded[body] == info.segments
        assert info.encoding == GSM7, body  # nothing in our templates needs UCS-2


def test_curly_quotes_and_dashes_from_a_model_reach_twilio_as_gsm7(db, clock, make_patient, twilio_bodies):
    reply = "That\u2019s wonderful to hear \u2014 we\u2019re so glad you\u2019re happy with how it\u2019s settling!"
    agent = Agent(db, clock=clock, brain=ScriptedBrain(proposal(Intent.POSITIVE, reply)))
    pid = make_patient()
    agent.handle_inbound(pid, "Loving it!")
    twilio_worker(agent).step()
    [body] = twilio_bodies
    assert body == "That's wonderful to hear - we're so glad you're happy with how it's settling!"
    assert count_segments(body).encoding == GSM7 and count_segments(reply).encoding != GSM7
