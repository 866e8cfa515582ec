"""Twilio webhooks: inbound SMS and delivery status callbacks, signed, answered fast with empty TwiML.

The inbound turn does not run here: the text is recorded as a durable job keyed by MessageSid and a
worker runs it, so a slow model never makes Twilio time out and retry (a retry is recognised anyway).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from starlette.datastructures import ImmutableMultiDict

from agent.channel.inbound import Accepted, InboundSms, accept
from agent.channel.signature import is_valid, public_url
from agent.channel.status import StatusUpdate, apply_status
from agent.store.db import session_scope
from api.deps import AgentDep

log = logging.getLogger("afterglow.api.twilio")

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio webhooks"])

MAX_REQUEST_BYTES = 64 * 1024  # a real webhook is a few KB even with ten media URLs
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
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


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/sms", response_class=Response, responses={200: {"content": {"text/xml": {}}}})
def inbound_sms(twilio: VerifiedTwilioRequest, agent: AgentDep, request: Request) -> Response:
    """An inbound text: recorded as a job (once per MessageSid), answered with empty TwiML."""
    sms = InboundSms.from_params(twilio.fields())
    if sms is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid, From and To are required")
    accepted = accept(agent.db, sms, agent.clock.now())
    if accepted == Accepted.UNROUTED:
        log.warning("inbound text to a number that is no clinic's: not stored")
    elif accepted == Accepted.QUEUED:
        wake = getattr(request.app.state, "wake_worker", None)
        if wake is not None:
            wake()
    return twiml()


@router.post("/status", response_class=Response, responses={200: {"content": {"text/xml": {}}}})
def message_status(twilio: VerifiedTwilioRequest, agent: AgentDep) -> Response:
    """A delivery status callback: applied only if it moves the message forward."""
    update = StatusUpdate.from_params(twilio.fields(), twilio.query)
    if update is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid is required")
    with session_scope(agent.db) as session:
        apply_status(session, update, agent.clock.now())
    return twiml()
