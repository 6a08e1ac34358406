"""The one place where liaison domain events become contract events (what goes on Kafka).

People cross only as pseudonyms (`cadre`, `household`); notes, report texts, visit records, help
item titles and the cadre's contact stay in the service's database. Events of a stationing, a
household, a visit or a report carry that aggregate's running `sequence`. `MAPPING` (the kit's
`ContractMapping`) is what the unit of work uses at commit.
"""

from __future__ import annotations

from minqing_contract.events import liaison as c
from minqing_contract.events.base import EventPayload
from minqing_kit.mapping import ContractMapping, Mapper
from services.liaison.domain import events as ev


def _problem(e: ev.ProblemRaised) -> EventPayload:
    return c.ProblemRaised(township_code=e.township_code, occurred_at=e.occurred_at, problem_id=e.problem_id,
                           visit_id=e.visit_id, household_id=e.household_id, household=e.household, cadre=e.cadre,
                           village_code=e.village_code, category=c.LedgerCategory(e.category),
                           subcategory=e.subcategory, visited_on=e.visited_on, raised_at=e.occurred_at)


_MAPPERS: dict[type[ev.DomainEvent], Mapper] = {
    ev.CadreStationed: c.CadreStationed,
    ev.StationingEnded: c.StationingEnded,
    ev.PresenceRecorded: c.PresenceRecorded,
    ev.WeekClosed: c.WeekClosed,
    ev.WeeklyReportSubmitted: c.WeeklyReportSubmitted,
    ev.MisconductReported: c.MisconductReported,
    ev.MisconductFollowedUp: c.MisconductFollowedUp,
    ev.HouseholdRegistered: c.HouseholdRegistered,
    ev.HouseholdUpdated: c.HouseholdUpdated,
    # Internal only: the plan's items are free text; the card's pledged count tells subscribers enough.
    ev.HelpItemPlanned: None,
    ev.HelpProgressRecorded: None,
    ev.HouseholdPaired: c.HouseholdPaired,
    ev.CardIssued: c.CardIssued,
    ev.VisitRecorded: c.VisitRecorded,
    ev.ProblemRaised: _problem,
}

MAPPING = ContractMapping(_MAPPERS)
