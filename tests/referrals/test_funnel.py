"""The funnel: cohorts per month and per visit type, flagged referrals apart, time to first contact, CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from agent.store.models import Patient

from tests.referrals.conftest import fill_friend_page, make_code


def test_the_funnel_counts_cohorts_by_month_apart_from_flags_with_time_to_contact(env, as_user):
    maya = env.patient(first_name="Maya")
    env.says(maya, "Honestly loving it!")  # one referral ask (March)
    code = make_code(env, maya)
    with Session(env.engine) as session:
        maya_phone = session.get(Patient, maya).phone
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code, first_name="Jo", phone="(415) 555-7001")  # March
        env.clock.advance(timedelta(days=31))
        fill_friend_page(c, env, code, first_name="Kim", phone="(415) 555-7002")  # April
        fill_friend_page(c, env, code, first_name="Maya", phone=maya_phone)  # herself: flagged
    desk, csrf = as_user("front_desk@a")
    referrals = {r["name"]: r for r in desk.get("/api/referrals").json()}
    env.clock.advance(timedelta(minutes=90))
    desk.patch(f"/api/referrals/{referrals['Kim']['id']}", json={"status": "consult_booked"},
               headers={"X-CSRF-Token": csrf})
    report = desk.get("/api/funnel").json()
    rows = {row["key"]: row for row in report["rows"]}
    assert set(rows) == {"2026-03", "2026-04"}
    assert (rows["2026-03"]["asks"], rows["2026-03"]["introductions"], rows["2026-03"]["contacted"]) == (1, 1, 0)
    april = rows["2026-04"]
    assert (april["introductions"], april["contacted"], april["booked"], april["flagged"]) == (1, 1, 1, 1)
    assert april["median_minutes_to_contact"] == round(90 + 5 / 60, 1) and rows["2026-03"]["median_minutes_to_contact"] is None
    march_only = desk.get("/api/funnel?since=2026-03-01&until=2026-03-31").json()
    assert [r["key"] for r in march_only["rows"]] == ["2026-03"]

    exported = desk.get("/console/funnel.csv?by=visit_type")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["visit_type"] for r in table] == ["neuromodulator", "total"]
    assert table[-1]["introductions"] == "2" and table[-1]["flagged"] == "1"
    api_csv = desk.get("/api/funnel.csv")
    assert api_csv.headers["content-type"].startswith("text/csv") and "2026-04" in api_csv.text
    page = desk.get("/console/funnel")
    assert page.status_code == 200 and 'data-row="2026-04"' in page.text and "1 h 30 min" in page.text
