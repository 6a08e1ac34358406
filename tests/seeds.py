"""Reproducible randomness for tests: one seed per test, printed when the test fails.

A test that draws random data asks for the `rng` fixture (a `random.Random`) or the `seed` fixture
(an int to hand to a builder). The seed is fresh for every run, so the suite keeps exploring, and a
failing test's report ends with the line that re-runs it with the very same data:

    random seed 3141592653 — re-run with: MINQING_TEST_SEED=3141592653 ./scripts/test -k <test>

(or `pytest --seed 3141592653`). Rules that must hold for every input use Hypothesis instead,
which shrinks a failure to its smallest case and remembers it in `.hypothesis/`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# No per-example deadline: on a loaded two-core CI machine a slow example is not a failure, and a
# deadline would make the property tests flaky. A failure prints the blob that reproduces it.
settings.register_profile("minqing", deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("minqing")

ENV = "MINQING_TEST_SEED"
_SEED_STASH = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", type=int, default=None,
                     help=f"seed for every test's random data (default: ${ENV}, else a fresh one per test)")


def _chosen(config: pytest.Config) -> int | None:
    value = config.getoption("--seed")
    if value is None and os.environ.get(ENV):
        value = int(os.environ[ENV])
    return value  # type: ignore[no-any-return]


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    value = _chosen(request.config)
    if value is None:
        value = random.SystemRandom().randrange(2**32)
    request.node.stash[_SEED_STASH] = value
    return value


@pytest.fixture
def rng(seed: int) -> random.Random:
    return random.Random(seed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    value = item.stash.get(_SEED_STASH, None)
    if value is not None and report.failed:  # type: ignore[attr-defined]
        report.sections.append(("random seed", f"random seed {value} — re-run with: {ENV}={value} "
                                                f"./scripts/test -k '{item.name}'  (or pytest --seed {value})"))
    return report  # type: ignore[no-any-return]
