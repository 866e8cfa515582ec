"""FastAPI application factory: the embedded default runs API, worker and demo clinic in one process."""
from __future__ import annotations

import asyncio
import logging
import sys
import threading
import uuid
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agent import logs
from agent.channel.inbound import drain_spool
from agent.channel.spool import Spool
from agent.clock import SystemClock
from agent.config import ConfigError, Settings, get_settings
from agent.demo import seed_demo
from agent.engine.turn import Agent
from agent.store.db import make_engine, migrate, session_scope
from agent.worker import Worker
from api import console, errors
from api.routes import dev, friend_page, health, staff_api, twilio, visits

log = logging.getLogger("afterglow.api")


def create_app(settings: Settings | None = None, *, agent: Agent | None = None, seed: bool | None = None) -> FastAPI:
    logs.install()  # before anything can log: no record leaves this process with patient data in it
    settings = settings or _settings_or_exit()
    engine = agent.db if agent else make_engine(settings.database_url, busy_timeout_s=settings.sqlite_busy_timeout_s)
    agent = agent or Agent(engine, brain=_brain(settings), clock=SystemClock())
    seed = settings.demo_allowed if seed is None else seed
    if seed and not settings.dry_run:  # the demo's logins and API key are public: never beside live Twilio
        log.warning("demo clinic not seeded: live Twilio credentials are configured")
        seed = False
    spool = Spool(settings.spool_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        migrate(engine)
        await _drain(agent, spool, wake)  # texts kept while the database was busy before a restart
        if seed:
            with session_scope(engine) as session:
                clinic = seed_demo(session, agent.clock.now(), api_key=settings.demo_api_key)
                log.info("demo clinic %r (id %s) ready; API key: %s", clinic.name, clinic.id, settings.demo_api_key)
        worker = None
        if settings.inprocess_worker:
            worker = asyncio.create_task(_worker_loop(Worker.from_settings(agent, settings), settings, wake))
        drainer = asyncio.create_task(_spool_loop(agent, spool, wake, min(settings.worker_interval_s, 1.0)))
        yield
        drainer.cancel()
        with suppress(asyncio.CancelledError):
            await drainer
        if worker:
            worker.cancel()
            wake.set()  # release the idle wait so shutdown does not sit out the interval
            with suppress(asyncio.CancelledError):
                await worker

    # Production serves no interactive docs and no OpenAPI document: a map of every endpoint and model is
    # for developers (locally at /docs), not for whoever finds the host.
    docs = {} if settings.environment != "production" else {"docs_url": None, "redoc_url": None,
                                                            "openapi_url": None}
    app = FastAPI(title="Afterglow", version="0.1.0", lifespan=lifespan,
                  description="Post-visit SMS check-ins and referrals for medical spas.", **docs)
    app.state.settings = settings
    app.state.agent = agent
    app.state.spool = spool
    wake = threading.Event()  # set by the webhook: the in-process worker runs the turn without waiting
    app.state.wake_worker = wake.set
    app.include_router(health.router)
    app.include_router(visits.router)
    app.include_router(staff_api.router)
    app.include_router(friend_page.router)  # public: a referred friend's sign-up page
    console.install(app)  # staff console pages, static files, session/CSRF errors, security headers
    errors.install(app)  # 422s that never echo what was submitted
    app.include_router(twilio.router)
    if settings.dev_routes_enabled:  # unauthenticated: see Settings.dev_routes for when
        app.include_router(dev.router)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        # Never echo str(exc): exception text can carry message bodies or phone numbers.
        ref = uuid.uuid4().hex[:12]
        log.error("unhandled %s on %s %s (ref %s)", type(exc).__name__, request.method, request.url.path, ref)
        return JSONResponse({"error": "internal error", "ref": ref}, status_code=500)

    return app


def _settings_or_exit() -> Settings:
    """Settings for `uvicorn api.app:create_app --factory`: a bad configuration is one line on stderr
    naming the variable (never its value) and exit status 2, not a traceback quoting the input."""
    try:
        return get_settings()
    except ConfigError as exc:
        print(f"afterglow: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


async def _drain(agent: Agent, spool: Spool, wake: threading.Event) -> None:
    try:
        if spool.pending() and (await asyncio.to_thread(drain_spool, agent.db, spool)).queued:
            wake.set()
    except Exception as exc:  # noqa: BLE001 - the spool keeps the texts; the next pass tries again
        log.warning("spool drain failed: %s", type(exc).__name__)


async def _spool_loop(agent: Agent, spool: Spool, wake: threading.Event, interval_s: float) -> None:
    """Texts the webhook had to spool (database busy) join the inbound queue as soon as it takes them."""
    while True:
        await asyncio.sleep(interval_s)
        await _drain(agent, spool, wake)


def _brain(settings: Settings):  # noqa: ANN202 - a Brain, or None for the engine's own offline brain
    from agent.brains.factory import build_brain

    return build_brain(settings)  # the one factory of serve, worker, chat and eval; logs the brain in use


async def _worker_loop(worker: Worker, settings: Settings, wake: threading.Event) -> None:
    """The embedded default's worker: inbound turns, due touches and the outbox (Twilio or dry-run)."""
    try:
        log.info("engine warmed in %.0f ms", await asyncio.to_thread(worker.agent.warm))
    except Exception as exc:  # noqa: BLE001 - a cold first turn is slower, not wrong
        log.warning("engine warm-up failed: %s", type(exc).__name__)
    while True:
        busy = False
        try:
            busy = (await asyncio.to_thread(worker.step)).busy
        except Exception as exc:  # noqa: BLE001 - the loop must outlive a transient database error
            log.warning("worker step failed: %s", type(exc).__name__)
        if not busy:
            await asyncio.to_thread(wake.wait, settings.worker_interval_s)
        wake.clear()
