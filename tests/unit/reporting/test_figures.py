"""Rates with zero denominators, percentiles, and the figure catalogue."""

from __future__ import annotations

import pytest

from services.reporting.domain import figures as fg
from services.reporting.domain import metrics as m


@pytest.mark.parametrize("rate", [fg.on_time_routing_rate, fg.on_time_acceptance_rate, fg.on_time_reply_rate,
                                  fg.satisfaction_rate, fg.rectification_rate, fg.on_time_rectification_rate,
                                  fg.completion_rate, fg.escalation_rate, fg.average_stars])
def test_zero_denominator_gives_none(rate: object) -> None:
    assert rate(0, 0) is None  # type: ignore[operator]


def test_rates() -> None:
    assert fg.on_time_routing_rate(9, 10) == 0.9
    assert fg.satisfaction_rate(3, 4) == 0.75
    assert fg.rectification_rate(0, 5) == 0.0  # zero numerator is a real 0, not None
    assert fg.escalation_rate(2, 20) == 0.1
    assert fg.average_stars(23, 5) == 4.6


def test_repeat_rate_counts_repeats_among_all_intakes() -> None:
    assert fg.repeat_rate(1, 3) == 0.25
    assert fg.repeat_rate(2, 0) == 1.0
    assert fg.repeat_rate(0, 0) is None


def test_response_rate_pools_routing_and_acceptance() -> None:
    assert fg.petition_response_rate(9, 10, 10, 10) == 0.95
    assert fg.petition_response_rate(0, 0, 1, 2) == 0.5
    assert fg.petition_response_rate(0, 0, 0, 0) is None


def test_negative_counters_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        fg.ratio(-1, 3)


def test_nearest_rank_percentile() -> None:
    values = [15, 20, 35, 40, 50]
    assert fg.percentile(values, 0.3) == 20
    assert fg.percentile(values, 0.5) == 35
    assert fg.percentile(values, 0.9) == 50
    assert fg.percentile(values, 1.0) == 50
    assert fg.percentile([], 0.5) is None
    assert fg.spread(range(1, 11)) == fg.Spread(10, 5, 9)
    assert fg.spread([]) == fg.Spread(0, None, None)
    with pytest.raises(ValueError):
        fg.percentile(values, 0)


def test_percentile_from_buckets_interpolates_inside_the_bucket() -> None:
    # 10 samples: 4 in (0,5], 4 in (15,30], 2 in (60,120]; empty buckets are simply absent.
    buckets = {5.0: 4, 30.0: 4, 120.0: 2}
    assert fg.percentile_from_buckets(buckets, 0.5) == pytest.approx(15 + (5 - 4) / 4 * 15)  # 18.75
    assert fg.percentile_from_buckets(buckets, 0.9) == pytest.approx(60 + (9 - 8) / 2 * 60)  # 90
    assert fg.percentile_from_buckets(buckets, 0.2) == pytest.approx(2.5)
    assert fg.spread_from_buckets(buckets) == fg.Spread(10, pytest.approx(18.75), pytest.approx(90))


def test_percentile_from_buckets_empty_and_open_ended() -> None:
    assert fg.percentile_from_buckets({}, 0.5) is None
    assert fg.percentile_from_buckets({30.0: 0}, 0.5) is None
    assert fg.percentile_from_buckets({float("inf"): 3}, 0.9) == 10080  # a floor: "over a week"


def test_catalogue_is_complete_and_points_at_real_metrics() -> None:
    names = {v for k, v in vars(m).items() if k.isupper() and isinstance(v, str)}
    # 30th: volunteer_awaiting_manual_dispatch (issue 18); 31st–33rd: the liaison figures (issue 15)
    assert len(fg.FIGURES) == len(fg.BY_KEY) == 33
    for figure in fg.FIGURES:
        assert figure.zh and figure.en and figure.definition and figure.definition_zh
        assert set(figure.metrics) <= names, figure.key


def test_stationing_compliance_is_weeks_met_over_weeks_closed() -> None:
    assert fg.stationing_compliance(7, 10) == 0.7
    assert fg.stationing_compliance(0, 4) == 0.0
    assert fg.stationing_compliance(0, 0) is None  # no cadre-week closed: no figure, not 0 %


def test_visit_coverage_is_visited_over_paired_at_most_one() -> None:
    assert fg.visit_coverage(30, 40) == 0.75
    assert fg.visit_coverage(0, 12) == 0.0
    assert fg.visit_coverage(5, 0) is None  # visits but nobody paired by the period's end: no figure
    assert fg.visit_coverage(45, 40) == 1.0  # never above 100 %


def test_problems_on_time_rate_over_problems_raised() -> None:
    assert fg.problems_on_time_rate(1, 4) == 0.25
    assert fg.problems_on_time_rate(0, 0) is None
    assert fg.problems_on_time_rate(3, 2) == 1.0  # a matter registered a day after its problem (midnight)
