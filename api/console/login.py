"""Console login and logout."""
from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from agent.staff import accounts
from api.console.auth import (
    LOGIN_COOKIE,
    ConsoleUserDep,
    clear_session_cookie,
    now_of,
    secure_cookies,
    set_session_cookie,
)
from api.console.render import templates
from api.deps import SessionDep
from api.proxies import client_address

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN_PATH = "/console/login"


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site (open-redirect guard)."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/inbox"


def _login_form(request: Request, *, error: str | None = None, status_code: int = 200, email: str = "",
                next_path: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(request, "login.html", {"csrf": token, "error": error, "email": email,
                                                                  "next": safe_next(next_path)},
                                          status_code=status_code)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path=LOGIN_PATH, httponly=True, samesite="strict",
                        secure=secure_cookies(request))
    return response


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:  # noqa: A002 - the query parameter's name
    return _login_form(request, next_path=next)


@router.post("/login")
def login(request: Request, session: SessionDep, email: Annotated[str, Form(max_length=254)],
          password: Annotated[str, Form(max_length=256)], csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "") -> Response:  # noqa: A002
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_form(request, error="Your login form expired. Please try again.", status_code=403,
                           email=email, next_path=next)
    ip = client_address(request)  # never a client-chosen X-Forwarded-For (api/proxies.py)
    try:
        login_ = accounts.authenticate(session, email, password, ip, now_of(request))
    except accounts.Throttled as exc:
        session.rollback()
        response = _login_form(request, error="Too many failed attempts. Wait 15 minutes and try again.",
                               status_code=429, email=email, next_path=next)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    session.commit()
    if login_ is None:
        return _login_form(request, error="Email or password is not right.", status_code=401, email=email,
                           next_path=next)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, login_.token)
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout")
def logout(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    row = session.merge(user.row)
    accounts.logout(session, row, now_of(request))
    session.commit()
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response, request)
    return response
