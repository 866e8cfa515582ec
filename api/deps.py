"""Dependencies declared once and used everywhere (full-stack-fastapi-template's deps.py)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from sqlmodel import Session
from starlette.datastructures import ImmutableMultiDict

from agent.channel.signature import is_valid, public_url

from agent.engine.turn import Agent
from agent.security import clinic_for_key
from agent.store.models import Clinic

log = logging.getLogger("afterglow.api.twilio")

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="The clinic's API key")


async def get_agent(request: Request) -> Agent:
    # async: FastAPI would run a plain def dependency in the threadpool, a hop per request for a lookup.
    return request.app.state.agent


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.agent.db, expire_on_commit=False) as session:
        yield session


def get_api_clinic(session: Annotated[Session, Depends(get_session)],
                   key: Annotated[str | None, Depends(_api_key)]) -> Clinic:
    clinic = clinic_for_key(session, key or "")
    if clinic is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or unknown API key",
                            headers={"WWW-Authenticate": "X-API-Key"})
    return clinic


AgentDep = Annotated[Agent, Depends(get_agent)]
SessionDep = Annotated[Session, Depends(get_session)]
ClinicDep = Annotated[Clinic, Depends(get_api_clinic)]


# ------------------------------------------------------------------ Twilio webhooks

MAX_REQUEST_BYTES = 64 * 1024  # a real webhook is a few KB even with ten media URLs
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class TwilioRequest:
    """A webhook whose X-Twilio-Signature checked out, over every parameter it carried."""

    params: ImmutableMultiDict
    query: dict[str, str]

    def fields(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.params.items()}


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "request too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "request too large")
    return bytes(body)


async def verified_twilio_request(request: Request) -> TwilioRequest:
    settings = request.app.state.settings
    raw = await _read_capped(request)
    is_form = request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace") \
        if is_form else []
    params = ImmutableMultiDict(pairs)
    url = public_url(settings.public_base_url, request.url.path, request.url.query)
    if not is_valid(settings.twilio_auth_token, url, params, request.headers.get("X-Twilio-Signature")):
        log.warning("rejected a webhook to %s: missing or invalid X-Twilio-Signature", request.url.path)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid signature")
    return TwilioRequest(params=params, query=dict(request.query_params))


VerifiedTwilioRequest = Annotated[TwilioRequest, Depends(verified_twilio_request)]
