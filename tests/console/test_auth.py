"""Logins, the session cookie, CSRF on every state-changing request, logout, throttling."""
from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.staff.accounts import MAX_FAILURES_PER_EMAIL, SESSION_IDLE
from agent.store.staff_models import LoginAttempt, StaffSession
from api.console.auth import SESSION_COOKIE
from tests.console.conftest import PASSWORD, client, login


def _login_token(c) -> str:  # noqa: ANN001
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get("/console/login").text).group(1)


def test_pages_need_a_login_and_polls_get_a_401(env):  # noqa: ANN001
    with client(env) as c:
        r = c.get("/console/drafts", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/login?next=/console/drafts"
        assert c.get("/console/pulse", headers={"X-Console-Poll": "1"}).status_code == 401
        assert c.get("/api/drafts").status_code == 401


def test_login_sets_an_httponly_samesite_cookie_and_only_a_digest_is_stored(env):  # noqa: ANN001
    with client(env) as c:
        r = c.post("/console/login", data={"email": "ADMIN@a.test ", "password": PASSWORD,
                                           "csrf_token": _login_token(c), "next": "/console/referrals"},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/referrals"
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http locally; production sets Secure
        token = c.cookies.get(SESSION_COOKIE)
    with Session(env.engine) as s:
        rows = s.exec(select(StaffSession)).all()
    assert len(rows) == 1 and token not in rows[0].token_hash and len(rows[0].token_hash) == 64
    assert [e.action for e in env.audit("staff.login")] == ["staff.login"]


def test_secure_cookies_in_production(env):  # noqa: ANN001
    env.app.state.settings = env.app.state.settings.model_copy(update={"environment": "production"})
    with client(env) as c:
        assert "Secure" in c.get("/console/login").headers["set-cookie"]  # even behind a plain-http proxy hop
    with TestClient(env.app, base_url="https://testserver") as c:
        r = c.post("/console/login", data={"email": "admin@a.test", "password": PASSWORD,
                                           "csrf_token": _login_token(c)}, follow_redirects=False)
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_wrong_password_and_unknown_email_look_the_same(env):  # noqa: ANN001
    with client(env) as c:
        bad = c.post("/console/login", data={"email": "admin@a.test", "password": "nope-nope-nope",
                                             "csrf_token": _login_token(c)})
        unknown = c.post("/console/login", data={"email": "who@a.test", "password": "nope-nope-nope",
                                                 "csrf_token": _login_token(c)})
    assert bad.status_code == unknown.status_code == 401
    assert "Email or password is not right." in bad.text and "Email or password is not right." in unknown.text
    assert len(env.audit("staff.login_failed")) == 2


def test_login_form_needs_its_own_token(env):  # noqa: ANN001
    with client(env) as c:
        r = c.post("/console/login", data={"email": "admin@a.test", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_login_is_throttled_per_email(env):  # noqa: ANN001
    with client(env) as c:
        for _ in range(MAX_FAILURES_PER_EMAIL):
            assert c.post("/console/login", data={"email": "admin@a.test", "password": "wrong-password-x",
                                                  "csrf_token": _login_token(c)}).status_code == 401
        r = c.post("/console/login", data={"email": "admin@a.test", "password": PASSWORD,
                                           "csrf_token": _login_token(c)})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0  # even the right password waits
        env.clock.advance(timedelta(minutes=16))
        assert login(c, "admin@a.test")  # the window has passed
    with Session(env.engine) as s:
        emails = {a.email_digest for a in s.exec(select(LoginAttempt))}
    assert all("@" not in d for d in emails)  # digests, never the address


def test_open_redirect_is_refused(env):  # noqa: ANN001
    with client(env) as c:
        r = c.post("/console/login", data={"email": "admin@a.test", "password": PASSWORD,
                                           "csrf_token": _login_token(c), "next": "//evil.example/x"},
                   follow_redirects=False)
    assert r.headers["location"] == "/console/inbox"


def test_every_state_changing_form_needs_the_csrf_token(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    c, csrf = as_user("admin@a")
    for path in ("/console/drafts/1/approve", "/console/drafts/1/reject", "/console/logout"):
        assert c.post(path, data={}).status_code == 403
        assert c.post(path, data={"csrf_token": "0" * 64}).status_code == 403
    # A foreign origin is refused even with the right token.
    r = c.post("/console/drafts/1/reject", data={"csrf_token": csrf}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert c.post("/console/drafts/1/reject", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303


def test_cookie_json_calls_need_the_csrf_header_but_api_keys_do_not(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "my lip went white")
    c, csrf = as_user("clinical@a")
    assert c.get("/api/handoffs").status_code == 200  # reads need no token
    r = c.post("/api/handoffs/1/claim")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert c.post("/api/handoffs/1/claim", headers={"X-CSRF-Token": csrf}).json()["status"] == "claimed"


def test_logout_revokes_the_session_server_side(env, as_user):  # noqa: ANN001
    c, csrf = as_user("admin@a")
    stolen = c.cookies.get(SESSION_COOKIE)
    r = c.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    with client(env) as other:
        other.cookies.set(SESSION_COOKIE, stolen)
        assert other.get("/console/inbox", follow_redirects=False).status_code == 303
    assert env.audit("staff.logout")


def test_an_idle_session_ends_and_polling_does_not_keep_it_alive(env, as_user):  # noqa: ANN001
    c, _ = as_user("admin@a")
    polls = []
    for _ in range(5):
        env.clock.advance(SESSION_IDLE / 4)
        polls.append(c.get("/console/pulse", headers={"X-Console-Poll": "1"}).status_code)
    assert polls == [200, 200, 200, 401, 401]  # a poll does not refresh the session: it ends at SESSION_IDLE
    assert c.get("/console/pulse", headers={"X-Console-Poll": "1"}).status_code == 401
    assert c.get("/console/inbox", follow_redirects=False).status_code == 303


def test_a_deactivated_account_loses_its_sessions(env, as_user):  # noqa: ANN001
    fd, _ = as_user("front_desk@a")
    admin, csrf = as_user("admin@a")
    r = admin.post(f"/console/staff/{env.staff['front_desk@a']}/active", data={"csrf_token": csrf},
                   follow_redirects=False)
    assert r.status_code == 303
    assert fd.get("/console/inbox", follow_redirects=False).status_code == 303
    assert env.audit("staff.deactivated")


def test_console_pages_send_security_headers(env, as_user):  # noqa: ANN001
    c, _ = as_user("admin@a")
    r = c.get("/console/inbox")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
