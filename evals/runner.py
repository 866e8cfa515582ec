"""Run suites against a brain: every case isolated (fresh in-memory database, fixed clock), every turn
recorded as observed, every `expect` checked exactly, every outbound text checked against the global
invariants.

    from evals.runner import Runner
    run = Runner(model="offline").run(load_suites([Path("evals/suites")], policies))
"""
from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from agent.brains.base import Brain
from agent.brains.factory import build_brain
from agent.clock import FixedClock
from agent.config import ModelSettings
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.handoffs import resolve
from agent.engine.result import TurnResult
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary, default_prompts
from agent.store.db import make_engine, session_scope
from agent.store.models import Handoff, Message, Patient, Touch, Visit
from agent.types import HandoffOutcome, HandoffStatus, TouchStatus
from evals.checks import check_turn
from evals.invariants import InvariantChecker, Msg
from evals.prices import price_for
from evals.results import CaseResult, RunResult, SuiteResult, TrialResult, add_usage, empty_usage
from evals.suite import Case, LoadedSuite, SuiteStep

if TYPE_CHECKING:
    from evals.judge import Judge

__all__ = ["Runner", "BrainFactory", "model_brain_factory", "START_DATE", "START_HOUR", "case_start",
           "MAX_STEP"]

# Every case starts on the same local day and hour: a Tuesday, 10:00 in the clinic's time zone, so
# "days since the visit" is whole days and proactive touches are inside the 9:00-20:00 window.
START_DATE = (2026, 6, 9)
START_HOUR = 10
STAFF_ID = 1  # the console user who resolves handoffs in `staff:` turns
MAX_STEP = timedelta(hours=1)  # the clock moves in steps of at most this; due touches go out in order

# Builds the brain for one case; None means the engine's own offline brain.
BrainFactory = Callable[[Case], Brain | None]


def case_start(timezone: str) -> datetime:
    return datetime(*START_DATE, START_HOUR, 0, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def model_brain_factory(model: str, policies: Policies, prompts: PromptLibrary, *,
                        settings: ModelSettings | None = None) -> BrainFactory:
    """The brain the model spec names, built once by agent.brains.factory.build_brain (UnknownModel is
    raised now) and shared by every case: a brain keeps nothing of a conversation, and what it learns of
    the server (a refused forced tool choice) is then learned once per run, not once per case."""
    brain = build_brain(settings, spec=model, policies=policies, prompts=prompts)

    def build(case: Case) -> Brain | None:
        return brain

    return build


class AdvanceUnavailable(RuntimeError):
    pass


def _scheduler():  # noqa: ANN202 - the module, or None while it is not installed
    try:
        from agent.outreach import scheduler
    except ImportError:
        return None
    return scheduler


@dataclass
class _CaseEnv:
    engine: sa.Engine
    agent: Agent
    clock: FixedClock
    patient_id: int
    visit_id: int | None
    zone: ZoneInfo
    checker: InvariantChecker
    watermark: int = 0


class Runner:
    def __init__(self, *, model: str = "offline", policies: Policies | None = None,
                 prompts: PromptLibrary | None = None, brain_factory: BrainFactory | None = None,
                 judge: Judge | None = None, case_filter: str | None = None) -> None:
        self.model = model
        self.policies = policies or default_policies()
        self.prompts = prompts or default_prompts()
        self.brain_factory = brain_factory or model_brain_factory(model, self.policies, self.prompts)
        self.judge = judge  # None: no judged checks (they are optional and kept apart from exact ones)
        self.case_filter = case_filter
        self._engine: sa.Engine | None = None

    def run(self, suites: list[LoadedSuite], *, repeat: int = 1) -> RunResult:
        if repeat < 1:
            raise ValueError("repeat must be at least 1")
        started = time.perf_counter()
        results = []
        for loaded in suites:
            cases = [c for c in loaded.model.cases if not self.case_filter or self.case_filter in c.id]
            outcome = SuiteResult(loaded.name, str(loaded.path), [])
            for case in cases:
                trials = [self.run_trial(loaded, case) for _ in range(repeat)]
                outcome.cases.append(CaseResult(loaded.name, case.id, case.description, trials))
            results.append(outcome)
        run = RunResult(model=self.model, repeat=repeat, suites=results, price=price_for(self.model))
        if self.judge is not None:
            self._judge(run, {s.name: s.model.clinic.name for s in suites})
        run.wall_s = time.perf_counter() - started
        return run

    def _judge(self, run: RunResult, clinics: dict[str, str]) -> None:
        """Judged checks, stored apart on each case: they never change `passed`."""
        run.judge_model = getattr(self.judge, "spec", None)
        for case in run.cases:
            case.judge = self.judge.assess(case, clinic=clinics.get(case.suite, "a medical spa"))
            add_usage(run.judge_usage, case.judge.get("usage", {}))

    # ------------------------------------------------------------------ one trial of one case

    def run_trial(self, loaded: LoadedSuite, case: Case) -> TrialResult:
        started = time.perf_counter()
        engine = self._fresh_database()
        turns: list[dict] = []
        failures: list[dict] = []
        checks: dict[str, list[bool]] = {}
        try:
            env = self._set_up(engine, loaded, case)
            for n, turn in enumerate(case.turns, start=1):
                record, turn_failures = self._run_turn(env, n, turn, checks)
                turns.append(record)
                failures += turn_failures
                if any(f["check"] == "error" for f in turn_failures):
                    break  # the engine crashed: later turns would only report the same thing
        except Exception as exc:  # noqa: BLE001 - a case that cannot even start is a failed case
            failures.append(_error(0, exc, "set-up"))
        usage = empty_usage()
        for record in turns:
            add_usage(usage, record["usage"])
        return TrialResult(turns, failures, checks, usage, (time.perf_counter() - started) * 1000)

    def _fresh_database(self) -> sa.Engine:
        """A new, empty in-memory SQLite database for one trial.

        One engine serves the whole run (so SQLAlchemy compiles each statement once); disposing it drops
        its only connection, and with it the in-memory database: the next connection starts from nothing.
        """
        if self._engine is None:
            self._engine = make_engine("sqlite://")
        self._engine.dispose()
        SQLModel.metadata.create_all(self._engine)
        return self._engine

    def _set_up(self, engine: sa.Engine, loaded: LoadedSuite, case: Case) -> _CaseEnv:
        spec = loaded.model.clinic
        settings = spec.clinic_settings()
        clock = FixedClock(case_start(spec.timezone))
        now = clock.now()
        with session_scope(engine) as session:
            clinic = ensure_demo_clinic(session, now, name=spec.name, timezone=spec.timezone, phone=spec.phone)
            clinic.settings = settings.model_dump()
            phone = case.patient.phone or "+14155552001"
            if case.visit is not None:
                patient, visit = add_patient_with_visit(
                    session, clinic, now, first_name=case.patient.first_name, phone=phone,
                    visit_type=case.visit.type, days_ago=case.visit.days_ago, treatment=case.visit.treatment,
                    provider=case.visit.provider, marketing_consent=case.patient.marketing_consent,
                    sms_consent=case.patient.sms_consent)
                visit_id = visit.id
                if any(t.advance for t in case.turns):
                    self._schedule(session, visit)
            else:
                patient = Patient(clinic_id=clinic.id, phone=phone, first_name=case.patient.first_name,
                                  sms_consent=case.patient.sms_consent,
                                  marketing_consent=case.patient.marketing_consent, created_at=now)
                session.add(patient)
                session.flush()
                visit_id = None
            patient_id, review_link = patient.id, clinic.review_link
        agent = Agent(engine, brain=self.brain_factory(case), policies=self.policies, prompts=self.prompts,
                      clock=clock)
        checker = InvariantChecker(self.policies, settings, treatment=case.visit.treatment if case.visit else "",
                                   first_name=case.patient.first_name, clinic_name=spec.name,
                                   review_link=review_link)
        return _CaseEnv(engine, agent, clock, patient_id, visit_id, ZoneInfo(spec.timezone), checker)

    def _schedule(self, session: Session, visit: Visit) -> None:
        scheduler = _scheduler()
        if scheduler is None:
            raise AdvanceUnavailable("advance turns need agent.outreach.scheduler (schedule_visit, run_due), "
                                     "which is not installed")
        scheduler.schedule_visit(session, visit, self.policies)

    # ------------------------------------------------------------------ one turn

    def _run_turn(self, env: _CaseEnv, n: int, turn: SuiteStep, checks: dict[str, list[bool]]) -> tuple[dict, list[dict]]:
        at = env.clock.now()
        started = time.perf_counter()
        failures: list[dict] = []
        try:
            results = self._act(env, turn)
        except Exception as exc:  # noqa: BLE001 - reported as this turn's failure, with where it broke
            results = []
            failures.append(_error(n, exc, turn.kind))
        wall_ms = (time.perf_counter() - started) * 1000
        record = observe(n, turn, results, at.astimezone(env.zone), wall_ms)
        if turn.kind == "advance":
            record["until"] = env.clock.now().astimezone(env.zone).isoformat(timespec="minutes")
        errored = bool(failures)
        record["touches"] = self._invariants(env, n, record, failures, checks)
        if not errored:
            passed, expect_failures = check_turn(turn.expect, record)
            for key, ok in passed.items():
                checks.setdefault(key, []).append(ok)
            failures = expect_failures + failures
        record["failures"] = failures
        return record, failures

    def _act(self, env: _CaseEnv, turn: SuiteStep) -> list[TurnResult]:
        if turn.patient is not None:
            return [env.agent.handle_inbound(env.patient_id, turn.patient)]
        if turn.agent is not None:
            return [send_touch(env.agent, env.patient_id, turn.agent, visit_id=env.visit_id)]
        if turn.staff is not None:
            _resolve_handoffs(env)
            return []
        scheduler = _scheduler()
        if scheduler is None:
            raise AdvanceUnavailable("advance needs agent.outreach.scheduler.run_due, which is not installed")
        results: list[TurnResult] = []
        remaining = turn.duration
        next_due = _next_due(env)
        while remaining > timedelta():
            step = min(MAX_STEP, remaining)
            env.clock.advance(step)
            remaining -= step
            # run_due sends pending touches due now and nothing else, so a step with none due is skipped.
            if next_due is not None and next_due <= env.clock.now():
                results += scheduler.run_due(env.agent)
                next_due = _next_due(env)
        return results

    def _invariants(self, env: _CaseEnv, n: int, record: dict, failures: list[dict],
                    checks: dict[str, list[bool]]) -> list[str]:
        """Feed this turn's new messages to the invariant checker; returns the touches that went out."""
        with Session(env.engine) as session:
            rows = list(session.exec(select(Message).where(Message.patient_id == env.patient_id,
                                                           Message.id > env.watermark).order_by(Message.id)))
        touches = []
        counted = dict(env.checker.checked)
        for row in rows:
            env.watermark = max(env.watermark, row.id)
            msg = Msg(direction=row.direction, body=row.body, conversation_id=row.conversation_id, kind=row.kind,
                      intents=tuple((i["intent"], float(i["confidence"])) for i in row.intents or []))
            violations = env.checker.feed(msg)
            if row.touch:
                touches.append(row.touch)
            if msg.direction.value == "outbound":
                broken = {v.invariant for v in violations}
                for name, count in env.checker.checked.items():
                    if count > counted.get(name, 0):
                        checks.setdefault(f"invariant.{name}", []).append(name not in broken)
                counted = dict(env.checker.checked)
            for v in violations:
                failures.append({"turn": n, "check": f"invariant.{v.invariant}", "expected": v.invariant,
                                 "observed": v.body,
                                 "message": f"turn {n}: invariant {v.invariant} broken: {v.message}: {v.body!r}"})
        return touches


def _next_due(env: _CaseEnv) -> datetime | None:
    """When this patient's earliest pending touch falls due (None: nothing pending)."""
    with Session(env.engine) as session:
        return session.exec(select(sa.func.min(Touch.due_at)).where(
            Touch.patient_id == env.patient_id, Touch.status == TouchStatus.PENDING)).one()


def _resolve_handoffs(env: _CaseEnv) -> None:
    """Staff resolve every open handoff in the console; the thread goes back to the agent."""
    with session_scope(env.engine) as session:
        open_ = session.exec(select(Handoff).where(Handoff.patient_id == env.patient_id,
                                                   Handoff.status != HandoffStatus.RESOLVED).order_by(Handoff.id))
        for handoff in list(open_):
            resolve(session, handoff, HandoffOutcome.ANSWERED, STAFF_ID, env.clock.now())


def observe(n: int, turn: SuiteStep, results: list[TurnResult], at: datetime, wall_ms: float) -> dict:
    """The report.json turn record: what this turn showed, whatever was expected."""
    usage = empty_usage()
    record = {"n": n, "kind": turn.kind, "input": turn.value, "at": at.isoformat(timespec="minutes"),
              "intents": [], "replies": [], "tools": [], "handoffs": [], "referrals": [],
              "brain": "", "fell_back": False}
    for result in results:
        data = result.as_json()
        if turn.kind == "patient":
            record["intents"] = data["intents"]
            record["brain"], record["fell_back"] = data["brain"], data["fell_back"]
        record["replies"] += [{k: r[k] for k in ("body", "asks", "segments", "disposition", "verdicts")}
                              for r in data["replies"]]
        record["tools"] += [{"name": t["name"], "args": t["args"], "ok": t.get("ok", True),
                             "error": t.get("error")} for t in data["tools"]]
        record["handoffs"] += [{"queue": h["queue"], "priority": h["priority"]} for h in data["handoffs"]]
        record["referrals"] += data["referrals"]
        add_usage(usage, data["usage"])
    usage["latency_ms"] = round(usage["latency_ms"], 2)
    record["usage"] = usage
    record["wall_ms"] = round(wall_ms, 2)
    record["expect"] = turn.expect.model_dump(mode="json", exclude_unset=True)
    return record


def _error(n: int, exc: BaseException, stage: str) -> dict:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    text = f"{type(exc).__name__}: {exc}"
    return {"turn": n, "check": "error", "expected": "no error", "observed": text,
            "message": f"turn {n}: the {stage} step raised {text}{where}"}
