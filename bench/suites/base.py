"""What every suite is: items by split, each with its chat messages, scored in batches.

A suite is one class with a `spec` (the facts the runner, the comparison and the reports
need: its splits, metrics, which score is the target, which is content and which style,
its default judge) and two methods: `items(split, limit)` and `evaluate(answers)`. The
run stores the spec beside its results, so a report or a comparison never needs the
suite's data (a user's file may be gone by then) and nothing outside a suite branches on
its name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol

CONTENT, DISPOSITION = "content", "disposition"  # the two kinds of suite
COUNT_STEP = 5  # the resolution of SuiteSpec.score_counts, in items
TABLES = (CONTENT, DISPOSITION)  # the report table a reported score goes to


@dataclass(frozen=True)
class Item:
    """One prompt of a suite. `source` is the suite's own record of it (what evaluate reads)."""

    id: str
    family: str
    messages: list[dict]
    split: str
    suite: str
    domain: str = ""
    source: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Reported:
    """A score the report shows with its interval: the metric, its key in the report's records, its column title."""

    metric: str
    key: str
    title: str
    table: str  # CONTENT or DISPOSITION


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    kind: str  # CONTENT or DISPOSITION
    version: str
    splits: tuple[str, ...]
    default_split: str
    metrics: tuple[str, ...]  # per-item scores (0/1) averaged per budget, in table order
    reported: tuple[Reported, ...]
    target: str  # what `compare` tests by default
    content: str  # the content score tested beside it (a gain must not cost content)
    style: str | None = None  # the style-marker score (mimicry shows as style rising without the target)
    required_splits: tuple[str, ...] = ()  # a gain "survives" only if it holds on each of these
    judge: str = "lexical"  # the judge name recorded with every score
    llm_judged: bool = False  # whether --judge llm rescores it
    assertion_rates: bool = False  # whether the paper's assert/correct 2x2 applies
    # split -> how many items it holds: the most `--limit` (items per split) can reach. The report
    # uses it to say whether more items would settle a recommendation; None: not recorded (a suite
    # or a stored run older than the field), and the report then gives the limit without checking it.
    items_per_split: dict | None = field(default=None, hash=False)
    # report key -> split -> how many of the first k * COUNT_STEP items (in the order --limit takes them)
    # carry that score, k = 0, 1, ..., and the split's total last. A score that only some families have
    # grows unevenly with --limit once a family runs out; the report's --limit advice counts with this.
    # None: not recorded (the advice then assumes each score keeps its share of a split).
    score_counts: dict | None = field(default=None, hash=False)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SuiteSpec":
        tuples = {k: tuple(v) for k, v in data.items() if isinstance(v, list) and k != "reported"}
        known = set(cls.__dataclass_fields__)  # a field a later version stored is ignored, not an error
        data = {k: v for k, v in {**data, **tuples}.items() if k in known}
        return cls(**{**data, "reported": tuple(Reported(**r) for r in data["reported"])})


class Suite(Protocol):
    spec: SuiteSpec

    def items(self, split: str, limit: int | None = None) -> list[Item]:
        """The split's items, at most `limit` (a limit still covers every family)."""

    def evaluate(self, answers: list[tuple[Item, str]], llm_judge=None) -> list[dict]:
        """One score row per (item, answer): metric -> value (0/1, or None where it does not apply)."""
