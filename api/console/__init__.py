"""The staff console: server-rendered pages (Jinja), a little vanilla JS for live refresh, SVG charts.

`install(app)` wires it into the FastAPI app: routers, static files, error pages, security headers.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.staff.actor import Conflict, Forbidden, NotFound
from api.console import account, clinic, events, forms, funnel, login, messages, pages, patients, referral_forms
from api.console.auth import CsrfFailed, LoginRequired, clear_session_cookie
from api.console.render import HERE, templates

# The console loads nothing from elsewhere: scripts and styles are files served by this app.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409}


class ConsoleHeaders:
    """Security headers on console pages; no caching of anything that may show patient data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(("/console", "/api/", "/r/")):
            await self.app(scope, receive, send)
            return
        console = path.startswith(("/console", "/r/"))  # the public friend page gets the same page headers

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                if not path.startswith("/console/static/"):
                    extra.append((b"cache-control", b"no-store"))
                if console:
                    extra += [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(events.router)
    app.include_router(forms.router)
    app.include_router(patients.router)
    app.include_router(clinic.router)
    app.include_router(messages.router)
    app.include_router(account.router)
    app.include_router(funnel.router)
    app.include_router(referral_forms.router)
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    app.add_middleware(ConsoleHeaders)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if exc.poll or not request.url.path.startswith("/console"):
            response: Response = JSONResponse({"detail": "login required"}, status_code=401)
        else:
            target = request.url.path if request.method == "GET" else "/console/inbox"
            response = RedirectResponse(f"/console/login?next={target}", status_code=303)
        clear_session_cookie(response, request)
        return response

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return templates.TemplateResponse(request, "error.html", {
            "title": "Form expired", "message": "This form is out of date or came from another site. "
                                                "Reload the page and try again."}, status_code=403)

    for kind, code in STATUS.items():
        app.add_exception_handler(kind, _action_error(code))


def _action_error(code: int):  # noqa: ANN202
    titles = {404: "Not found", 403: "Not allowed", 409: "Already changed"}

    async def handler(request: Request, exc: Exception) -> Response:
        # The messages are fixed strings from the staff layer: ids and states, never patient text.
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=code)
        return templates.TemplateResponse(request, "error.html", {"title": titles[code], "message": str(exc)},
                                          status_code=code)

    return handler
