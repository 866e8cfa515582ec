from fastapi import APIRouter, Request
from sqlalchemy import text

from api.deps import AgentDep, SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request, agent: AgentDep, session: SessionDep) -> dict:
    session.exec(text("SELECT 1"))
    return {"status": "ok", "database": agent.db.dialect.name, "brain": agent.brain.name,
            "dry_run": request.app.state.settings.dry_run}
