"""The service's edge mapping (domain event → contract payload) and the watcher's schedule, without I/O."""

from __future__ import annotations

from minqing_contract.events import petition as contract
from services.petition.adapters.contract_mapping import CONTRACT, alert_event_id, to_contract, to_pending
from services.petition.adapters.repository import schedule
from services.petition.domain import events as ev
from services.petition.domain.enums import Role
from services.petition.domain.lifecycle import Actor
from services.petition.service_layer.handlers import actor_for

from .factories import T0, days, register, sh
from .test_events import EVENTS, SECRETS


def test_every_domain_event_has_one_contract_type() -> None:
    assert set(CONTRACT) == {type(e) for e in EVENTS}
    assert CONTRACT[ev.RepeatLinked] is contract.MatterRepeatLinked
    assert CONTRACT[ev.DeadlineOverdue] is contract.MatterOverdue


def test_mapped_payloads_validate_and_carry_no_personal_data() -> None:
    for i, e in enumerate(EVENTS, start=1):
        pending = to_pending(e, i)
        assert pending.sequence == i
        body = pending.payload.model_dump_json()
        assert not any(secret in body for secret in SECRETS)
    assert to_contract(EVENTS[0]).headcount == 6


def test_deadline_announcements_get_deterministic_ids() -> None:
    alerts = [e for e in EVENTS if isinstance(e, ev.DeadlineApproaching | ev.DeadlineOverdue)]
    assert alerts
    for e in alerts:
        assert to_pending(e, 1).event_id == alert_event_id(e.matter_id, e.alert_key)
    assert to_pending(EVENTS[0], 1).event_id is None


def test_schedule_points_the_watcher_at_the_next_announcement() -> None:
    m = register(now=T0)  # route due end of 2025-05-21
    open_due, watch = schedule(m, T0)
    assert open_due == sh(2025, 5, 22, 0) and watch == open_due - days(3)
    m.flag_deadlines(sh(2025, 5, 20))
    assert schedule(m, sh(2025, 5, 20))[1] == open_due  # next: the overdue announcement
    m.flag_deadlines(sh(2025, 5, 23))
    assert schedule(m, sh(2025, 5, 23)) == (open_due, None)


def test_token_roles_become_domain_actors() -> None:
    from minqing_kit.auth import Principal
    from minqing_kit.auth import Role as KitRole

    admin = actor_for(Principal("u1", KitRole.COUNTY_ADMIN, "990102000000"))
    assert admin == Actor("u1", Role.petition_officer)
    op = actor_for(Principal("u2", KitRole.TOWNSHIP_OPERATOR, "990102101000"))
    assert op.township_code == "990102101000" and op.role is Role.township_operator
