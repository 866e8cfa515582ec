"""A clinic with a few weeks of history, page by page in Chromium; the source of the screenshots in
docs/README-console.md when AFTERGLOW_SCREENSHOTS names a directory:
    AFTERGLOW_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from agent.store.models import Clinic
from agent.store.staff_models import Staff
from agent.types import VisitType
from tests.browser.conftest import horizontal_overflow, login, shot
from tests.browser.history import seed_history

pytestmark = pytest.mark.browser


def test_a_clinic_with_weeks_of_history(page, live):  # noqa: ANN001
    with Session(live.engine) as session:
        admin = session.exec(select(Staff).where(Staff.email == "admin@glow.test")).one()
    seed_history(live.engine, live.agent.clock.now(), staff_id=admin.id)
    for name, text in [("Rosa", "purple monkey dishwasher"), ("Omar", "hmm what about the thing"),
                       ("Tess", "Honestly kind of disappointed, it looks uneven"),
                       ("Ivy", "Loving it! I look amazing")]:
        live.says(live.patient(name), text)
    noor = live.patient("Noor", treatment="Juvederm lips", days_ago=1, visit_type=VisitType.DERMAL_FILLER)
    live.says(noor, "my lip went white and it hurts")
    ivy = live.patient("Kai")
    live.says(ivy, "Loving it! I look amazing")
    live.says(ivy, "my sister Lucy 415-555-0177 wants to come in")

    page.set_viewport_size({"width": 1280, "height": 860})
    login(page)
    expect(page.locator("li.handoff.urgent").first).to_be_visible()
    shot(page, "inbox")

    page.click("text=Approvals")
    draft = page.locator("article.draft", has_text="Omar")
    draft.locator("summary", has_text="Edit before sending").click()
    draft.locator("textarea[name=body]").fill("Hi Omar, is your Botox settling well on your forehead?")
    draft.locator("[data-action=edit]").click()
    expect(page.locator(".refusal")).to_be_visible()
    shot(page, "approval-queue")

    page.goto("/console/inbox")
    page.locator("li.handoff.urgent a.cover").first.click()
    shot(page, "handoff")

    page.click("text=Referrals")
    shot(page, "referrals")

    page.click("text=Dashboard")
    expect(page.locator("[data-kpi=introductions] svg.chart rect.bar")).to_have_count(8)
    expect(page.locator("[data-kpi=guard_blocks] .legend")).to_contain_text("phi")
    shot(page, "dashboard")

    page.click("text=Conversations")
    page.locator("table a", has_text="Kai").first.click()
    shot(page, "conversation")


def test_clinic_set_up_and_a_first_text_and_every_page_on_a_phone(page, live):  # noqa: ANN001
    elena = live.patient("Elena", treatment="HydraFacial", visit_type=VisitType.FACIAL, days_ago=7)
    live.says(elena, "Love it, thank you!")
    tess = live.patient("Tess")
    live.says(tess, "my forehead went white")  # an urgent handoff for the phone-sized inbox
    with Session(live.engine) as session:
        settings = dict(session.get(Clinic, live.clinic_id).settings or {})
    page.set_viewport_size({"width": 1280, "height": 860})
    login(page)
    try:
        # Quiet hours away from now, so the patient page offers its form (in quiet hours it says why not).
        hour = datetime.now(ZoneInfo("America/Los_Angeles")).hour
        page.click("header nav >> text=Clinic")
        page.fill("input[name=quiet_start]", str((hour + 3) % 24))
        page.fill("input[name=quiet_end]", str((hour + 12) % 24))
        page.fill("input[name=sender_name]", "Ana at Glow")
        page.click("[data-clinic-form] button[type=submit]")
        expect(page.locator(".notice")).to_contain_text("Clinic settings saved")
        shot(page, "clinic-settings")
        page.click("text=Set up another clinic")
        shot(page, "clinic-new")
        page.goto("/console/clinic/messages/touches/results_checkin")
        page.click("[data-preview-button]")
        expect(page.locator("text=Preview for a sample patient")).to_be_visible()
        shot(page, "clinic-template-preview")

        page.goto(f"/console/patients/{elena}")
        page.fill("[data-start-text] textarea[name=body]", "Hi Elena, this is Ana at Glow. Could you give us a call "
                                                            "when you have a minute?")
        expect(page.locator("[data-start-text] button[type=submit]")).to_be_visible()
        shot(page, "patient-start-text")

        page.set_viewport_size({"width": 390, "height": 844})
        pages = ["/console/inbox", "/console/drafts", "/console/referrals", "/console/conversations",
                 "/console/dashboard", "/console/audit", "/console/staff", "/console/clinic", "/console/clinics/new",
                 "/console/clinic/messages", "/console/clinic/messages/touches/results_checkin",
                 "/console/account", f"/console/patients/{elena}", f"/console/patients/{tess}"]
        for path in pages:
            page.goto(path)
            assert horizontal_overflow(page) is None, f"{path}: {horizontal_overflow(page)}"
        page.goto("/console/inbox")
        shot(page, "inbox-phone")
        page.locator("li.handoff.urgent a.cover").first.click()
        assert horizontal_overflow(page) is None, horizontal_overflow(page)
        page.click("text=Full conversation record")
        assert horizontal_overflow(page) is None, horizontal_overflow(page)
    finally:
        with Session(live.engine) as session:  # the shared server's clinic as the other tests expect it
            session.get(Clinic, live.clinic_id).settings = settings
            session.commit()
