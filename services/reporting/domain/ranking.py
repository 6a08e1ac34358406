"""Township score, the monthly ranking (一月一排名) and the quarterly assessment (一季一考核).

Score (0–100, rounded to 2 decimals):

    petition  = 100 × (0.30 × response + 0.35 × resolution + 0.35 × satisfaction)
    safety    = 100 × (0.60 × rectification + 0.40 × on-time rectification) − accident deductions
    volunteer = 100 × (0.40 × completion + 0.40 × satisfaction + 0.20 × (1 − escalation))
    liaison   = 100 × (0.40 × stationing compliance + 0.40 × visit coverage + 0.20 × problems on time)
    total     = 0.50 × petition + 0.20 × safety + 0.10 × volunteer + 0.20 × liaison

- response = on-time routing and acceptance notices pooled; resolution = on-time reply rate;
  satisfaction = 满意 + 基本满意 share (see `figures`).
- liaison (驻村联户, issue 15): stationing compliance = cadre-weeks meeting the seasonal minimum; visit
  coverage = paired households visited at least once in the period; problems on time = problems raised on
  visits whose petition matter was replied to by its deadline. Why 0.20 of the total: stationed cadres and
  paired households are the county's main direct contact with villagers, on a par with safety; petition
  keeps the largest share (0.50) as the outcome the seeds measure townships by. Problems on time weigh
  least inside liaison (0.20): those matters are petition matters, already in the petition component.
- Every weight is configurable (`RankingConfig`); each group must sum to 1.
- A rate that is None (no cases) drops out and the remaining weights of its group are rescaled; a
  component with no rates drops out of the total the same way. Safety with no hazard rates but with
  accidents starts from 100 before deductions. A township with no data at all has no score and no rank.
- Rates are clamped to [0, 1]; the safety component is floored at 0 after deductions.
- Ties: equal (rounded) scores share a rank and the next rank is skipped (1, 2, 2, 4); tied rows are
  listed by township code so the order is deterministic.
- Red list: rank ≤ `red_top_n` (ties at the edge included). Black list: scores at or below the
  `black_bottom_n`-th lowest (ties included) or below `black_threshold`, never a red-listed township.
- A quarter is scored from the quarter's summed counters, not from the average of monthly scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from . import figures as fg
from . import metrics as m
from .periods import Period, PeriodKind

_TOLERANCE = 1e-9


def _check_weights(obj: object) -> None:
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}  # type: ignore[arg-type]
    for name, value in values.items():
        if not 0 <= value <= 1:
            raise ValueError(f"{type(obj).__name__}.{name} must be within 0..1, got {value}")
    total = sum(values.values())
    if abs(total - 1) > _TOLERANCE:
        raise ValueError(f"{type(obj).__name__} weights must sum to 1, got {total:g}")


@dataclass(frozen=True)
class PetitionWeights:
    response: float = 0.30
    resolution: float = 0.35
    satisfaction: float = 0.35

    def __post_init__(self) -> None:
        _check_weights(self)


@dataclass(frozen=True)
class SafetyWeights:
    rectification: float = 0.60
    on_time_rectification: float = 0.40

    def __post_init__(self) -> None:
        _check_weights(self)


@dataclass(frozen=True)
class VolunteerWeights:
    completion: float = 0.40
    satisfaction: float = 0.40
    no_escalation: float = 0.20

    def __post_init__(self) -> None:
        _check_weights(self)


@dataclass(frozen=True)
class LiaisonWeights:
    stationing: float = 0.40
    visit_coverage: float = 0.40
    problems_on_time: float = 0.20

    def __post_init__(self) -> None:
        _check_weights(self)


@dataclass(frozen=True)
class ComponentWeights:
    petition: float = 0.50
    safety: float = 0.20
    volunteer: float = 0.10
    liaison: float = 0.20

    def __post_init__(self) -> None:
        _check_weights(self)


DEFAULT_ACCIDENT_DEDUCTIONS: Mapping[str, float] = MappingProxyType(
    {"ordinary": 10.0, "larger": 30.0, "major": 60.0, "especially_major": 100.0})


@dataclass(frozen=True)
class RankingConfig:
    components: ComponentWeights = field(default_factory=ComponentWeights)
    petition: PetitionWeights = field(default_factory=PetitionWeights)
    safety: SafetyWeights = field(default_factory=SafetyWeights)
    volunteer: VolunteerWeights = field(default_factory=VolunteerWeights)
    liaison: LiaisonWeights = field(default_factory=LiaisonWeights)
    #: safety points deducted per accident, by grade (AccidentGrade values)
    accident_deductions: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ACCIDENT_DEDUCTIONS))
    #: safety points deducted per accident reported late
    late_report_deduction: float = 10.0
    red_top_n: int = 3
    black_bottom_n: int = 3
    black_threshold: float | None = 60.0
    #: "较上月" only when the previous period holds data on at least this many days per month (a month with
    #: a day or two of data — a fresh installation, a replayed history — would make every change meaningless).
    comparison_min_days: int = 20

    def __post_init__(self) -> None:
        if self.red_top_n < 0 or self.black_bottom_n < 0:
            raise ValueError("red_top_n and black_bottom_n cannot be negative")
        if not 0 <= self.comparison_min_days <= 28:
            raise ValueError("comparison_min_days must be within 0..28")
        if any(points < 0 for points in self.accident_deductions.values()) or self.late_report_deduction < 0:
            raise ValueError("deductions cannot be negative")


#: The counters a township's score reads (`TownshipFigures.from_totals`): totals over the dimension,
#: and accidents by grade (`ACCIDENTS_BY`). The read side fetches these and no others.
COUNTERS: tuple[str, ...] = (
    m.P_ROUTED_ON_TIME, m.P_ROUTED, m.P_ACCEPTED_ON_TIME, m.P_ACCEPTED, m.P_REPLIED_ON_TIME, m.P_REPLIED,
    m.P_SATISFIED, m.P_RATED, m.S_RECTIFIED_COHORT, m.S_HAZARDS_FOUND, m.S_RECTIFIED_ON_TIME, m.S_RECTIFIED,
    m.S_ACCIDENTS, m.S_LATE_ACCIDENT_REPORTS, m.V_COMPLETED_COHORT, m.V_REQUESTS, m.V_SATISFIED, m.V_RATED,
    m.V_ESCALATIONS, m.V_DISPATCHED_REQUESTS, m.L_CADRE_WEEKS_MET, m.L_CADRE_WEEKS, m.L_PROBLEMS_ON_TIME,
    m.L_PROBLEMS)
#: Distinct-key counts the score reads besides the counters (visited in the period, paired by its end).
PRESENCES: tuple[str, ...] = (m.L_HOUSEHOLDS_VISITED, m.L_HOUSEHOLDS_PAIRED)
ACCIDENTS_BY = m.S_ACCIDENTS  # dimension = grade


@dataclass(frozen=True)
class TownshipFigures:
    """A township's rates for one period (None = no cases), as computed by `figures`."""

    township: str
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    rectification_rate: float | None = None
    on_time_rectification_rate: float | None = None
    accidents: Mapping[str, int] = field(default_factory=dict)  # grade → count
    late_accident_reports: int = 0
    completion_rate: float | None = None
    volunteer_satisfaction_rate: float | None = None
    escalation_rate: float | None = None
    stationing_compliance: float | None = None
    visit_coverage: float | None = None
    problems_on_time_rate: float | None = None

    @classmethod
    def from_totals(cls, township: str, totals: Mapping[str, float],
                    accidents: Mapping[str, int] | None = None, *, households_visited: int = 0,
                    households_paired: int = 0) -> TownshipFigures:
        """From a period's counters summed over every dimension, keyed by metric name, and the households
        visited in the period and paired by its end (`PRESENCES`)."""
        def t(metric: str) -> int:
            return int(totals.get(metric, 0))
        return cls(
            township=township,
            response_rate=fg.petition_response_rate(t(m.P_ROUTED_ON_TIME), t(m.P_ROUTED),
                                                    t(m.P_ACCEPTED_ON_TIME), t(m.P_ACCEPTED)),
            resolution_rate=fg.on_time_reply_rate(t(m.P_REPLIED_ON_TIME), t(m.P_REPLIED)),
            satisfaction_rate=fg.satisfaction_rate(t(m.P_SATISFIED), t(m.P_RATED)),
            rectification_rate=fg.rectification_rate(t(m.S_RECTIFIED_COHORT), t(m.S_HAZARDS_FOUND)),
            on_time_rectification_rate=fg.on_time_rectification_rate(t(m.S_RECTIFIED_ON_TIME), t(m.S_RECTIFIED)),
            accidents=dict(accidents or {}),
            late_accident_reports=t(m.S_LATE_ACCIDENT_REPORTS),
            completion_rate=fg.completion_rate(t(m.V_COMPLETED_COHORT), t(m.V_REQUESTS)),
            volunteer_satisfaction_rate=fg.satisfaction_rate(t(m.V_SATISFIED), t(m.V_RATED)),
            escalation_rate=fg.escalation_rate(t(m.V_ESCALATIONS), t(m.V_DISPATCHED_REQUESTS)),
            stationing_compliance=fg.stationing_compliance(t(m.L_CADRE_WEEKS_MET), t(m.L_CADRE_WEEKS)),
            visit_coverage=fg.visit_coverage(households_visited, households_paired),
            problems_on_time_rate=fg.problems_on_time_rate(t(m.L_PROBLEMS_ON_TIME), t(m.L_PROBLEMS)),
        )


@dataclass(frozen=True)
class Score:
    total: float | None
    petition: float | None
    safety: float | None
    volunteer: float | None
    liaison: float | None = None


def _weighted(pairs: Iterable[tuple[float, float | None]]) -> float | None:
    """Weighted mean of the rates present (clamped to 0..1), weights rescaled; None if none present."""
    present = [(w, min(1.0, max(0.0, r))) for w, r in pairs if r is not None]
    weight = sum(w for w, _ in present)
    if not present or weight == 0:
        return None
    return sum(w * r for w, r in present) / weight


def score(f: TownshipFigures, config: RankingConfig | None = None) -> Score:
    """The township's component scores and total (0–100, rounded to 2 decimals)."""
    c = config or RankingConfig()
    petition = _weighted([(c.petition.response, f.response_rate), (c.petition.resolution, f.resolution_rate),
                          (c.petition.satisfaction, f.satisfaction_rate)])
    petition_pts = None if petition is None else 100 * petition
    rect = _weighted([(c.safety.rectification, f.rectification_rate),
                      (c.safety.on_time_rectification, f.on_time_rectification_rate)])
    deduction = sum(c.accident_deductions.get(grade, 0.0) * n for grade, n in f.accidents.items()) \
        + c.late_report_deduction * f.late_accident_reports
    had_accidents = any(f.accidents.values()) or f.late_accident_reports > 0
    if rect is None and not had_accidents:
        safety_pts = None
    else:
        safety_pts = max(0.0, 100 * (1.0 if rect is None else rect) - deduction)
    no_escalation = None if f.escalation_rate is None else 1 - min(1.0, f.escalation_rate)
    volunteer = _weighted([(c.volunteer.completion, f.completion_rate),
                           (c.volunteer.satisfaction, f.volunteer_satisfaction_rate),
                           (c.volunteer.no_escalation, no_escalation)])
    volunteer_pts = None if volunteer is None else 100 * volunteer
    liaison = _weighted([(c.liaison.stationing, f.stationing_compliance),
                         (c.liaison.visit_coverage, f.visit_coverage),
                         (c.liaison.problems_on_time, f.problems_on_time_rate)])
    liaison_pts = None if liaison is None else 100 * liaison
    components = [(c.components.petition, petition_pts), (c.components.safety, safety_pts),
                  (c.components.volunteer, volunteer_pts), (c.components.liaison, liaison_pts)]
    present = [(w, s) for w, s in components if s is not None]
    weight = sum(w for w, _ in present)
    total = None if not present or weight == 0 else sum(w * s for w, s in present) / weight

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 2)

    return Score(r(total), r(petition_pts), r(safety_pts), r(volunteer_pts), r(liaison_pts))


@dataclass(frozen=True)
class RankedTownship:
    township: str
    score: Score
    rank: int | None
    previous_rank: int | None = None
    previous_score: float | None = None

    @property
    def rank_change(self) -> int | None:
        """Places moved up since the previous period (positive = better); None if either is unranked."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def score_change(self) -> float | None:
        if self.score.total is None or self.previous_score is None:
            return None
        return round(self.score.total - self.previous_score, 2)


@dataclass(frozen=True)
class Ranking:
    period: Period
    rows: tuple[RankedTownship, ...]
    red_list: tuple[str, ...]
    black_list: tuple[str, ...]

    def row(self, township: str) -> RankedTownship | None:
        return next((r for r in self.rows if r.township == township), None)


def rank_townships(townships: Iterable[TownshipFigures], period: Period, config: RankingConfig | None = None,
                   previous: Ranking | None = None) -> Ranking:
    """Score and rank every township for `period`; `previous` (the period before) gives the change."""
    c = config or RankingConfig()
    if previous is not None and previous.period != period.previous():
        raise ValueError(f"previous ranking is for {previous.period.label}, expected {period.previous().label}")
    items = list(townships)
    if len({f.township for f in items}) != len(items):
        raise ValueError("each township may appear only once")
    scored = sorted(((f.township, score(f, c)) for f in items),
                    key=lambda ts: (ts[1].total is None, -(ts[1].total or 0.0), ts[0]))
    rows: list[RankedTownship] = []
    rank = 0
    last: float | None = None
    for position, (township, s) in enumerate(scored, start=1):
        if s.total is not None and s.total != last:
            rank, last = position, s.total
        before = previous.row(township) if previous else None
        rows.append(RankedTownship(township, s, rank if s.total is not None else None,
                                   before.rank if before else None,
                                   before.score.total if before else None))
    ranked = [r for r in rows if r.rank is not None]
    red = tuple(r.township for r in ranked if r.rank is not None and r.rank <= c.red_top_n)
    black: tuple[str, ...] = ()
    if ranked:
        totals = sorted(r.score.total for r in ranked if r.score.total is not None)
        cut = totals[min(c.black_bottom_n, len(totals)) - 1] if c.black_bottom_n else None
        black = tuple(r.township for r in ranked if r.township not in red and r.score.total is not None and (
            (cut is not None and r.score.total <= cut)
            or (c.black_threshold is not None and r.score.total < c.black_threshold)))
    return Ranking(period, tuple(rows), red, black)


def monthly_ranking(townships: Iterable[TownshipFigures], period: Period, config: RankingConfig | None = None,
                    previous: Ranking | None = None) -> Ranking:
    """一月一排名: the ranking of a calendar month, compared with the month before."""
    if period.kind is not PeriodKind.month:
        raise ValueError("monthly ranking needs a month period")
    return rank_townships(townships, period, config, previous)


def quarterly_assessment(townships: Iterable[TownshipFigures], period: Period,
                         config: RankingConfig | None = None, previous: Ranking | None = None) -> Ranking:
    """一季一考核: the same score on a quarter's counters, compared with the quarter before."""
    if period.kind is not PeriodKind.quarter:
        raise ValueError("quarterly assessment needs a quarter period")
    return rank_townships(townships, period, config, previous)
