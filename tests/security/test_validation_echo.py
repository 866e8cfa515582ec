"""Item 8: a 422 names the fields and what is wrong with them, never the values that were submitted.

FastAPI's default answer carries each error's `input` (and `ctx`), so a rejected password, a patient's phone
number or an unexpected `ssn` field came straight back in the response body (and into any log of it).
"""
from __future__ import annotations

import json

from tests.console.conftest import as_user, client, env, login  # noqa: F401 - fixtures

SECRET_PASSWORD = "hunter2"  # too short: rejected, and must not come back
PHONE = "+1 415 555 0199 ext bogus"
SSN = "078-05-1120"


def _no_echo(response, *values: str) -> dict:  # noqa: ANN001
    assert response.status_code == 422, response.text[:300]
    body = response.json()
    text = json.dumps(body)
    for value in values:
        assert value not in text, f"{value!r} echoed in {text[:300]}"
    for error in body["detail"]:
        assert set(error) <= {"loc", "msg", "type"}, error  # no input, no ctx
    return body


def test_a_rejected_password_is_not_echoed(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/api/staff", headers={"X-CSRF-Token": csrf},
                   json={"email": "new@a.test", "name": "New", "role": "front_desk", "password": SECRET_PASSWORD})
    body = _no_echo(r, SECRET_PASSWORD)
    assert ["body", "password"] in [e["loc"] for e in body["detail"]]


def test_a_patient_phone_and_an_unknown_ssn_field_are_not_echoed(env):  # noqa: ANN001
    c = client(env)
    visit = {"external_id": "v-1", "visit_type": "neuromodulator", "occurred_at": "2026-03-01T10:00:00",
             "patient": {"phone": PHONE, "first_name": "Maya"}, "ssn": SSN}
    r = c.post("/api/visits", headers={"X-API-Key": env.keys["a"]}, json=visit)
    body = _no_echo(r, PHONE, "0199", SSN)
    locations = [e["loc"] for e in body["detail"]]
    assert ["body", "ssn"] in locations  # the field is named (a location), its value is not
    assert ["body", "patient", "phone"] in locations


def test_query_and_path_errors_name_the_parameter_only(env, as_user):  # noqa: ANN001
    c, _ = as_user("manager@a")
    r = c.get("/api/audit", params={"limit": "secret-looking-value"})
    body = _no_echo(r, "secret-looking-value")
    assert body["detail"][0]["loc"] == ["query", "limit"]


def test_a_body_that_is_not_json_is_not_echoed(env, as_user):  # noqa: ANN001
    c, csrf = as_user("admin@a")
    r = c.post("/api/staff", headers={"X-CSRF-Token": csrf, "content-type": "application/json"},
               content=b'{"password": "' + SECRET_PASSWORD.encode() + b'",')
    _no_echo(r, SECRET_PASSWORD)
