"""CSV numbers as a spreadsheet user expects them (issue 18: the export wrote 2145.000004 hours and
1414.0 people)."""

from __future__ import annotations

import pytest

from services.reporting.adapters.spreadsheets import csv_cell


@pytest.mark.parametrize(("value", "kind", "text"), [
    (2145.000004, "num", "2145"), (1414.0, "num", "1414"), (12.345, "num", "12.35"), (0.5, "num", "0.5"),
    (68.0, "num", "68"), (-0.001, "num", "0"), (-3.5, "num", "-3.5"), (7, "int", "7"), (3.0, "int", "3"),
    (0.5, "rate", "50.0%"), (1, "rate", "100.0%"), (0.33333, "rate", "33.3%"),
    (None, "rate", ""), (None, "num", ""), ("990102001000", "text", "990102001000"), ("红榜", "text", "红榜"),
])
def test_numbers_read_as_a_spreadsheet_user_expects(value: object, kind: str, text: str) -> None:
    assert csv_cell(value, kind) == text
