"""Per-township gauges: a township whose count fell to nothing reads 0, not its last value."""

from minqing_kit.metrics import TownshipSeries


def test_a_township_that_emptied_reads_empty_and_new_ones_join() -> None:
    series = TownshipSeries(0)
    assert series.each({"a": 3, "b": 1}) == [("a", 3), ("b", 1)]
    assert series.each({"b": 2}) == [("a", 0), ("b", 2)]
    assert series.each({}) == [("a", 0), ("b", 0)]
    assert series.each({"c": 5}) == [("a", 0), ("b", 0), ("c", 5)]


def test_the_empty_value_may_be_a_tuple() -> None:
    series = TownshipSeries((0, 0))
    series.each({"a": (2, 1)})
    assert series.each({}) == [("a", (0, 0))]
