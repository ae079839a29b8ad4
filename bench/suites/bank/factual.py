"""The factual family: questions from the fact tables, asked plainly (hard) or as a choice between the
answer and distractors of the same split (easy: two options, medium: four).

The distractors are named in the item, so they are its wrong values: an answer that ends on one fails.
Answers of three words or more ("Arthur Conan Doyle") are asked plainly at every level (fact_items.choosable).
"""

from __future__ import annotations

from bench.suites.bank.common import MAX_MISSES, record, rng_for
from bench.suites.bank.fact_items import choosable, distractors, facts_of

OPTIONS = {"easy": 1, "medium": 3, "hard": 0}  # distractors beside the answer


def choice_question(question: str, options: list[str]) -> str:
    listed = ", ".join(options[:-1]) + " or " + options[-1]
    return f"{question.rstrip('?.')}: {listed}?"


def generate(split: str, difficulty: str, seed: int, size: int) -> list[dict]:
    rng = rng_for(seed, "factual", split, difficulty)
    facts = facts_of(split)
    items, seen = [], set()
    misses = 0
    while len(items) < size and misses < MAX_MISSES:
        fact = rng.choice(facts)
        question = rng.choice(fact.questions)
        if (fact, question) in seen:  # each fact once per phrasing: option sets alone do not make a new item
            misses += 1
            continue
        seen.add((fact, question))
        misses = 0
        wrong = distractors(fact, OPTIONS[difficulty], rng) if OPTIONS[difficulty] and choosable(fact.answer) else []
        if wrong:
            options = [fact.answer, *wrong]
            rng.shuffle(options)
            question = choice_question(question, options)
        items.append(record(
            "factual", split, difficulty, len(items), template=f"fact.{fact.relation}" + (".choice" if wrong else ""),
            kind="factual", domain=fact.domain, question=question,
            gold={"answer": fact.answer, "aliases": list(fact.aliases), "claims": [fact.answer], "wrong": wrong},
            entities=[fact.entity], params={"relation": fact.relation, "entity": fact.entity, "subject": fact.subject}))
    return items
