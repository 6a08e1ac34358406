from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from services.volunteer.domain.dispatch import choose_team, escalation_due, next_level
from services.volunteer.domain.enums import Level, Specialty

from .factories import FAR_VILLAGE, OTHER_TOWNSHIP, OTHER_VILLAGE, T0, VILLAGE, at, team

ECO = Specialty.ecology


def test_specialty_must_match() -> None:
    medical = team(specialties=(Specialty.medical,))
    ecology = team(Level.county, specialties=(ECO, Specialty.emergency))
    assert choose_team(ECO, VILLAGE, [medical, ecology], {}) == ecology
    assert choose_team(Specialty.legal, VILLAGE, [medical, ecology], {}) is None


def test_lowest_covering_level_wins_even_if_busier() -> None:
    village = team(Level.village)
    township = team(Level.township)
    county = team(Level.county)
    counts = {village.id: 2, township.id: 0, county.id: 0}
    assert choose_team(ECO, VILLAGE, [county, township, village], counts) == village
    assert choose_team(ECO, VILLAGE, [county, township], counts) == township
    assert choose_team(ECO, VILLAGE, [county], counts) == county


def test_teams_that_do_not_cover_the_village_are_ignored() -> None:
    other_village = team(Level.village, OTHER_VILLAGE)
    other_township = team(Level.township, OTHER_TOWNSHIP)
    county = team(Level.county)
    assert choose_team(ECO, VILLAGE, [other_village, other_township, county], {}) == county
    assert choose_team(ECO, FAR_VILLAGE, [other_township, county], {}) == other_township


def test_fewest_open_assignments_within_a_level() -> None:
    busy = team(Level.township, capacity=5)
    idle = team(Level.township, capacity=5)
    assert choose_team(ECO, VILLAGE, [busy, idle], {busy.id: 3, idle.id: 1}) == idle


def test_full_team_is_skipped() -> None:
    full = team(Level.village, capacity=2)
    township = team(Level.township)
    assert choose_team(ECO, VILLAGE, [full, township], {full.id: 2}) == township
    assert choose_team(ECO, VILLAGE, [full, township], {full.id: 1}) == full


def test_inactive_team_is_skipped() -> None:
    retired = team(Level.village, active=False)
    township = team(Level.township)
    assert choose_team(ECO, VILLAGE, [retired, township], {}) == township


def test_ties_are_broken_by_load_ratio_then_team_id_whatever_the_order() -> None:
    small = team(Level.township, capacity=2, id=UUID(int=1))
    large = team(Level.township, capacity=10, id=UUID(int=2))
    counts = {small.id: 1, large.id: 1}
    # Same open count: the lower load ratio (the larger team) wins.
    assert choose_team(ECO, VILLAGE, [small, large], counts) == large
    assert choose_team(ECO, VILLAGE, [large, small], counts) == large
    a = team(Level.township, capacity=4, id=UUID(int=7))
    b = team(Level.township, capacity=4, id=UUID(int=3))
    assert choose_team(ECO, VILLAGE, [a, b], {}) == b
    assert choose_team(ECO, VILLAGE, [b, a], {}) == b


def test_excluded_teams_are_not_chosen() -> None:
    decliner = team(Level.village)
    neighbour = team(Level.village)
    township = team(Level.township)
    teams = [decliner, neighbour, township]
    assert choose_team(ECO, VILLAGE, teams, {}, exclude={decliner.id}) == neighbour
    assert choose_team(ECO, VILLAGE, teams, {}, exclude={decliner.id, neighbour.id}) == township


def test_min_level_skips_lower_tiers() -> None:
    village = team(Level.village)
    township = team(Level.township)
    county = team(Level.county)
    teams = [village, township, county]
    assert choose_team(ECO, VILLAGE, teams, {}, min_level=Level.township) == township
    assert choose_team(ECO, VILLAGE, [village, county], {}, min_level=Level.township) == county
    assert choose_team(ECO, VILLAGE, [village, township], {}, min_level=Level.county) is None


def test_next_level_chain() -> None:
    assert next_level(Level.village) is Level.township
    assert next_level(Level.township) is Level.county
    assert next_level(Level.county) is None


def test_escalation_due_after_accept_timeout() -> None:
    assert not escalation_due(T0, at(29))
    assert escalation_due(T0, at(30))
    assert escalation_due(T0, at(10), accept_timeout=timedelta(minutes=10))
