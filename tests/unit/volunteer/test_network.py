from __future__ import annotations

from datetime import datetime, time
from uuid import uuid4

import pytest

from minqing_kit.errors import InvalidInput
from services.volunteer.domain import divisions
from services.volunteer.domain.enums import Level, Specialty
from services.volunteer.domain.network import AvailabilitySlot, ServicePoint, Station, Volunteer

from .factories import (
    COUNTY,
    FAR_VILLAGE,
    OTHER_COUNTY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    team,
)


def test_division_tree_from_a_village_code() -> None:
    assert divisions.level_of(VILLAGE) is Level.village
    assert divisions.level_of(TOWNSHIP) is Level.township
    assert divisions.level_of(COUNTY) is Level.county
    assert divisions.township_of(VILLAGE) == TOWNSHIP
    assert divisions.county_of(VILLAGE) == COUNTY
    assert divisions.ancestor_at(VILLAGE, Level.township) == TOWNSHIP
    assert divisions.ancestor_at(VILLAGE, Level.county) == COUNTY


@pytest.mark.parametrize("code", ["35012410020", "3501241002011", "35012410020x", "350100000000"])
def test_bad_division_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        divisions.level_of(code)
    assert err.value.field == "division_code"
    assert err.value.rule in {"division_code_12_digits", "division_code_county_or_below"}


def test_levels_order_by_tier_not_spelling() -> None:
    assert Level.village < Level.township < Level.county
    assert sorted([Level.county, Level.village, Level.township]) == [
        Level.village,
        Level.township,
        Level.county,
    ]
    assert Specialty.left_behind_children.label == "关爱留守儿童"


def test_team_covers_its_village_township_or_county() -> None:
    village_team = team(Level.village)
    township_team = team(Level.township)
    county_team = team(Level.county)
    assert village_team.covers(VILLAGE) and not village_team.covers(OTHER_VILLAGE)
    assert township_team.covers(VILLAGE) and township_team.covers(OTHER_VILLAGE)
    assert not township_team.covers(FAR_VILLAGE)
    assert county_team.covers(VILLAGE) and county_team.covers(FAR_VILLAGE)
    assert not team(Level.county, OTHER_COUNTY).covers(VILLAGE)
    assert not team(Level.township, OTHER_TOWNSHIP).covers(VILLAGE)


def test_team_home_division_must_match_its_level() -> None:
    with pytest.raises(InvalidInput) as err:
        team(Level.township, VILLAGE)
    assert (err.value.field, err.value.rule) == ("home_division_code", "township_code")


@pytest.mark.parametrize("capacity", [0, -1, True])
def test_team_capacity_must_be_positive(capacity: int) -> None:
    with pytest.raises(InvalidInput) as err:
        team(capacity=capacity)
    assert (err.value.field, err.value.rule) == ("capacity", "min_1")


def test_team_needs_a_specialty() -> None:
    with pytest.raises(InvalidInput) as err:
        team(specialties=())
    assert err.value.field == "specialties"


def test_service_point_only_at_a_village_station() -> None:
    village_station = Station(uuid4(), Level.village, VILLAGE)
    point = ServicePoint.at(village_station, id=uuid4(), name="微笑小屋")
    assert point.village_code == VILLAGE and point.station_id == village_station.id
    with pytest.raises(InvalidInput) as err:
        ServicePoint.at(Station(uuid4(), Level.township, TOWNSHIP), id=uuid4(), name="微笑小屋")
    assert err.value.rule == "village_station"


def test_volunteer_availability_and_teams() -> None:
    saturday_morning = AvailabilitySlot(5, time(8), time(12))
    volunteer = Volunteer(uuid4(), skills=frozenset({Specialty.medical}), available_time=(saturday_morning,))
    assert volunteer.is_available(datetime(2025, 5, 10, 9, 30))  # a Saturday
    assert not volunteer.is_available(datetime(2025, 5, 10, 13, 0))
    assert not volunteer.is_available(datetime(2025, 5, 9, 9, 30))  # Friday
    team_id = uuid4()
    assert volunteer.join([team_id]).team_ids == {team_id}
    with pytest.raises(InvalidInput):
        AvailabilitySlot(7, time(8), time(9))
