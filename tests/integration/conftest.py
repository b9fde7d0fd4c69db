"""Fixtures shared by the integration tests' modules (the root conftest has the databases)."""

from tests.integration.smtp_support import smtp_server  # noqa: F401 (a fixture)
