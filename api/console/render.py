"""Templates and the bits every console page shares (nav badges, CSRF token, notices)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, select
from starlette.responses import Response

from agent.staff import queries
from agent.staff.oncall import settings_of
from agent.staff.roles import Permission
from agent.store.staff_models import Staff
from agent.types import HandoffOutcome, ReferralFlag, ReferralStatus
from api.console.auth import ConsoleUser
from api.console.charts import blocks_chart, format_value, kpi_chart

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

# Fixed notices after a redirect (?done=...): the query string never carries free text into the page.
NOTICES = {
    "approved": "Approved: the reply is on its way.",
    "rejected": "Draft rejected. Nothing was sent.",
    "claimed": "Claimed. The thread is yours; the agent stays silent.",
    "resolved": "Resolved. The agent has the thread back unless another handoff is open.",
    "replied": "Reply queued for sending.",
    "started": "Text queued for sending. The thread is yours: the agent stays silent until you resolve it.",
    "referral": "Referral updated.",
    "referral_added": "Referral added.",
    "reward": "Reward marked as issued.",
    "referral_code": "Referral link ready: share it with the patient.",
    "staff_created": "Account created.",
    "staff_updated": "Account updated.",
    "password": "Password changed. Your other sessions are logged out.",
    "on_call": "On-call numbers updated.",
    "clinic": "Clinic settings saved.",
    "template_saved": "Message saved: the agent uses the clinic's wording from its next text.",
    "template_reset": "Message reset: the agent uses the default wording again.",
    "timing_saved": "Touch timing saved: visits from now on are scheduled with it.",
    "timing_reset": "Touch timing reset to the defaults.",
}

OUTCOME_LABELS = {
    HandoffOutcome.BOOKED_CONSULT: "Booked consult",
    HandoffOutcome.BOOKED_TREATMENT: "Booked treatment",
    HandoffOutcome.ANSWERED: "Answered",
    HandoffOutcome.NO_ACTION: "No action",
}
REFERRAL_LABELS = {
    ReferralStatus.NEW: "New",
    ReferralStatus.CONTACTED: "Contacted",
    ReferralStatus.CONSULT_BOOKED: "Consult booked",
    ReferralStatus.TREATED: "Treated",
    ReferralStatus.REWARD_ISSUED: "Reward issued",
}

FLAG_LABELS = {
    ReferralFlag.SELF_REFERRAL: "Self-referral: no reward",
    ReferralFlag.ALREADY_PATIENT: "Already a patient: no reward",
}


def local_formatter(user: ConsoleUser):  # noqa: ANN202 - a filter function
    tz = ZoneInfo(user.clinic.timezone)

    def fmt(moment: datetime | None, pattern: str = "%b %d, %H:%M") -> str:
        if moment is None:
            return ""
        aware = queries.aware(moment)
        return aware.astimezone(tz).strftime(pattern)

    return fmt


def minutes(value: int | None) -> str:
    if value is None:
        return ""
    if value < 60:
        return f"{value} min"
    if value < 60 * 48:
        return f"{value // 60} h {value % 60:02d} min"
    return f"{value // (60 * 24)} days"


def actor_namer(session: Session, clinic_id: int):  # noqa: ANN201 - a template filter
    """"staff:2" as the person's name ("staff:2" only if the account is gone); agent, system, patient as they are."""
    names: dict[str, str] | None = None

    def who(actor: str | None) -> str:
        nonlocal names
        if not actor or not actor.startswith("staff:"):
            return actor or ""
        if names is None:  # one query per page, only on pages that show an actor
            names = {f"staff:{sid}": name for sid, name in session.exec(
                select(Staff.id, Staff.name).where(Staff.clinic_id == clinic_id))}
        return names.get(actor, actor)

    return who


def page(request: Request, user: ConsoleUser, template: str, *, status_code: int = 200, **context: object) -> Response:
    session = context.pop("session")
    done = request.query_params.get("done")
    base = {
        "user": user,
        "me": user.staff,
        "clinic": user.clinic,
        "csrf": user.csrf,
        "pulse": queries.pulse(session, user.actor),
        "notice": NOTICES.get(done or ""),
        "local": local_formatter(user),
        "minutes": minutes,
        "who": actor_namer(session, user.clinic.id),
        "can": user.actor.can,
        "P": Permission,
        "outcome_labels": OUTCOME_LABELS,
        "referral_labels": REFERRAL_LABELS,
        "flag_labels": FLAG_LABELS,
        "kpi_chart": kpi_chart,
        "blocks_chart": blocks_chart,
        "fmt": format_value,
        "nav": template.split(".")[0],
        # Admins are told on every page when an urgent handoff would alert nobody outside the console.
        "no_on_call": user.actor.can(Permission.MANAGE_CLINIC) and not settings_of(user.clinic).on_call,
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
