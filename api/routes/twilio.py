"""Twilio webhooks: inbound SMS and delivery status callbacks, signed, answered fast with empty TwiML.

The inbound turn does not run here: the text is recorded as a durable job keyed by MessageSid and a
worker runs it, so a slow model never makes Twilio time out and retry (a retry is recognised anyway).
A busy database does not lose the text either: it goes to the spool and is queued when the spool drains.
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request, Response, status

from agent.channel.inbound import Accepted, InboundSms, accept_or_spool
from agent.channel.status import StatusUpdate, apply_status
from agent.store.db import session_scope
from api.deps import AgentDep, VerifiedTwilioRequest

log = logging.getLogger("afterglow.api.twilio")

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SIGNATURE = {"name": "X-Twilio-Signature", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "Twilio's HMAC of the URL and every form parameter; anything else is a 403"}


def _form(fields: tuple[str, ...], required: tuple[str, ...]) -> dict:
    """The form Twilio posts, for the OpenAPI document (the route reads and verifies the raw body itself)."""
    properties = {name: {"type": "string"} for name in fields}
    properties["MessageSid"] = {"type": "string", "pattern": "^(SM|MM)[0-9a-f]{32}$"}
    # Twilio sends many more fields (AccountSid, SmsStatus, FromCity...): all strings, all signed.
    schema = {"type": "object", "properties": properties, "required": list(required),
              "additionalProperties": {"type": "string"}}
    return {"parameters": [SIGNATURE], "requestBody": {
        "required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


SMS_FORM = _form(("MessageSid", "From", "To", "Body", "NumMedia", "OptOutType"), ("MessageSid", "From", "To"))
STATUS_FORM = _form(("MessageSid", "MessageStatus", "ErrorCode"), ("MessageSid",))
STATUS_FORM["parameters"].append({
    "name": "m", "in": "query", "required": False, "schema": {"type": "string"},
    "description": "our message id, put on the callback URL by our sender; ignored when no row can have it"})


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/sms", response_class=Response, responses={200: {"content": {"text/xml": {}}}}, openapi_extra=SMS_FORM)
def inbound_sms(twilio: VerifiedTwilioRequest, agent: AgentDep, request: Request) -> Response:
    """An inbound text: recorded as a job (once per MessageSid), answered with empty TwiML."""
    sms = InboundSms.from_params(twilio.fields())
    if sms is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid, From and To are required")
    state = request.app.state
    accepted = accept_or_spool(agent.db, sms, agent.clock.now(), state.spool,
                               lock_wait_s=state.settings.webhook_lock_wait_s)
    if accepted == Accepted.UNROUTED:
        log.warning("inbound text to a number that is no clinic's: not stored")
    elif accepted == Accepted.QUEUED:
        wake = getattr(state, "wake_worker", None)
        if wake is not None:
            wake()
    return twiml()


@router.post("/status", response_class=Response, responses={200: {"content": {"text/xml": {}}}},
             openapi_extra=STATUS_FORM)
def message_status(twilio: VerifiedTwilioRequest, agent: AgentDep) -> Response:
    """A delivery status callback: applied only if it moves the message forward."""
    update = StatusUpdate.from_params(twilio.fields(), twilio.query)
    if update is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid is required")
    with session_scope(agent.db) as session:
        apply_status(session, update, agent.clock.now())
    return twiml()
