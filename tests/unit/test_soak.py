"""The soak benchmark's arithmetic (bench/soak.py): percentiles, minutes, growth, verdict.
The soak itself is a benchmark (`make soak`), not a test."""

from __future__ import annotations

from bench.soak import GROWTH_LIMIT, Sample, by_minute, growth, percentile, verdict


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100

    assert [percentile(values, s) for s in (0.5, 0.95, 0.99, 1.0)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([0.3], 0.99) == 0.3 and percentile([], 0.5) == 0.0


def test_messages_fall_in_the_minute_they_were_sent_and_the_warm_up_in_none() -> None:
    samples = [
        Sample(-5.0, 9.0, False),  # warm-up: not counted
        Sample(0.0, 0.2, True),
        Sample(59.9, 0.4, False),  # an error: counted, not in the latencies
        Sample(60.0, 0.6, True),
        Sample(130.0, 0.8, True),  # past the measured minutes: dropped
    ]

    first, second = by_minute(samples, 2)

    assert (first.number, first.messages, first.errors, first.p50) == (1, 2, 1, 0.2)
    assert (second.messages, second.errors, second.p99) == (1, 0, 0.6)


def test_memory_growth_over_the_limit_or_any_error_fails_the_soak() -> None:
    grown = growth({"web": 100.0, "rasa": 900.0}, {"web": 112.0, "rasa": 918.0})
    rows = by_minute([Sample(1.0, 0.1, True)], 1)

    assert grown == {"web": 12.0, "rasa": 2.0}
    assert verdict(rows, {"rasa": 2.0, "actions": GROWTH_LIMIT}) == []
    assert verdict(rows, grown) == ["web grew by 12.0% (limit 10%)"]
    assert verdict(by_minute([Sample(1.0, 0.1, False)], 1), None) == ["1 failed messages"]
    assert verdict(by_minute([], 1), {}) == ["no message was sent"]
