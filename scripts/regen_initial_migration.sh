#!/usr/bin/env bash
# Pre-release only: rebuild the single initial migration from the models (nothing is deployed yet).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f agent/store/migrations/versions/0001_initial_schema.py /tmp/afterglow-gen.db
.venv/bin/python - <<'PY'
from alembic import command
from agent.store.db import alembic_config, make_engine
command.revision(alembic_config(make_engine("sqlite:////tmp/afterglow-gen.db")), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
sed -i 's/^Create Date: .*/Create Date: 2026-11-21/' agent/store/migrations/versions/0001_initial_schema.py
rm -f /tmp/afterglow-gen.db
