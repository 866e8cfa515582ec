"""Dependencies declared once and used everywhere (full-stack-fastapi-template's deps.py)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from agent.engine.turn import Agent


def get_agent(request: Request) -> Agent:
    return request.app.state.agent


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.agent.db, expire_on_commit=False) as session:
        yield session


AgentDep = Annotated[Agent, Depends(get_agent)]
SessionDep = Annotated[Session, Depends(get_session)]
