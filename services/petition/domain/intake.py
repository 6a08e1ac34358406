"""Intake rules: the petitioner value object, group visits and representatives (§20), lookup codes.

The petitioners' names, phones and ID numbers live only here and in the adapters (encrypted);
the aggregate's events carry the pseudonyms the caller derived from them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from minqing_kit.errors import InvalidInput

from ._guards import require_text
from .categories import Category, Subcategory
from .enums import Channel, Kind
from .validators import validate_mobile, validate_resident_id

#: §20: a group that comes in person chooses at most five representatives.
MAX_REPRESENTATIVES = 5
#: Practice (and the contract's `is_group_visit`): five or more people is a 集体访.
DEFAULT_GROUP_THRESHOLD = 5

# No 0/O, 1/I/L: codes are read aloud over the phone and copied from paper receipts.
LOOKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LOOKUP_LENGTH = 10
#: The contract's keyed pseudonym (HMAC, base32): the only form in which a person leaves the service.
PSEUDONYM = re.compile(r"p_[a-z2-7]{26}")


@dataclass(frozen=True)
class Petitioner:
    """One person raising the matter; built through `Petitioner.of` so every field is checked."""

    name: str
    phone: str | None = None
    id_number: str | None = None
    is_representative: bool = False

    @classmethod
    def of(
        cls,
        name: str,
        phone: str | None = None,
        id_number: str | None = None,
        is_representative: bool = False,
    ) -> Petitioner:
        return cls(
            name=require_text(name, "petitioners.name", max_len=50),
            phone=validate_mobile(phone, "petitioners.phone") if phone else None,
            id_number=validate_resident_id(id_number, "petitioners.id_number") if id_number else None,
            is_representative=is_representative,
        )


@dataclass(frozen=True)
class Receipt:
    """受理凭证: what the person takes home to check progress (§18, §21); no personal data."""

    matter_id: UUID
    lookup_code: str
    registered_at: datetime
    channel: Channel
    kind: Kind
    category: Category
    subcategory: Subcategory
    route_due_on: date  # the last day to transfer or assign, printed on the receipt
    repeat_of: UUID | None = None  # set when the intake was linked to an open matter (§19)


@dataclass(frozen=True)
class GroupFacts:
    headcount: int
    is_group_visit: bool
    representatives: int


def check_group(
    petitioners: Sequence[Petitioner],
    headcount: int,
    channel: Channel,
    kind: Kind,
    group_threshold: int = DEFAULT_GROUP_THRESHOLD,
) -> GroupFacts:
    """Headcount, group-visit flag and representatives, checked against §20."""
    if not petitioners and kind is not Kind.accusation:
        # Only 检举控告 may come anonymously; everything else needs someone to answer to.
        raise InvalidInput(
            "须至少登记一名信访人 (at least one petitioner is required)",
            field="petitioners",
            rule="petitioner_required",
        )
    if not isinstance(headcount, int) or isinstance(headcount, bool) or headcount < max(1, len(petitioners)):
        raise InvalidInput(
            f"人数不得少于登记的信访人数 {len(petitioners)} (headcount must be at least the number of"
            f" petitioners, {len(petitioners)}, and at least 1)",
            field="headcount",
            rule="headcount_at_least_petitioners",
        )
    representatives = sum(p.is_representative for p in petitioners)
    if representatives > MAX_REPRESENTATIVES:
        raise InvalidInput(
            f"代表人数不得超过{MAX_REPRESENTATIVES}人 (at most {MAX_REPRESENTATIVES} representatives)",
            field="representatives",
            rule="max_5_representatives",
        )
    is_group = headcount >= group_threshold
    if is_group and channel is Channel.visit and representatives == 0:
        # §20 asks a group that comes in person to choose representatives; letters may be co-signed.
        raise InvalidInput(
            "集体走访须推选代表 (a group visit must name its representatives)",
            field="representatives",
            rule="group_visit_representatives_required",
        )
    return GroupFacts(headcount=headcount, is_group_visit=is_group, representatives=representatives)


def generate_lookup_code(choice: Callable[[str], str] = secrets.choice, length: int = LOOKUP_LENGTH) -> str:
    """A receipt lookup code (查询码); pass a seeded `random.Random().choice` for repeatable tests."""
    return "".join(choice(LOOKUP_ALPHABET) for _ in range(length))


def normalize_lookup_code(value: str, field: str = "lookup_code") -> str:
    """Codes typed back by people: case, spaces and hyphens are forgiven; the alphabet is not."""
    code = (value or "").upper().replace(" ", "").replace("-", "")
    if len(code) != LOOKUP_LENGTH or any(ch not in LOOKUP_ALPHABET for ch in code):
        raise InvalidInput(
            f"查询码须为{LOOKUP_LENGTH}位字母数字 (lookup code must be {LOOKUP_LENGTH} characters"
            f" from {LOOKUP_ALPHABET})",
            field=field,
            rule="lookup_code_format",
        )
    return code
