"""The console in real Chromium: log in, approve and edit held drafts, work an urgent handoff that
arrives while the inbox is open, move a referral along and watch the dashboard follow."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agent.types import VisitType
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_approve_a_held_draft_and_see_it_sent_then_an_edit_into_phi_is_refused(page, live):  # noqa: ANN001
    maya = live.patient("Maya")
    live.says(maya, "purple monkey dishwasher")  # low confidence: the reply is held for a person
    jordan = live.patient("Jordan")
    live.says(jordan, "hmm what about the thing")

    login(page)
    page.click("text=Approvals")
    drafts = page.locator("article.draft")
    expect(drafts).to_have_count(2)
    first = drafts.filter(has_text="Maya")
    expect(first).to_contain_text("low confidence")

    # Edit Jordan's reply into protected health information: the guards refuse it, nothing is sent.
    second = page.locator("article.draft", has_text="Jordan")
    second.locator("summary", has_text="Edit before sending").click()
    second.locator("textarea[name=body]").fill("Hi Jordan, how are your Botox results on your forehead?")
    second.locator("[data-action=edit]").click()
    refusal = page.locator("article.draft", has_text="Jordan").locator(".refusal")
    expect(refusal).to_contain_text("Not sent")
    expect(refusal).to_contain_text("phi")
    expect(page.locator("article.draft")).to_have_count(2)  # still waiting

    # Approve Maya's held reply as it is: it goes through the outbox and the worker delivers it.
    page.locator("article.draft", has_text="Maya").locator("[data-action=approve]").click()
    expect(page.locator(".notice")).to_contain_text("Approved")
    expect(page.locator("article.draft")).to_have_count(1)
    page.click("text=Conversations")
    page.locator("table a", has_text="Maya").first.click()
    staff_message = page.locator("li.msg.kind-staff")
    expect(staff_message).to_contain_text("Someone from our team will get back to you")
    for _ in range(40):  # the in-process worker records the dry-run send within a few ticks
        if staff_message.locator("[data-delivery]").get_attribute("data-delivery") == "dry_run":
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(staff_message.locator("[data-delivery]")).to_have_attribute("data-delivery", "dry_run")
    expect(page.locator(".turn").last).to_contain_text("staff_approve")


def test_urgent_handoff_appears_live_is_claimed_answered_and_resolved(page, live):  # noqa: ANN001
    priya = live.patient("Priya", treatment="Juvederm lips", days_ago=1, visit_type=VisitType.DERMAL_FILLER)
    login(page, "nurse@glow.test")
    expect(page.locator("[data-urgent-banner]")).to_be_hidden()
    expect(page.locator("body")).to_have_attribute("data-live", "events")  # the pulse is pushed, not polled

    live.says(priya, "my lip went white and it hurts")  # arrives while the inbox is open
    urgent = page.locator("li.handoff.urgent", has_text="Priya")
    expect(urgent).to_be_visible(timeout=10000)  # live refresh, no reload
    expect(page.locator("[data-urgent-banner]")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^\(1 urgent\)"))
    # The inbox noticed a new urgent handoff (tone + notification if permitted): console.js marks it.
    expect(page.locator("body")).to_have_attribute("data-urgent-alerted", "1")

    urgent.locator("a.cover").click()
    expect(page.locator("h1")).to_contain_text("URGENT")
    expect(page.locator("dl.context")).to_contain_text("Juvederm lips")  # staff see the treatment
    page.click("button:has-text('Claim')")
    expect(page.locator("[data-handoff-status]")).to_have_text("claimed")
    page.fill("form.reply textarea", "Priya, a nurse will call you in the next 5 minutes.")
    page.click("form.reply button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("Reply queued")
    expect(page.locator("li.msg.kind-staff")).to_contain_text("a nurse will call you")

    page.select_option("select[name=outcome]", "answered")
    page.click("button:has-text('Resolve and hand back')")
    expect(page.locator("[data-handoff-status]")).to_have_text("resolved")
    expect(page.locator("p.small", has_text="thread is with")).to_contain_text("the agent")
    expect(page.locator("[data-urgent-banner]")).to_be_hidden()


def test_without_the_event_stream_the_console_falls_back_to_polling(page, live):  # noqa: ANN001
    """A proxy that refuses the stream (here: a 503 for /console/events): the badges and the urgent alert
    still arrive, by polling /console/pulse as before."""
    page.route("**/console/events", lambda route: route.fulfill(status=503, body="no streams here"))
    lena = live.patient("Lena", treatment="Juvederm lips", days_ago=1, visit_type=VisitType.DERMAL_FILLER)
    login(page, "nurse@glow.test")
    expect(page.locator("body")).to_have_attribute("data-live", "polling", timeout=10000)
    live.says(lena, "my lip went white and it hurts")
    expect(page.locator("li.handoff.urgent", has_text="Lena")).to_be_visible(timeout=10000)
    expect(page.locator("[data-urgent-banner]")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-urgent-alerted", re.compile(r"^\d+$"))
    page.unroute("**/console/events")


def test_referral_status_moves_and_the_dashboard_follows(page, live):  # noqa: ANN001
    sam = live.patient("Sam")
    live.says(sam, "my sister Dana 415-555-0134 wants to come")
    login(page)

    page.goto("/console/dashboard")
    booked = page.locator("[data-kpi=consults_booked] [data-total]")
    before = int(booked.inner_text())
    introductions = int(page.locator("[data-kpi=introductions] [data-total]").inner_text())
    assert introductions >= 1

    page.click("text=Referrals")
    row = page.locator("tr[data-referral]", has_text="Dana")
    expect(row).to_contain_text("Sam")
    expect(row).to_contain_text("sister")
    row.locator("select[name=status]").select_option("consult_booked")
    row.locator("button:has-text('Update')").click()
    expect(page.locator(".notice")).to_contain_text("Referral updated")
    expect(page.locator("tr[data-referral]", has_text="Dana").locator("select[name=status]")).to_have_value(
        "consult_booked")

    page.click("text=Dashboard")
    expect(page.locator("[data-kpi=consults_booked] [data-total]")).to_have_text(str(before + 1))
    expect(page.locator("[data-kpi=consults_booked] svg.chart")).to_be_visible()

    page.click("button:has-text('Log out')")
    page.wait_for_url("**/console/login")
    page.goto("/console/dashboard")
    expect(page).to_have_url(re.compile(r"/console/login"))
