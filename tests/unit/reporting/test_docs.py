"""docs/reporting-figures.md states every figure's definition as the code does, and the worked example."""

from __future__ import annotations

from pathlib import Path

from services.reporting.domain.figures import FIGURES

DOC = Path(__file__).resolve().parents[3] / "docs" / "reporting-figures.md"


def test_doc_defines_every_figure_as_the_code_does() -> None:
    text = DOC.read_text(encoding="utf-8")
    for figure in FIGURES:
        assert figure.definition_zh in text and figure.definition in text, figure.key


def test_doc_shows_the_worked_example_scores_of_test_ranking() -> None:
    text = DOC.read_text(encoding="utf-8")
    for number in ("**86.25**", "**77**", "**85.33**", "**84.19**", "**46.67**", "**77.71**", "**37.33**",
                   "**66.67**", "**97.50**", "**56.88**", "−5.81", "−2.29", "+6.88"):
        assert number in text, number
