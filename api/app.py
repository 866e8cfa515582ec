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
from agent.engine.turn import Agent
from agent.store.db import make_engine, migrate, session_scope
from agent.worker import step
from api.routes import dev, health, visits

log = logging.getLogger("afterglow.api")


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
                clinic = seed_demo(session, agent.clock.now(), api_key=settings.demo_api_key)
                log.info("demo clinic %r (id %s) ready; API key: %s", clinic.name, clinic.id, settings.demo_api_key)
        worker = asyncio.create_task(_worker_loop(agent, settings)) if settings.inprocess_worker else None
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
    app.include_router(visits.router)
    if settings.environment == "local":
        app.include_router(dev.router)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        # Never echo str(exc): exception text can carry message bodies or phone numbers.
        ref = uuid.uuid4().hex[:12]
        log.error("unhandled %s on %s %s (ref %s)", type(exc).__name__, request.method, request.url.path, ref)
        return JSONResponse({"error": "internal error", "ref": ref}, status_code=500)

    return app


async def _worker_loop(agent: Agent, settings: Settings) -> None:
    """The embedded default's worker: due touches and (in dry-run) the outbox, in this process."""
    while True:
        try:
            await asyncio.to_thread(step, agent, dry_run=settings.dry_run)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive a transient database error
            log.warning("worker step failed: %s", type(exc).__name__)
        await asyncio.sleep(settings.worker_interval_s)
