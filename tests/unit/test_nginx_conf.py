"""The one nginx template of the web front (deploy/nginx/pitlane.conf.template), its compose
render, and the scaled run's main file around it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts import nginx_conf
from scripts.stack import nginx_binary


def scaled(tmp_path: Path, web: tuple[int, ...] = (8101, 8102)) -> nginx_conf.Scaled:
    return nginx_conf.Scaled(tmp_path, "127.0.0.1:18080", web, "127.0.0.1:18090", (5006, 5007))


def test_the_committed_compose_config_is_the_templates_render() -> None:
    fix = "python scripts/nginx_conf.py compose > deploy/nginx/compose.conf"
    assert nginx_conf.COMPOSE_RENDER.read_text() == nginx_conf.compose(), f"run: {fix}"


def test_the_front_upgrades_websockets_streams_sse_and_sets_the_clients_address() -> None:
    text = nginx_conf.compose()

    assert "server web:8000 " in text and "listen 8080;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $connection_upgrade;" in text
    assert "proxy_buffering off;" in text
    assert "proxy_read_timeout 1h;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "events" not in text  # the image's main file has them: this is conf.d content


def test_the_scaled_run_puts_every_replica_behind_nginx_and_writes_under_var(tmp_path) -> None:
    main = scaled(tmp_path).write()
    text, front = main.read_text(), (tmp_path / "pitlane.conf").read_text()

    assert f"include {tmp_path.resolve()}/pitlane.conf;" in text
    for port in (5006, 5007):
        assert f"server 127.0.0.1:{port} " in text
    for port in (8101, 8102):
        assert f"server 127.0.0.1:{port} " in front
    assert f"pid {tmp_path.resolve()}/nginx.pid;" in text
    assert f"proxy_temp_path {tmp_path.resolve()}/temp/proxy;" in text
    assert "{{" not in text + front


def test_a_template_name_without_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown_thing"):
        nginx_conf.render("listen {{unknown_thing}};", {"listen": "80"})


def test_an_upstream_without_servers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one server"):
        scaled(tmp_path, web=()).write()


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")
def test_nginx_accepts_the_scaled_run_configuration(tmp_path: Path) -> None:
    main = scaled(tmp_path).write()
    checked = subprocess.run(
        [str(nginx_binary()), "-t", "-c", str(main), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_every_request_gets_an_id_and_a_json_log_line_without_its_query_string(
    tmp_path: Path,
) -> None:
    front = nginx_conf.compose()
    main = scaled(tmp_path).write().read_text()

    assert "proxy_set_header X-Request-ID $pitlane_request_id;" in front
    assert '"~^[A-Za-z0-9._-]{8,64}$" $http_x_request_id;' in front  # the app's own rule
    assert "log_format pitlane_access escape=json" in front
    assert "access_log /var/log/nginx/access.log pitlane_access;" in front
    assert f"access_log {tmp_path.resolve()}/access.log pitlane_access;" in main
    for leaking in ("$request ", '$request"', "$request_uri", "$args", "$query_string"):
        assert leaking not in front + main, leaking
    # the main file's own access_log comes after the front that defines its format
    assert main.index("include ") < main.index("access_log ")
