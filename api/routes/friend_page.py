"""The public friend page, /r/<code>: a referred friend leaves a first name, a mobile number and their
consent to texts (agent/referrals/friend_signup.py does the rest).

No login and no cookie, so the defences are the form's own: a signed stamp (agent/referrals/form_stamp.py:
minted here only, for this code, and not sent back faster than a person types), a honeypot field, a
same-origin check, and limits per visitor address and per code (agent/referrals/throttle.py). The page
shows the clinic's name and the friend offer, nothing about the referrer. A refused form comes back with
what was typed and a message per field; nothing typed is ever logged or echoed into an error response.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from agent.referrals import throttle
from agent.referrals.codes import find_code
from agent.referrals.form_stamp import StampCheck, check_stamp, make_stamp
from agent.referrals.friend_signup import FriendSignup, sign_up_friend
from agent.store.models import Clinic
from agent.store.referral_models import ReferralCode
from api.console.render import templates
from api.deps import AgentDep, SessionDep
from api.proxies import client_address

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]

STAMP_ERRORS = {
    StampCheck.TOO_FAST: "That was quick! Please check your details and tap Text me again.",
    StampCheck.EXPIRED: "This page was open for a while. Please check your details and tap Text me again.",
    StampCheck.INVALID: "This form could not be checked. Please check your details and tap Text me again.",
}


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def _form(request: Request, code: ReferralCode, clinic: Clinic, offer: str, *, now: datetime,
          values: dict | None = None, errors: dict | None = None, error: str | None = None,
          status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, "friend.html", {
        "state": "form", "clinic_name": clinic.name, "code": code.code, "offer": offer,
        "stamp": make_stamp(_secret(request), code.code, now), "values": values or {}, "errors": errors or {},
        "error": error}, status_code=status_code)


def _missing(request: Request) -> Response:
    return templates.TemplateResponse(request, "friend.html", {"state": "missing", "clinic_name": "Referral"},
                                      status_code=404)


def _same_origin(request: Request) -> bool:
    """A browser names the page a form came from; one from another site is refused. No Origin (an old
    browser, a privacy setting) is allowed: the stamp still has to be ours."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


@router.get("/r/{code}")
def friend_page(code: str, request: Request, session: SessionDep, agent: AgentDep) -> Response:
    row = find_code(session, code)
    if row is None:
        return _missing(request)
    clinic = session.get(Clinic, row.clinic_id)
    return _form(request, row, clinic, agent.policies.rewards.friend_offer.text, now=agent.clock.now())


@router.get("/r/{code}/thanks")
def thanks(code: str, request: Request, session: SessionDep) -> Response:
    row = find_code(session, code)
    if row is None:
        return _missing(request)
    return templates.TemplateResponse(request, "friend.html", {
        "state": "thanks", "clinic_name": session.get(Clinic, row.clinic_id).name})


@router.post("/r/{code}")
def sign_up(code: str, request: Request, session: SessionDep, agent: AgentDep, first_name: Field = "",
            phone: Field = "", sms_consent: Field = "", stamp: Field = "", website: Field = "") -> Response:
    row = find_code(session, code)
    if row is None:
        return _missing(request)
    clinic = session.get(Clinic, row.clinic_id)
    now = agent.clock.now()
    offer = agent.policies.rewards.friend_offer.text
    # Kept as typed (trimmed, bounded) so a refused form comes back filled in.
    values = {"first_name": first_name.strip()[:60], "phone": phone.strip()[:30], "sms_consent": sms_consent == "yes"}
    if not _same_origin(request):
        return _form(request, row, clinic, offer, values=values, status_code=403, now=now,
                     error="This form was sent from another site. Please use the link you were given.")
    ip = throttle.address_digest(_secret(request), client_address(request))
    if throttle.over_limit(session, row, ip, now):
        response = _form(request, row, clinic, offer, values=values, status_code=429, now=now,
                         error="Too many sign-ups from here just now. Please try again in an hour.")
        response.headers["Retry-After"] = str(int(throttle.WINDOW.total_seconds()))
        return response
    throttle.count_attempt(session, row, ip, now)
    session.commit()
    if website:
        # A person never sees the honeypot; a bot is shown the thank-you page and nothing is written.
        return RedirectResponse(f"/r/{row.code}/thanks", status_code=303)
    verdict = check_stamp(_secret(request), row.code, stamp, now)
    if verdict != StampCheck.OK:
        return _form(request, row, clinic, offer, values=values, error=STAMP_ERRORS[verdict], status_code=400,
                     now=now)
    try:
        signup = FriendSignup(first_name=first_name, phone=phone, sms_consent=values["sms_consent"])
    except ValidationError as exc:
        return _form(request, row, clinic, offer, values=values, errors=_field_errors(exc), status_code=422,
                     now=now, error="Please check the highlighted fields.")
    sign_up_friend(session, row, signup, now)
    session.commit()
    return RedirectResponse(f"/r/{row.code}/thanks", status_code=303)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field, written for the friend; pydantic's own words never repeat the input, and
    length errors are reworded."""
    messages = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        if name in messages:
            continue
        if err["type"] in ("string_too_short", "missing"):
            text = {"first_name": "Please enter your first name.", "phone": "Please enter your mobile number.",
                    "sms_consent": "Please tick the box so the clinic may text you."}.get(name, "Required.")
        elif err["type"] == "string_too_long":
            text = "That is longer than we can take."
        else:
            text = str(err["msg"]).removeprefix("Value error, ")
        messages[name] = text
    return messages
