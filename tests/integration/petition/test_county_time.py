"""Times as the county reads them: every time a staff member sees carries Beijing time's +08:00,
whether it came from the clock, from the database or from a deadline, and a matter registered late
in the evening is on that Beijing day's books."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import ADMIN, SHANGHAI, Petition


def _times(view: dict[str, object]) -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) >= 19 and value[10:11] == "T" and value[4:5] == "-":
            found.append(value)
    walk(view)
    return found


async def test_times_in_responses_carry_beijing_offset_and_late_evening_counts_on_that_day(
        petition: Petition) -> None:
    petition.clock.set(datetime(2025, 5, 6, 23, 30, tzinfo=SHANGHAI))
    receipt = await petition.register()
    assert receipt["registered_at"] == "2025-05-06T23:30:00+08:00"

    # Read back from PostgreSQL (which keeps UTC: 15:30 on the 6th), shown in Beijing time.
    view = (await petition.client.get(f"/matters/{receipt['matter_id']}", headers=ADMIN)).json()
    assert view["registered_at"] == "2025-05-06T23:30:00+08:00"
    times = _times(view)
    assert len(times) >= 2 and all(t.endswith("+08:00") for t in times), times
    # §22's 15 days run from the next Beijing day: the 7th to the 21st, not from the UTC date.
    [route] = [d for d in view["deadlines"] if d["kind"] == "route"]
    assert route["last_day"] == "2025-05-21" and route["due_at"] == "2025-05-22T00:00:00+08:00"

    listed = (await petition.client.get("/matters", headers=ADMIN)).json()
    listed_times = _times(listed)
    assert listed_times and all(t.endswith("+08:00") for t in listed_times), listed_times

    [row] = await petition.sql("SELECT registered_at FROM matters WHERE id = $1::uuid", receipt["matter_id"])
    stored = row["registered_at"]
    assert stored == datetime(2025, 5, 6, 15, 30, tzinfo=UTC)  # the same instant, stored as such
