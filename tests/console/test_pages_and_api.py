"""What the console pages and the JSON API show, and how the API is documented."""
from __future__ import annotations

import re

from typer.testing import CliRunner

from agent.cli import app as cli
from tests.console.conftest import PASSWORD, client, login


def test_the_inbox_puts_urgent_first_and_its_live_fragment_matches(env, as_user):  # noqa: ANN001
    referrer = env.patient(first_name="Sam")
    env.says(referrer, "my sister Dana 415-555-0134 wants to come")
    urgent = env.patient(first_name="Priya")
    env.says(urgent, "my lip went white")
    c, _ = as_user("clinical@a")
    page = c.get("/console/inbox").text
    assert page.index("Priya") < page.index("Sam")
    assert "urgent-banner" in page
    assert 'data-refresh-url="/console/inbox/list?status=active&amp;scope=mine&amp;shown=25"' in page
    fragment = c.get("/console/inbox/list", headers={"X-Console-Poll": "1"}).text
    assert 'data-urgent="1"' in fragment and fragment.index("Priya") < fragment.index("Sam")
    assert "<html" not in fragment
    api = c.get("/api/handoffs").json()
    assert [h["priority"] for h in api] == ["urgent", "normal"]
    assert api[0]["context"]["treatment"] == "Botox forehead"  # staff see the visit context
    assert api[0]["can_work"] is True and api[1]["can_work"] is True  # clinical works front desk too
    assert c.get("/console/pulse").json()["urgent_open"] == 1
    filtered = c.get("/console/inbox?queue=front_desk").text
    assert "Sam" in filtered and "Priya" not in filtered.split("<main>")[1]


def test_my_queues_by_default_every_urgent_one_search_and_paging(env, as_user):  # noqa: ANN001
    """Front desk sees its own queue and every urgent handoff, not the clinical queue's routine work;
    a first name or phone digits find a patient; 25 cards a page."""
    routine = env.patient(first_name="Ana")
    env.says(routine, "my lip is a bit swollen still, is that ok?")  # a normal clinical handoff
    urgent = env.patient(first_name="Priya")
    env.says(urgent, "my lip went white")
    booking = env.patient(first_name="Sam")
    env.says(booking, "can I book my next one for early May?")
    fd, _ = as_user("front_desk@a")
    mine = fd.get("/console/inbox").text.split("<main>")[1]
    assert "Sam" in mine and "Priya" in mine and "Ana" not in mine
    everything = fd.get("/console/inbox?scope=all").text.split("<main>")[1]
    assert "Ana" in everything
    found = fd.get("/console/inbox?scope=all&q=pri").text.split("<main>")[1]
    assert "Priya" in found and "Sam" not in found
    with env.agent.db.connect() as conn:
        phone = conn.exec_driver_sql(f"SELECT phone FROM patient WHERE id = {booking}").scalar_one()
    by_phone = fd.get(f"/console/inbox?scope=all&q={phone[-4:]}").text.split("<main>")[1]
    assert "Sam" in by_phone and "Priya" not in by_phone
    for n in range(26):
        pid = env.patient(first_name=f"Zed{n}")
        env.says(pid, "can I book my next one for early May?")
    first_page = fd.get("/console/inbox").text
    assert first_page.count('class="card handoff') == 25 and "Show 3 more" in first_page
    assert fd.get("/console/inbox?shown=50").text.count('class="card handoff') == 28


def test_the_approval_queue_shows_why_and_the_conversation(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    c, _ = as_user("front_desk@a")
    page = c.get("/console/drafts").text
    # the reason names the reading's confidence against the policy's floor (the value is the reader's)
    assert re.search(r"low confidence \(0\.[0-4]\d &lt; 0\.55\)", page) and "purple monkey dishwasher" in page
    assert "How are you liking your results?" in page  # the check-in before it
    assert 'name="override_phi"' not in page  # front desk cannot override
    draft = c.get("/api/drafts").json()[0]
    assert draft["reasons"] and [m["direction"] for m in draft["thread"]] == ["outbound", "inbound"]


def test_a_refused_edit_keeps_the_text_and_explains(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "purple monkey dishwasher")
    c, csrf = as_user("clinical@a")
    r = c.post("/console/drafts/1/edit", data={"csrf_token": csrf, "body": "How is the Botox on your forehead?"})
    assert r.status_code == 422
    assert "Not sent" in r.text and "phi" in r.text and "How is the Botox on your forehead?" in r.text
    assert 'name="override_phi"' in r.text  # clinical may override
    r = c.post("/console/drafts/1/edit", data={"csrf_token": csrf, "body": "How is the Botox on your forehead?",
                                               "override_phi": "true"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/drafts?done=approved"


def test_the_conversation_view_shows_intents_tools_verdicts_and_delivery(env, as_user):  # noqa: ANN001
    pid = env.patient(first_name="Kai")
    env.says(pid, "Loving it! I look amazing")
    env.says(pid, "my sister Dana 415-555-0134 wants to come")
    c, _ = as_user("front_desk@a")
    convo = c.get("/api/conversations/1").json()
    assert [m["kind"] for m in convo["messages"]] == ["touch", "patient", "reply", "patient", "reply"]
    assert convo["messages"][1]["intents"][0]["intent"] == "positive"
    assert convo["messages"][2]["asks"] == ["referral"]
    assert any(t["tool_calls"] and t["tool_calls"][0]["name"] == "record_referral" for t in convo["turns"])
    assert all(t["verdicts"] for t in convo["turns"])
    page = c.get("/console/conversations/1").text
    assert "record_referral" in page and "positive 0.95" in page
    assert "all guards passed" in page and 'data-delivery="pending"' in page
    assert "Botox forehead" in page  # internal context for staff


def test_openapi_documents_the_staff_api_with_public_models_only(env):  # noqa: ANN001
    with client(env) as c:
        spec = c.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/drafts", "/api/drafts/{draft_id}/approve", "/api/drafts/{draft_id}/edit",
                 "/api/handoffs", "/api/handoffs/{handoff_id}/claim", "/api/handoffs/{handoff_id}/resolve",
                 "/api/handoffs/{handoff_id}/reply", "/api/referrals", "/api/referrals/{referral_id}",
                 "/api/conversations/{conversation_id}", "/api/dashboard", "/api/audit", "/api/me"):
        assert path in paths, path
    assert not any(p.startswith("/console") for p in paths)  # the HTML console is not an API
    schemas = spec["components"]["schemas"]
    assert "DraftPublic" in schemas and "Dashboard" in schemas and "StaffPublic" in schemas
    assert "Staff" not in schemas and "Draft" not in schemas and "Handoff" not in schemas  # no table rows
    text = str(schemas)
    assert "password_hash" not in text and "api_key_hash" not in text and "token_hash" not in text
    assert "422" in paths["/api/drafts/{draft_id}/edit"]["post"]["responses"]
    assert "X-API-Key" in str(spec["components"]["securitySchemes"])


def test_dashboard_page_draws_svg_charts(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "Loving it! I look amazing")
    c, _ = as_user("manager@a")
    page = c.get("/console/dashboard").text
    assert page.count('<svg class="chart"') == 10  # nine KPIs and the guard blocks
    assert 'data-kpi="introductions"' in page and "<script" not in page.split("</head>")[1]
    day = c.get("/console/dashboard?bucket=day&periods=14")
    assert day.status_code == 200
    assert c.get("/console/dashboard?periods=500").status_code == 422


def test_admins_create_accounts_in_the_console(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/console/staff", data={"csrf_token": csrf, "name": "Robin", "email": "robin@a.test",
                                           "role": "clinical", "password": "short"})
    assert r.status_code == 422 and "12 characters" in r.text
    r = admin.post("/console/staff", data={"csrf_token": csrf, "name": "Robin", "email": "robin@a.test",
                                           "role": "clinical", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    with client(env) as c:
        login(c, "robin@a.test")
        assert "Robin" in c.get("/console/inbox").text
    r = admin.post("/console/staff", data={"csrf_token": csrf, "name": "Robin", "email": "ROBIN@a.test",
                                           "role": "clinical", "password": PASSWORD})
    assert r.status_code == 409


def test_cli_creates_the_first_admin(tmp_path, monkeypatch):  # noqa: ANN001
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    from agent.config import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["seed-demo"]).exit_code == 0
        ok = runner.invoke(cli, ["staff", "create", "--clinic-id", "1", "--email", "Owner@Glow.example",
                                 "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert ok.exit_code == 0, ok.output
        assert "created admin" in ok.output and "owner@glow.example" in ok.output
        again = runner.invoke(cli, ["staff", "create", "--clinic-id", "1", "--email", "owner@glow.example",
                                    "--password", PASSWORD])
        assert again.exit_code != 0 and "already exists" in again.output
        weak = runner.invoke(cli, ["staff", "create", "--clinic-id", "1", "--email", "x@glow.example",
                                   "--password", "short"])
        assert weak.exit_code != 0
        listed = runner.invoke(cli, ["staff", "list", "--clinic-id", "1"])
        assert "owner@glow.example admin" in listed.output and "admin@glow.demo" in listed.output
        key = runner.invoke(cli, ["staff", "api-key", "--email", "owner@glow.example"])
        assert re.fullmatch(r"ags_\S+\n", key.output)
    finally:
        get_settings.cache_clear()


def test_the_patient_page_shows_the_whole_record(env, as_user):  # noqa: ANN001
    pid = env.patient(first_name="Maya", treatment="Botox forehead")
    env.says(pid, "honestly loving it!")
    env.says(pid, "my sister Dana 415-555-0134 wants to come")
    env.says(pid, "STOP")
    fd, _ = as_user("front_desk@a")
    page = fd.get(f"/console/patients/{pid}").text
    assert "<strong>opted out</strong>" in page and "<code>patient.opted_out</code>" in page
    assert "Botox forehead" in page  # the internal treatment record, for staff eyes
    assert "results checkin" in page and "Dana" in page and "/console/conversations/" in page
    inbox = fd.get("/console/inbox?scope=all").text
    assert f'href="/console/patients/{pid}"' in inbox  # every patient name links to the record
    other, _ = as_user("front_desk@b")
    assert other.get(f"/console/patients/{pid}").status_code == 404  # another clinic's patient
