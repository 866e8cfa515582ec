from __future__ import annotations

import pytest

from agent.demo import ensure_demo_clinic
from agent.store.db import session_scope


@pytest.fixture
def clinic(db, clock) -> int:
    """The demo clinic (number +14155550100) with no patients yet."""
    with session_scope(db) as session:
        return ensure_demo_clinic(session, clock.now()).id
