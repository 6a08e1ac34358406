"""The 民情台账 headings and their subcategories: what problems and matters are filed under.

Shared data (no logic) between the petition service, which files matters by it, and the liaison
service, whose `liaison.problem_raised` names a heading and a subcategory petition registers without
translation. `tests/unit/liaison/test_ledger.py` keeps this table equal to petition's own tree.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class LedgerCategory(StrEnum):
    economy = "economy"  # 经济发展
    livelihood = "livelihood"  # 民生改善
    dispute = "dispute"  # 社会矛盾
    production = "production"  # 生产经营
    poverty_relief = "poverty_relief"  # 扶贫帮困
    grassroots = "grassroots"  # 基层组织


#: heading → its subcategories.
LEDGER = MappingProxyType({
    LedgerCategory.economy.value: frozenset({"relocation", "land_requisition", "infrastructure",
                                             "business_environment", "industry_development"}),
    LedgerCategory.livelihood.value: frozenset({"medical", "education", "housing", "social_insurance",
                                                "drinking_water", "pollution"}),
    LedgerCategory.dispute.value: frozenset({"land_dispute", "neighbour_dispute", "family_dispute", "wage_arrears",
                                             "public_order"}),
    LedgerCategory.production.value: frozenset({"farm_inputs", "produce_sales", "land_transfer",
                                                "enterprise_difficulty", "work_safety"}),
    LedgerCategory.poverty_relief.value: frozenset({"minimum_living", "hardship_relief", "disability_support",
                                                    "left_behind_care", "employment_support",
                                                    "dilapidated_housing"}),
    LedgerCategory.grassroots.value: frozenset({"cadre_conduct", "village_affairs", "collective_finance",
                                                "village_election"}),
})
