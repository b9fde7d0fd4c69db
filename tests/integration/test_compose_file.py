"""docker-compose.yml, .env.example and the code agree on names, ports and variables."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from actions.serve import ActionServerSettings
from core.config import CoreSettings
from scripts.stack import Stack, StackConfig
from webapp.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_names(settings_class) -> set[str]:
    prefix = settings_class.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in settings_class.model_fields}


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_every_pitlane_variable_of_a_service_is_a_setting_the_code_reads(compose):
    readers = {
        "web": env_names(WebSettings),
        "actions": env_names(CoreSettings) | env_names(ActionServerSettings),
    }
    for service, known in readers.items():
        variables = {
            k for k in compose["services"][service]["environment"] if k.startswith("PITLANE_")
        }
        assert variables, f"{service} sets no PITLANE_ variable"
        assert variables <= known, f"{service}: unknown settings {variables - known}"


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


def test_the_web_app_is_published_on_its_default_port(compose):
    web = compose["services"]["web"]
    assert web["ports"] == [f"{StackConfig().web_port}:{web['environment']['PITLANE_PORT']}"]
    assert WebSettings().port == StackConfig().web_port
    assert "python -m webapp" in web["command"][-1]


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
    missing = (env_names(WebSettings) | compose_vars) - listed
    assert not missing, f".env.example misses {sorted(missing)}"


def test_the_image_contains_every_package_the_services_run():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("core", "actions", "channels", "backoffice", "transports", "data"):
        assert f"COPY {package} ./{package}" in dockerfile
