"""The 民情台账 headings (Category) and their subcategories, and the check that they belong together.

Each subcategory sits under exactly one heading, so annual statistics by field (§41) add up.
Values are English words; `label_zh` gives the wording used in the ledgers.
"""

from __future__ import annotations

from enum import StrEnum

from minqing_kit.errors import InvalidInput


class Category(StrEnum):
    economy = "economy"
    livelihood = "livelihood"
    dispute = "dispute"
    production = "production"
    poverty_relief = "poverty_relief"
    grassroots = "grassroots"

    @property
    def label_zh(self) -> str:
        return _CATEGORY_LABELS[self]

    @property
    def subcategories(self) -> tuple[Subcategory, ...]:
        return tuple(s for s in Subcategory if s.category is self)


class Subcategory(StrEnum):
    # 经济发展
    relocation = "relocation"
    land_requisition = "land_requisition"
    infrastructure = "infrastructure"
    business_environment = "business_environment"
    industry_development = "industry_development"
    # 民生改善
    medical = "medical"
    education = "education"
    housing = "housing"
    social_insurance = "social_insurance"
    drinking_water = "drinking_water"
    pollution = "pollution"
    # 社会矛盾
    land_dispute = "land_dispute"
    neighbour_dispute = "neighbour_dispute"
    family_dispute = "family_dispute"
    wage_arrears = "wage_arrears"
    public_order = "public_order"
    # 生产经营
    farm_inputs = "farm_inputs"
    produce_sales = "produce_sales"
    land_transfer = "land_transfer"
    enterprise_difficulty = "enterprise_difficulty"
    work_safety = "work_safety"
    # 扶贫帮困
    minimum_living = "minimum_living"
    hardship_relief = "hardship_relief"
    disability_support = "disability_support"
    left_behind_care = "left_behind_care"
    employment_support = "employment_support"
    dilapidated_housing = "dilapidated_housing"
    # 基层组织
    cadre_conduct = "cadre_conduct"
    village_affairs = "village_affairs"
    collective_finance = "collective_finance"
    village_election = "village_election"

    @property
    def category(self) -> Category:
        return SUBCATEGORY_CATEGORY[self]

    @property
    def label_zh(self) -> str:
        return _SUB_LABELS[self][0]


_CATEGORY_LABELS = {
    Category.economy: "经济发展",
    Category.livelihood: "民生改善",
    Category.dispute: "社会矛盾",
    Category.production: "生产经营",
    Category.poverty_relief: "扶贫帮困",
    Category.grassroots: "基层组织",
}

_C, _S = Category, Subcategory
_SUB_LABELS: dict[Subcategory, tuple[str, Category]] = {
    _S.relocation: ("拆迁安置", _C.economy),
    _S.land_requisition: ("征地补偿", _C.economy),
    _S.infrastructure: ("基础设施建设", _C.economy),
    _S.business_environment: ("营商环境", _C.economy),
    _S.industry_development: ("产业发展", _C.economy),
    _S.medical: ("医疗卫生", _C.livelihood),
    _S.education: ("教育", _C.livelihood),
    _S.housing: ("住房保障", _C.livelihood),
    _S.social_insurance: ("社会保险", _C.livelihood),
    _S.drinking_water: ("饮水安全", _C.livelihood),
    _S.pollution: ("环境污染", _C.livelihood),
    _S.land_dispute: ("土地纠纷", _C.dispute),
    _S.neighbour_dispute: ("邻里纠纷", _C.dispute),
    _S.family_dispute: ("婚姻家庭纠纷", _C.dispute),
    _S.wage_arrears: ("拖欠工资", _C.dispute),
    _S.public_order: ("治安问题", _C.dispute),
    _S.farm_inputs: ("农资供应", _C.production),
    _S.produce_sales: ("农产品销售", _C.production),
    _S.land_transfer: ("土地流转", _C.production),
    _S.enterprise_difficulty: ("企业经营困难", _C.production),
    _S.work_safety: ("安全生产", _C.production),
    _S.minimum_living: ("低保", _C.poverty_relief),
    _S.hardship_relief: ("困难救助", _C.poverty_relief),
    _S.disability_support: ("残疾人帮扶", _C.poverty_relief),
    _S.left_behind_care: ("留守老人儿童关爱", _C.poverty_relief),
    _S.employment_support: ("就业帮扶", _C.poverty_relief),
    _S.dilapidated_housing: ("危房改造", _C.poverty_relief),
    _S.cadre_conduct: ("干部作风", _C.grassroots),
    _S.village_affairs: ("村务公开", _C.grassroots),
    _S.collective_finance: ("集体三资管理", _C.grassroots),
    _S.village_election: ("村级选举", _C.grassroots),
}

#: subcategory -> heading, the single source for grouping statistics.
SUBCATEGORY_CATEGORY: dict[Subcategory, Category] = {s: heading for s, (_, heading) in _SUB_LABELS.items()}


def parse_classification(
    category: Category | str, subcategory: Subcategory | str
) -> tuple[Category, Subcategory]:
    """Both values known, and the subcategory filed under that heading."""
    try:
        heading = Category(category)
    except ValueError:
        raise InvalidInput(
            f"民情类别无效 (category must be one of {', '.join(Category)}): {category!r}",
            field="category",
            rule="one_of",
        ) from None
    try:
        sub = Subcategory(subcategory)
    except ValueError:
        raise InvalidInput(
            f"民情子类无效 (unknown subcategory): {subcategory!r}", field="subcategory", rule="one_of"
        ) from None
    if sub.category is not heading:
        raise InvalidInput(
            f"子类「{sub.label_zh}」不属于「{heading.label_zh}」，应归入「{sub.category.label_zh}」"
            f" (subcategory {sub.value} belongs to {sub.category.value}, not {heading.value})",
            field="subcategory",
            rule="subcategory_of_category",
        )
    return heading, sub
