"""Dependencies declared once and used everywhere (full-stack-fastapi-template's deps.py)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from agent.engine.turn import Agent
from agent.security import clinic_for_key
from agent.store.models import Clinic

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="The clinic's API key")


def get_agent(request: Request) -> Agent:
    return request.app.state.agent


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.agent.db, expire_on_commit=False) as session:
        yield session


def get_api_clinic(session: Annotated[Session, Depends(get_session)],
                   key: Annotated[str | None, Depends(_api_key)]) -> Clinic:
    clinic = clinic_for_key(session, key or "")
    if clinic is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or unknown API key",
                            headers={"WWW-Authenticate": "X-API-Key"})
    return clinic


AgentDep = Annotated[Agent, Depends(get_agent)]
SessionDep = Annotated[Session, Depends(get_session)]
ClinicDep = Annotated[Clinic, Depends(get_api_clinic)]
