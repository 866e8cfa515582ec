"""One inbound SMS signed and posted exactly as Twilio would (form fields, X-Twilio-Signature over the
public URL), for trying the webhook path on a local server without a phone or a tunnel."""
from __future__ import annotations

import uuid

import httpx
from twilio.request_validator import RequestValidator

SMS_PATH = "/webhooks/twilio/sms"


def inbound_form(sender: str, to: str, body: str, account_sid: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (a fresh MessageSid each time)."""
    message_sid = "SM" + uuid.uuid4().hex
    return {"MessageSid": message_sid, "SmsMessageSid": message_sid, "SmsSid": message_sid, "AccountSid": account_sid,
            "From": sender, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
            "ApiVersion": "2010-04-01"}


def post_signed_sms(base_url: str, auth_token: str, form: dict[str, str], *, timeout_s: float = 10.0) -> httpx.Response:
    """POST `form` to the server at `base_url` (which must be the PUBLIC_BASE_URL the server signs against)."""
    url = base_url.rstrip("/") + SMS_PATH
    signature = RequestValidator(auth_token).compute_signature(url, form)
    return httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=timeout_s)
