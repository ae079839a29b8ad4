"""Disposition metrics from (asserts, correct) pairs, defined exactly as the paper does.

The 2x2 cells: confident_right (assert & correct), hedged_right, confident_wrong, hedged_wrong.
- assertion asymmetry = P(assert | wrong) - P(assert | correct); a model that knows
  when it is wrong has a negative value far from zero.
- hallucination rate = P(assert | wrong); over-hedging rate = P(hedge | correct).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cells:
    confident_right: int
    hedged_right: int
    confident_wrong: int
    hedged_wrong: int

    @classmethod
    def from_pairs(cls, pairs: list[tuple[bool, bool]]) -> "Cells":
        """pairs of (asserts, correct)."""
        return cls(
            confident_right=sum(a and c for a, c in pairs),
            hedged_right=sum((not a) and c for a, c in pairs),
            confident_wrong=sum(a and not c for a, c in pairs),
            hedged_wrong=sum((not a) and not c for a, c in pairs),
        )

    @property
    def n_correct(self) -> int:
        return self.confident_right + self.hedged_right

    @property
    def n_wrong(self) -> int:
        return self.confident_wrong + self.hedged_wrong


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def assertion_asymmetry(cells: Cells) -> float:
    return _ratio(cells.confident_wrong, cells.n_wrong) - _ratio(cells.confident_right, cells.n_correct)


def hallucination_rate(cells: Cells) -> float:
    return _ratio(cells.confident_wrong, cells.n_wrong)


def over_hedging_rate(cells: Cells) -> float:
    return _ratio(cells.hedged_right, cells.n_correct)


def rates(cells: Cells) -> dict[str, float]:
    n = cells.n_correct + cells.n_wrong
    return {
        "accuracy": _ratio(cells.n_correct, n),
        "assertion_rate": _ratio(cells.confident_right + cells.confident_wrong, n),
        "hallucination_rate": hallucination_rate(cells),
        "over_hedging_rate": over_hedging_rate(cells),
        "assertion_asymmetry": assertion_asymmetry(cells),
    }

