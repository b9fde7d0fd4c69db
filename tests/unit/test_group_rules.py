"""The group's rules make sense before they are stored."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.errors import InvalidValue
from core.group_rules import GroupRules, check_rules

DEFAULT = GroupRules(24, 2, 500, 1500, 365)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reminder_hours_before": 0}, "invalid_reminder_hours"),
        ({"reminder_hours_before": 169}, "invalid_reminder_hours"),
        ({"survey_delay_hours": -1}, "invalid_survey_delay"),
        ({"survey_delay_hours": 337}, "invalid_survey_delay"),
        ({"visit_1000_min_km": 1500}, "invalid_visit_1000_km"),
        ({"visit_1000_min_km": -5}, "invalid_visit_1000_km"),
        ({"visit_1000_max_km": 100_001}, "invalid_visit_1000_km"),
        ({"visit_1000_max_age_days": 0}, "invalid_visit_1000_age"),
    ],
)
def test_a_rule_out_of_range_is_refused_with_its_reason(change, code) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_rules(replace(DEFAULT, **change))
    assert refused.value.code == code


@pytest.mark.parametrize(
    "rules",
    [DEFAULT, GroupRules(1, 0, 0, 1, 1), GroupRules(168, 336, 99_999, 100_000, 3650)],
)
def test_rules_at_the_limits_are_accepted(rules) -> None:
    assert check_rules(rules) == rules
