"""docker-compose.yml, .env.example and the code agree on names, ports and variables."""

from __future__ import annotations

import re
from ipaddress import ip_address, ip_network
from urllib.parse import urlparse

import pytest
import yaml

from scripts.stack import Stack, StackConfig
from tests.integration.deploy_support import (
    ANNOUNCED,
    NGINX_CONF,
    RASA_ENDPOINTS,
    ROOT,
    VARIABLE,
    allowed,
    needed,
    read_by_code,
)
from webapp.settings import WebSettings

PITLANE_SERVICES = ("web", "actions", "migrate", "rasa")
REPLICATED = ("web", "rasa")
COMPOSE_DEFAULT = re.compile(r"^\$\{([A-Z0-9_]+):-(.+)\}$")
# Compose's values that differ from the code's defaults on purpose.
DELIBERATE = {"PITLANE_ENV": "production refuses placeholder secrets"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def pitlane_env(service: dict) -> dict[str, str]:
    return {
        k: str(v) for k, v in service.get("environment", {}).items() if k.startswith("PITLANE_")
    }


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_every_pitlane_variable_of_a_service_is_a_setting_the_code_reads(compose):
    for service in PITLANE_SERVICES:
        variables = set(pitlane_env(compose["services"][service]))
        assert variables, f"{service} sets no PITLANE_ variable"
        unknown = variables - allowed(service)
        assert not unknown, f"{service}: {sorted(unknown)} are read by no code of {service}"


def test_every_setting_a_service_reads_is_given_to_it_or_exempt_with_a_reason(compose):
    # A new setting lands in the code: compose passes it through, or deploy_support.py's
    # NOT_DEPLOYED says why not.
    for service in PITLANE_SERVICES:
        missing = needed(service) - set(pitlane_env(compose["services"][service]))
        assert not missing, f"{service} is not given {sorted(missing)}"


def test_announced_settings_are_read_by_the_code():
    missing = sorted(set(ANNOUNCED) - read_by_code())
    if missing:
        pytest.skip(f"set in compose and k8s, not read by the code yet: {missing} (issue 15)")


def test_compose_defaults_are_the_code_defaults(compose):
    settings_class = {"web": WebSettings}
    for service, cls in settings_class.items():
        for name, value in pitlane_env(compose["services"][service]).items():
            default = COMPOSE_DEFAULT.match(value)
            if not default or name in DELIBERATE:
                continue
            field = name.removeprefix("PITLANE_").lower()
            if field not in cls.model_fields:
                continue  # announced, not in the code yet
            parsed = cls(_env_file=None, **{field: default.group(2)})
            assert getattr(parsed, field) == cls.model_fields[field].default, name


def test_the_same_secret_reaches_every_service_that_shares_it(compose):
    services = compose["services"]
    shared = (
        ("PITLANE_DATABASE_URL", ("web", "actions", "migrate")),
        ("PITLANE_RASA_TOKEN", ("web", "rasa")),
        ("PITLANE_ACTION_SERVER_TOKEN", ("actions", "rasa")),
        ("PITLANE_SMTP_PASSWORD", ("web", "actions")),
        ("PITLANE_TWILIO_AUTH_TOKEN", ("web", "actions")),
    )
    for name, names in shared:
        values = {services[s]["environment"][name] for s in names}
        assert len(values) == 1, f"{name} differs between {names}"


def test_migrations_run_once_before_web_and_actions(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "core.manage", "init"]
    assert migrate["restart"] == "on-failure"
    for name in ("web", "actions"):
        service = services[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "core.manage" not in " ".join(service["command"])  # no replica migrates


def test_replicated_services_publish_no_fixed_host_port(compose):
    services = compose["services"]
    for name in REPLICATED:
        assert services[name]["deploy"]["replicas"] >= 2, name
        assert "ports" not in services[name], f"{name}: `--scale {name}=N` needs no host port"
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"nginx"}


def test_nginx_is_the_trusted_proxy_in_front_of_the_web_replicas(compose):
    services = compose["services"]
    nginx, web = services["nginx"], services["web"]
    assert re.fullmatch(r"nginx:\d+\.\d+(\.\d+)?-alpine", nginx["image"]), "pin nginx's tag"
    address = nginx["networks"]["default"]["ipv4_address"]
    assert web["environment"]["PITLANE_TRUSTED_PROXIES"] == address
    [pool] = compose["networks"]["default"]["ipam"]["config"]
    subnet, dynamic = ip_network(pool["subnet"]), ip_network(pool["ip_range"])
    assert ip_address(address) in subnet and ip_address(address) not in dynamic
    assert dynamic.subnet_of(subnet)
    assert nginx["depends_on"]["web"] == {"condition": "service_healthy"}
    [mount] = nginx["volumes"]
    source, target, mode = mount.split(":")
    assert (source, mode) == ("./deploy/nginx/compose.conf", "ro")
    if not NGINX_CONF.exists():
        pytest.skip("deploy/nginx/compose.conf is not rendered yet (issue 15 item 4)")
    conf = NGINX_CONF.read_text()
    whole = re.search(r"^\s*events\s*\{", conf, re.M) is not None
    assert target == ("/etc/nginx/nginx.conf" if whole else "/etc/nginx/conf.d/default.conf")
    assert re.search(r"server\s+web:8000", conf), "compose.conf's upstream is not web:8000"
    port = nginx["ports"][0].split(":")[-1]
    assert re.search(rf"listen\s+{port}\b", conf), f"compose.conf does not listen on {port}"


def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy(compose):
    for name, service in compose["services"].items():
        if name in ("migrate", "rasa-train"):
            assert service["restart"] == "on-failure", name
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
    for name, service in compose["services"].items():
        for dependency, condition in service.get("depends_on", {}).items():
            if dependency in ("postgres", "redis"):
                assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"


def test_rasa_replicas_share_trackers_in_postgresql_and_locks_in_redis(compose):
    rasa = compose["services"]["rasa"]
    endpoints = yaml.safe_load(RASA_ENDPOINTS.read_text())
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"
    assert f"./{RASA_ENDPOINTS.relative_to(ROOT)}:/etc/pitlane/endpoints.yml:ro" in rasa["volumes"]
    assert option(rasa["command"], "--endpoints") == "/etc/pitlane/endpoints.yml"
    assert rasa["environment"]["RASA_LOCK_STORE_HOST"] == "redis"
    assert rasa["environment"]["RASA_TRACKER_DB_HOST"] == "postgres"
    redis_url = urlparse(compose["services"]["web"]["environment"]["PITLANE_REDIS_URL"])
    # the web bus and Rasa's locks keep to their own Redis databases
    assert redis_url.hostname == "redis" and redis_url.path != f"/{endpoints['lock_store']['db']}"
    for name in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"):
        assert name in rasa["environment"]


def test_uploads_are_shared_and_the_volume_is_writable_by_the_images_user(compose):
    web = compose["services"]["web"]
    assert web["environment"]["PITLANE_UPLOAD_STORE"] == "database"
    upload_dir = web["environment"]["PITLANE_UPLOAD_DIR"]
    assert f"uploads:{upload_dir}" in web["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    user = re.findall(r"^USER (\S+)$", dockerfile, re.M)[-1]
    assert user != "root"
    # A named volume starts with the owner of the image's folder it is mounted on.
    assert f"mkdir -p {upload_dir}" in dockerfile
    chown = re.search(rf"chown -R {user}(:{user})? (\S+)", dockerfile)
    assert chown and upload_dir.startswith(chown.group(2))


def test_the_web_app_reaches_rasa_on_the_port_rasa_listens_on(compose):
    rasa_command = compose["services"]["rasa"]["command"]
    rasa_url = urlparse(compose["services"]["web"]["environment"]["PITLANE_RASA_URL"])
    assert rasa_url.hostname == "rasa"
    assert rasa_url.port == int(option(rasa_command, "--port")) == StackConfig().rasa_port


def test_rasa_reaches_the_action_server_on_the_port_it_listens_on(compose):
    actions_command = compose["services"]["actions"]["command"]
    endpoint = urlparse(compose["services"]["rasa"]["environment"]["PITLANE_ACTION_ENDPOINT_URL"])
    assert endpoint.hostname == "actions" and endpoint.path == "/webhook"
    assert endpoint.port == int(option(actions_command, "--port")) == StackConfig().actions_port


def test_the_web_replicas_listen_on_the_default_port_nginx_reaches(compose):
    web = compose["services"]["web"]
    assert int(web["environment"]["PITLANE_PORT"]) == StackConfig().web_port
    assert WebSettings(_env_file=None).port == StackConfig().web_port
    assert web["expose"] == [web["environment"]["PITLANE_PORT"]]
    assert web["command"] == ["python", "-m", "webapp"]


def test_rasa_image_is_the_version_pinned_for_the_local_environment(compose):
    pinned = re.search(r"^rasa==(\S+)$", (ROOT / "requirements-rasa.txt").read_text(), re.M)
    for service in ("rasa", "rasa-train"):
        assert compose["services"][service]["image"] == f"rasa/rasa:{pinned.group(1)}"


def test_every_variable_in_rasa_endpoints_is_given_to_the_rasa_service(compose):
    # compose runs Rasa with deploy/rasa-endpoints.yml; make run and the e2e stack
    # (scripts/stack.py) with rasa_project/endpoints.yml.
    rasa_env = set(compose["services"]["rasa"]["environment"])
    stack_env = set(Stack(StackConfig()).environment())
    for endpoints, given in (
        (ROOT / "deploy" / "rasa-endpoints.yml", rasa_env),
        (ROOT / "rasa_project" / "endpoints.yml", stack_env),
    ):
        used = set(VARIABLE.findall(endpoints.read_text()))
        assert used, f"{endpoints.name} reads no variable"
        assert used <= given, f"{endpoints.name}: {used - given} not set"


def test_rasa_and_the_action_server_require_the_shared_secrets(compose):
    rasa, actions, web = (compose["services"][name] for name in ("rasa", "actions", "web"))
    credentials = (ROOT / "rasa_project" / "credentials.yml").read_text()
    assert set(VARIABLE.findall(credentials)) == {"PITLANE_RASA_TOKEN"} <= set(rasa["environment"])
    assert rasa["entrypoint"] == ["python", "/app/serve_rasa.py"]  # the token from the env
    assert not any("auth-token" in part or "PITLANE" in part for part in rasa["command"])
    assert web["environment"]["PITLANE_RASA_TOKEN"] == rasa["environment"]["PITLANE_RASA_TOKEN"]
    assert (
        actions["environment"]["PITLANE_ACTION_SERVER_TOKEN"]
        == rasa["environment"]["PITLANE_ACTION_SERVER_TOKEN"]
    )
    assert "ports" not in rasa and "ports" not in actions
    assert actions["command"][:3] == ["python", "-m", "actions.serve"]


def test_env_example_lists_every_setting_and_every_compose_variable(compose):
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    compose_vars = set(VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    settings = {name for name in read_by_code() if name.startswith("PITLANE_")}
    missing = (settings | compose_vars) - listed
    assert not missing, f".env.example misses {sorted(missing)}"


def test_the_image_contains_every_package_the_services_run():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("core", "actions", "channels", "backoffice", "transports", "ops", "data"):
        assert f"COPY {package} ./{package}" in dockerfile


def test_healthchecks_ask_each_process_for_readiness_on_routes_the_code_serves(compose):
    # docs/operations.md, "Health and readiness": healthy means ready, so that depends_on
    # (service_healthy) starts a service once what it needs can answer.
    from actions.serve import OPEN_PATHS
    from webapp.health import router as health_router

    services = compose["services"]
    web_paths = {route.path for route in health_router.routes}
    for name, port, paths in (("web", 8000, web_paths), ("actions", 5055, OPEN_PATHS)):
        probe = " ".join(services[name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/readyz" in probe, name
        assert "/readyz" in paths, name
    rasa = services["rasa"]
    assert rasa["healthcheck"]["test"][1:3] == ["python", "/app/probe_rasa.py"]
    assert option(rasa["healthcheck"]["test"], "--port") == option(rasa["command"], "--port")
    assert "./rasa_project:/app" in rasa["volumes"]  # where probe_rasa.py comes from
    assert (ROOT / "rasa_project" / "probe_rasa.py").exists()
    assert rasa["healthcheck"]["start_period"]  # the model takes a while to load
    assert "token" not in " ".join(rasa["healthcheck"]["test"]).lower()


def test_services_start_once_what_they_need_is_ready(compose):
    depends = {name: s.get("depends_on", {}) for name, s in compose["services"].items()}
    healthy = {"condition": "service_healthy"}
    assert depends["migrate"]["postgres"] == healthy
    assert depends["actions"]["migrate"] == {"condition": "service_completed_successfully"}
    assert depends["rasa"]["actions"] == healthy
    assert depends["nginx"]["web"] == healthy and depends["nginx"]["rasa"] == healthy
    web = compose["services"]["web"]["environment"]
    actions_url = urlparse(web["PITLANE_ACTIONS_URL"])  # only for /readyz's report
    actions_port = int(option(compose["services"]["actions"]["command"], "--port"))
    assert (actions_url.hostname, actions_url.port) == ("actions", actions_port)
