"""An admin rewords the clinic's reply and touch templates and changes its touch timing (console: Clinic >
Messages and timing). The files under prompts/ and policies/timing.yaml stay the defaults; a clinic's row
replaces one template or some timing numbers, and removing it restores the file's.

A template is only saved if it would be sent as it stands: it renders with the variables its file template is
given, stays GSM-7 within the clinic's segment budget, and passes the PHI and one-ask guards, rendered for a
sample patient. The preview runs the same checks without saving. Callers commit."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from jinja2 import TemplateError, TemplateSyntaxError
from sqlmodel import Session, select

from agent.engine.touches import weeks_phrase, when_phrase
from agent.guards.asks import check_one_ask, detect_asks
from agent.guards.chain import check_segments
from agent.guards.context import AskFacts, GuardContext
from agent.guards.phi import check_phi
from agent.guards.segments import UCS2, count_segments
from agent.nlu.language import ENGLISH
from agent.phones import display_phone
from agent.policy.schema import ClinicSettings, Policies
from agent.policy.timing_overrides import TimingOverrideError, apply_timing, timing_fields
from agent.prompts import PromptLibrary, as_sms
from agent.staff.actor import Actor, NotFound
from agent.staff.roles import Permission
from agent.store.models import AuditEvent, Clinic, ClinicTemplate, ClinicTiming
from agent.types import GuardVerdict

SAMPLE_FIRST_NAME = "Maria"
SAMPLE_REFERRAL = "Dana"
SAMPLE_DAYS = 1  # "yesterday": the day-one check-in, the touch most clinics reword first
SAMPLE_REVIEW_LINK = "https://g.page/r/your-clinic/review"  # when the clinic has no review link yet
MAX_TEMPLATE = 1600


class MessagesError(ValueError):
    """A timing change that is refused; the message names the field and the rule, never a patient."""


@dataclass(frozen=True)
class TemplateCheck:
    """A template rendered for the sample patient, with what would stop it from being saved."""

    name: str
    text: str = ""  # the first sample rendering, as the patient would read it
    segments: int = 0
    encoding: str = ""
    verdicts: list[GuardVerdict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def language_of(name: str) -> str:
    """'touches/es/nudge' -> "es"; a name without a language folder is English."""
    parts = name.split("/")
    return parts[1] if len(parts) == 3 else ENGLISH


def sample_contexts(clinic: Clinic, language: str) -> list[dict[str, object]]:
    """What the engine gives a template, for a sample patient: two renderings, so both sides of a
    `variant` or `referral_name` branch are checked."""
    settings = ClinicSettings.model_validate(clinic.settings or {})
    base = {"first_name": SAMPLE_FIRST_NAME, "clinic_name": clinic.name, "clinic_phone": display_phone(clinic.phone),
            "sender": settings.sender_name or clinic.name, "help_text": settings.help_text,
            "when": when_phrase(SAMPLE_DAYS, language), "when_weeks": weeks_phrase(14, language),
            "review_link": clinic.review_link or SAMPLE_REVIEW_LINK}
    return [{**base, "variant": 0, "referral_name": SAMPLE_REFERRAL}, {**base, "variant": 1, "referral_name": ""}]


def check_template(prompts: PromptLibrary, policies: Policies, clinic: Clinic, name: str, source: str,
                   now: datetime) -> TemplateCheck:
    if name not in prompts.editable():
        raise NotFound(f"no message template {name}")
    if not source.strip():
        return TemplateCheck(name, errors=["the template is empty; use Reset to go back to the default"])
    if len(source) > MAX_TEMPLATE:
        return TemplateCheck(name, errors=[f"the template is longer than {MAX_TEMPLATE} characters"])
    try:
        used = prompts.variables(source)
    except TemplateSyntaxError as exc:
        return TemplateCheck(name, errors=[f"template syntax, line {exc.lineno}: {exc.message}"])
    if prompts.references(source):
        return TemplateCheck(name, errors=["a message template cannot include, import or extend other templates"])
    given = prompts.variables(prompts.source(name))
    unknown = sorted(used - given)
    if unknown:
        allowed = ", ".join("{{ %s }}" % v for v in sorted(given))
        return TemplateCheck(name, errors=[f"this message is not given {', '.join(unknown)}; it may use {allowed}"])
    try:
        texts = [as_sms(prompts.compile(source).render(**c)) for c in sample_contexts(clinic, language_of(name))]
    except TemplateError as exc:
        return TemplateCheck(name, errors=[f"the template does not render: {exc.message}"])
    except Exception as exc:  # noqa: BLE001 - typed text may fail any way ({{ 1 / 0 }}); sample data only, no PHI
        return TemplateCheck(name, errors=[f"the template does not render: {type(exc).__name__}"])
    return _judge(name, texts, policies, clinic, now)


def _judge(name: str, texts: list[str], policies: Policies, clinic: Clinic, now: datetime) -> TemplateCheck:
    """The guards a sent text meets, on every sample rendering; the first rendering's verdicts are shown."""
    settings = ClinicSettings.model_validate(clinic.settings or {})
    ctx = GuardContext(policies=policies, settings=settings, facts=AskFacts(now=now), review_link=clinic.review_link,
                       exempt_phrases=(clinic.name, settings.sender_name or clinic.name, SAMPLE_FIRST_NAME))
    errors: list[str] = []
    shown: list[GuardVerdict] = []
    for text in texts:
        if not text:
            errors.append("a sample rendering is empty")
            continue
        verdicts = [check_phi(text, ctx), check_one_ask(detect_asks(text, policies.asks, clinic.review_link),
                                                        policies.asks), check_segments(text, ctx)]
        shown = shown or verdicts
        errors += [v.reason for v in verdicts if v.tripped]
        outside = sorted({ch for ch in text if count_segments(ch).encoding == UCS2})
        if outside:
            errors.append(f"uses characters outside GSM-7 ({' '.join(outside)}): each text would cost UCS-2 "
                          "segments of 70 characters")
    info = count_segments(texts[0])
    return TemplateCheck(name, text=texts[0], segments=info.segments, encoding=info.encoding, verdicts=shown,
                         errors=list(dict.fromkeys(errors)))


# ------------------------------------------------------------------ templates


def overrides_of(session: Session, clinic_id: int) -> dict[str, str]:
    return {row.name: row.body for row in session.exec(
        select(ClinicTemplate).where(ClinicTemplate.clinic_id == clinic_id))}


def save_template(session: Session, actor: Actor, prompts: PromptLibrary, policies: Policies, name: str,
                  source: str, now: datetime) -> TemplateCheck:
    """Save the clinic's wording if it passes every check; a refused one changes nothing."""
    actor.require(Permission.MANAGE_CLINIC)
    clinic = session.get(Clinic, actor.clinic_id)
    check = check_template(prompts, policies, clinic, name, source, now)
    if not check.ok:
        return check
    row = _template_row(session, clinic.id, name)
    if row is None:
        row = ClinicTemplate(clinic_id=clinic.id, name=name, body=source, updated_by=actor.label, updated_at=now)
    row.body, row.updated_by, row.updated_at = source, actor.label, now
    session.add(row)
    _changed(session, actor, clinic, "clinic.template_saved", {"template": name}, now)
    return check


def reset_template(session: Session, actor: Actor, prompts: PromptLibrary, name: str, now: datetime) -> bool:
    """Back to the file's wording; False when the clinic had none of its own."""
    actor.require(Permission.MANAGE_CLINIC)
    if name not in prompts.editable():
        raise NotFound(f"no message template {name}")
    clinic = session.get(Clinic, actor.clinic_id)
    row = _template_row(session, clinic.id, name)
    if row is None:
        return False
    session.delete(row)
    _changed(session, actor, clinic, "clinic.template_reset", {"template": name}, now)
    return True


def _template_row(session: Session, clinic_id: int, name: str) -> ClinicTemplate | None:
    return session.exec(select(ClinicTemplate).where(ClinicTemplate.clinic_id == clinic_id,
                                                     ClinicTemplate.name == name)).first()


# ------------------------------------------------------------------ timing


def timing_changes(session: Session, clinic_id: int) -> dict[str, int | None]:
    row = _timing_row(session, clinic_id)
    return dict(row.fields) if row else {}


def save_timing(session: Session, actor: Actor, policies: Policies, typed: Mapping[str, str], now: datetime) -> dict:
    """`typed`: form text by dotted field. Blank or the file's own value means the default, so only real
    changes are stored. Raises MessagesError (nothing saved) on a value the timing schema refuses."""
    actor.require(Permission.MANAGE_CLINIC)
    defaults = timing_fields(policies.timing)
    changes: dict[str, int] = {}
    for key, text in typed.items():
        if key not in defaults:
            raise MessagesError(f"unknown timing field {key}")
        if not text.strip():
            continue
        try:
            value = int(text.strip())
        except ValueError:
            raise MessagesError(f"{key}: a whole number is needed") from None
        if value != defaults[key]:
            changes[key] = value
    try:
        apply_timing(policies.timing, changes)
    except TimingOverrideError as exc:
        raise MessagesError(str(exc)) from None
    clinic = session.get(Clinic, actor.clinic_id)
    row = _timing_row(session, clinic.id)
    if row is None and not changes:
        return changes
    if row is None:
        row = ClinicTiming(clinic_id=clinic.id, fields=changes, updated_by=actor.label, updated_at=now)
    row.fields, row.updated_by, row.updated_at = changes, actor.label, now
    session.add(row)
    _changed(session, actor, clinic, "clinic.timing_saved", {"fields": sorted(changes)}, now)
    return changes


def reset_timing(session: Session, actor: Actor, now: datetime) -> bool:
    actor.require(Permission.MANAGE_CLINIC)
    clinic = session.get(Clinic, actor.clinic_id)
    row = _timing_row(session, clinic.id)
    if row is None:
        return False
    session.delete(row)
    _changed(session, actor, clinic, "clinic.timing_reset", {}, now)
    return True


def _timing_row(session: Session, clinic_id: int) -> ClinicTiming | None:
    return session.exec(select(ClinicTiming).where(ClinicTiming.clinic_id == clinic_id)).first()


def _changed(session: Session, actor: Actor, clinic: Clinic, action: str, data: dict, now: datetime) -> None:
    """Every process's engine rereads the clinic's overrides on its next turn (agent/engine/clinic_rules.py)."""
    clinic.overrides_revision = (clinic.overrides_revision or 0) + 1
    session.add(clinic)
    session.add(AuditEvent(clinic_id=clinic.id, actor=actor.label, action=action, subject_type="clinic",
                           subject_id=clinic.id, data=data, created_at=now))
