"""The self-verification family: a computed problem and a proposed answer, right for even-numbered
items and wrong for odd ones (a plausible slip of the problem's own: off by one, a swapped digit,
a wrong unit factor, an off-by-one index). Gold is the true value; a wrong proposal is its wrong value.
Easy items are one-step problems (problems.ONE_STEP); medium and hard draw from every template.
"""

from __future__ import annotations

from bench.suites.bank.common import MAX_MISSES, Drawer, record, rng_for
from bench.suites.bank.problems import TEMPLATES_BY_LEVEL


def generate(split: str, difficulty: str, seed: int, size: int) -> list[dict]:
    rng = rng_for(seed, "self_verification", split, difficulty)
    drawer = Drawer(rng, split)
    items, seen = [], set()
    misses = 0
    while len(items) < size and misses < MAX_MISSES:
        drawer.reset()
        problem = rng.choice(TEMPLATES_BY_LEVEL[difficulty])(drawer, difficulty)
        if not problem.wrongs:
            misses += 1
            continue
        right = len(items) % 2 == 0
        proposed = problem.answer if right else problem.wrongs[0] if difficulty == "hard" else rng.choice(problem.wrongs)
        if problem.question in seen:  # one proposal per question: the right and the wrong one never pair up
            misses += 1
            continue
        seen.add(problem.question)
        misses = 0
        items.append(record(
            "self_verification", split, difficulty, len(items), template=problem.template,
            kind="proposed_correct" if right else "proposed_wrong", domain=problem.domain,
            question=problem.question, proposed=proposed,
            gold={"proposed_correct": right, "answer": problem.answer, "aliases": list(problem.aliases),
                  "wrong": [] if right else [proposed]},
            numbers=drawer.numbers, entities=problem.entities,
            params={**problem.params, "other_wrongs": problem.wrongs}))
    return items
