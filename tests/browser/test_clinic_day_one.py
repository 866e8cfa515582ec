"""A real clinic on day one, in Chromium on a desktop and on a phone-sized screen: an admin sets up a second
clinic from nothing, its visits arrive from a Zenoti export with US dates, a patient texts a red flag, the
on-call nurse is texted exactly once, claims it from the inbox, and the front desk texts another patient
first from the patient page. No console page may scroll sideways at 390 px."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli import app as cli
from agent.store.models import Clinic, Handoff, Message, OutboxJob, Patient, StaffAlert, Visit
from agent.types import DeliveryStatus, MessageKind, OutboxStatus, Priority
from tests.browser.conftest import PASSWORD, horizontal_overflow, login

pytestmark = pytest.mark.browser
ZONE = "America/Chicago"


def fits(page) -> None:  # noqa: ANN001
    assert horizontal_overflow(page) is None, f"{page.url}: {horizontal_overflow(page)}"


def zenoti_export(n: int) -> str:
    """Two completed visits a few days back, dated month first as Zenoti's US reports are."""
    local = datetime.now(ZoneInfo(ZONE))
    recent, older = (local - timedelta(days=3)).strftime("%m/%d/%Y"), (local - timedelta(days=30)).strftime("%m/%d/%Y")
    return ("Invoice No,Guest Name,Guest Mobile,Service Name,Appointment Date,Start Time,Therapist,Status\n"
            f'Z{n}-1,"Lopez, Rita",(512) 555-{n}201,Juvederm Ultra XC lips,{recent},3:30 PM,Dr. Park,Closed\n'
            f"Z{n}-2,Sam Okafor,512.555.{n}202,Botox - 2 areas,{older},10:00 AM,Dr. Park,Closed\n")


def import_export(engine_url: str, clinic_id: int, path, monkeypatch) -> None:  # noqa: ANN001
    from agent.config import get_settings

    monkeypatch.setenv("DATABASE_URL", engine_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["import", str(path), "--clinic-id", str(clinic_id), "--profile", "zenoti"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "2 imported, 0 already known, 0 rejected" in result.output


def wait_for(condition, what: str, page) -> None:  # noqa: ANN001
    for _ in range(80):  # the in-process worker takes a turn or a send within a few 0.2 s ticks
        if condition():
            return
        page.wait_for_timeout(250)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_second_clinic_from_nothing_to_its_first_red_flag_and_first_staff_text(page, live, tmp_path, monkeypatch,  # noqa: ANN001
                                                                                  width):
    n = 1 if width == 1280 else 2  # each run sets up its own clinic on the shared server
    page.set_viewport_size({"width": width, "height": 860})
    twilio, on_call = f"+1512555{n}100", f"+1512555{n}181"
    owner, nurse, desk = f"lee{n}@luma.test", f"bo{n}@luma.test", f"cy{n}@luma.test"

    # An admin of the first clinic sets the new one up, with its own first admin.
    login(page)
    page.click("header nav >> text=Clinic")
    fits(page)
    page.click("text=Set up another clinic")
    page.fill("input[name=name]", f"Luma Skin {n}")
    page.fill("input[name=phone]", f"(512) 555-{n}100")
    page.fill("input[name=timezone]", ZONE)
    page.fill("input[name=admin_name]", "Lee Owner")
    page.fill("input[name=admin_email]", owner)
    page.fill("input[name=admin_password]", PASSWORD)
    page.click("[data-new-clinic-form] button[type=submit]")
    expect(page.locator("[data-clinic-created]")).to_contain_text(f"Luma Skin {n}")
    fits(page)
    page.click("text=Log out")

    # Its admin sets it up: quiet hours away from now (a first text is refused in them), HELP, budget, on call.
    login(page, owner)
    page.click("header nav >> text=Clinic")
    hour = datetime.now(ZoneInfo(ZONE)).hour
    page.fill("input[name=quiet_start]", str((hour + 2) % 24))
    page.fill("input[name=quiet_end]", str((hour + 4) % 24))
    page.fill("input[name=segment_budget]", "1")
    page.fill("input[name=sender_name]", "Lee at Luma")
    page.fill("textarea[name=help_text]", "Luma Skin: call (512) 555-0100. Reply STOP to opt out.")
    page.fill("input[name=review_link]", "http://not-https.example")  # refused, and nothing typed is lost
    page.click("[data-clinic-form] button[type=submit]")
    expect(page.locator("[data-clinic-error]")).to_contain_text("review_link")
    expect(page.locator("input[name=sender_name]")).to_have_value("Lee at Luma")
    page.fill("input[name=review_link]", "https://g.page/r/luma/review")
    page.click("[data-clinic-form] button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("Clinic settings saved")
    page.fill("[data-on-call-form] input[name=phone]", f"(512) 555-{n}181")
    page.fill("[data-on-call-form] input[name=name]", "Nurse Bo")
    page.click("[data-on-call-form] button[type=submit]")
    expect(page.locator("[data-on-call]")).to_contain_text("Nurse Bo")
    fits(page)
    page.click("header nav >> text=Staff")
    for email, name, role in ((nurse, "Bo Nurse", "clinical"), (desk, "Cy Desk", "front_desk")):
        page.fill("input[name=name]", name)
        page.fill("input[name=email]", email)
        page.select_option("select[name=role]", role)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/console/staff'] button[type=submit]")
        expect(page.locator(".notice")).to_contain_text("Account created")
    fits(page)
    page.click("text=Log out")

    with Session(live.engine) as s:
        clinic = s.exec(select(Clinic).where(Clinic.phone == twilio)).one()
        assert clinic.settings["segment_budget"] == 1 and clinic.settings["sender_name"] == "Lee at Luma"
    csv = tmp_path / "zenoti.csv"
    csv.write_text(zenoti_export(n))
    import_export(str(live.engine.url), clinic.id, csv, monkeypatch)
    with Session(live.engine) as s:
        rita = s.exec(select(Patient).where(Patient.phone == f"+1512555{n}201")).one()
        sam = s.exec(select(Patient).where(Patient.phone == f"+1512555{n}202")).one()
        visit = s.exec(select(Visit).where(Visit.patient_id == rita.id)).one()
        three_days_ago = datetime.now(ZoneInfo(ZONE)).date() - timedelta(days=3)
        assert (rita.clinic_id, rita.first_name, visit.treatment) == (clinic.id, "Rita", "Juvederm Ultra XC lips")
        assert visit.occurred_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(ZONE)).date() == three_days_ago

    # Rita texts a red flag to the new clinic's number: one urgent handoff, one text to the on-call nurse.
    live.texts_in(rita.phone, twilio, "my lip went white and it really hurts")

    def alerts() -> list[StaffAlert]:
        with Session(live.engine) as s:
            return list(s.exec(select(StaffAlert).where(StaffAlert.clinic_id == clinic.id)))

    wait_for(lambda: [a.delivery_status for a in alerts()] == [DeliveryStatus.DRY_RUN], "the on-call alert", page)
    page.wait_for_timeout(1000)  # a second alert would have been queued with the first
    assert [(a.to, a.round) for a in alerts()] == [(on_call, "first")]
    assert "Rita" not in alerts()[0].body and "lip" not in alerts()[0].body  # no PHI in an SMS to staff
    with Session(live.engine) as s:
        job = s.exec(select(OutboxJob).where(OutboxJob.staff_alert_id == alerts()[0].id)).one()
        assert job.status == OutboxStatus.DONE

    # The nurse claims it from the inbox.
    login(page, nurse)
    urgent = page.locator("li.handoff.urgent", has_text="Rita")
    expect(urgent).to_be_visible()
    fits(page)
    urgent.locator("a.cover").click()
    page.click("button:has-text('Claim')")
    expect(page.locator("[data-handoff-status]")).to_have_text("claimed")
    fits(page)
    page.click("text=Log out")
    with Session(live.engine) as s:
        handoff = s.exec(select(Handoff).where(Handoff.patient_id == rita.id)).one()
        assert handoff.priority == Priority.URGENT and handoff.claimed_at is not None

    # The front desk texts Sam first, from his patient page; the thread is theirs from then on.
    login(page, desk)
    page.goto(f"/console/patients/{sam.id}")
    expect(page.locator("[data-start-text]")).to_contain_text("Text Sam")
    fits(page)
    hello = "Hi Sam, this is Lee at Luma Skin. Please call us back when you have a minute."
    page.fill("[data-start-text] textarea[name=body]", hello)
    page.click("[data-start-text] button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("The thread is yours")
    expect(page.locator("[data-handoff-status]")).to_have_text("claimed")
    expect(page.locator("li.msg.kind-staff")).to_contain_text("Please call us back")
    fits(page)

    def sent() -> list[Message]:
        with Session(live.engine) as s:
            return list(s.exec(select(Message).where(Message.patient_id == sam.id, Message.kind == MessageKind.STAFF)))

    wait_for(lambda: [m.delivery_status for m in sent()] == [DeliveryStatus.DRY_RUN], "the staff text", page)
    page.goto(f"/console/patients/{rita.id}")  # Rita is the nurse's now: the desk is told so, not let through
    page.fill("[data-start-text] textarea[name=body]", "Hi Rita, checking in from the front desk.")
    page.click("[data-start-text] button[type=submit]")
    expect(page.locator("[data-start-refused]")).to_contain_text("a colleague has claimed")
    fits(page)
