"""Clinic > Messages and timing (admins): the clinic's own wording for reply and touch templates, and its touch
timing, over the shipped files. Every rule is agent/staff/clinic_messages.py's; this is the form around it.
A refused template comes back on its form with the reasons and the text as typed; nothing is saved."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from agent.policy.timing_overrides import timing_fields
from agent.staff import clinic_messages as messages
from agent.staff.actor import Forbidden, NotFound
from agent.staff.roles import Permission
from agent.store.models import Clinic
from api.console.auth import ConsoleUserDep, now_of
from api.console.forms import back_to
from api.console.render import page
from api.deps import AgentDep, SessionDep

router = APIRouter(prefix="/console/clinic", include_in_schema=False)
Source = Annotated[str, Form(max_length=messages.MAX_TEMPLATE * 2)]  # the check says "too long" past the limit
HOME = "/console/clinic/messages"


def _admin(user: ConsoleUserDep) -> None:
    if not user.actor.can(Permission.MANAGE_CLINIC):
        raise Forbidden("only an admin changes the clinic's messages and timing")


def _overview(request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep, *,
              typed: dict[str, str] | None = None, timing_error: str | None = None, status_code: int = 200) -> Response:
    changes = messages.timing_changes(session, user.actor.clinic_id)
    defaults = timing_fields(agent.policies.timing)
    shown = typed if typed is not None else {k: str(changes[k]) for k in changes}
    return page(request, user, "clinic_messages.html", session=session, nav="clinic",
                names=agent.prompts.editable(), custom=messages.overrides_of(session, user.actor.clinic_id),
                defaults=defaults, shown=shown, timing_error=timing_error, status_code=status_code)


@router.get("/messages")
def messages_page(request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep) -> Response:
    _admin(user)
    return _overview(request, user, session, agent)


def _editor(request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep, name: str, *,
            source: str | None = None, check: messages.TemplateCheck | None = None, status_code: int = 200) -> Response:
    if name not in agent.prompts.editable():
        raise NotFound(f"no message template {name}")
    custom = messages.overrides_of(session, user.actor.clinic_id).get(name)
    default = agent.prompts.source(name).strip()
    return page(request, user, "clinic_message.html", session=session, nav="clinic", name=name, default=default,
                custom=custom, source=source if source is not None else (custom or default), check=check,
                status_code=status_code)


@router.get("/messages/{name:path}")
def message_page(name: str, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep) -> Response:
    _admin(user)
    return _editor(request, user, session, agent, name)


@router.post("/messages/{name:path}/preview")
def message_preview(name: str, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep,
                    source: Source = "") -> Response:
    """Renders and judges the text as typed; saves nothing."""
    _admin(user)
    clinic = session.get(Clinic, user.actor.clinic_id)
    check = messages.check_template(agent.prompts, agent.policies, clinic, name, source, now_of(request))
    return _editor(request, user, session, agent, name, source=source, check=check)


@router.post("/messages/{name:path}/reset")
def message_reset(name: str, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep) -> Response:
    _admin(user)
    messages.reset_template(session, user.actor, agent.prompts, name, now_of(request))
    session.commit()
    return back_to(HOME, "template_reset")


@router.post("/messages/{name:path}")
def message_save(name: str, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep,
                 source: Source = "") -> Response:
    _admin(user)
    check = messages.save_template(session, user.actor, agent.prompts, agent.policies, name, source, now_of(request))
    if not check.ok:
        session.rollback()
        return _editor(request, user, session, agent, name, source=source, check=check, status_code=422)
    session.commit()
    return back_to(HOME, "template_saved")


@router.post("/timing")
async def timing_save(request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep) -> Response:
    _admin(user)
    form = await request.form()
    fields = set(timing_fields(agent.policies.timing))
    # Only the timing inputs; a field the form does not carry keeps the file's value.
    typed = {key: str(value)[:8] for key, value in form.items() if key in fields}
    try:
        messages.save_timing(session, user.actor, agent.policies, typed, now_of(request))
    except messages.MessagesError as exc:
        session.rollback()
        return _overview(request, user, session, agent, typed=typed, timing_error=f"Not saved: {exc}.",
                         status_code=422)
    session.commit()
    return back_to(HOME, "timing_saved")


@router.post("/timing/reset")
def timing_reset(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    _admin(user)
    messages.reset_timing(session, user.actor, now_of(request))
    session.commit()
    return back_to(HOME, "timing_reset")
