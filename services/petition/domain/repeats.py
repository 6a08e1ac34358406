"""Repeat detection (§19, §36): is a new intake the same matter as one already on file?

"Same matter" here means: at least one petitioner in common (by the caller's pseudonyms), the same
classification and the same place (the village when both name one, else the township). The rule
is deliberately narrow; an operator can still link by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from minqing_kit.errors import InvalidInput

from .categories import Category, Subcategory
from .enums import MatterStatus
from .lifecycle import PENDING_STATUSES
from .matter_state import MatterState
from .validators import validate_mobile, validate_resident_id


@dataclass(frozen=True)
class RepeatKey:
    """What a matter is about and who raised it, as far as repeat detection needs to know."""

    pseudonyms: frozenset[str]
    category: Category
    subcategory: Subcategory
    township_code: str
    village_code: str | None = None


@dataclass(frozen=True)
class FiledMatter:
    """A matter on file, as the repository summarises it for repeat detection."""

    matter_id: UUID
    key: RepeatKey
    status: MatterStatus

    @classmethod
    def of(cls, matter: MatterState) -> FiledMatter:
        key = RepeatKey(
            frozenset(matter.pseudonyms),
            matter.category,
            matter.subcategory,
            matter.township_code,
            matter.village_code,
        )
        return cls(matter.id, key, matter.status)


def same_matter(a: RepeatKey, b: RepeatKey) -> bool:
    if not a.pseudonyms & b.pseudonyms:
        return False
    if (a.category, a.subcategory) != (b.category, b.subcategory):
        return False
    if a.village_code and b.village_code:
        return a.village_code == b.village_code
    return a.township_code == b.township_code


def find_repeat(new: RepeatKey, filed: Iterable[FiledMatter]) -> UUID | None:
    """The pending matter the intake repeats (link it, §19), or None for a new case.

    Raises `InvalidInput` when the same matter was already settled by 复核 (§36): it is not
    accepted again. Finished but not final matters (replied, closed, reviewed) are not repeats:
    the way forward for those is a 复查 / 复核 request, which the operator offers.
    """
    matches = [m for m in filed if same_matter(new, m.key)]
    if any(m.status is MatterStatus.final for m in matches):
        raise InvalidInput(
            "该事项已经复核终结，同一事实和理由不再受理"
            " (this matter was settled by re-review; the same facts are not accepted again)",
            field="matter",
            rule="final_after_re_review",
        )
    return next((m.matter_id for m in matches if m.status in PENDING_STATUSES), None)


# ----- the window's hint while typing ---------------------------------------------------------------
#: How far back the hint looks by default (days); the operator may widen it up to a year.
HINT_DAYS = 90


@dataclass(frozen=True)
class HintKeys:
    """What the hint looks a person up by: identifiers to pseudonymise, and the phone for its own key."""

    identifiers: tuple[str, ...]
    phone: str | None


def hint_identifiers(name: str | None, phone: str | None, id_number: str | None) -> HintKeys:
    """What the repeat hint may look a person up by, from what the operator has typed so far.

    Registration pseudonymises the most stable identifier given (ID number, else phone, else name)
    and keeps a keyed hash of every phone, so the hint tries each complete one: a half-typed ID or
    phone is skipped (no error while typing), and the name alone only finds people who were
    registered with nothing but their name.
    """
    out: list[str] = []
    valid_phone = None
    if id_number and id_number.strip():
        try:
            out.append(validate_resident_id(id_number.strip(), "hint"))
        except InvalidInput:
            pass
    if phone and phone.strip():
        try:
            valid_phone = validate_mobile(phone.strip(), "hint")
            out.append(valid_phone)
        except InvalidInput:
            pass
    if name and name.strip():
        out.append(name.strip())
    return HintKeys(tuple(out), valid_phone)
