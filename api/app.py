"""FastAPI application factory: the embedded default runs API, worker and demo clinic in one process."""
from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agent.clock import SystemClock
from agent.config import Settings, get_settings
from agent.demo import seed_demo
from agent.engine.outbox import drain_dry_run
from agent.engine.turn import Agent
from agent.store.db import make_engine, migrate, session_scope
from api.routes import dev, health

log = logging.getLogger("afterglow.api")
DRAIN_EVERY_S = 0.5


def create_app(settings: Settings | None = None, *, agent: Agent | None = None, seed: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = agent.db if agent else make_engine(settings.database_url)
    agent = agent or Agent(engine, clock=SystemClock())
    seed = settings.environment == "local" if seed is None else seed

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        migrate(engine)
        if seed:
            with session_scope(engine) as session:
                seed_demo(session, agent.clock.now())
        worker = asyncio.create_task(_dry_run_worker(agent)) if settings.dry_run else None
        yield
        if worker:
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker

    app = FastAPI(title="Afterglow", version="0.1.0", lifespan=lifespan,
                  description="Post-visit SMS check-ins and referrals for medical spas.")
    app.state.settings = settings
    app.state.agent = agent
    app.include_router(health.router)
    if settings.environment == "local":
        app.include_router(dev.router)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        # Never echo str(exc): exception text can carry message bodies or phone numbers.
        ref = uuid.uuid4().hex[:12]
        log.error("unhandled %s on %s %s (ref %s)", type(exc).__name__, request.method, request.url.path, ref)
        return JSONResponse({"error": "internal error", "ref": ref}, status_code=500)

    return app


async def _dry_run_worker(agent: Agent) -> None:
    """Without Twilio credentials sends are recorded, not delivered: drain the outbox in-process."""
    while True:
        try:
            await asyncio.to_thread(_drain_once, agent)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive a transient database error
            log.warning("dry-run drain failed: %s", type(exc).__name__)
        await asyncio.sleep(DRAIN_EVERY_S)


def _drain_once(agent: Agent) -> int:
    with session_scope(agent.db) as session:
        return drain_dry_run(session, agent.clock.now())
