"""A clinic with a few weeks of history, page by page in Chromium; the source of the screenshots in
docs/README-console.md when AFTERGLOW_SCREENSHOTS names a directory:
    AFTERGLOW_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from agent.store.staff_models import Staff
from agent.types import VisitType
from tests.browser.conftest import login, shot
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
