"""Console pages (GET): inbox with live refresh, approval queue, referrals, conversations, dashboard, audit."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from agent.ids import Id
from agent.reports import dashboard as build_dashboard
from agent.staff import queries
from agent.staff.actor import Forbidden
from agent.staff.roles import QUEUES, Permission
from agent.types import HandoffStatus, Queue, ReferralStatus
from api.console.auth import ConsoleUserDep, now_of
from api.console.render import local_formatter, minutes, page, templates
from api.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)
InboxStatus = Literal["active", "open", "claimed", "resolved"]


@router.get("")
@router.get("/")
def home() -> Response:
    return RedirectResponse("/console/inbox", status_code=303)


PAGE_SIZE = 25
InboxScope = Literal["mine", "all"]


def _inbox_context(request: Request, user: ConsoleUserDep, session: SessionDep, status: InboxStatus,
                   queue: Queue | None, scope: InboxScope = "mine", q: str = "", shown: int = PAGE_SIZE) -> dict:
    """The queues the user's role works by default ("my queues", urgent ones always in), or all of them."""
    mine = None if scope == "all" or queue is not None else set(QUEUES[user.staff.role])
    everything = queries.handoffs(session, user.actor, now_of(request), status=status, queue=queue, queues=mine,
                                  search=q)
    return {"items": everything[:shown], "total": len(everything), "shown": shown, "page_size": PAGE_SIZE,
            "status": status, "queue": queue, "queues": list(Queue), "scope": scope, "q": q,
            "urgent": [h for h in everything if h.priority == "urgent" and h.status != HandoffStatus.RESOLVED]}


Shown = Query(default=PAGE_SIZE, ge=1, le=500)
Search = Query(default="", max_length=60)


@router.get("/inbox")
def inbox(request: Request, user: ConsoleUserDep, session: SessionDep, status: InboxStatus = "active",
          queue: Queue | None = None, scope: InboxScope = "mine", q: str = Search, shown: int = Shown) -> Response:
    return page(request, user, "inbox.html", session=session,
                **_inbox_context(request, user, session, status, queue, scope, q, shown))


@router.get("/inbox/list")
def inbox_list(request: Request, user: ConsoleUserDep, session: SessionDep, status: InboxStatus = "active",
               queue: Queue | None = None, scope: InboxScope = "mine", q: str = Search,
               shown: int = Shown) -> Response:
    """The inbox's list alone, polled by console.js every few seconds (does not extend the session)."""
    context = _inbox_context(request, user, session, status, queue, scope, q, shown)
    return templates.TemplateResponse(request, "_inbox_list.html", {
        **context, "local": local_formatter(user), "minutes": minutes, "pulse": queries.pulse(session, user.actor)})


@router.get("/pulse")
def pulse(user: ConsoleUserDep, session: SessionDep) -> JSONResponse:
    return JSONResponse(queries.pulse(session, user.actor).model_dump())


@router.get("/handoffs/{handoff_id}")
def handoff_page(handoff_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    now = now_of(request)
    item = queries.handoff(session, user.actor, handoff_id, now)
    convo = queries.conversation(session, user.actor, item.conversation_id, now)
    return page(request, user, "handoff.html", session=session, h=item, convo=convo, refusal=None)


@router.get("/drafts")
def drafts_page(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return page(request, user, "drafts.html", session=session, drafts=queries.drafts(session, user.actor),
                refusal=None)


@router.get("/referrals")
def referrals_page(request: Request, user: ConsoleUserDep, session: SessionDep,
                   status: ReferralStatus | None = None) -> Response:
    every = queries.referrals(session, user.actor)
    counts = {s: sum(1 for r in every if r.status == s) for s in ReferralStatus}
    shown = [r for r in every if status is None or r.status == status]
    return page(request, user, "referrals.html", session=session, referrals=shown, counts=counts, status=status,
                statuses=list(ReferralStatus))


@router.get("/conversations")
def conversations_page(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return page(request, user, "conversations.html", session=session,
                conversations=queries.conversations(session, user.actor))


@router.get("/conversations/{conversation_id}")
def conversation_page(conversation_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    convo = queries.conversation(session, user.actor, conversation_id, now_of(request))
    turns = {t.id: t for t in convo.turns}
    return page(request, user, "conversation.html", session=session, convo=convo, turns=turns)


@router.get("/dashboard")
def dashboard_page(request: Request, user: ConsoleUserDep, session: SessionDep,
                   bucket: Literal["week", "day"] = "week",
                   periods: int = Query(default=8, ge=2, le=52)) -> Response:
    board = build_dashboard(session, user.clinic, now_of(request), bucket=bucket, periods=periods)
    return page(request, user, "dashboard.html", session=session, board=board)


@router.get("/audit")
def audit_page(request: Request, user: ConsoleUserDep, session: SessionDep,
               before: Id | None = None) -> Response:
    user.actor.require(Permission.VIEW_AUDIT)
    events = queries.audit_log(session, user.actor, limit=100, before_id=before)
    return page(request, user, "audit.html", session=session, events=events)


@router.get("/staff")
def staff_list_page(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    if not user.actor.can(Permission.MANAGE_STAFF):
        raise Forbidden("only an admin manages accounts")
    from api.console.forms import staff_page

    return staff_page(request, user, session)
