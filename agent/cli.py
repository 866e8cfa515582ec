"""The `afterglow` command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.types import VisitType
from evals.bench.cli import bench as bench_command
from evals.cli import app as eval_app

app = typer.Typer(help="Afterglow: post-visit SMS check-ins and referrals for medical spas.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(eval_app, name="eval", help="Run conversation eval suites against a brain.")
app.command("bench")(bench_command)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API, webhooks and console (one process; in-process worker on SQLite)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations to DATABASE_URL."""
    from agent.config import get_settings
    from agent.store.db import make_engine, migrate

    migrate(make_engine(get_settings().database_url))
    typer.echo("schema is up to date")


@app.command("seed-demo")
def seed_demo_cmd() -> None:
    """Create the demo clinic and its patients in DATABASE_URL (idempotent)."""
    from agent.clock import SystemClock
    from agent.config import get_settings
    from agent.demo import seed_demo
    from agent.store.db import make_engine, migrate, session_scope

    engine = make_engine(get_settings().database_url)
    migrate(engine)
    with session_scope(engine) as session:
        clinic = seed_demo(session, SystemClock().now())
        typer.echo(f"demo clinic {clinic.name} (id {clinic.id}, number {clinic.phone})")


@app.command()
def chat(
    visit_type: Annotated[VisitType, typer.Option(help="Visit category of the demo patient.")] = VisitType.NEUROMODULATOR,
    days: Annotated[int, typer.Option(min=0, max=730, help="Days since the visit.")] = 14,
    touch: Annotated[str, typer.Option(help="Opening touch (see policies/timing.yaml), or 'none'.")] = "results_checkin",
    name: Annotated[str, typer.Option(help="Patient first name.")] = "Maya",
    marketing: Annotated[bool, typer.Option(help="Patient gave marketing consent.")] = True,
    treatment: Annotated[str, typer.Option(help="Treatment on the visit record (kept internal).")] = "Botox forehead",
    as_json: Annotated[bool, typer.Option("--json", help="Read one message per line, print one JSON per turn.")] = False,
    database_url: Annotated[str, typer.Option(help="Where to keep the chat (default: in memory).")] = "sqlite://",
    transcript: Annotated[bool, typer.Option(help="Readable transcript even when stdin is a pipe.")] = False,
) -> None:
    """Text with the agent as a patient of the demo clinic."""
    from agent.chat import ChatSession, ChatSetup, describe, run_json
    from agent.policy.loader import default_policies

    touch_name = None if touch == "none" else touch
    if touch_name and touch_name != "nudge":
        try:
            default_policies().timing.touch(visit_type, touch_name)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--touch") from None
    setup = ChatSetup(first_name=name, visit_type=visit_type, days=days, touch=touch_name,
                      marketing_consent=marketing, treatment=treatment, database_url=database_url)
    session = ChatSession(setup)
    interactive = sys.stdin.isatty()
    if as_json or not (interactive or transcript):
        run_json(session, sys.stdin, sys.stdout)
        return
    typer.echo(f"Chatting as {name}, {visit_type.value} visit {days} day(s) ago." + (" Ctrl-D to quit." if interactive else ""))
    opened = session.open()
    if opened is not None:
        typer.echo("\n".join(describe(opened)))
    while True:
        try:
            text = input("you> " if interactive else "")
        except EOFError:
            typer.echo("")
            return
        if text.strip():
            if not interactive:
                typer.echo(f"you> {text}")
            typer.echo("\n".join(describe(session.say(text))))


@app.command("import")
def import_visits(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV export of visits.")],
    clinic_id: Annotated[int, typer.Option(help="Clinic the visits belong to.")],
) -> None:
    """Import completed visits from a CSV (columns: external_id, phone, first_name, visit_type, occurred_at,
    and optionally treatment, provider, sms_consent, marketing_consent). Bad rows are reported, good ones import."""
    from agent.clock import SystemClock
    from agent.config import get_settings
    from agent.outreach.intake import import_csv
    from agent.policy.loader import default_policies
    from agent.store.db import make_engine, migrate, session_scope
    from agent.store.models import Clinic

    engine = make_engine(get_settings().database_url)
    migrate(engine)
    with session_scope(engine) as session:
        clinic = session.get(Clinic, clinic_id)
        if clinic is None:
            raise typer.BadParameter(f"no clinic {clinic_id}", param_hint="--clinic-id")
        text = path.read_text(encoding="utf-8-sig")
        report = import_csv(session, clinic, text, default_policies(), SystemClock().now())
    for error in report.errors or []:
        typer.echo(f"line {error.row}: {error.reason}", err=True)
    typer.echo(f"{report.created} imported, {report.duplicates} already known, {len(report.errors or [])} rejected")
    if report.errors and not report.created and not report.duplicates:
        raise typer.Exit(1)


@app.command("api-key")
def api_key(clinic_id: Annotated[int, typer.Option(help="Clinic to issue a key for.")]) -> None:
    """Issue a new JSON API key for a clinic (replaces the old one; shown once)."""
    from agent.config import get_settings
    from agent.security import set_api_key
    from agent.store.db import make_engine, migrate, session_scope
    from agent.store.models import Clinic

    engine = make_engine(get_settings().database_url)
    migrate(engine)
    with session_scope(engine) as session:
        clinic = session.get(Clinic, clinic_id)
        if clinic is None:
            raise typer.BadParameter(f"no clinic {clinic_id}", param_hint="--clinic-id")
        typer.echo(set_api_key(clinic))


@app.command()
def worker(interval: Annotated[float, typer.Option(min=0.05, help="Seconds between steps.")] = 1.0) -> None:
    """Run a worker: send due touches and deliver the outbox (run several beside the API on PostgreSQL)."""
    import logging

    from agent.clock import SystemClock
    from agent.config import get_settings
    from agent.engine.turn import Agent
    from agent.store.db import make_engine, migrate
    from agent.worker import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    run_forever(Agent(engine, clock=SystemClock()), interval_s=interval, dry_run=settings.dry_run)


@app.command()
def simulate(
    visit_type: Annotated[VisitType, typer.Option(help="Visit category to simulate.")] = VisitType.NEUROMODULATOR,
    days: Annotated[int, typer.Option(min=1, max=400, help="How many days to replay.")] = 45,
    reply: Annotated[list[str] | None, typer.Option(help="Scripted patient reply, DAY=TEXT (repeatable).")] = None,
    name: Annotated[str, typer.Option(help="Patient first name.")] = "Maya",
    marketing: Annotated[bool, typer.Option(help="Patient gave marketing consent.")] = True,
    timezone: Annotated[str, typer.Option(help="Clinic timezone.")] = "America/Los_Angeles",
) -> None:
    """Replay a demo patient's timeline day by day: every text, when it goes out, and why others do not."""
    from zoneinfo import ZoneInfoNotFoundError

    from agent.outreach.simulate import parse_replies, render
    from agent.outreach.simulate import simulate as run_simulation

    try:
        replies = parse_replies(reply or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--reply") from None
    try:
        timeline = run_simulation(visit_type, days=days, replies=replies, first_name=name,
                                  marketing_consent=marketing, timezone=timezone)
    except ZoneInfoNotFoundError:
        raise typer.BadParameter(f"unknown timezone {timezone!r}", param_hint="--timezone") from None
    typer.echo(render(timeline))


@app.command()
def outbox(limit: int = 20) -> None:
    """Show the newest outbound texts (in dry-run mode: what would have been sent)."""
    from sqlmodel import Session, select

    from agent.config import get_settings
    from agent.store.db import make_engine
    from agent.store.models import Message
    from agent.types import Direction

    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        rows = session.exec(select(Message).where(Message.direction == Direction.OUTBOUND)
                            .order_by(Message.id.desc()).limit(limit)).all()
    for m in reversed(rows):
        status = m.delivery_status.value if m.delivery_status else "-"
        typer.echo(f"#{m.id} conv {m.conversation_id} [{status}] {m.kind.value}: {m.body}")


def main() -> None:
    app()
