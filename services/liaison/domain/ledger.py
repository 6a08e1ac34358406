"""The 民情台账 headings a problem raised on a visit is filed under — the same six headings and
subcategories the petition service files matters by (domain-reference: 经济发展、民生改善、社会矛盾、
生产经营、扶贫帮困、基层组织), so a problem becomes a matter without translation.

The tree is data published by the contract (`minqing_contract.ledger`); the domain cannot import the
contract, so the service layer passes the tree in (`parse_problem_class(..., tree=...)`).
"""

from __future__ import annotations

from collections.abc import Mapping

from minqing_kit.errors import InvalidInput


def parse_problem_class(category: str, subcategory: str, *, tree: Mapping[str, frozenset[str]]) -> tuple[str, str]:
    """Both known, and the subcategory filed under that heading."""
    if category not in tree:
        raise InvalidInput(f"民情类别无效 (category must be one of {', '.join(tree)}): {category!r}",
                           field="category", rule="one_of")
    if subcategory not in tree[category]:
        raise InvalidInput(f"子类不属于该类别 (subcategory {subcategory!r} is not under {category})",
                           field="subcategory", rule="subcategory_of_category")
    return category, subcategory
