"""deploy/k8s/: valid Kubernetes objects (kubernetes-validate's schemas, offline), and in
agreement with the code: every setting a process reads reaches its pods, probes on routes
that exist, autoscalers on Deployments that exist, secrets only where they are read."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import ValidationError

from actions.serve import OPEN_PATHS
from tests.integration.deploy_support import RASA_ENDPOINTS, ROOT, allowed, needed, rasa_reads
from webapp.health import router as health_router

K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
SECRETS_EXAMPLE = K8S / "secrets.example.yaml"
WORKLOADS = {"web": "Deployment", "actions": "Deployment", "rasa": "Deployment"}
AUTOSCALED = ("web", "rasa")
# Containers whose root filesystem stays writable, with the reason written beside it.
WRITABLE_ROOT = {"rasa"}
PLACEHOLDER = "CHANGE-ME"


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


@pytest.fixture(scope="module")
def objects(kustomization) -> list[dict]:
    return [doc for name in kustomization["resources"] for doc in documents(K8S / name)]


@pytest.fixture(scope="module")
def secrets() -> dict[str, dict[str, str]]:
    return {doc["metadata"]["name"]: doc["stringData"] for doc in documents(SECRETS_EXAMPLE)}


def find(objects: list[dict], kind: str, name: str) -> dict:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def workloads(objects: list[dict]) -> dict[str, dict]:
    """service name (as in deploy_support.readers) -> its Deployment or Job."""
    found = {name: find(objects, kind, name) for name, kind in WORKLOADS.items()}
    found["migrate"] = find(objects, "Job", "pitlane-migrate")
    return found


def environment(workload: dict, objects: list[dict], secrets: dict) -> tuple[set, set]:
    """(every variable the pod gets, those of them that come from Secrets)."""
    config_maps = {o["metadata"]["name"]: o["data"] for o in objects if o["kind"] == "ConfigMap"}
    given: set[str] = set()
    secret: set[str] = set()
    for container in pod_spec(workload)["containers"]:
        given |= {item["name"] for item in container.get("env", [])}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                given |= set(config_maps[source["configMapRef"]["name"]])
            else:
                keys = set(secrets[source["secretRef"]["name"]])
                given |= keys
                secret |= keys
    return given, secret


def test_every_manifest_is_a_valid_kubernetes_object(kustomization):
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRETS_EXAMPLE.name}
    assert listed == on_disk, "kustomization.yaml lists every manifest, and only those"
    for path in [K8S / name for name in sorted(listed)] + [SECRETS_EXAMPLE]:
        for doc in documents(path):
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            assert "namespace" not in doc["metadata"], f"{path.name}: {doc['metadata']['name']}"


def test_the_validator_refuses_a_misspelt_field(objects):
    web = copy.deepcopy(find(objects, "Deployment", "web"))
    pod_spec(web)["containers"][0]["readinessProbes"] = {}
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_every_setting_a_process_reads_reaches_its_pods(objects, secrets):
    for service, workload in workloads(objects).items():
        given, _ = environment(workload, objects, secrets)
        required = needed(service) | (rasa_reads() if service == "rasa" else set())
        missing = required - given
        assert not missing, f"{service} is not given {sorted(missing)}"


def test_secrets_reach_only_the_pods_that_read_them(objects, secrets):
    for service, workload in workloads(objects).items():
        _, secret = environment(workload, objects, secrets)
        extra = secret - allowed(service)
        assert not extra, f"{service} gets secrets it does not read: {sorted(extra)}"


def test_every_config_key_is_read_by_some_process(objects, secrets):
    read = set().union(*(allowed(service) for service in (*WORKLOADS, "migrate")))
    keys = {k for o in objects if o["kind"] == "ConfigMap" for k in o["data"]}
    keys |= {k for data in secrets.values() for k in data}
    threads = {"TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"}
    runtime = {"RASA_TELEMETRY_ENABLED", "OMP_NUM_THREADS", *threads}  # Rasa's libraries
    assert keys - runtime <= read, f"read by nothing: {sorted(keys - runtime - read)}"


def test_no_secret_value_is_committed(secrets):
    for name, data in secrets.items():
        for key, value in data.items():
            if "://" in value:  # a URL: only its password is secret
                password = urlparse(value).password
                assert password in (None, PLACEHOLDER), f"{name}.{key} holds a password"
            elif value:
                assert value == PLACEHOLDER, f"{name}.{key}: empty or {PLACEHOLDER}"
            if key.endswith(("_TOKEN", "_PASSWORD", "_DATABASE_URL")) and value:
                assert PLACEHOLDER in value, f"{name}.{key}: use the {PLACEHOLDER} placeholder"
    config = (K8S / "config.yaml").read_text()
    assert not re.search(r"(TOKEN|PASSWORD|SECRET|DATABASE_URL|REDIS_URL)\w*:", config)


def test_every_deployment_has_probes_resources_and_a_locked_down_security_context(objects):
    for name, workload in workloads(objects).items():
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            if workload["kind"] == "Deployment":  # every long-running process: both
                assert container["readinessProbe"] and container["livenessProbe"], name
            assert container["resources"]["requests"]["cpu"], name
            assert container["resources"]["limits"]["memory"], name
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert security["readOnlyRootFilesystem"] is (name not in WRITABLE_ROOT), name


def test_probes_ask_routes_that_answer_without_credentials(objects):
    # web and actions: liveness /healthz (asks nothing), readiness /readyz (the database),
    # routes their apps serve, the action server's open without its token
    web = pod_spec(find(objects, "Deployment", "web"))["containers"][0]
    health_paths = {route.path for route in health_router.routes}
    actions = pod_spec(find(objects, "Deployment", "actions"))["containers"][0]
    actions_paths = action_server_paths()
    for container, served in ((web, health_paths), (actions, actions_paths)):
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"/healthz", "/readyz"} <= served
    assert {"/healthz", "/readyz"} <= OPEN_PATHS  # the rest needs the token
    rasa = pod_spec(find(objects, "Deployment", "rasa"))["containers"][0]
    assert rasa["startupProbe"]["failureThreshold"] * rasa["startupProbe"]["periodSeconds"] >= 120
    # Rasa: alive on `/` (no token); ready when probe_rasa.py finds a loaded model, the
    # token read from the pod's environment, never written in the probe
    assert rasa["startupProbe"]["httpGet"]["path"] == rasa["livenessProbe"]["httpGet"]["path"]
    command = rasa["readinessProbe"]["exec"]["command"]
    assert command[:2] == ["python", "/app/probe_rasa.py"]
    assert (ROOT / "rasa_project" / "probe_rasa.py").exists()  # the image copies rasa_project/
    assert not any("token" in part.lower() for part in command)


def action_server_paths() -> set[str]:
    """The paths the action server's app routes (rasa-sdk's and ours), built, not served."""
    from sanic import Sanic

    from actions.serve import secured_app

    test_mode, Sanic.test_mode = Sanic.test_mode, True  # rasa-sdk's apps share one name
    try:
        app = secured_app("a-token-for-the-route-list-only")
    finally:
        Sanic.test_mode = test_mode
    return {"/" + route.path.lstrip("/") for route in app.router.routes}


def test_services_reach_the_pods_on_the_ports_they_listen_on(objects):
    for name in WORKLOADS:
        service = find(objects, "Service", name)
        pod = find(objects, "Deployment", name)["spec"]["template"]
        assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items(), name
        ports = {p["name"]: p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]}
        for port in service["spec"]["ports"]:
            assert ports[port["targetPort"]] == port["port"], name
    config = find(objects, "ConfigMap", "pitlane-config")["data"]
    rasa_url = urlparse(config["PITLANE_RASA_URL"])
    assert (rasa_url.hostname, rasa_url.port) == ("rasa", 5005)
    assert (
        int(config["PITLANE_PORT"]) == find(objects, "Service", "web")["spec"]["ports"][0]["port"]
    )
    endpoint = urlparse(
        find(objects, "ConfigMap", "pitlane-rasa")["data"]["PITLANE_ACTION_ENDPOINT_URL"]
    )
    assert (endpoint.hostname, endpoint.port, endpoint.path) == ("actions", 5055, "/webhook")


def test_web_and_rasa_scale_on_cpu_with_a_disruption_budget(objects):
    for name in AUTOSCALED:
        hpa = find(objects, "HorizontalPodAutoscaler", name)
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        deployment = find(objects, target["kind"], target["name"])
        assert deployment["metadata"]["name"] == name
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > 2
        [metric] = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        for container in pod_spec(deployment)["containers"]:
            assert container["resources"]["requests"]["cpu"]  # utilisation is of requests
        budget = find(objects, "PodDisruptionBudget", name)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_ingress_keeps_websockets_and_sse_open_and_unbuffered(objects):
    [ingress] = [o for o in objects if o["kind"] == "Ingress"]
    annotations = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert int(annotations[prefix + "proxy-read-timeout"]) >= 3600
    assert int(annotations[prefix + "proxy-send-timeout"]) >= 3600
    assert annotations[prefix + "proxy-buffering"] == "off"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backends = [
        path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends and all(b["name"] == "web" for b in backends)
    web_ports = {p["name"] for p in find(objects, "Service", "web")["spec"]["ports"]}
    assert all(b["port"]["name"] in web_ports for b in backends)


def test_the_migrate_job_migrates_once_and_the_replicas_never(objects):
    job = find(objects, "Job", "pitlane-migrate")
    [container] = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", "core.manage", "migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    for name in WORKLOADS:
        for container in pod_spec(find(objects, "Deployment", name))["containers"]:
            command = " ".join(container.get("command", []) + container.get("args", []))
            assert "core.manage" not in command, name


def test_postgresql_and_redis_are_external_services_the_pods_name(objects, secrets):
    for name, port in (("postgres", 5432), ("redis", 6379)):
        service = find(objects, "Service", name)
        assert service["spec"]["type"] == "ExternalName"
        assert service["spec"]["ports"][0]["port"] == port
    database = urlparse(secrets["pitlane-database"]["PITLANE_DATABASE_URL"])
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert urlparse(secrets["pitlane-web"]["PITLANE_REDIS_URL"]).hostname == "redis"
    rasa = find(objects, "ConfigMap", "pitlane-rasa")["data"]
    assert rasa["RASA_TRACKER_DB_HOST"] == "postgres" and rasa["RASA_LOCK_STORE_HOST"] == "redis"
    endpoints = yaml.safe_load(RASA_ENDPOINTS.read_text())
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"


def test_the_rasa_image_serves_the_project_with_the_compose_endpoints(objects):
    dockerfile = (ROOT / "deploy" / "rasa.Dockerfile").read_text()
    pinned = re.search(r"^rasa==(\S+)$", (ROOT / "requirements-rasa.txt").read_text(), re.M)
    assert dockerfile.count(f"FROM rasa/rasa:{pinned.group(1)}") == 2
    assert "COPY deploy/rasa-endpoints.yml /etc/pitlane/endpoints.yml" in dockerfile
    assert 'ENTRYPOINT ["python", "/app/serve_rasa.py"]' in dockerfile
    [container] = pod_spec(find(objects, "Deployment", "rasa"))["containers"]
    args = container["args"]
    assert args[args.index("--endpoints") + 1] == "/etc/pitlane/endpoints.yml"
    assert "command" not in container and not any("auth-token" in a for a in args)
