"""Your account: change your own password (current password required; CSRF like every console form)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from agent.staff import actions
from agent.staff.accounts import Throttled
from agent.staff.strength import PASSWORD_MAX, PASSWORD_MIN, WeakPassword
from api.console.auth import ConsoleUserDep, now_of
from api.console.render import page
from api.deps import SessionDep
from api.proxies import client_address

router = APIRouter(prefix="/console", include_in_schema=False)
Secret = Annotated[str, Form(max_length=256)]


def _account_page(request: Request, user: ConsoleUserDep, session: SessionDep, *, error: str | None = None,
                  status_code: int = 200) -> Response:
    return page(request, user, "account.html", session=session, error=error, password_min=PASSWORD_MIN,
                password_max=PASSWORD_MAX, status_code=status_code)


@router.get("/account")
def account(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return _account_page(request, user, session)


@router.post("/account/password")
def change_password(request: Request, user: ConsoleUserDep, session: SessionDep, current_password: Secret,
                    new_password: Secret, confirm_password: Secret) -> Response:
    # Messages are fixed or from the strength check: no password is ever put back into the page.
    if new_password != confirm_password:
        return _account_page(request, user, session, error="The new passwords do not match.", status_code=422)
    try:
        actions.change_own_password(session, user.actor, current_password, new_password, client_address(request),
                                    now_of(request), keep_token=user.token)
    except actions.WrongPassword:
        session.commit()  # the failed attempt counts towards the login throttle
        return _account_page(request, user, session, error="Your current password is not right.", status_code=403)
    except Throttled:
        session.rollback()
        return _account_page(request, user, session, error="Too many failed attempts. Wait 15 minutes and try "
                                                           "again.", status_code=429)
    except WeakPassword as exc:
        session.rollback()
        return _account_page(request, user, session, error=f"Choose another new password: {exc}", status_code=422)
    session.commit()
    return RedirectResponse("/console/account?done=password", status_code=303)
