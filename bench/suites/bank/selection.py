"""Which part of the bank a suite name selects: `bank[:family[+family...]][@difficulty]`.

Without a difficulty each family runs at its default (DEFAULT_DIFFICULTY: where the embedded model,
SmolLM2-135M-Instruct Q4_1, answered right closest to half of the time, measured with
scripts/bank_calibrate.py); with one, every chosen family runs at it. Bad names end in one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.suites.bank.common import DIFFICULTIES
from edge.errors import EdgebenchError

FAMILIES = ("uncertainty", "self_verification", "feedback", "factual")
# Measured 1 December 2026 (40 dev items per family and level, greedy, 128 tokens; README "The item bank"):
# uncertainty 0.47 / 0.17 / 0.12 (easy / medium / hard), self_verification 0.33 / 0.23 / 0.28, feedback
# 0.38 / 0.40 / 0.38, factual 0.57 / 0.42 / 0.33.
DEFAULT_DIFFICULTY = {"uncertainty": "easy", "self_verification": "easy", "feedback": "medium", "factual": "medium"}
BASE = "bank"


@dataclass(frozen=True)
class Selection:
    families: tuple[str, ...]
    difficulty: str | None  # None: each family's default

    def difficulty_of(self, family: str) -> str:
        return self.difficulty or DEFAULT_DIFFICULTY[family]

    @property
    def name(self) -> str:
        """The canonical suite name: families in the bank's order, then the difficulty."""
        families = "" if self.families == FAMILIES else ":" + "+".join(self.families)
        return BASE + families + (f"@{self.difficulty}" if self.difficulty else "")


def parse(name: str) -> Selection:
    text, _, difficulty = name.strip().partition("@")
    base, _, families = text.partition(":")
    usage = "write bank, bank:FAMILY[+FAMILY], bank@DIFFICULTY or bank:FAMILY@DIFFICULTY"
    if base != BASE:
        raise EdgebenchError(f"'{name}' is not a bank suite name; {usage}")
    chosen = [f.strip() for f in families.split("+")] if families else list(FAMILIES)
    for family in chosen:
        if family not in FAMILIES:
            raise EdgebenchError(f"unknown bank family '{family}' in suite '{name}'; choose from {', '.join(FAMILIES)} "
                                 f"({usage})")
    if difficulty and difficulty not in DIFFICULTIES:
        raise EdgebenchError(f"unknown bank difficulty '{difficulty}' in suite '{name}'; choose "
                             f"{', '.join(DIFFICULTIES)} ({usage})")
    if "@" in name and not difficulty:
        raise EdgebenchError(f"suite '{name}' names no difficulty after '@'; choose {', '.join(DIFFICULTIES)}")
    return Selection(tuple(f for f in FAMILIES if f in chosen), difficulty or None)
