"""A short, bounded schemathesis run over the OpenAPI document, as an admin, in-process.

Every operation gets a few generated requests (hypothesis, derandomized: the same cases each
run); no answer may be a server error, and each answer must match the schema the document
gives for its status and content type. `POST /api/staff/logout` is left out: it would end the
admin's session for every case after it (tests/integration/test_web_staff_auth.py covers it);
`DELETE /api/widget/session` too: it would revoke the widget token of every case after it
(tests/security/test_widget_revocation.py covers it).

Each request carries the credential its route takes: the admin's session (cookie and CSRF
header) everywhere, plus, on the widget's routes, a widget token issued by the app (Bearer)
and, on the REST webhook, an integration's token (Bearer, PITLANE_REST_WEBHOOK_TOKENS). The
notification stream's credential is a single-use ticket in its query string, which the
generator fills: an unknown ticket, so 401 is its right answer (a valid ticket:
test_route_matrix.py, test_widget_idor.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.conftest import _sqlite_database
from tests.integration.staff_web_support import ADMIN, login
from tests.integration.web_support import REST_AUTH, closed_port, web_client, web_settings
from tests.integration.widget_support import bearer, issue_token
from webapp.main import create_app

EXAMPLES_PER_OPERATION = 6
SIGN_IN = "POST /api/staff/login"  # generated credentials are wrong: 401 is its answer
STREAM = "GET /api/widget/notifications/stream"  # a generated ticket is unknown: 401
WIDGET_PATHS = ("/api/widget/", "/api/chat/")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _sqlite_database(tmp_path_factory.mktemp("fuzz"), "db", seeded=True)


@pytest.fixture(scope="module")
def fuzz_app(fuzz_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    uploads = tmp_path_factory.mktemp("fuzz-uploads")
    rasa = f"http://127.0.0.1:{closed_port()}"
    app = create_app(web_settings(fuzz_url, rasa, upload_dir=str(uploads)))
    app.state.sse_heartbeat_seconds = 0.05  # the stream's pings come at once
    return app


@pytest.fixture(scope="module")
def admin_session(fuzz_url: str) -> Iterator[dict[str, Any]]:
    """The admin's session cookie and CSRF header (sessions live in the shared database) and
    a widget token the app issued."""
    with web_client(fuzz_url) as client:
        csrf = login(client, ADMIN)
        cookies = dict(client.cookies.items())
        widget_token = issue_token(client)
    yield {"cookies": cookies, "headers": {"X-CSRF-Token": csrf}, "widget_token": widget_token}


def headers_for(operation: Any, session: dict[str, Any]) -> dict[str, str]:
    """The headers of `operation`'s requests: the credential its route takes."""
    headers = dict(session["headers"])
    if operation.path == "/webhooks/rest/webhook":
        headers.update(REST_AUTH)
    elif operation.path.startswith(WIDGET_PATHS):
        headers.update(bearer(session["widget_token"]))
    return headers


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Any) -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    return schema.exclude(method="POST", path="/api/staff/logout").exclude(
        method="DELETE", path="/api/widget/session"
    )


def fuzz(operation: Any, session: dict[str, Any], seen: Counter) -> None:
    """A few generated requests to `operation`; raises on the first failing check."""
    headers = headers_for(operation, session)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers, cookies=session["cookies"])
        seen[(operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_no_server_error_and_answers_match_the_schema(
    api_schema: Any, admin_session: dict[str, Any]
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40, [op.label for op in operations]

    failures = []
    seen: Counter = Counter()
    for operation in operations:
        try:
            fuzz(operation, admin_session, seen)
        except Exception as exc:  # every failing operation is reported, not only the first
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:2000])

    assert not failures, "\n\n".join(failures)
    fuzzed = {label for label, _ in seen}
    assert fuzzed == {op.label for op in operations}  # every operation was called
    refused = [label for label, status in seen if status == 401 and label not in (SIGN_IN, STREAM)]
    assert not refused, f"the credentials were not used: {refused}"
    assert seen[("GET /api/staff/me", 200)] >= 1
