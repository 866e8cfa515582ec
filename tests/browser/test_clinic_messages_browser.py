"""Clinic > Messages and timing in Chromium: an admin previews a reworded check-in (sample patient, segment
count, guard verdicts), is refused one that names a treatment, saves a good one, and resets it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser
OURS = "Hi {{ first_name }}, {{ sender }} here! How are you feeling after your visit {{ when }}?"


def test_an_admin_previews_saves_and_resets_a_check_in(page, live):  # noqa: ANN001, ARG001
    login(page)
    page.goto("/console/clinic")
    page.click("text=Messages and timing")
    page.click("a:has-text('touches · clinical checkin')")
    form = page.locator("[data-template-form]")
    form.locator("textarea[name=source]").fill("Hi {{ first_name }}, how is your filler settling?")
    page.click("[data-preview-button]")
    expect(page.locator("[data-verdict=phi]")).to_have_attribute("data-tripped", "true")
    expect(page.locator("[data-template-errors]")).to_contain_text("protected health information")

    page.locator("textarea[name=source]").fill(OURS)
    page.click("[data-preview-button]")
    expect(page.locator("[data-preview-text]")).to_have_text(
        re.compile(r"^Hi Maria, .+ here! How are you feeling after your visit yesterday\?$"))
    expect(page.locator("[data-preview-segments]")).to_have_text("1 segment")
    expect(page.locator("[data-verdict=phi]")).to_have_attribute("data-tripped", "false")
    expect(page.locator("textarea[name=source]")).to_have_value(OURS)  # the preview kept what was typed

    page.click("[data-template-form] button.primary")
    expect(page.locator(".notice")).to_contain_text("Message saved")
    expect(page.locator('[data-template="touches/clinical_checkin"] [data-custom]')).to_be_visible()
    page.click("a:has-text('touches · clinical checkin')")
    page.click("[data-reset]")
    expect(page.locator(".notice")).to_contain_text("Message reset")
    expect(page.locator('[data-template="touches/clinical_checkin"] [data-custom]')).to_have_count(0)
