"""Base of every integration-event payload: frozen, strict, versioned, free of personal data."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import Instant

#: A 12-digit administrative division code (county, township or village).
DivisionCode = Annotated[str, Field(pattern=r"^\d{12}$", examples=["990102002000"])]
#: A keyed pseudonym (HMAC) standing for a person; never a name, phone or ID number.
Pseudonym = Annotated[str, Field(pattern=r"^p_[a-z2-7]{26}$", examples=["p_mfrggzdfmztwq2lknnwg23tpoa"])]


class EventPayload(BaseModel):
    """A contract event's `data`. Subclasses set `event_type`, `version`, `subject_field`, `topic`."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    #: The field holding the aggregate id: CloudEvents `subject` and the Kafka key (partition key).
    subject_field: ClassVar[str]
    #: Logical stream name, one per producing service (see topics.py).
    stream: ClassVar[str]
    summary: ClassVar[str] = ""

    township_code: DivisionCode = Field(description="Township (乡镇/街道) the fact belongs to")
    occurred_at: Instant = Field(description="When the fact happened (the service's clock, timezone-aware)")

    def subject(self) -> str:
        return str(getattr(self, self.subject_field))
