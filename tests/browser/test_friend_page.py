"""The friend page on a phone (390 px): nothing scrolls sideways, a refused form keeps what was typed, a
sign-up reaches the thank-you page and the front desk's referrals. The source of
docs/screenshots/friend-page.png and funnel.png when AFTERGLOW_SCREENSHOTS is set."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from agent.outreach.intake import VisitIn, intake_visit
from agent.referrals.codes import code_for
from agent.store.db import session_scope
from agent.store.models import Clinic, Patient, Referral
from agent.types import ReferralSource, ReferralStatus
from tests.browser.conftest import horizontal_overflow, login, shot

pytestmark = pytest.mark.browser


def test_a_friend_signs_up_on_a_phone(page, live):  # noqa: ANN001
    maya = live.patient("Marisol")
    with session_scope(live.engine) as session:
        code = code_for(session, session.get(Patient, maya), live.agent.clock.now(), actor="test").code
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/r/{code}")
    expect(page.locator("h1")).to_contain_text("A friend thought you'd like us")
    expect(page.locator(".clinic")).to_have_text("Glow Aesthetics")
    expect(page.locator("body")).not_to_contain_text("Marisol")
    expect(page.locator("#website")).not_to_be_in_viewport()  # the honeypot is off screen
    assert horizontal_overflow(page) is None, horizontal_overflow(page)

    page.fill("#first_name", "Paloma")
    page.fill("#phone", "(415) 555-7345")
    page.wait_for_timeout(3200)  # a person takes longer than the form's minimum fill time
    shot(page, "friend-page")
    page.click("button[type=submit]")  # the consent box is not ticked
    expect(page.locator("#consent_error")).to_contain_text("tick the box")
    expect(page.locator("#first_name")).to_have_value("Paloma")
    expect(page.locator("#phone")).to_have_value("(415) 555-7345")
    assert horizontal_overflow(page) is None, horizontal_overflow(page)

    page.check("input[name=sms_consent]")
    page.wait_for_timeout(3200)  # the refused form came back with a fresh stamp
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Thank you!")
    assert horizontal_overflow(page) is None, horizontal_overflow(page)
    with Session(live.engine) as session:
        referral = session.exec(select(Referral).where(Referral.name == "Paloma")).one()
    assert (referral.referrer_id, referral.source, referral.phone) == (maya, ReferralSource.FRIEND_PAGE,
                                                                       "+14155557345")

    # A little history for the funnel: an introduction by text, and Paloma's visit from the practice system.
    ivy = live.patient("Ivy")
    live.says(ivy, "Loving it! I look amazing")
    live.says(ivy, "my sister Lucy 415-555-0177 wants to come in")
    with session_scope(live.engine) as session:
        visit = VisitIn(external_id="browser-paloma", visit_type="consultation", occurred_at=live.agent.clock.now(),
                        patient={"phone": "415-555-7345", "first_name": "Paloma"})
        clinic = session.get(Clinic, live.clinic_id)
        referral = intake_visit(session, clinic, visit, live.agent.policies, live.agent.clock.now()).referral
        assert referral.status == ReferralStatus.TREATED

    page.set_viewport_size({"width": 1280, "height": 860})
    login(page)
    page.click("text=Referrals")
    expect(page.locator("table.referrals")).to_contain_text("via referral link")
    page.click("main >> text=Funnel")
    expect(page.locator("[data-funnel] tr.total")).to_contain_text("total")
    # The server is shared with the other browser tests (their history counts too): at least Paloma.
    assert int(page.locator("[data-funnel] tr.total td").nth(5).inner_text()) >= 1
    shot(page, "funnel")
    page.set_viewport_size({"width": 390, "height": 844})
    assert horizontal_overflow(page) is None, horizontal_overflow(page)
