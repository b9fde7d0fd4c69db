"""The one nginx template (deploy/nginx/pitlane.conf.template) and its two renders."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import nginx_conf


def test_the_committed_compose_config_is_the_templates_render() -> None:
    expected = nginx_conf.render(nginx_conf.compose())
    committed = nginx_conf.COMPOSE_RENDER.read_text()
    fix = "python scripts/nginx_conf.py compose > deploy/nginx/compose.conf"
    assert committed == expected, f"run: {fix}"


def test_the_scaled_render_puts_every_replica_behind_nginx_and_writes_under_var(
    tmp_path: Path,
) -> None:
    text = nginx_conf.render(nginx_conf.scaled(tmp_path, [8101, 8102], [5006, 5007]))

    for port in (8101, 8102, 5006, 5007):
        assert f"server 127.0.0.1:{port} " in text
    assert f"pid {tmp_path.resolve()}/nginx.pid;" in text
    assert f"proxy_temp_path {tmp_path.resolve()}/temp/proxy;" in text
    assert "proxy_buffering off;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "{{" not in text


def test_a_template_name_without_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown_thing"):
        nginx_conf.render(nginx_conf.compose(), template="listen {{unknown_thing}};")


def test_an_upstream_without_servers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one server"):
        nginx_conf.render(nginx_conf.scaled(tmp_path, [], [5006]))


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_scaled_render(tmp_path: Path) -> None:
    listen, rasa_listen = "127.0.0.1:18080", "127.0.0.1:18090"
    config = nginx_conf.scaled(tmp_path, [8101, 8102], [5006, 5007], listen, rasa_listen)
    path = nginx_conf.write_scaled(config, tmp_path)
    checked = subprocess.run(
        ["nginx", "-t", "-c", str(path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
