"""Two replicas starting together on a fresh PostgreSQL database each run `core.manage init`
(as each container of a deployment may): both succeed, the schema is migrated once and the
demo data loaded once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from core.models import Agency
from scripts.stack import ROOT
from tests.conftest import _postgres_unavailable
from tests.scale.conftest import _drop, database_url_named


def test_two_replicas_initialising_a_fresh_database_together_both_succeed() -> None:
    reason = _postgres_unavailable()
    if reason:
        pytest.skip(f"skipped: {reason}")
    name = f"scaled_fresh_{uuid.uuid4().hex[:8]}"
    url = database_url_named(name)
    env = {**os.environ, "PITLANE_DATABASE_URL": url}
    command = [sys.executable, "-m", "core.manage", "init"]
    try:
        replicas = [
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for _ in range(2)
        ]
        outputs = [replica.communicate(timeout=180)[0].decode() for replica in replicas]
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            agencies = connection.scalar(select(func.count()).select_from(Agency))
        engine.dispose()
    finally:
        _drop(database_url_named("postgres"), name)

    assert [replica.returncode for replica in replicas] == [0, 0], outputs
    assert len(versions) == 1
    assert sum("demo data: loaded" in output for output in outputs) == 1, outputs
    assert agencies > 0
