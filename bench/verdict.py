"""The falsification verdict for "B is better than A", as one table of rules.

`decide(cells, ...)` reads the paired cells of a comparison (one per split and budget,
from bench/compare.py) into `Facts`, then takes the first rule of `RULES` whose condition
holds. Each rule carries the sentence the README prints for it (`rules_markdown()`
renders the table; a test checks that the README holds exactly that), so the code and
the documentation cannot drift apart.

A budget is *clean* when neither run cuts off more than `negligible_cap` of its answers
there; the verdict is judged on clean cells, or on every cell when none is clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bench.stats import PairedResult


@dataclass(frozen=True)
class Facts:
    """What the rules look at, worked out once from the cells."""

    cells: list  # every Cell
    clean: list  # cells where neither run cuts off more than negligible_cap
    cut: list  # the others
    judged: list  # clean, or every cell when none is clean
    alpha: float
    negligible_cap: float
    required_splits: tuple[str, ...]

    def better(self, r: PairedResult | None) -> bool:
        return r is not None and r.p_value < self.alpha and r.difference > 0

    def worse(self, r: PairedResult | None) -> bool:
        return r is not None and r.p_value < self.alpha and r.difference < 0

    @property
    def content_drops(self) -> list:
        return [c for c in self.judged if self.worse(c.content)]

    @property
    def clean_gains(self) -> list:
        return [c for c in self.clean if self.better(c.target)]

    @property
    def cut_gains(self) -> list:
        return [c for c in self.cut if self.better(c.target)]

    @property
    def missing_splits(self) -> list[str]:
        """Required splits with no clean cell (not run, or cut off at every budget)."""
        return [s for s in self.required_splits if s not in {c.split for c in self.clean}]

    @property
    def every_clean_budget_gains(self) -> bool:
        return bool(self.clean) and len(self.clean_gains) == len(self.clean)

    @property
    def style_gains(self) -> list:
        return [c for c in self.judged if self.better(c.style)]

    @property
    def judged_gains(self) -> bool:
        return any(self.better(c.target) for c in self.judged)

    @property
    def content_gains(self) -> bool:
        return any(self.better(c.content) for c in self.judged)


@dataclass(frozen=True)
class Rule:
    verdict: str
    when: str  # the README's sentence for this row
    holds: Callable[[Facts], bool]
    reason: Callable[[Facts], str]


def _cell(c) -> str:
    return f"{c.split} at n_predict={c.budget}"


def _damaged(f: Facts) -> str:
    c = f.content_drops[0]
    return f"content fell by {-c.content.difference:.3f} on {_cell(c)} (p={c.content.p_value:.3g}, n={c.content.n})"


def _survives(f: Facts) -> str:
    budgets = ", ".join(sorted({str(c.budget) for c in f.clean}, key=int))
    worst = max(c.target.p_value for c in f.clean)
    return (f"B is significantly better at every clean budget ({budgets}) on "
            f"{', '.join(sorted({c.split for c in f.clean}))} (largest p={worst:.3g})")


def _truncation(f: Facts) -> str:
    c = f.cut_gains[0]
    gain = (f"B is better only where answers are cut off: {_cell(c)} (+{c.target.difference:.3f}, "
            f"p={c.target.p_value:.3g}, cap-hit A {c.cap_hit_a:.0%} / B {c.cap_hit_b:.0%})")
    if not f.clean:
        return gain + f"; every budget cuts off more than {f.negligible_cap:.0%} of answers: rerun with a larger budget"
    flat = min(f.clean, key=lambda x: x.target.p_value)
    return gain + (f"; where cap-hit is at most {f.negligible_cap:.0%} ({_cell(flat)}) the difference is "
                   f"{flat.target.difference:+.3f} (p={flat.target.p_value:.3g})")


def _style(f: Facts) -> str:
    c = f.style_gains[0]  # the rule holds only where content neither fell nor rose significantly
    return (f"the style-marker rate rose by {c.style.difference:.3f} on {_cell(c)} (p={c.style.p_value:.3g}) while the "
            f"judged score moved {c.target.difference:+.3f} (p={c.target.p_value:.3g}) and content did not change "
            "significantly")


def _not_significant(f: Facts) -> str:
    if f.every_clean_budget_gains and f.missing_splits:
        ran = {c.split for c in f.cells}
        parts = [f"the {s} split was cut off at every budget" if s in ran else f"the {s} split was not run"
                 for s in f.missing_splits]
        return (f"significant at every clean budget of {', '.join(sorted({c.split for c in f.clean}))}, but "
                f"{' and '.join(parts)}; rerun both with --split {','.join(f.required_splits)} and budgets that "
                "let answers finish")
    if f.clean_gains:
        c = next(x for x in f.clean if not f.better(x.target))
        return (f"better at some clean budgets but not on {_cell(c)} ({c.target.difference:+.3f}, "
                f"p={c.target.p_value:.3g})")
    if not f.clean:
        return "no budget shows a significant gain, and every budget cuts off answers"
    best = min(f.clean, key=lambda c: c.target.p_value)
    return (f"no clean budget shows a significant gain (best: {best.target.difference:+.3f} on {_cell(best)}, "
            f"p={best.target.p_value:.3g})")


# In order: the first rule that holds gives the verdict.
RULES = (
    Rule("content damaged",
         "B's gold accuracy (or pass@1) is significantly lower somewhere it can be judged (a clean budget, or any "
         "budget when none is clean)",
         lambda f: bool(f.content_drops), _damaged),
    Rule("survives",
         "B is significantly better (paired test, p < `--alpha`) at every budget where neither run cuts off more than "
         "`--negligible-cap` of its answers, on dev and on fresh, under the same judge",
         lambda f: f.every_clean_budget_gains and not f.missing_splits, _survives),
    Rule("truncation artifact",
         "B is significantly better only at budgets where answers are cut off: at no clean budget (or there is none)",
         lambda f: bool(f.cut_gains) and not f.clean_gains, _truncation),
    Rule("style only",
         "the style-marker rate (SVR) rose significantly while neither the judged score nor content did",
         lambda f: bool(f.style_gains) and not f.judged_gains and not f.content_gains, _style),
    Rule("not significant",
         "anything else: no gain, a gain at some clean budgets only, or a gain on dev that is missing, or cut off at "
         "every budget, on fresh",
         lambda f: True, _not_significant),
)
VERDICTS = tuple(rule.verdict for rule in RULES)


def facts(cells: list, alpha: float, negligible_cap: float, required_splits: tuple[str, ...]) -> Facts:
    clean = [c for c in cells if c.clean(negligible_cap)]
    cut = [c for c in cells if not c.clean(negligible_cap)]
    return Facts(cells, clean, cut, clean or cells, alpha, negligible_cap, tuple(required_splits))


def decide(cells: list, alpha: float, negligible_cap: float, required_splits: tuple[str, ...] = ()) -> tuple[str, str]:
    """(verdict, the reason that decided it) for "B is better than A"."""
    f = facts(cells, alpha, negligible_cap, required_splits)
    rule = next(r for r in RULES if r.holds(f))
    return rule.verdict, rule.reason(f)


def rules_markdown() -> str:
    """The README's verdict table, from RULES."""
    rows = ["| verdict | when (first match, top to bottom) |", "| --- | --- |"]
    rows += [f"| `{r.verdict}` | {r.when} |" for r in RULES]
    return "\n".join(rows)
