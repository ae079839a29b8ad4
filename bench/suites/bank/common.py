"""What every bank family shares: the split partitions, the seeded random source, the record builder.

Splits are disjoint by construction, not only by id:
- numbers: every number an item is built from (operands, quantities, years, list elements) lies in
  its split's blocks of BLOCK consecutive integers (0-4 train, 5-9 dev, 10-14 fresh, 15-19 train ...).
  Interleaved blocks keep the three splits equally hard, unlike one range per split.
- entities: every named thing (a country, an element, a book's author, a word, a surname) belongs
  to the split its name hashes to, across all families, so a fact seen in train never reappears in
  dev or fresh under another template.
Each record keeps the numbers and entities it was built from (`keys`), so bench/suites/bank/disjoint.py
can check the partition on the generated items themselves.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import lru_cache

SPLITS = ("train", "dev", "fresh")
DIFFICULTIES = ("easy", "medium", "hard")
BLOCK = 5  # numbers per block of the interleaved number partition
MAX_MISSES = 400  # draws in a row that give no new item: the templates hold no more distinct ones


def number_split(n: int) -> str:
    """The split a number belongs to (negative numbers are never used)."""
    return SPLITS[(abs(int(n)) // BLOCK) % len(SPLITS)]


@lru_cache(maxsize=None)
def entity_split(name: str) -> str:
    """The split a named entity belongs to: a stable hash of its lower-cased name."""
    digest = hashlib.sha256(name.strip().lower().encode("utf-8")).digest()
    return SPLITS[int.from_bytes(digest[:4], "big") % len(SPLITS)]


@lru_cache(maxsize=None)
def number_pool(split: str, lo: int, hi: int) -> tuple[int, ...]:
    """The numbers lo..hi (inclusive) of a split."""
    pool = tuple(n for n in range(lo, hi + 1) if number_split(n) == split)
    if not pool:
        raise ValueError(f"no number of {lo}..{hi} lies in split {split}")
    return pool


@lru_cache(maxsize=None)
def entities_of(split: str, names: tuple) -> tuple:
    """The entries of a table whose name (first field, or the string itself) lies in the split."""
    return tuple(n for n in names if entity_split(n if isinstance(n, str) else n[0]) == split)


def rng_for(seed: int, *parts: str) -> random.Random:
    """A random source fixed by the seed and the family/split/difficulty (str seeds are hashed with sha512:
    the same on every machine and Python run)."""
    return random.Random(":".join([str(seed), *parts]))


@dataclass
class Drawer:
    """Draws numbers of one split; remembers each one as a key of the item being built."""

    rng: random.Random
    split: str
    numbers: list[int] = field(default_factory=list)

    def num(self, lo: int, hi: int) -> int:
        n = self.rng.choice(number_pool(self.split, lo, hi))
        self.numbers.append(n)
        return n

    def nums(self, k: int, lo: int, hi: int, distinct: bool = True) -> list[int]:
        pool = number_pool(self.split, lo, hi)
        chosen = self.rng.sample(pool, k) if distinct else [self.rng.choice(pool) for _ in range(k)]
        self.numbers.extend(chosen)
        return chosen

    def reset(self) -> None:
        self.numbers = []


def fmt_number(x) -> str:
    """A number as the gold string: integers plain, others without trailing zeros."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, int):
        return str(x)
    return f"{x:.6f}".rstrip("0").rstrip(".")


def number_aliases(value: str) -> list[str]:
    """Accepted surface forms of a number: with thousands separators (1,500) where it has four digits or more."""
    try:
        n = int(value)
    except ValueError:
        return []
    return [f"{n:,}"] if abs(n) >= 1000 else []


def record(family: str, split: str, difficulty: str, index: int, *, template: str, kind: str, domain: str,
           question: str, gold: dict, numbers=(), entities=(), params: dict | None = None, **fields) -> dict:
    """One bank item in the shape of the disposition suite's records (bench/scorers.py scores it)."""
    short = {"self_verification": "sv", "feedback": "fb", "uncertainty": "unc", "factual": "fact"}[family]
    gold = {**gold, "wrong": [str(w) for w in gold.get("wrong", [])]}  # always an explicit list
    return {"id": f"bank-{short}-{difficulty}-{split}-{index:05d}", "family": family, "split": split,
            "domain": domain, "kind": kind, "question": question, **fields, "gold": gold,
            "template": template, "difficulty": difficulty,
            "keys": {"numbers": sorted({int(n) for n in numbers}), "entities": sorted({e.lower() for e in entities})},
            "params": params or {}}
