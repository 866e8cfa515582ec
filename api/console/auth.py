"""Who is calling: the console's session cookie (with CSRF on every state-changing request) or an API key.

- Cookie `afterglow_session`: a random token (only its SHA-256 is stored), HttpOnly, SameSite=Lax, Path=/,
  Secure in production or over https. Logout revokes the row server-side.
- CSRF: every unsafe request that rides on the cookie (POST/PUT/PATCH/DELETE; forms and JSON alike) must
  carry the session's token, HMAC(secret_key, session token), in the `csrf_token` form field or the
  `X-CSRF-Token` header, and a foreign Origin is refused outright. Calls made with an X-API-Key header
  carry no ambient credential, so they need no CSRF token.
- Login has its own double-submit token (a short-lived cookie plus the form field), so a third-party page
  cannot log a browser into someone else's account.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from agent.security import clinic_for_key
from agent.staff import accounts
from agent.staff.accounts import SESSION_ABSOLUTE
from agent.staff.actor import Actor
from agent.store.models import Clinic
from agent.store.staff_models import Staff, StaffSession
from api.deps import get_session

SESSION_COOKIE = "afterglow_session"
LOGIN_COOKIE = "afterglow_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
POLL_HEADER = "X-Console-Poll"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False,
                        description="A staff member's personal API key (acts as them), or the clinic's key (read-only)")


class LoginRequired(Exception):
    """No live console session: pages redirect to the login form, background polls get a 401."""

    def __init__(self, poll: bool) -> None:
        super().__init__("login required")
        self.poll = poll


class CsrfFailed(Exception):
    """A state-changing request rode on the cookie without the session's CSRF token (or from a foreign origin)."""


@dataclass
class ConsoleUser:
    actor: Actor
    staff: Staff
    clinic: Clinic
    row: StaffSession
    token: str
    csrf: str


def secret_key(request: Request) -> str:
    return request.app.state.settings.secret_key


def secure_cookies(request: Request) -> bool:
    return request.app.state.settings.environment == "production" or request.url.scheme == "https"


def now_of(request: Request):  # noqa: ANN201 - datetime
    return request.app.state.agent.clock.now()


def foreign_origin(request: Request) -> bool:
    """An Origin (or, without one, a Referer) naming another site than the one serving the console."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source == "null"
    # The host only: TLS is often terminated by a proxy, so the scheme seen here may differ.
    return urlsplit(source).netloc != request.url.netloc


def session_user(request: Request, session: Session, *, poll: bool) -> ConsoleUser | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    found = accounts.session_for_token(session, token, now_of(request), touch=not poll)
    if found is None:
        return None
    row, staff = found
    clinic = session.get(Clinic, staff.clinic_id)
    actor = Actor(clinic_id=staff.clinic_id, staff_id=staff.id, role=staff.role, name=staff.name, via="session")
    return ConsoleUser(actor=actor, staff=staff, clinic=clinic, row=row, token=token,
                       csrf=accounts.csrf_token(secret_key(request), token))


async def _check_csrf(request: Request, user: ConsoleUser) -> None:
    if request.method in SAFE_METHODS:
        return
    if foreign_origin(request):
        raise CsrfFailed()
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached by Starlette: the route's Form fields read it again for free
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not accounts.csrf_ok(secret_key(request), user.token, presented):
        raise CsrfFailed()


async def console_user(request: Request, session: Annotated[Session, Depends(get_session)]) -> ConsoleUser:
    """A console page or form post: a live session, and the CSRF token on anything that changes state."""
    poll = request.headers.get(POLL_HEADER) == "1"
    user = session_user(request, session, poll=poll)
    if user is None:
        raise LoginRequired(poll=poll)
    await _check_csrf(request, user)
    return user


async def api_actor(request: Request, session: Annotated[Session, Depends(get_session)],
                    key: Annotated[str | None, Depends(_api_key)]) -> Actor:
    """The JSON API: an API key header, or the console cookie (then CSRF applies to unsafe methods)."""
    if key:
        staff = accounts.staff_for_key(session, key)
        if staff is not None:
            return Actor(clinic_id=staff.clinic_id, staff_id=staff.id, role=staff.role, name=staff.name,
                         via="staff_key")
        clinic = clinic_for_key(session, key)
        if clinic is not None:
            return Actor(clinic_id=clinic.id, staff_id=None, role=None, name=f"{clinic.name} (API key)",
                         via="clinic_key")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown API key", headers={"WWW-Authenticate": "X-API-Key"})
    user = session_user(request, session, poll=request.headers.get(POLL_HEADER) == "1")
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in to the console or send an X-API-Key header",
                            headers={"WWW-Authenticate": "X-API-Key"})
    try:
        await _check_csrf(request, user)
    except CsrfFailed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong X-CSRF-Token") from None
    return user.actor


def set_session_cookie(response, request: Request, token: str) -> None:  # noqa: ANN001 - any Response
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_ABSOLUTE.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))


def clear_session_cookie(response, request: Request) -> None:  # noqa: ANN001
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))


ConsoleUserDep = Annotated[ConsoleUser, Depends(console_user)]
ApiActorDep = Annotated[Actor, Depends(api_actor)]
