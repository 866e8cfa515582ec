"""The `afterglow` command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from agent.types import OutboxStatus, VisitType


class _WithEvaluatorCommands(TyperGroup):
    """`eval`, `nlu` and `bench` belong to the evaluator layer (evals/), which sits above this one: they are
    imported when named, so that nothing in agent/ imports evals/ at import time (README, Layout)."""

    LAZY = {"eval": ("evals.cli", "app", "Run conversation eval suites against a brain."),
            "nlu": ("evals.nlu_cli", "app", "Train the offline reader and score it on held-out texts."),
            "bench": ("evals.bench.cli", "bench", None)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.LAZY:
            return super().get_command(ctx, name)
        import importlib

        module, attr, help_text = self.LAZY[name]
        target = getattr(importlib.import_module(module), attr)
        if isinstance(target, typer.Typer):  # a group of commands (eval, nlu)
            command = typer.main.get_group(target)
        else:  # a single command function (bench)
            single = typer.Typer(add_completion=False)
            single.command(name)(target)
            command = typer.main.get_command(single)
        command.name = name
        if help_text:
            command.help = help_text
        return command


app = typer.Typer(cls=_WithEvaluatorCommands, help="Afterglow: post-visit SMS check-ins and referrals for medical spas.",
                  no_args_is_help=True)
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
staff_app = typer.Typer(help="Staff console accounts.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
clinic_app = typer.Typer(help="Clinic settings.", no_args_is_help=True)
app.add_typer(clinic_app, name="clinic")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API, webhooks and console (one process; in-process worker on SQLite)."""
    import os

    import uvicorn

    from agent import logs
    from agent.brains.factory import UnknownModel, build_brain, describe, refuse
    from agent.config import get_settings

    if "PUBLIC_BASE_URL" not in os.environ and (host, port) != ("127.0.0.1", 8000):
        # Webhook signatures are checked against the public URL: locally, that is where we listen.
        os.environ["PUBLIC_BASE_URL"] = f"http://{host}:{port}"
        get_settings.cache_clear()
    settings = _settings()
    try:
        build_brain(settings)  # refused here, before the server starts, as `worker`, `chat` and `eval` refuse it
    except UnknownModel as exc:
        refuse(exc)
    typer.echo(f"Brain: {describe(settings.model, settings)}")
    if settings.demo_allowed:
        from agent.demo import DEMO_STAFF, DEMO_STAFF_PASSWORD

        typer.echo(f"Staff console: http://{host}:{port}/console  (demo logins, password {DEMO_STAFF_PASSWORD!r}: "
                   + ", ".join(f"{email} [{role}]" for email, _, role in DEMO_STAFF) + ")")
        typer.echo(f"Demo clinic JSON API key (X-API-Key): {_demo_key_shown(settings)}   "
                   f"API docs: http://{host}:{port}/docs"
                   + ("   SMS: dry-run (nothing leaves this machine)" if settings.dry_run else ""))
    if settings.dev_routes_enabled:
        typer.echo(f"Dev routes (no login): http://{host}:{port}/dev/patients")
    logs.install()
    from agent.proxies import server_options

    # X-Forwarded-For only from a configured proxy: the login throttle counts client addresses.
    # A stop waits at most a few seconds for open console event streams (/console/events), which would
    # otherwise hold it for their whole lifetime; the browsers reconnect to the next process by themselves.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info",
                log_config=logs.uvicorn_log_config(), timeout_graceful_shutdown=5, **server_options())


def _demo_key_shown(settings) -> str:  # noqa: ANN001 - Settings
    """The demo key, unless `afterglow api-key` replaced it: then the banner must not advertise a dead key."""
    from sqlmodel import select

    from agent.demo import DEMO_PHONE
    from agent.security import digest
    from agent.store.db import session_scope
    from agent.store.models import Clinic

    with session_scope(_database()) as session:
        clinic = session.exec(select(Clinic).where(Clinic.phone == DEMO_PHONE)).first()
        if clinic is None or clinic.api_key_hash in (None, digest(settings.demo_api_key)):
            return settings.demo_api_key
    return "replaced with `afterglow api-key` (the demo key no longer works; use the key it printed)"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations to DATABASE_URL."""
    _database()
    typer.echo("schema is up to date")


@staff_app.command("create")
def staff_create(
    clinic_id: Annotated[int, typer.Option(help="Clinic the account belongs to.")],
    email: Annotated[str, typer.Option(help="Login email (unique).")],
    role: Annotated[str, typer.Option(help="front_desk, clinical, manager or admin.")] = "admin",
    name: Annotated[str, typer.Option(help="Display name (default: the part of the email before @).")] = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="AFTERGLOW_STAFF_PASSWORD",
                                          help="At least 12 characters and zxcvbn strength 3 of 4 "
                                               "(prompted when not given).")] = "",
) -> None:
    """Create a console account, e.g. the clinic's first admin."""
    from pydantic import ValidationError

    from agent.clock import SystemClock
    from agent.staff.accounts import AccountError, create_staff
    from agent.staff.strength import explain
    from agent.store.db import session_scope
    from agent.staff.schemas import StaffCreate

    try:
        payload = StaffCreate(email=email, name=name or email.split("@")[0], role=role, password=password)
    except ValidationError as exc:
        raise typer.BadParameter(f"check {explain(exc)}") from None
    engine = _database()
    try:
        with session_scope(engine) as session:
            staff = create_staff(session, clinic_id, payload, SystemClock().now(), actor="cli")
            typer.echo(f"created {staff.role.value} #{staff.id} {staff.email} for clinic {clinic_id}")
    except AccountError as exc:
        raise typer.BadParameter(str(exc)) from None


@staff_app.command("list")
def staff_list(clinic_id: Annotated[int, typer.Option(help="Clinic to list.")]) -> None:
    """List a clinic's console accounts."""
    from sqlmodel import Session, select

    from agent.store.staff_models import Staff

    engine = _database()
    with Session(engine) as session:
        for s in session.exec(select(Staff).where(Staff.clinic_id == clinic_id).order_by(Staff.id)):
            typer.echo(f"#{s.id} {s.email} {s.role.value}{'' if s.active else ' (inactive)'}")


@staff_app.command("api-key")
def staff_api_key(email: Annotated[str, typer.Option(help="Account to issue a personal JSON API key for.")]) -> None:
    """Issue a personal JSON API key (acts with the account's role; replaces the old key; shown once)."""
    from sqlmodel import select

    from agent.clock import SystemClock
    from agent.staff.accounts import issue_api_key
    from agent.store.db import session_scope
    from agent.store.staff_models import Staff

    engine = _database()
    with session_scope(engine) as session:
        staff = session.exec(select(Staff).where(Staff.email == email.strip().lower())).first()
        if staff is None or not staff.active:
            raise typer.BadParameter("no active account with this email", param_hint="--email")
        typer.echo(issue_api_key(session, staff, SystemClock().now(), actor="cli"))


@staff_app.command("set-password")
def staff_set_password(
    email: Annotated[str, typer.Option(help="Account whose password to set (e.g. one locked out).")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="AFTERGLOW_STAFF_PASSWORD",
                                          help="The new password: the same strength rules as everywhere.")] = "",
) -> None:
    """Set an account's password from the server (ends its console sessions). Staff change their own in the
    console (Your account) or with POST /api/me/password."""
    from sqlmodel import select

    from agent.clock import SystemClock
    from agent.staff.accounts import change_password
    from agent.staff.strength import WeakPassword
    from agent.store.db import session_scope
    from agent.store.staff_models import Staff

    engine = _database()
    try:
        with session_scope(engine) as session:
            staff = session.exec(select(Staff).where(Staff.email == email.strip().lower())).first()
            if staff is None:
                raise typer.BadParameter("no account with this email", param_hint="--email")
            change_password(session, staff, password, SystemClock().now(), actor="cli")
            typer.echo(f"password set for #{staff.id} {staff.email}; its console sessions are logged out")
    except WeakPassword as exc:
        raise typer.BadParameter(f"choose another password: {exc}", param_hint="--password") from None


@app.command("seed-demo")
def seed_demo_cmd() -> None:
    """Create the demo clinic and its patients in DATABASE_URL (idempotent)."""
    from agent.clock import SystemClock
    from agent.demo import seed_demo
    from agent.store.db import session_scope

    engine = _database()
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
    model: Annotated[str | None, typer.Option(help="offline, or provider:model such as openai:gpt-4o-mini "
                                                   "(default: AFTERGLOW_MODEL).")] = None,
) -> None:
    """Text with the agent as a patient of the demo clinic."""
    from agent.brains.factory import UnknownModel, refuse
    from agent.chat import ChatSession, ChatSetup, describe, run_json
    from agent.policy.loader import default_policies

    touch_name = None if touch == "none" else touch
    if touch_name and touch_name != "nudge":
        try:
            default_policies().timing.touch(visit_type, touch_name)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--touch") from None
    settings = _settings()
    setup = ChatSetup(first_name=name, visit_type=visit_type, days=days, touch=touch_name,
                      marketing_consent=marketing, treatment=treatment, database_url=database_url,
                      model=model or settings.model, model_base_url=settings.model_base_url, model_settings=settings)
    try:
        session = ChatSession(setup)
    except UnknownModel as exc:
        refuse(exc)
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
    profile: Annotated[str, typer.Option(help="Import profile: afterglow (default), zenoti, boulevard, vagaro, "
                                              "mindbody, or a clinic's own in policies/imports/.")] = "afterglow",
    day_first: Annotated[bool | None, typer.Option("--day-first/--month-first",
                                                   help="Override the profile's date order.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
) -> None:
    """Import completed visits from a CSV export. The profile maps the export's columns (Afterglow's own:
    external_id, phone, first_name, visit_type, occurred_at, and optionally treatment, provider,
    sms_consent, marketing_consent); service names become visit types through policies/imports/services.yaml.
    Bad rows are reported, good ones import, in short batches (the service keeps taking texts meanwhile).
    Exits 1 when any row was rejected. UTF-8, else read as Windows-1252/Latin-1."""
    from agent.clock import SystemClock
    from agent.outreach.csv_import import import_csv_file
    from agent.outreach.profiles import ProfileError, load_profile
    from agent.policy.loader import default_policies
    from agent.store.db import session_scope

    try:
        chosen, services = load_profile(profile)
    except ProfileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    engine = _database()
    with session_scope(engine) as session:
        _clinic(session, clinic_id)
    report = import_csv_file(engine, clinic_id, path.read_bytes(), default_policies(), SystemClock().now(),
                             profile=chosen, services=services, day_first=day_first, dry_run=dry_run)
    if report.encoding != "utf-8":
        typer.echo(f"note: the file is not UTF-8; read as {report.encoding}", err=True)
    for error in report.errors or []:
        typer.echo(f"line {error.row}: {error.reason}", err=True)
    verb = "would import" if dry_run else "imported"
    typer.echo(f"{report.created} {verb}, {report.duplicates} already known, {len(report.errors or [])} rejected, "
               f"{report.skipped} skipped (not a completed visit)")
    typer.echo(f"texts: {report.touches_scheduled} {'would be ' if dry_run else ''}scheduled, "
               f"{report.touches_passed} past their moment before the import (never sent)")
    if report.bookings or report.referrals_matched:
        typer.echo(f"referrals: {report.bookings} booking(s) read, "
                   + ("checked against open referrals when imported" if dry_run
                      else f"{report.referrals_matched} referral(s) advanced or flagged"))
    if dry_run:
        typer.echo("dry run: nothing was written")
    if report.stopped_at is not None:
        typer.echo(f"stopped at line {report.stopped_at}: the database did not answer; rows before it are "
                   "imported, run the same command again to import the rest", err=True)
        raise typer.Exit(1)
    if report.errors:
        raise typer.Exit(1)


@app.command("sms")
def sms(
    body: Annotated[str, typer.Argument(help="The text the patient sends.")],
    sender: Annotated[str, typer.Option("--from", help="The patient's phone (E.164).")] = "+14155552001",
    to: Annotated[str, typer.Option(help="The clinic's Twilio number (the demo clinic's by default).")] = "+14155550100",
    url: Annotated[str, typer.Option(help="The server, as PUBLIC_BASE_URL names it.")] = "",
) -> None:
    """Send one inbound SMS to a running server as Twilio would: the same form fields, signed with
    TWILIO_AUTH_TOKEN over PUBLIC_BASE_URL (try the webhook path locally; the server needs the same token)."""
    from agent.channel.local_sms import inbound_form, post_signed_sms

    settings = _settings()
    if not settings.twilio_auth_token:
        typer.echo("error: set TWILIO_AUTH_TOKEN (any value, the same for the server and this command)", err=True)
        raise typer.Exit(2)
    form = inbound_form(sender, to, body, settings.twilio_account_sid or "AC" + "0" * 32)
    try:
        response = post_signed_sms(url or settings.public_base_url, settings.twilio_auth_token, form)
    except Exception as exc:  # noqa: BLE001 - a CLI reports the transport failure in one line
        typer.echo(f"error: could not reach {url or settings.public_base_url} ({exc.__class__.__name__})", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{response.status_code} {form['MessageSid']}")
    if response.status_code != 200:
        raise typer.Exit(1)


@app.command("api-key")
def api_key(clinic_id: Annotated[int, typer.Option(help="Clinic to issue a key for.")]) -> None:
    """Issue a new JSON API key for a clinic (replaces the old one; shown once)."""
    from agent.security import set_api_key
    from agent.store.db import session_scope

    engine = _database()
    with session_scope(engine) as session:
        clinic = _clinic(session, clinic_id)
        typer.echo(set_api_key(clinic))


@app.command()
def worker(interval: Annotated[float, typer.Option(min=0.05, help="Seconds between idle steps.")] = 1.0) -> None:
    """Run a worker: inbound turns, due touches and the outbox (run several beside the API on PostgreSQL)."""
    import logging
    import signal
    import threading

    from agent import logs
    from agent.brains.factory import UnknownModel, refuse
    from agent.store.db import make_engine, migrate
    from agent.worker import Worker, build_agent, run_forever

    logs.configure(logging.INFO)
    settings = _settings()
    engine = make_engine(settings.database_url, busy_timeout_s=settings.sqlite_busy_timeout_s)
    try:
        agent = build_agent(engine, settings)  # the configured brain (AFTERGLOW_MODEL), logged
    except UnknownModel as exc:
        refuse(exc)
    migrate(engine)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())  # finish the current step, then exit
    the_worker = Worker.from_settings(agent, settings)
    logging.getLogger("afterglow.worker").info("worker %s started (%s), engine warmed in %.0f ms",
                                               the_worker.worker_id, "dry-run" if settings.dry_run else "Twilio",
                                               agent.warm())
    run_forever(the_worker, interval_s=interval, stop=stop)


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
def outbox(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many texts to show.")] = 20,
    status: Annotated[OutboxStatus | None, typer.Option(help="Only jobs in this state.")] = None,
    conversation: Annotated[int | None, typer.Option(help="Only this conversation.")] = None,
) -> None:
    """Show the newest outbound texts and their send jobs (in dry-run mode: what would have been sent)."""
    from sqlmodel import Session, select

    from agent.store.models import Message, OutboxJob
    from agent.types import Direction

    engine = _database(migrated=False)
    query = (select(Message, OutboxJob).join(OutboxJob, OutboxJob.message_id == Message.id, isouter=True)
             .where(Message.direction == Direction.OUTBOUND))
    if status:
        query = query.where(OutboxJob.status == status)
    if conversation is not None:
        query = query.where(Message.conversation_id == conversation)
    with Session(engine) as session:
        rows = session.exec(query.order_by(Message.id.desc()).limit(limit)).all()
    if not rows:
        typer.echo("no outbound texts")
    for m, job in reversed(rows):
        delivery = m.delivery_status.value if m.delivery_status else "-"
        send = f"job {job.status} x{job.attempts}" if job else "no job"
        error = f" error {m.error_code}" if m.error_code else ""
        why = f" ({job.last_error})" if job and job.last_error and job.status != OutboxStatus.DONE else ""
        typer.echo(f"#{m.id} {m.created_at:%Y-%m-%d %H:%M} conv {m.conversation_id} [{delivery}; {send}{error}]{why} "
                   f"{m.kind.value} ({m.segments} seg): {m.body}")


@app.command()
def inbound(limit: Annotated[int, typer.Option(min=1, max=1000, help="How many jobs to show.")] = 20) -> None:
    """Show the inbound queue: texts received by the webhook and what the workers made of them."""
    from sqlmodel import Session, select

    from agent.store.channel_models import InboundJob

    engine = _database(migrated=False)
    with Session(engine) as session:
        rows = session.exec(select(InboundJob).order_by(InboundJob.id.desc()).limit(limit)).all()
    if not rows:
        typer.echo("no inbound texts")
    for job in reversed(rows):
        outcome = job.outcome.value if job.outcome else "-"
        media = f", {job.num_media} attachment(s)" if job.num_media else ""
        error = f" last error: {job.last_error}" if job.last_error else ""
        typer.echo(f"#{job.id} {job.created_at:%Y-%m-%d %H:%M} patient {job.patient_id or '-'} "
                   f"[{job.status.value} x{job.attempts}; {outcome}{media}]{error}")


Name = Annotated[str | None, typer.Option(help="The clinic's name (texts say it).")]
TwilioNumber = Annotated[str | None, typer.Option("--phone", help="The clinic's Twilio number (E.164 or with area code).")]
TimeZone = Annotated[str | None, typer.Option(help="IANA time zone, e.g. America/Los_Angeles.")]
ReviewLink = Annotated[str | None, typer.Option(help="https link for review asks ('' clears it).")]
SenderName = Annotated[str | None, typer.Option(help="How texts sign off, e.g. 'Ana at Glow'.")]
SegmentBudget = Annotated[int | None, typer.Option(help="Most SMS segments per text (1-4).")]
QuietStart = Annotated[int | None, typer.Option(help="Local hour proactive texts stop (0-23).")]
QuietEnd = Annotated[int | None, typer.Option(help="Local hour they may start again (0-23).")]
HelpText = Annotated[str | None, typer.Option(help="The HELP reply's compliance line.")]


def _clinic_values(**options: object) -> dict:
    """The options a clinic command was given (locals() at its start: only its parameters exist yet)."""
    return {k: v for k, v in options.items() if v is not None}


def _show_clinic(clinic) -> None:  # noqa: ANN001
    from agent.staff.clinics import describe

    for name, value in describe(clinic):
        typer.echo(f"{name}: {value}")


@clinic_app.command("create")
def clinic_create(name: Name = None, phone: TwilioNumber = None, timezone: TimeZone = None,
                  review_link: ReviewLink = None, sender_name: SenderName = None, segment_budget: SegmentBudget = None,
                  quiet_start: QuietStart = None, quiet_end: QuietEnd = None, help_text: HelpText = None) -> None:
    """Create a clinic (name and Twilio number at least) and print its id and JSON API key (shown once)."""
    values = _clinic_values(**locals())  # first: only the parameters exist yet
    from agent.clock import SystemClock
    from agent.staff.clinics import ClinicError, create_clinic
    from agent.store.db import session_scope

    with session_scope(_database()) as session:
        try:
            clinic, key = create_clinic(session, values, SystemClock().now())
        except ClinicError as exc:
            typer.echo(f"afterglow: {exc}", err=True)
            raise typer.Exit(2) from None
        _show_clinic(clinic)
    typer.echo(f"JSON API key (X-API-Key, shown once): {key}")
    typer.echo("next: `afterglow clinic on-call` for urgent alerts, `afterglow staff create` for logins, "
               "and point the number's Twilio webhook at PUBLIC_BASE_URL/webhooks/twilio/sms")


@clinic_app.command("show")
def clinic_show(clinic_id: Annotated[int, typer.Option("--clinic-id", "--clinic", help="The clinic.")]) -> None:
    """Every setting of a clinic, defaults included."""
    from agent.store.db import session_scope

    with session_scope(_database()) as session:
        _show_clinic(_clinic(session, clinic_id))


@clinic_app.command("set")
def clinic_set(clinic_id: Annotated[int, typer.Option("--clinic-id", "--clinic", help="The clinic.")],
               name: Name = None, phone: TwilioNumber = None, timezone: TimeZone = None,
               review_link: ReviewLink = None, sender_name: SenderName = None, segment_budget: SegmentBudget = None,
               quiet_start: QuietStart = None, quiet_end: QuietEnd = None, help_text: HelpText = None) -> None:
    """Change a clinic's settings (only the options given); the result is validated whole, then saved."""
    values = _clinic_values(**{k: v for k, v in locals().items() if k != "clinic_id"})  # first: parameters only
    from agent.clock import SystemClock
    from agent.staff.clinics import ClinicError, update_clinic
    from agent.store.db import session_scope

    with session_scope(_database()) as session:
        clinic = _clinic(session, clinic_id)
        try:
            update_clinic(session, clinic, values, SystemClock().now())
        except ClinicError as exc:
            session.rollback()
            typer.echo(f"afterglow: {exc}", err=True)
            raise typer.Exit(2) from None
        _show_clinic(clinic)


@clinic_app.command("on-call")
def clinic_on_call(
    clinic_id: Annotated[int, typer.Option("--clinic-id", "--clinic", help="The clinic.")],
    add: Annotated[str | None, typer.Option(help="Add (or rename) an on-call number.")] = None,
    name: Annotated[str, typer.Option(help="Who answers it, with --add (shown to staff, never texted).")] = "",
    remove: Annotated[str | None, typer.Option(help="Remove an on-call number.")] = None,
    manager: Annotated[str | None, typer.Option(help="Set the manager number texted when an urgent handoff "
                                                     "stays unclaimed ('' clears it).")] = None,
) -> None:
    """List or change who is texted about urgent clinical handoffs (without options: list them)."""
    from agent.phones import display_phone
    from agent.staff import oncall
    from agent.store.db import session_scope

    engine = _database()
    with session_scope(engine) as session:
        clinic = _clinic(session, clinic_id)
        try:
            if add is not None:
                oncall.add(clinic, add, name)
            if remove is not None and not oncall.remove(clinic, remove):
                typer.echo("that number is not on the on-call list", err=True)
                raise typer.Exit(1)
            if manager is not None:
                oncall.set_manager(clinic, manager)
        except oncall.OnCallError as exc:
            typer.echo(f"afterglow: {exc}", err=True)
            raise typer.Exit(2) from None
        current = oncall.settings_of(clinic)
    for entry in current.on_call:
        typer.echo(f"on call: {display_phone(entry.phone)} {entry.name}".rstrip())
    if not current.on_call:
        typer.echo("on call: none (urgent handoffs alert nobody outside the console)")
    typer.echo(f"manager: {display_phone(current.manager_phone) if current.manager_phone else 'none'}")


def _settings():  # noqa: ANN202 - Settings
    """The settings, or a one-line error naming what is wrong (never a value) and exit status 2."""
    from agent.config import ConfigError, get_settings

    try:
        return get_settings()
    except ConfigError as exc:
        typer.echo(f"afterglow: {exc}", err=True)
        raise typer.Exit(2) from None


def _database(*, migrated: bool = True):  # noqa: ANN202 - an Engine
    """DATABASE_URL's engine, with the schema brought up to date first unless only reading."""
    from agent.store.db import make_engine, migrate

    settings = _settings()
    engine = make_engine(settings.database_url, busy_timeout_s=settings.sqlite_busy_timeout_s)
    if migrated:
        migrate(engine)
    return engine


def _clinic(session, clinic_id: int):  # noqa: ANN001, ANN202 - a Clinic
    from agent.store.models import Clinic

    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise typer.BadParameter(f"no clinic {clinic_id}", param_hint="--clinic-id")
    return clinic


def main() -> None:
    from agent.config import ConfigError

    try:
        app()
    except ConfigError as exc:  # a command that read the settings without _settings(): still one line
        typer.echo(f"afterglow: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
