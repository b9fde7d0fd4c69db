"""deploy/monitoring/: the Grafana dashboard, the Prometheus alert rules and the scrape
example are valid JSON/YAML of the expected shape, and every metric their PromQL uses is one
ops/metrics.py defines (names read out of the expressions; a counter's `_total`, a
histogram's `_bucket`/`_count`/`_sum` accounted for)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from ops import metrics
from ops.metrics_collectors import HandoffQueueCollector, PoolCollector

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
# Series Prometheus itself makes for every target.
PROMETHEUS_SERIES = frozenset({"up"})
# PromQL words that are not metric names: keywords, operators' modifiers, special values.
KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or"}
    | {"unless", "offset", "atan2", "inf", "nan"}
)
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}
REQUIRED_ALERTS = {
    "PitlaneNoTraffic",
    "PitlaneRasaSlow",
    "PitlaneDeliveryFailures",
    "PitlaneHandoffWaiting",
    "PitlaneHttpErrors",
}
DURATION = re.compile(r"^\d+[smhd]$")


def defined_series() -> set[str]:
    """Every series name ops/metrics.py exports, and those its scrape-time collectors make."""
    names = set()
    for item in vars(metrics).values():
        if isinstance(item, MetricWrapperBase):
            names |= {item._name + suffix for suffix in SUFFIXES[item._type]}
    for collector in (HandoffQueueCollector(list), PoolCollector(list)):
        names |= {family.name for family in collector.collect()}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are not functions,
    keywords, label names (in matchers, `by (...)` lists...) or parts of strings and ranges."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)  # strings, Grafana's "$channel" among them
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    modifiers = r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"
    text = re.sub(modifiers, " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*", text):
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function or an aggregation
        if match.group().lower() not in KEYWORDS:
            names.add(match.group())
    return names


def unknown(names: set[str]) -> set[str]:
    return names - defined_series() - PROMETHEUS_SERIES


def load_yaml(name: str) -> Any:
    return yaml.safe_load((MONITORING / name).read_text(encoding="utf-8"))


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml("alerts.yml")["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    return json.loads((MONITORING / "grafana-pitlane.json").read_text(encoding="utf-8"))


def dashboard_exprs() -> list[str]:
    return [
        target["expr"] for panel in dashboard()["panels"] for target in panel.get("targets", [])
    ]


# ------------------------------------------------------------------ the name reader itself


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (channel) (rate(a_total{outcome="x", le="1"}[5m])) * 60', {"a_total"}),
        ("histogram_quantile(0.95, sum by (le) (rate(b_bucket[5m]))) > 1", {"b_bucket"}),
        ("(sum(increase(c_total[1h])) or vector(0)) == 0", {"c_total"}),
        ('up{job=~"pitlane-.*"} == 0', {"up"}),
        ("d / on (instance) group_left (kind) e offset 5m > 1e3", {"d", "e"}),
        ('f{channel=~"$channel"} + g_sum', {"f", "g_sum"}),
    ],
)
def test_the_reader_finds_the_metric_names_of_an_expression(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_a_metric_that_does_not_exist_is_caught() -> None:
    assert unknown(metric_names("rate(pitlane_messages_recieved_total[5m])")) == {
        "pitlane_messages_recieved_total"
    }
    assert unknown(metric_names("pitlane_rasa_request_duration_seconds_bucket")) == set()
    assert unknown(metric_names("pitlane_rasa_request_duration_seconds_total")) == {
        "pitlane_rasa_request_duration_seconds_total"  # a histogram has no _total
    }


# ------------------------------------------------------------------ alert rules


def test_the_alert_rules_have_prometheus_structure() -> None:
    document = load_yaml("alerts.yml")
    assert isinstance(document["groups"], list) and document["groups"]
    for group in document["groups"]:
        assert set(group) <= {"name", "interval", "rules"} and group["name"]
        assert group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"Pitlane[A-Z][A-Za-z]+", rule["alert"])
            assert isinstance(rule["expr"], str) and rule["expr"].strip()
            assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
            assert DURATION.match(rule["for"]), rule["alert"]
            assert rule["labels"]["severity"] in {"warning", "critical"}
            assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]


def test_the_required_alerts_are_there_once_with_their_thresholds() -> None:
    rules = {rule["alert"]: rule for rule in alert_rules()}
    assert len(rules) == len(alert_rules())
    assert set(rules) >= REQUIRED_ALERTS
    assert "histogram_quantile(0.95" in rules["PitlaneRasaSlow"]["expr"]
    assert rules["PitlaneRasaSlow"]["expr"].strip().endswith("> 1")
    assert rules["PitlaneHandoffWaiting"]["expr"].strip().endswith("> 300")
    assert 'outcome="failed"' in rules["PitlaneDeliveryFailures"]["expr"]
    assert 'status="5xx"' in rules["PitlaneHttpErrors"]["expr"]


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_every_metric_of_an_alert_exists(rule: dict[str, Any]) -> None:
    names = metric_names(rule["expr"])
    assert names, rule["expr"]
    assert not unknown(names)


# ------------------------------------------------------------------ dashboard


def test_the_dashboard_is_a_grafana_dashboard_with_a_datasource_variable() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 30
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"], panel["title"]
        assert all(target["expr"].strip() for target in panel["targets"])


@pytest.mark.parametrize("expr", dashboard_exprs())
def test_every_metric_of_the_dashboard_exists(expr: str) -> None:
    names = metric_names(expr)
    assert names, expr
    assert not unknown(names)


def test_the_dashboards_variables_read_existing_metrics() -> None:
    for variable in dashboard()["templating"]["list"]:
        query = variable.get("definition") or ""
        for name in re.findall(r"label_values\(\s*([A-Za-z_:][\w:]*)", query):
            assert not unknown({name}), name


def test_the_dashboard_shows_every_metric_pitlane_defines() -> None:
    shown = set().union(*(metric_names(expr) for expr in dashboard_exprs()))
    families = {name.removesuffix("_total") for name in shown}
    families |= {re.sub(r"_(bucket|count|sum)$", "", name) for name in shown}
    defined = {item._name for item in vars(metrics).values() if isinstance(item, MetricWrapperBase)}
    assert defined <= families, defined - families


# ------------------------------------------------------------------ scrape example


def test_the_scrape_example_uses_the_bearer_token_from_a_file_and_the_rules() -> None:
    config = load_yaml("prometheus.yml")
    assert "alerts.yml" in config["rule_files"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {"pitlane-web", "pitlane-actions"} <= set(jobs)
    for job in jobs.values():
        assert job["metrics_path"] == "/metrics"
        assert job["authorization"]["type"] == "Bearer"
        assert job["authorization"]["credentials_file"]  # the token never inline
        assert "credentials" not in job["authorization"]
