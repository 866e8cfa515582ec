"""Practice-system exports through import profiles: their own column names, US or day-first dates,
service names mapped to visit types, rows that are no completed visit skipped, and profiles validated
when read."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from agent.outreach.csv_import import import_csv_file, parse_csv
from agent.outreach.profiles import ProfileError, header_key, load_profile, profile_names
from agent.policy.loader import default_policies
from agent.store.models import Patient, Touch, Visit
from agent.types import TouchStatus, VisitType

NOW = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # Thursday 09:00 in Los Angeles

ZENOTI = """Invoice No,Guest Name,Guest Mobile,Service Name,Appointment Date,Start Time,Therapist,Status,Center
INV-1,"Rivera, Ana M.",(415) 555-0101,Botox - 3 areas,11/25/2026,3:30 PM,Dr. Lee,Closed,Glow SF
INV-2,Bo Chen,415.555.0102,Juvederm Ultra XC lips,11/25/2026,10:00 AM,Dr. Lee,Closed,Glow SF
INV-3,Cy Diaz,415-555-0103,Botox consultation,11/25/2026,11:00 AM,Dr. Lee,Cancelled,Glow SF
INV-4,Di Evans,415-555-0104,Hot stone massage,11/25/2026,1:00 PM,Kim,Closed,Glow SF
INV-5,Ed Fox,415-555-0105,HydraFacial,11/10/2026,9:00 AM,Kim,Closed,Glow SF
INV-6,Flo Gray,415-555-0106,Fraxel,03/11/2026,9:00 AM,Kim,Closed,Glow SF
"""


def test_every_shipped_profile_reads_and_can_make_a_visit() -> None:
    assert {"afterglow", "zenoti", "boulevard", "vagaro", "mindbody"} <= set(profile_names())
    for name in profile_names():
        profile, services = load_profile(name)
        assert services.visit_type("Botox 20 units") is VisitType.NEUROMODULATOR
        assert services.visit_type("Botox consultation") is VisitType.CONSULTATION  # consultation first


def test_a_zenoti_export_with_us_dates_imports_its_completed_visits(db, clock) -> None:  # noqa: ARG001
    from agent.demo import ensure_demo_clinic
    from agent.store.db import session_scope

    with session_scope(db) as s:
        clinic_id = ensure_demo_clinic(s, NOW).id
    profile, services = load_profile("zenoti")
    report = import_csv_file(db, clinic_id, ZENOTI.encode(), default_policies(), NOW, profile=profile,
                             services=services, pause_s=0)
    assert (report.created, report.duplicates, report.skipped) == (4, 0, 1)  # INV-3 was cancelled
    reasons = {e.row: e.reason for e in report.errors}
    assert set(reasons) == {5}
    assert "no visit type for this service name" in reasons[5]  # a massage is no visit we follow up
    assert "massage" not in " ".join(reasons.values()).lower()  # reasons never echo the row
    with Session(db) as s:
        visits = {v.external_id: v for v in s.exec(select(Visit))}
        assert visits["INV-1"].visit_type is VisitType.NEUROMODULATOR and visits["INV-1"].treatment == "Botox - 3 areas"
        assert visits["INV-1"].occurred_at.replace(tzinfo=UTC) == datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 15:30 PST
        assert visits["INV-2"].visit_type is VisitType.DERMAL_FILLER and visits["INV-2"].provider == "Dr. Lee"
        ana = s.exec(select(Patient).where(Patient.phone == "+14155550101")).one()
        assert ana.first_name == "Ana"  # "Rivera, Ana M."
        assert visits["INV-6"].occurred_at.month == 3  # 03/11/2026, month first: March 11
        # INV-5 is 16 days old: its check-ins passed before the import and are never sent.
        ed = s.exec(select(Touch).join(Visit).where(Visit.external_id == "INV-5")).all()
        assert {t.status for t in ed} == {TouchStatus.EXPIRED}
    assert (report.touches_scheduled, report.touches_passed) == (4, 4)  # INV-1 and INV-2 / INV-5 and INV-6


def test_day_first_dates_are_read_day_first_when_asked() -> None:
    profile, services = load_profile("zenoti")
    parsed = parse_csv(ZENOTI, profile, services, day_first=True)
    flo = next(v for line, v in parsed.good if line == 7)
    assert flo.occurred_at == datetime(2026, 11, 3, 9, 0)  # 03/11/2026, day first: 3 November


def test_headers_match_without_case_spaces_or_punctuation() -> None:
    assert header_key("Guest Mobile #") == header_key("guest_mobile") == "guestmobile"


def _policy_dir(root, broken: str):  # noqa: ANN001, ANN202
    folder = root / "imports"
    folder.mkdir(parents=True)
    (folder / "services.yaml").write_text("services: {laser: [laser]}\n")
    (folder / "afterglow.yaml").write_text("columns: {external_id: [id], phone: [phone], first_name: [name], "
                                           "visit_type: [type], occurred_at: [when]}\n")
    (folder / "broken.yaml").write_text(broken)
    return root


def test_a_profile_that_cannot_make_a_visit_is_refused_when_read(tmp_path) -> None:
    incomplete = _policy_dir(tmp_path / "a", "columns: {external_id: [id], phone: [phone]}\n")
    with pytest.raises(ProfileError, match="broken.yaml.*no column for"):
        load_profile("afterglow", incomplete)
    unknown_key = _policy_dir(tmp_path / "b", "columns: {external_id: [id]}\nsurprise: 1\n")
    with pytest.raises(ProfileError, match="broken.yaml"):
        load_profile("afterglow", unknown_key)
    with pytest.raises(ProfileError, match="unknown import profile"):
        load_profile("nope")
