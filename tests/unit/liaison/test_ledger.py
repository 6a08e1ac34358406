"""The contract's 民情台账 table is petition's tree: a problem raised in liaison files as a matter unchanged."""

from minqing_contract.ledger import LEDGER, LedgerCategory
from services.petition.domain.categories import Category, Subcategory


def test_contract_ledger_equals_petitions_categories() -> None:
    assert {c.value for c in LedgerCategory} == {c.value for c in Category}
    assert {k: set(v) for k, v in LEDGER.items()} == {
        c.value: {s.value for s in Subcategory if s.category is c} for c in Category}
