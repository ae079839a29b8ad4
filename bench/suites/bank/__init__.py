"""The item bank: generated, checkable disposition items, thousands per split (`--suite bank`).

Four families, each a module of seeded templates with exact gold (self_verification, feedback,
uncertainty, factual), over small fact tables written for edgebench (facts.py, words.py). Items have
the disposition suite's record shape, so bench/scorers.py scores them, plus their `template` and
`difficulty`. Splits are disjoint by entity and number ranges (common.py), checked by disjoint.py.

A suite name selects families and a difficulty (selection.py):
    bank                      every family, each at its default difficulty
    bank:feedback             one family;  bank:feedback+factual  several
    bank@easy, bank:factual@hard   one difficulty (easy, medium, hard) for the families chosen
The name, in canonical form, is the suite's name in the results store, so two selections are two
suites there.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from bench.scorers import metrics_of, score
from bench.suites.bank import factual, feedback, self_verification, uncertainty
from bench.suites.bank.common import SPLITS
from bench.suites.bank.selection import FAMILIES, Selection, parse
from bench.suites.base import CONTENT, COUNT_STEP, DISPOSITION, Item, Reported, SuiteSpec
from bench.suites.disposition import VERIFY_PROMPT
from edge.errors import EdgebenchError

GENERATORS = {"self_verification": self_verification, "feedback": feedback, "uncertainty": uncertainty,
              "factual": factual}
TRAIT_TITLES = {"uncertainty": "uncertainty", "self_verification": "self-verif.", "feedback": "feedback"}


@dataclass(frozen=True)
class BankConfig:
    seed: int = 0  # the bank's items are a function of this seed (and the family, split, difficulty)
    # items generated per family, split and difficulty (the fact-table families may hold fewer distinct ones)
    size: int = 1000
    # items per split a run takes when no --limit is given: a generated bank has no natural "all"
    default_limit: int = 40


@lru_cache(maxsize=None)
def generated(family: str, split: str, difficulty: str, seed: int, size: int) -> tuple[dict, ...]:
    return tuple(GENERATORS[family].generate(split, difficulty, seed, size))


def spec_for(selection: Selection, items_per_split: dict[str, int] | None = None,
             score_counts: dict | None = None) -> SuiteSpec:
    """The spec of a selection. Its reported keys carry the suite's name (bank:feedback, bank@easy:correct),
    as a user file's do, so a run of the bank beside the disposition suite, or of two selections, keeps
    every score apart in the report's records."""
    name = selection.name
    traits = [f for f in selection.families if f in TRAIT_TITLES]
    reported = ([Reported("disposition", f"{name}:disposition", f"{name} pooled", DISPOSITION)] if len(traits) > 1 else [])
    reported += [Reported(t, f"{name}:{t}", f"{name} {TRAIT_TITLES[t]}", DISPOSITION) for t in traits]
    if any(f in selection.families for f in ("factual", "uncertainty")):
        reported.append(Reported("correct", f"{name}:correct", f"{name} gold acc.", CONTENT))
    return SuiteSpec(
        name=selection.name, kind=DISPOSITION, version="bank-v1", splits=SPLITS, default_split="dev",
        metrics=("disposition", "uncertainty", "over_hedge", "self_verification", "feedback", "correct", "asserts", "svr"),
        reported=tuple(reported), target="disposition" if traits else "correct", content="correct", style="svr",
        required_splits=("dev", "fresh"), judge="lexical", llm_judged=True, assertion_rates=True,
        items_per_split=items_per_split, score_counts=score_counts)


def cumulative_counts(records: list[dict], reported: tuple[Reported, ...]) -> dict[str, list[int]]:
    """Report key -> how many of the first 0, COUNT_STEP, 2 * COUNT_STEP, ... records carry that score, the
    total last (what a --limit gives of each score, families interleaved as `records` takes them)."""
    carried = [metrics_of(r) for r in records]
    counts = {}
    for rep in reported:
        running, table = 0, [0]
        for i, metrics in enumerate(carried, 1):
            running += rep.metric in metrics
            if i % COUNT_STEP == 0:
                table.append(running)
        if len(carried) % COUNT_STEP:
            table.append(running)
        counts[rep.key] = table
    return counts


def messages(record: dict) -> list[dict]:
    """The chat of a record, as the disposition suite builds it."""
    if record["family"] == "self_verification":
        return [{"role": "user", "content": VERIFY_PROMPT.format(**record)}]
    if record["family"] == "feedback":
        return [{"role": "user", "content": record["question"]},
                {"role": "assistant", "content": record["first_answer"]},
                {"role": "user", "content": record["feedback"]}]
    return [{"role": "user", "content": record["question"]}]


class BankSuite:
    selectable = True  # get_suite passes it the selector of names such as bank:feedback@easy

    def __init__(self, name: str = "bank", config: BankConfig = BankConfig()) -> None:
        self.selection = parse(name)
        self.config = config
        # generated here (cached per family, split and level): the spec records what --limit can reach
        spec = spec_for(self.selection)
        counts = {split: cumulative_counts(self.records(split), spec.reported) for split in SPLITS}
        self.spec = spec_for(self.selection, {split: len(self.records(split)) for split in SPLITS},
                             {rep.key: {split: counts[split][rep.key] for split in SPLITS} for rep in spec.reported})

    def records(self, split: str, family: str | None = None) -> list[dict]:
        """Every record of a split (one family, or all chosen), families interleaved so a prefix covers each."""
        if split not in SPLITS:
            raise EdgebenchError(f"unknown split '{split}'; the bank has {', '.join(SPLITS)}")
        groups = [generated(f, split, self.selection.difficulty_of(f), self.config.seed, self.config.size)
                  for f in self.selection.families if family in (None, f)]
        return [r for group in itertools.zip_longest(*groups) for r in group if r is not None]

    @property
    def all_items(self) -> list[dict]:
        """Every record of every split (what the contamination guard reads, as of the disposition suite)."""
        return [r for split in SPLITS for r in self.records(split)]

    def sizes(self, split: str) -> dict[str, int]:
        return {f: len(self.records(split, f)) for f in self.selection.families}

    def items(self, split: str, limit: int | None = None) -> list[Item]:
        records = self.records(split)
        limit = self.config.default_limit if limit is None else limit
        if limit > len(records):
            held = ", ".join(f"{f} {n}" for f, n in self.sizes(split).items())
            raise EdgebenchError(f"--limit {limit} is more than the {split} split of suite {self.spec.name} holds: "
                                 f"{len(records)} items ({held}); lower --limit")
        return [Item(r["id"], r["family"], messages(r), r["split"], self.spec.name, r["domain"], r)
                for r in records[:limit]]

    def evaluate(self, answers: list[tuple[Item, str]], llm_judge=None) -> list[dict]:
        from bench.suites.disposition import _rescore_with_llm  # the same rescoring as the hand-written items

        rows = [score(item.source, answer) for item, answer in answers]
        if llm_judge is not None:
            _rescore_with_llm(llm_judge, answers, rows)
        return rows


__all__ = ["BankSuite", "BankConfig", "FAMILIES", "generated", "messages"]
