"""The fact tables as question/answer facts, each with its split, phrasings and same-split distractors.

Shared by the factual family (asked plainly, or as a choice among distractors) and the uncertainty
family (answerable controls, and false premises built from a fact and a wrong value).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bench.suites.bank.common import entity_split
from bench.suites.bank.facts import ASKABLE_SYMBOL, AUTHORS, CAPITALS, ELEMENTS, SI_UNITS


@dataclass(frozen=True)
class Fact:
    relation: str  # the template family: capital, symbol, element, atomic_number, author, si_unit
    entity: str  # what it is about; its name decides the split
    questions: tuple[str, ...]  # phrasings of the same question
    answer: str
    aliases: tuple[str, ...]
    domain: str
    subject: str = ""  # the thing named in the question (a book, a quantity) where it is not the entity

    @property
    def split(self) -> str:
        return entity_split(self.entity)


def _capitalize(s: str) -> str:
    return s[0].upper() + s[1:]


@lru_cache(maxsize=None)
def all_facts() -> tuple[Fact, ...]:
    facts = []
    for country, capital, aliases in CAPITALS:
        facts.append(Fact("capital", country, (f"What is the capital of {country}?",
                                               f"Which city is the capital of {country}?",
                                               f"Name the capital city of {country}."), capital, aliases, "geography"))
    for element, symbol, number, aliases in ELEMENTS:
        if ASKABLE_SYMBOL(symbol):
            facts.append(Fact("symbol", element, (f"What is the chemical symbol for {element}?",
                                                  f"Which chemical symbol stands for {element}?"), symbol, (), "science"))
        facts.append(Fact("element", element, (f"Which chemical element has the symbol {symbol}?",
                                               f"What element does the chemical symbol {symbol} stand for?"),
                          _capitalize(element), aliases, "science"))
        facts.append(Fact("atomic_number", element, (f"What is the atomic number of {element}?",
                                                     f"How many protons does an atom of {element} have?"),
                          str(number), (), "science"))
    for author, short, books in AUTHORS:
        for book in books:
            facts.append(Fact("author", author, (f"Who wrote {book}?", f"Who is the author of {book}?"), author, short,
                              "literature", subject=book))
    for quantity, unit, aliases in SI_UNITS:
        facts.append(Fact("si_unit", unit, (f"What is the SI unit of {quantity}?",
                                            f"In which SI unit is {quantity} measured?"), unit, aliases, "science",
                          subject=quantity))
    return tuple(facts)


@lru_cache(maxsize=None)
def facts_of(split: str, relation: str | None = None) -> tuple[Fact, ...]:
    return tuple(f for f in all_facts() if f.split == split and (relation is None or f.relation == relation))


def choosable(answer: str) -> bool:
    """Whether a value can be an option in the question: the scorer takes a run of three words copied from
    the question for an echo, so an option of three words or more could never count as the answer."""
    return len(answer.split()) <= 2


def distractors(fact: Fact, k: int, rng) -> list[str]:
    """k wrong answers of the same relation from the same split (atomic numbers: close numbers)."""
    if fact.relation == "atomic_number":
        n = int(fact.answer)
        near = [str(m) for m in (n - 2, n - 1, n + 1, n + 2, n + 3) if m > 0]
        return rng.sample(near, k)
    pool = sorted({f.answer for f in facts_of(fact.split, fact.relation) if choosable(f.answer)} - {fact.answer})
    return rng.sample(pool, min(k, len(pool)))
