"""A bounded, seeded fuzz of the whole OpenAPI surface, in-process: no answer may be a 5xx.

schemathesis generates requests from the app's own OpenAPI document, valid ones (positive) and ones that
break the schema on purpose (negative: out-of-range ids, wrong types, missing fields, stray fields), for
every operation. They go to the app as production builds it (no /dev routes; the document is read from
the app object, since production does not serve it) over a SQLite file holding a clinic with handoffs,
held drafts, referrals and staff, so the requests reach the real handlers: staff operations as an admin's
console session (with its CSRF token), visit intake with the clinic's API key, Twilio webhooks signed with
the configured auth token. Deterministic (derandomized Hypothesis, fixed clock) and bounded to a few hundred
requests, so it runs in the normal suite in seconds.
"""
from __future__ import annotations

import copy
import re
from collections import Counter
from urllib.parse import urlencode

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from twilio.request_validator import RequestValidator

from agent.clock import FixedClock
from agent.config import Settings
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.security import set_api_key
from agent.staff.accounts import create_staff
from agent.store.db import make_engine, session_scope
from agent.staff.schemas import StaffCreate
from agent.types import VisitType
from api.app import create_app
from tests.channel.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE
from tests.conftest import START

EXAMPLES = 12  # per operation and pass: 26 operations, 2 or 3 passes -> about 750 requests
MIN_SENT = 600  # the run must really have happened (a schema or auth mistake would send far fewer)
PASSWORD = "fuzzing-admin-lantern"
SAYS = ["can I book my next one for early May?", "my lip went white and it hurts", "purple monkey dishwasher",
        "my sister Dana 415-555-0134 wants to come", "Honestly loving it!"]
SENT_KEYS = ("method", "url", "headers", "params", "json", "data", "content")


@pytest.fixture
def production(tmp_path):  # noqa: ANN001, ANN201
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/fuzz.db", AFTERGLOW_ENV="production",
                        AFTERGLOW_INPROCESS_WORKER=False, AFTERGLOW_SECRET_KEY="fuzz-secret-0123456789abcdef",
                        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC_BASE)
    agent = Agent(make_engine(settings.database_url), clock=FixedClock(START))
    app = create_app(settings, agent=agent, seed=False)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:  # migrates
        with session_scope(agent.db) as s:
            clinic = ensure_demo_clinic(s, START)
            clinic_key = set_api_key(clinic)
            for role in ("front_desk", "clinical", "manager", "admin"):
                create_staff(s, clinic.id, StaffCreate(email=f"{role}@glow.test", name=role.title(), role=role,
                                                       password=PASSWORD), START)
            patients = [add_patient_with_visit(s, clinic, START, first_name=f"Pat{chr(65 + i)}",
                                               phone=f"+1415555{3100 + i:04d}", visit_type=VisitType.NEUROMODULATOR,
                                               days_ago=14, treatment="Botox", provider="Dr. Rivera")[0].id
                        for i in range(len(SAYS))]
        for pid, text in zip(patients, SAYS, strict=True):
            send_touch(agent, pid, "results_checkin")
            agent.handle_inbound(pid, text)
        form = c.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        assert c.post("/console/login", data={"email": "admin@glow.test", "password": PASSWORD, "csrf_token": token},
                      follow_redirects=False).status_code == 303
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/console/inbox").text).group(1)
        yield app, c, {"X-CSRF-Token": csrf}, clinic_key


def _authenticate(kw: dict, path: str, csrf: dict, clinic_key: str) -> dict:
    headers = {k: v for k, v in (kw.get("headers") or {}).items() if k.lower() not in ("x-api-key", "cookie")}
    if path == "/api/visits":
        headers["X-API-Key"] = clinic_key
    elif path.startswith("/webhooks/twilio/"):
        data = kw.get("data")
        params = data if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()) else {}
        query = urlencode(kw.pop("params", None) or {}, doseq=True)
        kw["url"] = kw["url"] + (f"?{query}" if query else "")
        target = kw["url"].split("://", 1)[1].split("/", 1)[1]
        headers["X-Twilio-Signature"] = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_BASE}/{target}",
                                                                                       params)
    else:
        headers.update(csrf)  # the admin's console session rides on the client's cookie jar
    kw["headers"] = headers
    if isinstance(kw.get("data"), str | bytes):  # a raw (negative) form body goes as content
        kw["content"] = kw.pop("data")
    return kw


def test_no_request_gets_a_server_error(production):  # noqa: ANN001
    app, c, csrf, clinic_key = production
    schema = schemathesis.openapi.from_dict(copy.deepcopy(app.openapi()))
    operations = [result.ok() for result in schema.get_all_operations()]
    tally: Counter = Counter()
    errors: list[str] = []

    for operation in operations:
        # Random ids almost never name a row, so a third pass pins each path id to one that exists (1) and
        # fuzzes the rest of the request against real records.
        ids = dict.fromkeys(re.findall(r"{(\w+)}", operation.path), 1)
        passes = [("positive", GenerationMode.POSITIVE, {}), ("negative", GenerationMode.NEGATIVE, {})]
        passes += [("known ids", GenerationMode.POSITIVE, ids)] if ids else []
        for label, mode, pinned in passes:
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned or None))
            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def send(case) -> None:  # noqa: ANN001
                kw = _authenticate(case.as_transport_kwargs(base_url="https://testserver"), operation.path, csrf,
                                   clinic_key)
                try:
                    response = c.request(**{k: v for k, v in kw.items() if k in SENT_KEYS})
                except (TypeError, ValueError, UnicodeError):
                    tally["unsendable"] += 1  # the client cannot encode it (server errors come back as 500s)
                    return
                tally["sent"] += 1
                tally[f"{response.status_code // 100}xx"] += 1
                tally[f"{operation.label} {response.status_code}"] += 1
                if response.status_code >= 500:
                    errors.append(f"{operation.label} [{label}] -> {response.status_code}: {kw.get('url')}")

            try:
                send()
            except Unsatisfiable:
                tally["unsatisfiable"] += 1  # e.g. no way to break the schema of GET /health

    print(f"fuzz: {len(operations)} operations, {dict(tally)}")  # noqa: T201 - the README's figures
    assert errors == [], "\n".join(errors[:20])
    assert tally["sent"] >= MIN_SENT and tally["2xx"] > 0, tally
