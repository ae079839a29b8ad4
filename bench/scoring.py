"""A suite inside `edgebench run`: which items it runs, and the score of every budget view of every answer."""

from __future__ import annotations

from bench.generate import ItemResult
from bench.suites.base import Item, Suite
from edge.errors import EdgebenchError


def run_splits(suite: Suite, splits: tuple[str, ...] | None) -> tuple[str, ...]:
    """The asked splits this suite has, or its default split when it has none of them (HumanEval has one)."""
    return tuple(s for s in splits or () if s in suite.spec.splits) or (suite.spec.default_split,)


def check_splits(suites: list[Suite], splits: tuple[str, ...] | None) -> None:
    """Refuse a split that no suite of the run has (a typo would otherwise run each suite's default)."""
    known = {s for suite in suites for s in suite.spec.splits}
    for split in splits or ():
        if split not in known:
            raise EdgebenchError(f"unknown split '{split}'; the suites of this run have {', '.join(sorted(known))}")


def suite_items(suite: Suite, splits: tuple[str, ...] | None, limit: int | None) -> list[Item]:
    """The items of each split the suite runs, at most `limit` per split."""
    return [item for split in run_splits(suite, splits) for item in suite.items(split, limit)]


def check_unique_ids(items: dict[str, list[Item]]) -> None:
    """Samples are stored by item id: two suites of one run must not share one."""
    owner: dict[str, str] = {}
    for name, suite_list in items.items():
        for item in suite_list:
            if owner.setdefault(item.id, name) != name:
                raise EdgebenchError(f"item id {item.id!r} is in both {owner[item.id]} and {name}; rename it in your file")


def score_views(suite: Suite, results: list[ItemResult], llm_judge=None) -> dict[tuple[str, int], dict]:
    """Scores for each (item id, budget) of the results, in one batch through the suite."""
    keys = [(r.item.id, v.budget) for r in results for v in r.views]
    rows = suite.evaluate([(r.item, v.text) for r in results for v in r.views],
                          llm_judge if suite.spec.llm_judged else None)
    return dict(zip(keys, rows))


def judge_name(suite: Suite, llm_judge=None) -> str:
    """The judge recorded with the suite's scores."""
    return llm_judge.name if llm_judge is not None and suite.spec.llm_judged else suite.spec.judge
