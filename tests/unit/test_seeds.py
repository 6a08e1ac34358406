"""The seed plugin: a failing test that drew random data names its seed, and that seed replays it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DRAWS = """
def test_draws(rng):
    print("drew", rng.randrange(10**9))
    assert False
"""


def test_a_failure_prints_its_seed_and_the_seed_replays_the_same_data(pytester: pytest.Pytester,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    monkeypatch.delenv("MINQING_TEST_SEED", raising=False)
    pytester.makeconftest('pytest_plugins = ["tests.seeds"]')
    pytester.makepyfile(DRAWS)
    first = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    first.assert_outcomes(failed=1)
    out = first.stdout.str()
    seed = re.search(r"MINQING_TEST_SEED=(\d+)", out)
    drew = re.search(r"drew (\d+)", out)
    assert seed and drew, out
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--seed", seed.group(1))
    assert f"drew {drew.group(1)}" in again.stdout.str()
    assert f"random seed {seed.group(1)}" in again.stdout.str()
