"""Township score and rankings: the worked example of docs/reporting-figures.md, ties, lists, weights."""

from __future__ import annotations

import pytest

from services.reporting.domain import metrics as m
from services.reporting.domain.periods import Period
from services.reporting.domain.ranking import (
    ComponentWeights,
    LiaisonWeights,
    PetitionWeights,
    RankingConfig,
    Score,
    TownshipFigures,
    monthly_ranking,
    quarterly_assessment,
    rank_townships,
    score,
)

A, B, C, D = "990102001000", "990102002000", "990102003000", "990102004000"
MAY, APRIL = Period.month(2025, 5), Period.month(2025, 4)

# The worked example: a period's counters per township, exactly as in the doc's table.
TOTALS = {
    A: {m.P_ROUTED: 10, m.P_ROUTED_ON_TIME: 9, m.P_ACCEPTED: 10, m.P_ACCEPTED_ON_TIME: 10, m.P_REPLIED: 8,
        m.P_REPLIED_ON_TIME: 6, m.P_RATED: 10, m.P_SATISFIED: 9,
        m.S_HAZARDS_FOUND: 4, m.S_RECTIFIED_COHORT: 3, m.S_RECTIFIED: 5, m.S_RECTIFIED_ON_TIME: 4,
        m.V_REQUESTS: 20, m.V_COMPLETED_COHORT: 18, m.V_RATED: 10, m.V_SATISFIED: 8,
        m.V_DISPATCHED_REQUESTS: 20, m.V_ESCALATIONS: 2,
        m.L_CADRE_WEEKS: 20, m.L_CADRE_WEEKS_MET: 18, m.L_PROBLEMS: 5, m.L_PROBLEMS_ON_TIME: 4},
    B: {m.P_ROUTED: 6, m.P_ROUTED_ON_TIME: 6, m.P_ACCEPTED: 6, m.P_ACCEPTED_ON_TIME: 5, m.P_REPLIED: 5,
        m.P_REPLIED_ON_TIME: 5, m.P_RATED: 4, m.P_SATISFIED: 3,
        m.S_HAZARDS_FOUND: 2, m.S_RECTIFIED_COHORT: 2, m.S_RECTIFIED: 2, m.S_RECTIFIED_ON_TIME: 2,
        m.S_LATE_ACCIDENT_REPORTS: 1,
        m.V_REQUESTS: 10, m.V_COMPLETED_COHORT: 7, m.V_RATED: 5, m.V_SATISFIED: 5,
        m.V_DISPATCHED_REQUESTS: 10, m.V_ESCALATIONS: 4,
        m.L_CADRE_WEEKS: 12, m.L_CADRE_WEEKS_MET: 6, m.L_PROBLEMS: 3, m.L_PROBLEMS_ON_TIME: 1},
    C: {m.P_ROUTED: 8, m.P_ROUTED_ON_TIME: 4, m.P_ACCEPTED: 4, m.P_ACCEPTED_ON_TIME: 2, m.P_REPLIED: 4,
        m.P_REPLIED_ON_TIME: 2, m.P_RATED: 5, m.P_SATISFIED: 2,
        m.S_HAZARDS_FOUND: 5, m.S_RECTIFIED_COHORT: 2, m.S_RECTIFIED: 3, m.S_RECTIFIED_ON_TIME: 1,
        m.V_REQUESTS: 4, m.V_COMPLETED_COHORT: 2, m.V_DISPATCHED_REQUESTS: 4, m.V_ESCALATIONS: 0,
        m.L_CADRE_WEEKS: 16, m.L_CADRE_WEEKS_MET: 16},
}
#: Households visited in the month / paired by its end (distinct keys, not counters).
HOUSEHOLDS = {A: (40, 48), B: (15, 30), C: (38, 40)}
ACCIDENTS = {B: {"ordinary": 1}}
EXAMPLE_CONFIG = RankingConfig(red_top_n=1, black_bottom_n=1, black_threshold=60)


def example() -> list[TownshipFigures]:
    return [TownshipFigures.from_totals(t, totals, ACCIDENTS.get(t), households_visited=HOUSEHOLDS[t][0],
                                        households_paired=HOUSEHOLDS[t][1]) for t, totals in TOTALS.items()]


def uniform(township: str, rate: float) -> TownshipFigures:
    return TownshipFigures(township, rate, rate, rate, rate, rate, {}, 0, rate, rate, 1 - rate, rate, rate, rate)


def test_worked_example_scores() -> None:
    a, b, c = (score(f) for f in example())
    assert a == Score(total=84.19, petition=86.25, safety=77.0, volunteer=86.0, liaison=85.33)
    assert b == Score(total=77.71, petition=88.75, safety=80.0, volunteer=80.0, liaison=46.67)
    # C has no volunteer ratings: completion 0.40 and no-escalation 0.20 are rescaled to 2/3 and 1/3;
    # no problems raised: stationing and visit coverage (0.40 each) are rescaled to 1/2 each.
    assert c == Score(total=56.88, petition=46.5, safety=37.33, volunteer=66.67, liaison=97.5)


def test_worked_example_ranking_with_month_on_month_change() -> None:
    april = monthly_ranking([uniform(A, 0.9), uniform(B, 0.8), uniform(C, 0.5)], APRIL, EXAMPLE_CONFIG)
    assert [(r.township, r.rank, r.score.total) for r in april.rows] == [(A, 1, 90.0), (B, 2, 80.0), (C, 3, 50.0)]
    may = monthly_ranking(example(), MAY, EXAMPLE_CONFIG, previous=april)
    assert [(r.township, r.rank, r.score.total, r.rank_change, r.score_change) for r in may.rows] == [
        (A, 1, 84.19, 0, -5.81),
        (B, 2, 77.71, 0, -2.29),
        (C, 3, 56.88, 0, 6.88),
    ]
    assert may.red_list == (A,)
    assert may.black_list == (C,)


def test_change_is_none_without_a_previous_ranking_or_for_a_newcomer() -> None:
    april = rank_townships([uniform(A, 0.9)], APRIL)
    may = rank_townships([uniform(A, 0.8), uniform(B, 0.7)], MAY, previous=april)
    assert (may.row(A).rank_change, may.row(A).score_change) == (0, -10.0)  # type: ignore[union-attr]
    assert may.row(B).rank_change is None  # type: ignore[union-attr]
    assert rank_townships([uniform(A, 0.8)], MAY).rows[0].rank_change is None


def test_previous_must_be_the_period_before() -> None:
    march = rank_townships([uniform(A, 0.9)], Period.month(2025, 3))
    with pytest.raises(ValueError, match="expected 2025-04"):
        rank_townships([uniform(A, 0.9)], MAY, previous=march)


def test_ties_share_a_rank_skip_the_next_and_list_by_code() -> None:
    ranking = rank_townships([uniform(D, 0.6), uniform(C, 0.9), uniform(A, 0.9), uniform(B, 0.7)], MAY)
    assert [(r.township, r.rank) for r in ranking.rows] == [(A, 1), (C, 1), (B, 3), (D, 4)]


def test_red_and_black_lists_include_ties_at_the_edge() -> None:
    config = RankingConfig(red_top_n=1, black_bottom_n=1, black_threshold=None)
    ranking = rank_townships([uniform(A, 0.9), uniform(B, 0.9), uniform(C, 0.7), uniform(D, 0.7)], MAY, config)
    assert ranking.red_list == (A, B)
    assert ranking.black_list == (C, D)


def test_black_threshold_adds_low_scores_but_never_a_red_township() -> None:
    config = RankingConfig(red_top_n=1, black_bottom_n=0, black_threshold=60)
    ranking = rank_townships([uniform(A, 0.5), uniform(B, 0.55), uniform(C, 0.95)], MAY, config)
    assert ranking.black_list == (B, A)
    lone = rank_townships([uniform(A, 0.5)], MAY, config)
    assert (lone.red_list, lone.black_list) == ((A,), ())


def test_township_without_data_is_unranked_and_on_no_list() -> None:
    ranking = rank_townships([TownshipFigures(D), uniform(A, 0.5)], MAY, RankingConfig(black_threshold=60))
    assert [(r.township, r.rank, r.score.total) for r in ranking.rows] == [(A, 1, 50.0), (D, None, None)]
    assert D not in ranking.red_list + ranking.black_list


def test_accidents_deduct_from_safety_even_without_hazard_rates() -> None:
    s = score(TownshipFigures(A, accidents={"larger": 1}, late_accident_reports=1))
    assert s == Score(total=60.0, petition=None, safety=60.0, volunteer=None)
    floored = score(TownshipFigures(A, rectification_rate=0.5, accidents={"major": 1}))
    assert floored.safety == 0.0


def test_rates_are_clamped() -> None:
    s = score(TownshipFigures(A, completion_rate=1.3, escalation_rate=2.0))
    assert s.volunteer == round(100 * (0.4 * 1.0 + 0.2 * 0.0) / 0.6, 2)


def test_weights_are_configurable() -> None:
    f = TownshipFigures(A, response_rate=1.0, resolution_rate=0.0, satisfaction_rate=0.0)
    assert score(f).petition == 30.0
    config = RankingConfig(petition=PetitionWeights(response=0.5, resolution=0.25, satisfaction=0.25))
    assert score(f, config).petition == 50.0


@pytest.mark.parametrize("build", [
    lambda: PetitionWeights(response=0.3, resolution=0.3, satisfaction=0.3),
    lambda: ComponentWeights(petition=0.7, safety=0.25, volunteer=0.15),
    lambda: ComponentWeights(petition=1.2, safety=-0.1, volunteer=-0.1),
    lambda: ComponentWeights(petition=0.60, safety=0.25, volunteer=0.15),  # the weights before liaison: 1.2
    lambda: LiaisonWeights(stationing=0.5, visit_coverage=0.5, problems_on_time=0.2),
])
def test_weights_must_sum_to_one(build: object) -> None:
    with pytest.raises(ValueError, match=r"weights must|within 0\.\.1"):
        build()  # type: ignore[operator]


def test_other_config_validation() -> None:
    with pytest.raises(ValueError):
        RankingConfig(red_top_n=-1)
    with pytest.raises(ValueError):
        RankingConfig(accident_deductions={"ordinary": -5})


def test_monthly_and_quarterly_need_the_right_period() -> None:
    with pytest.raises(ValueError, match="month"):
        monthly_ranking([uniform(A, 0.9)], Period.quarter(2025, 2))
    with pytest.raises(ValueError, match="quarter"):
        quarterly_assessment([uniform(A, 0.9)], MAY)
    q1 = quarterly_assessment([uniform(A, 0.9)], Period.quarter(2025, 1))
    q2 = quarterly_assessment([uniform(A, 0.8)], Period.quarter(2025, 2), previous=q1)
    assert q2.rows[0].score_change == -10.0


def test_duplicate_township_is_refused() -> None:
    with pytest.raises(ValueError, match="once"):
        rank_townships([uniform(A, 0.9), uniform(A, 0.8)], MAY)


def test_liaison_component_from_stationing_visits_and_problems() -> None:
    f = TownshipFigures.from_totals(A, {m.L_CADRE_WEEKS: 10, m.L_CADRE_WEEKS_MET: 7, m.L_PROBLEMS: 4,
                                        m.L_PROBLEMS_ON_TIME: 1}, households_visited=30, households_paired=40)
    assert (f.stationing_compliance, f.visit_coverage, f.problems_on_time_rate) == (0.7, 0.75, 0.25)
    s = score(f)
    assert s.liaison == 63.0  # 100 × (0.4 × 0.7 + 0.4 × 0.75 + 0.2 × 0.25)
    assert s.total == 63.0  # the only component present


def test_liaison_drops_out_without_cadre_weeks_visits_or_problems() -> None:
    f = TownshipFigures.from_totals(A, {m.P_RATED: 4, m.P_SATISFIED: 2}, households_paired=0)
    assert (f.stationing_compliance, f.visit_coverage, f.problems_on_time_rate) == (None, None, None)
    assert score(f) == Score(total=50.0, petition=50.0, safety=None, volunteer=None, liaison=None)
    # Paired households none of which was visited: coverage 0, not "no data".
    unvisited = TownshipFigures.from_totals(A, {}, households_visited=0, households_paired=12)
    assert unvisited.visit_coverage == 0.0
    assert score(unvisited).liaison == 0.0
