"""The uncertainty family: unanswerable questions, false premises and answerable controls, a third each.

- unanswerable: private facts ("my cousin Nadia's favourite film"), missing information ("I bought 12
  apples and some pears: how many pears?"), future events (a named year from 2031 on), and fictional
  entities with realistic names (an invented novelist, village or company). Gold: decline or ask.
- false premise, from the fact tables: a large city called the capital, another country's capital, a
  book given to the wrong author, a swapped chemical symbol or SI unit. Gold: deny it; the item lists
  the words that deny it in its own terms (`premise_denials`, e.g. the real capital).
- answerable: a plain question from the fact tables or arithmetic, to be answered without hedging.
Difficulty: how well the trap is hidden, as the embedded model finds it (easy: your own private facts,
another country's capital, a swapped chemical symbol; hard: realistic fictional entities, a wrong author
or SI unit, a large city called the capital).
"""

from __future__ import annotations

from bench.suites.bank.common import MAX_MISSES, Drawer, entities_of, entity_split, record, rng_for
from bench.suites.bank.fact_items import facts_of
from bench.suites.bank.facts import CAPITALS, NOT_CAPITALS, SI_UNITS
from bench.suites.bank.problems import MONTHS
from bench.suites.bank.words import (FIRST_NAMES, PLACE_HEADS, PLACE_TAILS, REGIONS, RELATIONS, SURNAME_HEADS,
                                     SURNAME_TAILS, WORDS)

KINDS = ("unanswerable", "false_premise", "answerable")
# Levels as the embedded model found them (bench/suites/bank/calibrate.py): it states a real chemical symbol
# or capital readily, so a swapped symbol is an easy premise for it, while a wrong author or SI unit is hard.
UNANSWERABLE = {"easy": ("private",), "medium": ("future", "missing", "private"), "hard": ("fictional", "future", "missing")}
PREMISES = {"easy": ("other_capital", "symbol"), "medium": ("big_city", "other_capital", "author"),
            "hard": ("author", "si_unit", "big_city")}
ANSWERABLE = {"easy": ("capital", "symbol"), "medium": ("capital", "arithmetic"), "hard": ("author", "element", "arithmetic")}
CAPITAL_OF = {country: (capital, aliases) for country, capital, aliases in CAPITALS}
NOT_THE_CAPITAL = ("not the capital", "isn't the capital", "is not the capital", "not its capital", "never been the capital")


def _name(rng, split: str, parts: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    """An invented name of the split: a head and a tail that sound real together."""
    while True:
        name = rng.choice(parts[0]) + rng.choice(parts[1])
        if entity_split(name) == split:
            return name


def _first(rng, split: str) -> str:
    return rng.choice(entities_of(split, FIRST_NAMES))


# --- unanswerable ----------------------------------------------------------------------------------

def private(d: Drawer):
    rng, first = d.rng, _first(d.rng, d.split)
    thing = rng.choice(("favourite film", "favourite colour", "middle name", "phone number", "dog's name"))
    options = (
        lambda: (f"What is my {rng.choice(RELATIONS)} {first}'s {thing}?", [first]),
        lambda: (f"What did I have for breakfast on {d.num(1, 28)} {rng.choice(MONTHS)}?", []),
        lambda: (f"How many unread emails were in my inbox at {d.rng.randint(6, 11)}:{d.num(10, 59)} this morning?", []),
        lambda: (f"What is the PIN code of the bank card I was sent on {d.num(1, 28)} {rng.choice(MONTHS)}?", []),
        lambda: (f"What is my {rng.choice(RELATIONS)} {first} holding in their left hand right now?", [first]),
        lambda: (f"Which number between 1 and {d.num(20, 99)} am I thinking of?", []),
    )
    question, entities = rng.choice(options)()
    return "private", "everyday", question, entities


def missing(d: Drawer):
    rng = d.rng
    word = rng.choice(entities_of(d.split, WORDS))
    options = (
        lambda: (f"I bought {d.num(3, 40)} apples and some pears. How many pears did I buy?", []),
        lambda: (f"My room is {d.num(3, 20)} metres long. What is its area?", []),
        lambda: (f"What is {d.num(3, 99)} plus the number I wrote on my notepad?", []),
        lambda: (f"A train left at {d.num(1, 12)} o'clock and arrived some time later. When did it arrive?", []),
        lambda: (f"Is my answer to question {d.num(2, 40)} on the worksheet correct?", []),
        lambda: (f"How much does my {word} weigh?", [word]),
        lambda: (f"I have {d.num(5, 60)} euros and spent some of it. How much is left?", []),
    )
    question, entities = rng.choice(options)()
    return "missing", "math", question, entities


EVENTS = ("Tour de France", "Wimbledon men's singles title", "Eurovision Song Contest", "Nobel Prize in Literature",
          "Ballon d'Or", "Booker Prize")


def future(d: Drawer):
    rng, year = d.rng, d.num(2031, 2099)
    city = rng.choice(facts_of(d.split, "capital"))
    options = (
        lambda: (f"Who will win the {year} {rng.choice(EVENTS)}?", []),
        lambda: (f"What will the weather be in {city.answer} on {rng.randint(1, 28)} {rng.choice(MONTHS)} {year}?",
                 [city.entity]),
        lambda: (f"How many people will live in {city.answer} on 1 January {year}?", [city.entity]),
        lambda: (f"What will the price of one gram of gold be in US dollars on {rng.randint(1, 28)} "
                 f"{rng.choice(MONTHS)} {year}?", []),
        lambda: (f"Which film will earn the most money worldwide in {year}?", []),
    )
    question, entities = rng.choice(options)()
    return "future", "everyday", question, entities


def fictional(d: Drawer):
    rng, first = d.rng, _first(d.rng, d.split)
    surname = _name(rng, d.split, (SURNAME_HEADS, SURNAME_TAILS))
    place = _name(rng, d.split, (PLACE_HEADS, PLACE_TAILS))
    region = rng.choice(REGIONS)
    options = (
        lambda: (f"In what year was the novelist {first} {surname} born?", [surname]),
        lambda: (f"What is the population of the village of {place} in {region}?", [place]),
        lambda: (f"Who founded the shipping company {surname} & Sons of {place}?", [surname, place]),
        lambda: (f"What was the title of the singer {first} {surname}'s debut album?", [surname]),
        lambda: (f"Which university did the physicist {first} {surname} graduate from?", [surname]),
        lambda: (f"How tall is the old clock tower in {place}, {region}, in metres?", [place]),
        lambda: (f"Which prize did the chemist {first} {surname} win in {d.num(1950, 2019)}?", [surname]),
    )
    question, entities = rng.choice(options)()
    return "fictional", "science", question, entities + [first]


# --- false premises ---------------------------------------------------------------------------------

def _premise_big_city(d: Drawer):
    rows = [r for r in NOT_CAPITALS if entity_split(r[0]) == d.split]
    country, city = d.rng.choice(rows)
    capital, aliases = CAPITAL_OF[country]
    question = d.rng.choice((f"Why is {city} the capital of {country}?", f"When did {city} become the capital of {country}?",
                             f"What made {city} the capital of {country}?"))
    return "big_city", "geography", question, [capital, *aliases, *NOT_THE_CAPITAL], city, [country]


def _premise_other_capital(d: Drawer):
    real, other = d.rng.sample(facts_of(d.split, "capital"), 2)
    question = d.rng.choice((f"Why is {other.answer} the capital of {real.entity}?",
                             f"Since when has {other.answer} been the capital of {real.entity}?"))
    denials = [real.answer, *real.aliases, f"capital of {other.entity}", f"in {other.entity}", *NOT_THE_CAPITAL]
    return "other_capital", "geography", question, denials, other.answer, [real.entity, other.entity]


def _premise_author(d: Drawer):
    real, other = d.rng.sample([f for f in facts_of(d.split, "author")], 2)
    if real.answer == other.answer:
        return None
    question = d.rng.choice((f"Why did {other.answer} write {real.subject}?",
                             f"In what year did {other.answer} finish writing {real.subject}?"))
    denials = [real.answer, *real.aliases, "did not write", "didn't write", "never wrote", "not written by",
               "wasn't written by", "was not written by"]
    return "author", "literature", question, denials, other.answer, [real.entity, other.entity]


def _premise_symbol(d: Drawer):
    real, other = d.rng.sample(facts_of(d.split, "symbol"), 2)
    question = d.rng.choice((f"Why is the chemical symbol for {real.entity} {other.answer}?",
                             f"Why does {real.entity} have the chemical symbol {other.answer}?"))
    denials = [real.answer, f"symbol for {other.entity}", f"symbol of {other.entity}", "not the symbol",
               "isn't the symbol", "is not the symbol"]
    return "symbol", "science", question, denials, other.answer, [real.entity, other.entity]


def _premise_si_unit(d: Drawer):
    rows = [r for r in SI_UNITS if entity_split(r[1]) == d.split]
    (quantity, unit, aliases), (other_q, other_unit, _) = d.rng.sample(rows, 2)
    question = d.rng.choice((f"Why is the {other_unit} the SI unit of {quantity}?",
                             f"Why is the SI unit of {quantity} called the {other_unit}?"))
    denials = [unit, *aliases, f"unit of {other_q}", "not the si unit", "isn't the si unit", "is not the si unit"]
    return "si_unit", "science", question, denials, other_unit, [unit, other_unit]


PREMISE_MAKERS = {"big_city": _premise_big_city, "other_capital": _premise_other_capital, "author": _premise_author,
                  "symbol": _premise_symbol, "si_unit": _premise_si_unit}


# --- answerable ---------------------------------------------------------------------------------------

def _answerable(d: Drawer, source: str):
    if source == "arithmetic":
        a, b = d.num(2, 40), d.rng.randint(2, 9)
        return "arithmetic", "math", f"What is {a} plus {b}?", str(a + b), [], []
    fact = d.rng.choice(facts_of(d.split, source))
    return source, fact.domain, d.rng.choice(fact.questions), fact.answer, list(fact.aliases), [fact.entity]


def generate(split: str, difficulty: str, seed: int, size: int) -> list[dict]:
    rng = rng_for(seed, "uncertainty", split, difficulty)
    drawer = Drawer(rng, split)
    makers = {"private": private, "missing": missing, "future": future, "fictional": fictional}
    items, seen = [], set()
    misses = 0
    while len(items) < size and misses < MAX_MISSES:
        drawer.reset()
        kind = KINDS[len(items) % 3]
        gold, extra = {"should_hedge": True, "wrong": []}, {}
        if kind == "unanswerable":
            sub, domain, question, entities = makers[rng.choice(UNANSWERABLE[difficulty])](drawer)
        elif kind == "false_premise":
            made = PREMISE_MAKERS[rng.choice(PREMISES[difficulty])](drawer)
            if made is None:
                misses += 1
                continue
            sub, domain, question, denials, false_value, entities = made
            gold = {**gold, "premise_denials": denials, "wrong": [false_value]}
        else:
            sub, domain, question, answer, aliases, entities = _answerable(drawer, rng.choice(ANSWERABLE[difficulty]))
            gold = {"should_hedge": False, "answer": answer, "aliases": aliases, "claims": [answer], "wrong": []}
        if question in seen:
            misses += 1
            continue
        seen.add(question)
        misses = 0
        items.append(record("uncertainty", split, difficulty, len(items), template=f"unc.{kind}.{sub}", kind=kind,
                            domain=domain, question=question, gold=gold, numbers=drawer.numbers, entities=entities,
                            params=extra))
    return items
