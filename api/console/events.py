"""Server-sent events for the console: the pulse (nav badges, urgent banner, tab title) pushed when it changes,
instead of every open page polling /console/pulse every few seconds. console.js falls back to those polls when
EventSource is missing or its connection fails.

The stream reads the database every CHECK_SECONDS and sends an event only when the pulse changed; a comment
line every HEARTBEAT_SECONDS keeps proxies from closing a quiet connection. Each check also re-reads the login
session exactly as a poll does, without extending it: an idle session still ends, and the stream then sends
`event: expired` and closes. The stream ends by itself after STREAM_SECONDS and EventSource reconnects (it
re-authenticates), so no connection outlives a deploy or a revoked session for long."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.responses import StreamingResponse

from agent.staff import queries
from api.console.auth import LoginRequired, session_user

router = APIRouter(prefix="/console", include_in_schema=False)

CHECK_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 300.0
RETRY_MS = 3000  # how soon EventSource reconnects after the stream ends


def _pulse_now(request: Request) -> dict | None:
    """The pulse for the request's login session, or None when the session has ended (never extended)."""
    with Session(request.app.state.agent.db) as session:
        user = session_user(request, session, poll=True)
        return None if user is None else queries.pulse(session, user.actor).model_dump()


def _event(pulse: dict) -> str:
    return f"event: pulse\ndata: {json.dumps(pulse, sort_keys=True)}\n\n"


@router.get("/events")
async def events(request: Request) -> StreamingResponse:
    first = await run_in_threadpool(_pulse_now, request)
    if first is None:
        raise LoginRequired(poll=True)  # a 401, as a poll gets: EventSource gives up and console.js falls back
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream
    return StreamingResponse(_stream(request, first), media_type="text/event-stream", headers=headers)


async def _stream(request: Request, last: dict) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    started = quiet_since = loop.time()
    yield f"retry: {RETRY_MS}\n" + _event(last)
    while loop.time() - started < STREAM_SECONDS:
        await asyncio.sleep(CHECK_SECONDS)
        if await request.is_disconnected():
            return
        current = await run_in_threadpool(_pulse_now, request)
        if current is None:
            yield "event: expired\ndata: {}\n\n"
            return
        if current != last:
            last, quiet_since = current, loop.time()
            yield _event(current)
        elif loop.time() - quiet_since >= HEARTBEAT_SECONDS:
            quiet_since = loop.time()
            yield ": heartbeat\n\n"
