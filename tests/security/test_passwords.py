"""Item 6: every password set is strength-checked (zxcvbn, score 3 of 4 at least; whitespace-only and common
passwords refused), for admins too and on every path (JSON API, console, CLI, the account layer itself),
and staff change their own password in the console or the JSON API with their current one.

Before, twelve spaces or `password1234` made a valid admin password, and nobody could change their own.
"""
from __future__ import annotations

import re

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from agent.cli import app as cli
from agent.demo import DEMO_STAFF_PASSWORD
from agent.staff import accounts
from agent.store.db import session_scope
from agent.staff.schemas import StaffCreate
from tests.console.conftest import PASSWORD, as_user, client, env, login  # noqa: F401 - fixtures

WEAK = ["            ", "password1234", "Password1234!", "qwertyuiop12", "aaaaaaaaaaaa", "\t\t\t\t\t\t\t\t\t\t\t\t",
        "newperson@a.test"]
STRONG = "violet-gravel-lantern"
NEW = "marble-otter-cinnamon-7"


def _new(password: str, role: str = "admin") -> dict:
    return {"email": "newperson@a.test", "name": "New Person", "role": role, "password": password}


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_by_the_model_and_the_account_layer(password):  # noqa: ANN001
    from agent.staff.strength import WeakPassword, check_password

    with pytest.raises(ValidationError) as err:
        StaffCreate(**_new(password))
    assert [e["loc"] for e in err.value.errors()] == [("password",)]
    with pytest.raises(WeakPassword):
        check_password(password, user_inputs=["newperson@a.test", "New Person"])


def test_the_account_layer_checks_even_when_the_model_is_bypassed(env):  # noqa: ANN001
    from agent.staff.strength import WeakPassword

    with session_scope(env.engine) as s, pytest.raises(WeakPassword):
        accounts.create_staff(s, env.clinics["a"], StaffCreate.model_construct(**_new("password1234")), env.clock.now())


def test_an_admin_cannot_create_an_admin_with_a_weak_password_over_the_api(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    for password in WEAK:
        r = admin.post("/api/staff", headers={"X-CSRF-Token": csrf}, json=_new(password))
        assert r.status_code == 422, password
        assert r.json()["detail"][0]["loc"] == ["body", "password"] and password not in r.text
    assert admin.post("/api/staff", headers={"X-CSRF-Token": csrf}, json=_new(STRONG)).status_code == 201


def test_the_console_form_explains_why(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/console/staff", data={"csrf_token": csrf, **_new("password1234", "front_desk")})
    assert r.status_code == 422 and "common password" in r.text
    assert "password1234" not in r.text
    r = admin.post("/console/staff", data={"csrf_token": csrf, **_new(STRONG, "front_desk")}, follow_redirects=False)
    assert r.status_code == 303


def test_the_cli_refuses_a_weak_first_admin(tmp_path, monkeypatch):  # noqa: ANN001
    from agent.config import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["seed-demo"]).exit_code == 0
        args = ["staff", "create", "--clinic-id", "1", "--email", "owner@glow.example", "--role", "admin"]
        weak = runner.invoke(cli, args, input="password1234\npassword1234\n")
        said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", weak.output).split())  # rich may wrap and box the message
        assert weak.exit_code == 2 and "common password" in said and "password1234" not in said.split("]:")[-1]
        assert runner.invoke(cli, args, input=f"{STRONG}\n{STRONG}\n").exit_code == 0
        reset = ["staff", "set-password", "--email", "owner@glow.example"]
        weak = runner.invoke(cli, reset, input="            \n            \n")
        assert weak.exit_code == 2 and "only spaces" in " ".join(re.sub(r"[│╭╮╰╯─]", " ", weak.output).split())
        done = runner.invoke(cli, reset, input=f"{NEW}\n{NEW}\n")
        assert done.exit_code == 0 and "password set" in done.output
    finally:
        get_settings.cache_clear()


def test_the_demo_password_would_pass_too():
    from agent.staff.strength import MIN_SCORE, check_password

    check_password(DEMO_STAFF_PASSWORD)  # demo accounts are seeded directly (never in production)
    assert MIN_SCORE >= 3


# ------------------------------------------------------------------ changing one's own password


def _account_csrf(c) -> str:  # noqa: ANN001
    page = c.get("/console/account")
    assert page.status_code == 200 and 'action="/console/account/password"' in page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_staff_change_their_own_password_in_the_console(env, as_user):  # noqa: ANN001
    fd, _ = as_user("front_desk@a")
    other, _ = as_user("front_desk@a")  # a second browser, logged in as the same person
    csrf = _account_csrf(fd)
    form = {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW}
    assert fd.post("/console/account/password", data=form).status_code == 403  # no CSRF token
    wrong = fd.post("/console/account/password", data={**form, "csrf_token": csrf, "current_password": "nope-nope"})
    assert wrong.status_code == 403 and "current password" in wrong.text
    weak = fd.post("/console/account/password", data={**form, "csrf_token": csrf, "new_password": "password1234",
                                                       "confirm_password": "password1234"})
    assert weak.status_code == 422 and "common password" in weak.text and "password1234" not in weak.text
    mismatch = fd.post("/console/account/password", data={**form, "csrf_token": csrf, "confirm_password": STRONG})
    assert mismatch.status_code == 422 and "do not match" in mismatch.text
    done = fd.post("/console/account/password", data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert fd.get("/console/inbox").status_code == 200  # this session stays
    assert other.get("/console/inbox", follow_redirects=False).status_code == 303  # the others are logged out
    assert [e.action for e in env.audit("staff.password_changed")] == ["staff.password_changed"]
    with client(env) as c:
        login(c, "front_desk@a.test", NEW)
    with client(env) as c:
        form = c.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        old = c.post("/console/login", data={"email": "front_desk@a.test", "password": PASSWORD, "csrf_token": token})
        assert old.status_code == 401


def test_the_json_api_changes_it_too(env, as_user):  # noqa: ANN001
    c, csrf = as_user("clinical@a")
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert c.post("/api/me/password", json=body).status_code == 403  # a cookie without X-CSRF-Token
    h = {"X-CSRF-Token": csrf}
    assert c.post("/api/me/password", headers=h, json={**body, "current_password": "nope-nope"}).status_code == 403
    weak = c.post("/api/me/password", headers=h, json={**body, "new_password": "password1234"})
    assert weak.status_code == 422 and weak.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert "password1234" not in weak.text
    assert c.post("/api/me/password", headers=h, json=body).status_code == 204
    with client(env) as fresh:
        login(fresh, "clinical@a.test", NEW)
    # The clinic's integration key is nobody's account.
    key = {"X-API-Key": env.keys["a"]}
    assert c.post("/api/me/password", headers=key, json=body).status_code == 403


def test_guessing_the_current_password_is_throttled_like_a_login(env, as_user):  # noqa: ANN001
    c, csrf = as_user("manager@a")
    h = {"X-CSRF-Token": csrf}
    codes = [c.post("/api/me/password", headers=h, json={"current_password": f"guess-{i}", "new_password": NEW})
             .status_code for i in range(accounts.MAX_FAILURES_PER_EMAIL + 1)]
    assert codes[:-1] == [403] * accounts.MAX_FAILURES_PER_EMAIL and codes[-1] == 429
