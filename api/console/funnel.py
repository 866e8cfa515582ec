"""The referral funnel page and its CSV export (agent/reports/funnel.py has the definitions)."""
from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from agent.reports.funnel import By, Funnel, funnel, period, to_csv
from api.console.auth import ConsoleUserDep, now_of
from api.console.render import page
from api.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


def funnel_csv_response(report: Funnel) -> Response:
    name = f"referral-funnel-by-{report.by.replace('_', '-')}.csv"
    return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _report(request: Request, user: ConsoleUserDep, session: SessionDep, by: By, since: date | None,
            until: date | None) -> Funnel:
    start, end = period(user.clinic.timezone, since, until, now_of(request))
    return funnel(session, user.clinic, start, end, by)


@router.get("/funnel")
def funnel_page(request: Request, user: ConsoleUserDep, session: SessionDep, by: By = "month",
                since: date | None = None, until: date | None = None) -> Response:
    report = _report(request, user, session, by, since, until)
    return page(request, user, "funnel.html", session=session, report=report,
                last_day=report.until - timedelta(days=1))


@router.get("/funnel.csv")
def funnel_csv(request: Request, user: ConsoleUserDep, session: SessionDep, by: By = "month",
               since: date | None = None, until: date | None = None) -> Response:
    return funnel_csv_response(_report(request, user, session, by, since, until))
