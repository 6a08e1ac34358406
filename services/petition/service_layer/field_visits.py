"""A problem raised on a liaison visit becomes a 民情走访 matter (the consumer of `liaison.problem_raised`).

The stationed cadre files it: the domain actor is the cadre (role `cadre`, by the pseudonym the event
carries), the channel is 民情走访 with the village, the household is the petitioner by its pseudonym
(no name crosses services: the petitioner's name field reads 「联系户」 and the pseudonym), the kind is
申诉求决 (a need to be met). From registration on it is an ordinary matter: routed within 15 days,
replied within 60 days of acceptance (§22, §34). Exactly once: the consumer records the event id in
the same transaction, and the link's key on the problem id finds the matter of a problem raised again.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from minqing_contract.divisions import County
from minqing_kit.actor import Actor
from minqing_kit.errors import InvalidInput

from ..adapters.clock import Clock
from ..adapters.field_visits import FieldVisitLink
from ..adapters.unit_of_work import PetitionUnitOfWork
from ..domain.categories import parse_classification
from ..domain.enums import Role
from ..domain.intake import Petitioner, generate_lookup_code
from ..domain.lifecycle import Actor as DomainActor
from ..domain.matter import Matter
from . import commands as cmd


def content_of(c: cmd.RegisterFromVisit) -> str:
    heading, sub = parse_classification(c.category, c.subcategory)
    return (f"民情走访（驻村联户）：{c.visited_on:%Y-%m-%d} 走访联系户 {c.household} 时发现"
            f"「{heading.label_zh} / {sub.label_zh}」问题，需交办处理。走访记录 {c.visit_id}，问题 {c.problem_id}；"
            f"详情（所见所闻、户情）在驻村联户系统中查阅。")


async def register_from_visit(c: cmd.RegisterFromVisit, uow: PetitionUnitOfWork, actor: Actor, *, clock: Clock,
                              county: County) -> UUID:
    """Register the problem's matter once; returns its id (the existing one when already registered)."""
    village = county.village(c.village_code)
    if village is None or village.township_code != c.township_code:
        raise InvalidInput(f"本县没有这个村 (no village {c.village_code} in township {c.township_code})",
                           field="village_code", rule="village_of_township")
    now = clock()
    async with uow:
        existing = await uow.links.matter_for(c.problem_id)
        if existing is not None:
            return existing
        repo = uow.matters
        code = generate_lookup_code()
        while await repo.lookup_code_taken(code):
            code = generate_lookup_code()
        cadre = DomainActor(c.cadre, Role.cadre, township_code=c.township_code)
        matter = Matter.register(
            id=uuid4(), channel="field_visit", kind="claim", category=c.category, subcategory=c.subcategory,
            township_code=c.township_code, content=content_of(c),
            petitioners=[Petitioner.of(f"联系户 {c.household}")], pseudonyms=[c.household], headcount=1,
            actor=cadre, now=now, village_code=c.village_code, clocks=await repo.current_clocks())
        repo.add(matter, lookup_code=code)  # the code is never shown: the cadre follows up by the visit
        await uow.links.add(FieldVisitLink(c.problem_id, matter.id, c.visit_id, c.household, c.event_id, now))
        await uow.commit()
    return matter.id
