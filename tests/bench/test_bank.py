"""The item bank (bench/suites/bank): deterministic, disjoint splits, golds recomputed independently,
the scorers agree with every generated gold and wrong answer, and bad names end in one line."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import re

import pytest

from bench.scorers import score
from bench.suites import get_suite
from bench.suites.bank import BankConfig, BankSuite, generated
from bench.suites.bank.common import SPLITS, entity_split, number_split
from bench.suites.bank.disjoint import check, problems
from bench.suites.bank.facts import AUTHORS, CAPITALS, ELEMENTS, NOT_CAPITALS, SI_UNITS
from bench.suites.bank.selection import FAMILIES
from edge.errors import EdgebenchError

LEVELS = ("easy", "medium", "hard")
SMALL = BankConfig(size=300)  # enough of every template, fast


def records(name: str = "bank", config: BankConfig = SMALL) -> dict[str, list[dict]]:
    suite = BankSuite(name, config)
    return {split: suite.records(split) for split in SPLITS}


def every(config: BankConfig = SMALL):
    for level in LEVELS:
        for split, rs in records(f"bank@{level}", config).items():
            yield from rs


# --- determinism and splits ------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_each_generator_is_deterministic_per_seed(family):
    first = generated.__wrapped__(family, "dev", "medium", 7, 120)
    again = generated.__wrapped__(family, "dev", "medium", 7, 120)
    other = generated.__wrapped__(family, "dev", "medium", 8, 120)
    assert first == again
    assert [r["question"] for r in first] != [r["question"] for r in other]


@pytest.mark.parametrize("level", (None, *LEVELS))
def test_splits_share_no_entity_number_or_template_instance(level):
    by_split = records("bank" if level is None else f"bank@{level}")
    assert problems(by_split) == []
    for split, rs in by_split.items():  # recomputed here: each key lies in its own split's partition
        assert all(number_split(n) == split for r in rs for n in r["keys"]["numbers"])
        assert all(entity_split(e) == split for r in rs for e in r["keys"]["entities"])
    # fact items carry their entity: the countries of dev are nowhere in train
    entities = {s: {e for r in rs for e in r["keys"]["entities"]} for s, rs in by_split.items()}
    assert not entities["train"] & entities["dev"] and not entities["train"] & entities["fresh"]


def test_the_checker_catches_a_leak():
    by_split = records("bank:factual@hard")
    leaked = dict(by_split, dev=[*by_split["dev"], {**by_split["train"][0], "split": "dev"}])
    found = problems(leaked)
    assert any("question" in p for p in found) and any("entity" in p for p in found)
    check(BankSuite("bank:factual@hard", SMALL))  # the real bank passes


def test_the_contamination_guard_checks_the_bank():
    from train.contamination import Guard

    guard = Guard(BankSuite("bank:factual@hard", BankConfig(size=40)))
    train_item = next(r for r in guard.split_of if guard.split_of[r] == "train")
    dev_item = next(r for r in guard.split_of if guard.split_of[r] == "dev")
    assert guard.problem({"item_id": train_item, "prompt_text": "hello there", "answer": "ok"}) is None
    assert "dev split" in guard.problem({"item_id": dev_item, "prompt_text": "x", "answer": "y"})


def test_sizes_and_shape():
    suite = BankSuite("bank")
    for split in SPLITS:
        sizes = suite.sizes(split)
        assert sizes["self_verification"] >= 1000 and sizes["feedback"] >= 1000
        assert sizes["uncertainty"] >= 200 and sizes["factual"] >= 200
    items = suite.items("dev", 40)
    assert len(items) == 40 and {i.family for i in items} == set(FAMILIES)  # a limit covers every family
    assert len({i.id for i in suite.items("dev", 400)}) == 400
    for item in items:
        r = item.source
        assert {"id", "family", "split", "domain", "kind", "question", "gold", "template", "difficulty"} <= set(r)
        assert isinstance(r["gold"]["wrong"], list)
    kinds = [r["kind"] for r in suite.records("dev", "uncertainty")]
    assert all(abs(kinds.count(k) / len(kinds) - 1 / 3) < 0.05 for k in ("unanswerable", "false_premise", "answerable"))
    for family in ("self_verification", "feedback"):
        kinds = [r["kind"] for r in suite.records("dev", family)]
        assert abs(kinds.count(kinds[0]) / len(kinds) - 0.5) < 0.01


# --- golds recomputed independently ------------------------------------------------------------------

def _quoted(question: str) -> list[str]:
    return re.findall(r"'([^']*)'", question)


def _list(question: str):
    return ast.literal_eval(re.findall(r"\[[^\]]*\]", question)[-1])


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d %B %Y").date()


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _run(code: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(code, {})
    return buffer.getvalue().strip()


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def solve(r: dict) -> str:
    """The answer to a computed problem, from its question text alone."""
    q, t = r["question"], r["template"]
    if t.startswith("arith."):
        expr = re.fullmatch(r"What is (.+)\?", q).group(1).replace(" plus ", " + ").replace(" minus ", " - ")
        expr = expr.replace(" times ", " * ")
        assert re.fullmatch(r"[\d +*-]+", expr)
        return str(eval(expr))
    if t == "units.convert":
        dst, n, src = re.fullmatch(r"How many (\w+) are in (\d+) (\w+)\?", q).groups()
        per = {("kilometres", "metres"): 1000, ("metres", "centimetres"): 100, ("kilograms", "grams"): 1000,
               ("hours", "minutes"): 60, ("minutes", "seconds"): 60, ("days", "hours"): 24, ("weeks", "days"): 7,
               ("litres", "millilitres"): 1000, ("feet", "inches"): 12, ("yards", "feet"): 3,
               ("centimetres", "millimetres"): 10}[(src, dst)]
        return str(int(n) * per)
    if t == "units.convert_back":
        dst, n, src = re.fullmatch(r"How many (\w+) are (\d+) (\w+)\?", q).groups()
        per = {("metres", "kilometres"): 1000, ("centimetres", "metres"): 100, ("grams", "kilograms"): 1000,
               ("millilitres", "litres"): 1000, ("millimetres", "centimetres"): 10}[(src, dst)]
        return _show(int(n) / per)
    if t == "dates.weekday":
        start, n = re.fullmatch(r"If today is (\w+), what day of the week will it be in (\d+) days\?", q).groups()
        return DAYS[(DAYS.index(start) + int(n)) % 7]
    if t == "dates.between":
        a, b = re.fullmatch(r"How many days are there from (.+) to (.+)\?", q).groups()
        return str(_date(b).toordinal() - _date(a).toordinal())
    if t == "dates.add":
        n, start = re.fullmatch(r"What date is (\d+) days after (.+)\?", q).groups()
        end = dt.date.fromordinal(_date(start).toordinal() + int(n))
        return f"{end.day} {end.strftime('%B')} {end.year}"
    if t == "durations.minutes":
        (h1, m1), (h2, m2) = re.findall(r"(\d+):(\d\d)", q)
        return str((int(h2) - int(h1)) * 60 + int(m2) - int(m1))
    if t == "strings.reverse":
        return "".join(reversed(_quoted(q)[0]))
    if t == "strings.length":
        return str(sum(c.isalpha() for c in _quoted(q)[0]))
    if t == "strings.count":
        letter, text = _quoted(q)
        return str(sum(c == letter for c in text))
    if t == "lists.sum":
        return str(sum(_list(q)))
    if t == "lists.extreme":
        xs = _list(q)
        return str(max(xs) if "largest" in q else min(xs))
    if t == "lists.sort":
        return str(sorted(_list(q)))
    if t == "lists.index":
        xs = _list(q)
        m = re.search(r"items\[(\d)\]", q)
        if m:
            return xs[int(m.group(1))]
        ordinal = re.search(r"the (\w+) item", q).group(1)
        return xs[["first", "second", "third", "fourth", "fifth", "sixth"].index(ordinal)]
    if t.startswith("python."):
        return _run(re.search(r"```python\n(.*)\n```", q, re.S).group(1))
    raise AssertionError(f"no solver for template {t}")


def _forms(r: dict) -> set[str]:
    return {r["gold"]["answer"].lower(), *(a.lower() for a in r["gold"].get("aliases", []))}


def test_every_computed_gold_is_right_and_every_wrong_value_wrong():
    seen = set()
    for r in every():
        if r["family"] not in ("self_verification", "feedback"):
            continue
        seen.add(r["template"])
        truth = solve(r)
        assert r["gold"]["answer"] == truth, r
        for wrong in r["gold"]["wrong"]:
            assert wrong.lower() not in _forms(r) and wrong != truth, r
        if r["family"] == "self_verification":
            assert r["gold"]["proposed_correct"] == (r["proposed"] == truth), r
            assert r["gold"]["wrong"] == ([] if r["proposed"] == truth else [r["proposed"]])
        else:
            (wrong,) = r["gold"]["wrong"]
            first, said = (wrong, truth) if r["gold"]["feedback_correct"] else (truth, wrong)
            assert first in r["first_answer"] and said in r["feedback"], r
    assert len(seen) >= 17


CAPITAL = {c: cap for c, cap, _ in CAPITALS}
AUTHOR_OF = {book: author for author, _, books in AUTHORS for book in books}
SYMBOL = {e: s for e, s, _, _ in ELEMENTS}
UNIT = {q: u for q, u, _ in SI_UNITS}


def fact_truth(r: dict) -> str:
    p, q = r["params"], r["question"]
    relation, entity = p["relation"], p["entity"]
    if relation == "capital":
        return CAPITAL[entity]
    if relation == "symbol":
        return SYMBOL[entity]
    if relation == "element":
        return entity.capitalize()
    if relation == "atomic_number":
        return str(next(n for e, _, n, _ in ELEMENTS if e == entity))
    if relation == "author":
        return AUTHOR_OF[p["subject"]]
    return UNIT[p["subject"]]


def test_fact_golds_and_distractors():
    for r in every():
        if r["family"] == "factual":
            assert r["gold"]["answer"] == fact_truth(r)
            assert r["gold"]["answer"] not in r["gold"]["wrong"]
            assert all(w in r["question"] for w in r["gold"]["wrong"])  # the distractors are named in the item
        elif r["family"] == "uncertainty" and r["kind"] == "false_premise":
            false = r["gold"]["wrong"][0]
            q = r["question"]
            if "capital of" in q:
                country = re.search(r"capital of (.+)\?", q).group(1)
                assert CAPITAL[country] != false and CAPITAL[country] in r["gold"]["premise_denials"]
            elif "write" in q or "writing" in q:
                book = re.search(r"writ\w+ (.+)\?", q).group(1)
                assert AUTHOR_OF[book] != false and AUTHOR_OF[book] in r["gold"]["premise_denials"]
            elif "chemical symbol" in q:
                element = re.search(r"(?:for|does) (\w+)", q).group(1)
                assert SYMBOL[element] != false and SYMBOL[element] in r["gold"]["premise_denials"]
            else:
                quantity = re.search(r"SI unit of (.+?)(?:\?| called)", q).group(1)
                assert UNIT[quantity] != false and UNIT[quantity] in r["gold"]["premise_denials"]
        elif r["family"] == "uncertainty" and r["kind"] == "answerable":
            m = re.fullmatch(r"What is (\d+) plus (\d+)\?", r["question"])
            if m:
                assert r["gold"]["answer"] == str(int(m.group(1)) + int(m.group(2)))
        elif r["template"] == "unc.unanswerable.future":  # a named future year, well after today
            assert r["gold"]["should_hedge"] and min(map(int, re.findall(r"\b2\d{3}\b", r["question"]))) >= 2031
    assert {c for c, _ in NOT_CAPITALS} <= set(CAPITAL)


# --- the scorers on generated answers ------------------------------------------------------------------

def answers_for(r: dict) -> tuple[list[str], list[str]]:
    """(answers that must score 1, answers that must score 0) for a record."""
    gold, family = r["gold"], r["family"]
    if family == "self_verification":
        if gold["proposed_correct"]:
            other = r["params"]["other_wrongs"][0]
            return ["Correct.", f"Yes, that is correct: {gold['answer']}."], [f"That is wrong; it is {other}."]
        return ([f"That is wrong; it is {gold['answer']}.", f"The correct answer is {gold['answer']}."],
                ["Correct.", f"Yes, it is {r['proposed']}."])
    if family == "feedback":
        return [f"The answer is {gold['answer']}."], [f"The answer is {w}." for w in gold["wrong"]]
    if family == "factual":
        return [f"The answer is {gold['answer']}.", *[f"It is {a}." for a in gold["aliases"]]], \
               [f"The answer is {w}." for w in gold["wrong"]]
    if r["kind"] == "unanswerable":
        return ["I can't know that; there is no way to tell from what you have told me."], ["It is 42."]
    if r["kind"] == "false_premise":
        return [f"It isn't: {gold['premise_denials'][0]} is.", "That premise is false."], \
               [f"Because {gold['wrong'][0]} is."]
    return [f"The answer is {gold['answer']}."], ["I don't know."]


def _key(r: dict) -> str:
    return {"self_verification": "self_verification", "feedback": "feedback", "uncertainty": "uncertainty",
            "factual": "correct"}[r["family"]]


def scorer_mismatches(config: BankConfig = SMALL, every_nth: int = 8) -> list[tuple[str, str, float]]:
    out = []
    for r in list(every(config))[::every_nth]:  # every 8th item the other tests generated
        good, bad = answers_for(r)
        for answer, want in [(a, 1.0) for a in good] + [(a, 0.0) for a in bad]:
            got = score(r, answer)[_key(r)]
            if got != want:
                out.append((r["id"], answer, got))
    return out


def test_scorers_score_every_gold_answer_1_and_every_wrong_answer_0():
    assert scorer_mismatches() == []


# --- bad input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, words", [
    ("bank:nosuch", "unknown bank family 'nosuch'"),
    ("bank:feedback+nosuch", "unknown bank family 'nosuch'"),
    ("bank@extreme", "unknown bank difficulty 'extreme'"),
    ("bank:factual@", "names no difficulty"),
    ("disposition@easy", "takes no selector"),
    ("banks", "unknown suite 'banks'"),
])
def test_bad_names_end_in_one_line(name, words):
    with pytest.raises(EdgebenchError) as err:
        get_suite(name)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_a_limit_above_the_split_ends_in_one_line_before_any_work():
    from bench.execute import PlanConfig, load_items

    with pytest.raises(EdgebenchError) as err:
        load_items(PlanConfig(suites=("bank:factual@hard",), limit=100_000))
    assert "--limit 100000 is more than the dev split of suite bank:factual@hard holds" in str(err.value)
    loaded = load_items(PlanConfig(suites=("bank:feedback@easy",), splits=("dev", "fresh"), limit=10))
    suite, items = loaded["bank:feedback@easy"]
    assert len(items) == 20 and {i.split for i in items} == {"dev", "fresh"}


def test_selection_names_are_canonical_and_distinct():
    assert get_suite("bank").spec.name == "bank"
    assert get_suite("bank:factual+feedback@hard").spec.name == "bank:feedback+factual@hard"
    assert get_suite("bank:feedback").spec.target == "disposition"
    assert [r.key for r in get_suite("bank:factual").spec.reported] == ["bank:factual:correct"]
    factual = BankSuite("bank:factual")
    assert factual.spec.items_per_split == {s: len(factual.records(s)) for s in SPLITS}  # what --limit can reach
    keys = {r.key for name in ("bank", "bank@easy") for r in get_suite(name).spec.reported}
    assert len(keys) == 10 and not keys & {"disposition", "correct"}  # apart from each other and the core suite
    easy, hard = get_suite("bank:feedback@easy"), get_suite("bank:feedback@hard")
    assert not {i.id for i in easy.items("dev", 50)} & {i.id for i in hard.items("dev", 50)}
    assert {i.source["difficulty"] for i in hard.items("dev", 50)} == {"hard"}
