"""Running calls at once, for the tests of what the database guarantees under concurrency.

Each call should use its own unit of work from the `racing_uow` fixture (tests/conftest.py),
so every racer holds its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run the calls in threads released together by a barrier; their results and errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:  # collected, asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors
