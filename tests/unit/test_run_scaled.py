"""`make run-scaled` (scripts/run_scaled.py) refuses clearly what it cannot run, before
starting anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stack import ROOT, nginx_binary

RUN = ROOT / "scripts" / "run_scaled.py"


def run_scaled(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


def test_without_nginx_it_says_how_to_install_it(tmp_path: Path) -> None:
    done = run_scaled(tmp_path, PITLANE_NGINX=str(tmp_path / "no-nginx"))

    assert done.returncode == 1
    assert "apt-get install nginx" in done.stdout


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")
def test_a_sqlite_database_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = run_scaled(tmp_path, PITLANE_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")

    assert done.returncode == 1
    assert "needs PostgreSQL" in done.stdout
    assert not (tmp_path / "x.db").exists()
