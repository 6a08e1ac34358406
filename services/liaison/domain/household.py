"""A household (联户): members, employment and income band, needs, the help plan (帮扶计划, 一户一法),
the cadre it is paired with, and its contact card (干群联系卡).

The 崇州 practice (seed 004): every township cadre directly contacts assigned households; a visit
records the family's employment, income and members, and a help plan per family; each household holds
a card with the cadre's name, phone, e-mail and the help items pledged. So:

- a household is paired with one cadre at a time; pairing it with another cadre reissues the card
  (card numbers count up, the old card is void), pairing it again with the same cadre changes nothing;
- the card shows the cadre's **work** contact (not a private number) and the pledged items, i.e. the
  help plan's items not dropped;
- members' names, ID numbers and phones are personal data: the repository encrypts them, events carry
  only the household's pseudonym and counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import Conflict, InvalidInput, NotFound

from . import events as ev
from ._guards import parse_enum, require_aware, require_text
from .enums import Employment, HelpStatus, IncomeBand

MAX_MEMBERS = 30
MAX_NEEDS = 20
MAX_ITEMS = 50


@dataclass(frozen=True)
class Member:
    name: str
    relation: str  # 户主, 配偶, 子女 …
    employment: Employment
    id_number: str | None = None
    phone: str | None = None

    @classmethod
    def parse(cls, *, name: str, relation: str, employment: Employment | str, id_number: str | None = None,
              phone: str | None = None, index: int = 0) -> Member:
        return cls(require_text(name, f"members[{index}].name", max_len=50),
                   require_text(relation, f"members[{index}].relation", max_len=20),
                   parse_enum(Employment, employment, f"members[{index}].employment"),
                   (id_number or "").strip().upper() or None, (phone or "").strip() or None)


@dataclass(frozen=True)
class CadreContact:
    """What the card prints about the cadre: the work contact they registered."""

    cadre_id: str
    cadre: str  # pseudonym
    name: str
    work_phone: str
    email: str | None


@dataclass
class HelpItem:
    id: UUID
    title: str
    due_on: date | None
    status: HelpStatus = HelpStatus.planned
    progress: int = 0  # percent
    notes: list[tuple[datetime, str, str]] = field(default_factory=list)  # (at, by, note)


@dataclass(frozen=True)
class ContactCard:
    card_no: int
    cadre_id: str
    cadre_name: str
    work_phone: str
    email: str | None
    pledged: tuple[str, ...]
    issued_at: datetime


@dataclass
class Household:
    id: UUID
    pseudonym: str
    township_code: str
    village_code: str
    members: tuple[Member, ...]
    income_band: IncomeBand
    needs: tuple[str, ...]
    registered_by: str
    registered_at: datetime
    cadre_id: str | None = None
    cadre: str | None = None  # pseudonym of the paired cadre
    plan: list[HelpItem] = field(default_factory=list)
    card: ContactCard | None = None
    events: list[ev.DomainEvent] = field(default_factory=list)

    @classmethod
    def register(cls, *, id: UUID, pseudonym: str, township_code: str, village_code: str,
                 members: tuple[Member, ...], income_band: IncomeBand | str, needs: tuple[str, ...], actor: str,
                 now: datetime) -> Household:
        require_aware(now, "now")
        if not village_code.startswith(township_code[:9]) or village_code == township_code:
            raise InvalidInput("村须属于该乡镇 (village must lie in the township)", field="village_code",
                               rule="village_of_township")
        h = cls(id=id, pseudonym=pseudonym, township_code=township_code, village_code=village_code,
                members=_members(members), income_band=parse_enum(IncomeBand, income_band, "income_band"),
                needs=_needs(needs), registered_by=actor, registered_at=now)
        h.events.append(ev.HouseholdRegistered(**h._ids(now), members=len(h.members), income_band=h.income_band,
                                               needs=len(h.needs)))
        return h

    def _ids(self, now: datetime) -> dict[str, Any]:
        return {"occurred_at": now, "township_code": self.township_code, "village_code": self.village_code,
                "household_id": self.id, "household": self.pseudonym}

    @property
    def head(self) -> Member:
        return self.members[0]

    def update(self, *, members: tuple[Member, ...], income_band: IncomeBand | str, needs: tuple[str, ...],
               now: datetime) -> None:
        """动态管理: the household's data kept current after a visit."""
        require_aware(now, "now")
        self.members = _members(members)
        self.income_band = parse_enum(IncomeBand, income_band, "income_band")
        self.needs = _needs(needs)
        self.events.append(ev.HouseholdUpdated(**self._ids(now), members=len(self.members),
                                               income_band=self.income_band, needs=len(self.needs)))

    # ----- help plan (一户一法) ---------------------------------------------------------------------
    def plan_item(self, *, item_id: UUID, title: str, due_on: date | None, now: datetime) -> HelpItem:
        require_aware(now, "now")
        if len(self.plan) >= MAX_ITEMS:
            raise InvalidInput(f"帮扶事项最多 {MAX_ITEMS} 项 (at most {MAX_ITEMS} items)", field="title",
                               rule=f"max_items_{MAX_ITEMS}")
        item = HelpItem(item_id, require_text(title, "title", max_len=200), due_on)
        self.plan.append(item)
        self.events.append(ev.HelpItemPlanned(**self._ids(now), item_id=item_id, title=item.title))
        return item

    def record_progress(self, *, item_id: UUID, status: HelpStatus | str, progress: int, note: str, actor: str,
                        now: datetime) -> HelpItem:
        require_aware(now, "now")
        item = next((i for i in self.plan if i.id == item_id), None)
        if item is None:
            raise NotFound(f"帮扶事项不存在 (help item {item_id} not found)", field="item_id", rule="exists")
        st = parse_enum(HelpStatus, status, "status")
        if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
            raise InvalidInput("进度须为 0–100 (progress must be 0..100)", field="progress", rule="range_0_100")
        if st is HelpStatus.done and progress != 100:
            raise InvalidInput("已完成的事项进度须为 100 (done means 100)", field="progress", rule="done_is_100")
        if item.status in (HelpStatus.done, HelpStatus.dropped):
            raise Conflict("该事项已结束 (item already finished)", field="status", rule="finished")
        item.status, item.progress = st, progress
        item.notes.append((now, actor, require_text(note, "note", max_len=1000)))
        self.events.append(ev.HelpProgressRecorded(**self._ids(now), item_id=item_id, status=st, progress=progress))
        return item

    # ----- pairing and card ----------------------------------------------------------------------
    def pair(self, contact: CadreContact, *, now: datetime) -> bool:
        """Pair with `contact`'s cadre and issue (or reissue) the card; False if already paired with them."""
        require_aware(now, "now")
        if self.cadre_id == contact.cadre_id:
            return False
        previous = self.cadre
        self.cadre_id, self.cadre = contact.cadre_id, contact.cadre
        self.events.append(ev.HouseholdPaired(**self._ids(now), cadre=contact.cadre, previous_cadre=previous))
        self.issue_card(contact, now=now)
        return True

    def pledged(self) -> tuple[str, ...]:
        return tuple(i.title for i in self.plan if i.status is not HelpStatus.dropped)

    def issue_card(self, contact: CadreContact, *, now: datetime) -> ContactCard:
        """Issue the card (again, e.g. after the plan changed or a card was lost): number +1."""
        if self.cadre_id != contact.cadre_id:
            raise Conflict("联系卡只能由结对干部出具 (card only for the paired cadre)", field="cadre_id",
                           rule="paired_cadre")
        no = 1 if self.card is None else self.card.card_no + 1
        self.card = ContactCard(no, contact.cadre_id, contact.name, contact.work_phone, contact.email,
                                self.pledged(), now)
        self.events.append(ev.CardIssued(**self._ids(now), card_no=no, cadre=contact.cadre,
                                         pledged_items=len(self.card.pledged), reissue=no > 1))
        return self.card


def _members(members: tuple[Member, ...]) -> tuple[Member, ...]:
    if not members:
        raise InvalidInput("至少登记一名家庭成员（户主在前） (at least one member, the head first)",
                           field="members", rule="required")
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(f"家庭成员最多 {MAX_MEMBERS} 人 (at most {MAX_MEMBERS} members)", field="members",
                           rule=f"max_items_{MAX_MEMBERS}")
    if members[0].id_number is None:
        raise InvalidInput("户主须登记身份证号（用于化名标识） (the head's ID number is required)",
                           field="members[0].id_number", rule="required")
    return tuple(members)


def _needs(needs: tuple[str, ...]) -> tuple[str, ...]:
    if len(needs) > MAX_NEEDS:
        raise InvalidInput(f"需求最多 {MAX_NEEDS} 项 (at most {MAX_NEEDS} needs)", field="needs",
                           rule=f"max_items_{MAX_NEEDS}")
    return tuple(require_text(n, f"needs[{i}]", max_len=200) for i, n in enumerate(needs))
