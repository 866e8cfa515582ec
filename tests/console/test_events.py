"""/console/events: the pulse as server-sent events (console.js falls back to polling /console/pulse)."""
from __future__ import annotations

import asyncio
import json

import pytest

from agent.staff.accounts import SESSION_IDLE
from api.console import events
from tests.console.conftest import client


@pytest.fixture
def short_streams(monkeypatch):  # noqa: ANN001, ANN201
    """The test client reads a response to its end: streams that end within a second, checked often."""
    monkeypatch.setattr(events, "CHECK_SECONDS", 0.05)
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(events, "STREAM_SECONDS", 0.5)


def parse(body: str) -> list[tuple[str, dict]]:
    """(event name, data) for every event in an SSE body; comments and `retry:` are not events."""
    found = []
    for block in body.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "data" in fields:
            found.append((fields.get("event", "message"), json.loads(fields["data"])))
    return found


def test_the_first_event_is_the_pulse_as_polls_see_it(env, as_user, short_streams):  # noqa: ANN001
    c, _ = as_user("front_desk@a")
    pid = env.patient()
    env.says(pid, "my lip went white and it really hurts")  # an urgent handoff
    with c.stream("GET", "/console/events") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        first = next(r.iter_text())
    assert first.startswith("retry: 3000\n")
    name, data = parse(first)[0]
    assert name == "pulse" and data == c.get("/console/pulse").json() and data["urgent_open"] == 1


def test_quiet_streams_carry_heartbeats_and_changes_are_sent_once(env, as_user, short_streams, monkeypatch):  # noqa: ANN001
    c, _ = as_user("admin@a")
    body = c.get("/console/events").text
    assert [n for n, _ in parse(body)] == ["pulse"] and ": heartbeat" in body  # nothing changed: heartbeats only

    real = events._pulse_now
    pid = env.patient()
    checks = []

    def pulse_then_change(request):  # noqa: ANN001, ANN202
        checks.append(1)
        if len(checks) == 3:  # the database changes while the stream is open
            env.says(pid, "my lip went white and it really hurts")
        return real(request)

    monkeypatch.setattr(events, "_pulse_now", pulse_then_change)
    sent = parse(c.get("/console/events").text)
    assert [d["urgent_open"] for _, d in sent] == [0, 1]  # one event per change, not per check


def test_an_ended_session_gets_401_and_an_idle_one_is_not_kept_alive(env, as_user, short_streams):  # noqa: ANN001
    with client(env) as anonymous:
        assert anonymous.get("/console/events").status_code == 401
    c, _ = as_user("admin@a")
    for _ in range(5):
        env.clock.advance(SESSION_IDLE / 4)
        c.get("/console/events")
    assert c.get("/console/events").status_code == 401
    assert c.get("/console/inbox", follow_redirects=False).status_code == 303


def test_a_session_that_ends_mid_stream_is_told_and_the_stream_closes(env, as_user, short_streams,  # noqa: ANN001
                                                                      monkeypatch):
    c, _ = as_user("admin@a")
    real = events._pulse_now
    checks = []

    def idle_after_two(request):  # noqa: ANN001, ANN202
        checks.append(1)
        if len(checks) == 3:
            env.clock.advance(SESSION_IDLE * 2)  # nobody used the console meanwhile: the session ends
        return real(request)

    monkeypatch.setattr(events, "_pulse_now", idle_after_two)
    body = c.get("/console/events").text
    assert [n for n, _ in parse(body)] == ["pulse", "expired"] and body.endswith("event: expired\ndata: {}\n\n")
    assert len(checks) == 3  # nothing read after the session ended


def test_the_stream_stops_when_the_client_disconnects():
    class Gone:
        async def is_disconnected(self) -> bool:
            return True

    async def read() -> list[str]:
        return [chunk async for chunk in events._stream(Gone(), {"urgent_open": 0})]

    original = events.CHECK_SECONDS
    events.CHECK_SECONDS = 0.01
    try:
        chunks = asyncio.run(read())
    finally:
        events.CHECK_SECONDS = original
    assert len(chunks) == 1 and "event: pulse" in chunks[0]  # the first event, then nothing more
