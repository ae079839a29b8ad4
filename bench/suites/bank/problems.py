"""Computed problems with exact answers: arithmetic, unit conversions, dates and durations, string
and list operations, and the output of short Python snippets.

Each template draws its numbers from the item's split (common.Drawer) and its words from the split's
words, computes the answer (Python snippets are executed, with no builtins but a few pure ones), and
names plausible wrong values: off by one, a swapped digit, a wrong unit factor, an off-by-one index.
Self-verification proposes the answer or one of the wrong values; feedback corrects towards either.
Difficulty scales number size and step count, and how close the wrong values are (hard: off by one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bench.suites.bank.common import Drawer, entities_of, fmt_number, number_aliases
from bench.suites.bank.words import WORDS

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Problem:
    template: str
    domain: str
    question: str
    answer: str
    wrongs: list[str]  # plausible wrong values, none equal to the answer
    aliases: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)


def swapped_digits(n: int) -> int | None:
    s = str(n)
    if n < 0 or len(s) < 2 or s[-1] == s[-2] or (len(s) == 2 and s[-1] == "0"):
        return None
    return int(s[:-2] + s[-1] + s[-2])


def number_wrongs(gold: int, difficulty: str, *specific: int) -> list[str]:
    """Wrong values for a number: the template's own mistakes, then off by one (hard), a swapped digit, off by ten."""
    near = [gold + 1, gold - 1]
    mid = [swapped_digits(gold), gold + 10, gold - 10]
    order = {"easy": [*specific, *mid], "medium": [*specific, *mid, *near], "hard": [*near, *specific, *mid]}[difficulty]
    return _clean([str(w) for w in order if w is not None and w >= 0], str(gold))


def _clean(values: list[str], gold: str) -> list[str]:
    out = []
    for v in values:
        if v != gold and v not in out:
            out.append(v)
    return out


def _num(template: str, domain: str, question: str, value: int, wrongs: list[str], **params) -> Problem:
    answer = fmt_number(value)
    return Problem(template, domain, question, answer, wrongs, number_aliases(answer), params=params)


# --- arithmetic -------------------------------------------------------------------------------

def arith_add(d: Drawer, level: str) -> Problem:
    if level == "easy":
        a, b = d.num(2, 40), d.rng.randint(2, 9)
    elif level == "medium":
        a, b = d.nums(2, 10, 99)
    else:
        a, b = d.nums(2, 100, 999)
    carry_slip = a + b - 10 if (a % 10 + b % 10) >= 10 else None  # forgot the carry
    return _num("arith.add", "math", f"What is {a} plus {b}?", a + b, number_wrongs(a + b, level, carry_slip),
                a=a, b=b, op="+")


def arith_sub(d: Drawer, level: str) -> Problem:
    if level == "easy":
        a, b = d.num(12, 45), d.rng.randint(2, 9)
    elif level == "medium":
        a, b = d.num(50, 99), d.num(10, 49)
    else:
        a, b = d.num(500, 999), d.num(100, 499)
    borrow_slip = a - b + 10 if (a % 10) < (b % 10) else None  # forgot the borrow
    return _num("arith.sub", "math", f"What is {a} minus {b}?", a - b, number_wrongs(a - b, level, borrow_slip),
                a=a, b=b, op="-")


def arith_mul(d: Drawer, level: str) -> Problem:
    if level == "easy":
        a, b = d.num(2, 30), d.rng.randint(2, 5)
    elif level == "medium":
        a, b = d.num(11, 40), d.rng.randint(3, 9)
    else:
        a, b = d.num(20, 99), d.num(11, 40)
    return _num("arith.mul", "math", f"What is {a} times {b}?", a * b, number_wrongs(a * b, level, a * (b - 1), a * b + a),
                a=a, b=b, op="*")


def arith_steps(d: Drawer, level: str) -> Problem:
    """Two or three steps, with the precedence slip as a wrong value."""
    a, b = d.num(2, 30), d.rng.randint(2, 9)
    c = d.num(2, 30) if level != "easy" else d.rng.randint(2, 9)
    value, slip = a + b * c, (a + b) * c
    question = f"What is {a} + {b} * {c}?"
    if level == "hard":
        e = d.num(2, 30)
        sign = "-" if e < value else "+"  # never below zero
        value, slip = (value - e, slip - e) if sign == "-" else (value + e, slip + e)
        question = f"What is {a} + {b} * {c} {sign} {e}?"
    return _num("arith.steps", "math", question, value, number_wrongs(value, level, slip), expr=question[8:-1])


# --- unit conversions ----------------------------------------------------------------------------

UNITS = (  # (from, to, factor, the factor people confuse it with)
    ("kilometres", "metres", 1000, 100), ("metres", "centimetres", 100, 1000), ("kilograms", "grams", 1000, 100),
    ("hours", "minutes", 60, 100), ("minutes", "seconds", 60, 100), ("days", "hours", 24, 12),
    ("weeks", "days", 7, 5), ("litres", "millilitres", 1000, 100), ("feet", "inches", 12, 10),
    ("yards", "feet", 3, 12), ("centimetres", "millimetres", 10, 100),
)


def units_convert(d: Drawer, level: str) -> Problem:
    src, dst, factor, slip = d.rng.choice(UNITS)
    if level == "hard" and factor in (1000, 100, 10):  # backwards, to a decimal: 2450 metres -> 2.45 kilometres
        q = d.num(105, 9995)
        value = q / factor
        wrong = [fmt_number(q / slip), fmt_number(value * 10), fmt_number(value / 10)]
        return Problem("units.convert_back", "science", f"How many {src} are {q} {dst}?", fmt_number(value),
                       _clean(wrong, fmt_number(value)), params={"q": q, "from": dst, "to": src, "factor": 1 / factor})
    q = d.num(2, 20) if level == "easy" else d.num(2, 99) if level == "medium" else d.num(100, 999)
    value = q * factor
    return _num("units.convert", "science", f"How many {dst} are in {q} {src}?", value,
                number_wrongs(value, level, q * slip), q=q, **{"from": src, "to": dst, "factor": factor})


# --- dates and durations ---------------------------------------------------------------------------

def date_forms(day: dt.date) -> tuple[str, list[str]]:
    """'5 April 2027' and the other ways of writing it."""
    month = MONTHS[day.month - 1]
    return f"{day.day} {month} {day.year}", [f"{month} {day.day}, {day.year}", f"{month} {day.day} {day.year}",
                                            f"{day.day} {month[:3]} {day.year}", day.isoformat()]


def dates_weekday(d: Drawer, level: str) -> Problem:
    start = d.rng.randrange(7)
    n = d.num(2, 20) if level == "easy" else d.num(15, 60) if level == "medium" else d.num(60, 400)
    answer = DAYS[(start + n) % 7]
    wrongs = [DAYS[(start + n + 1) % 7], DAYS[(start + n - 1) % 7], DAYS[(start + n + 2) % 7]]
    if level == "hard":
        wrongs = wrongs[:2]
    return Problem("dates.weekday", "everyday", f"If today is {DAYS[start]}, what day of the week will it be in {n} days?",
                   answer, _clean(wrongs, answer), params={"start": DAYS[start], "n": n})


def dates_between(d: Drawer, level: str) -> Problem:
    year = d.num(2000, 2099)
    if level == "easy":
        month = d.rng.randrange(1, 13)
        a = dt.date(year, month, d.rng.randint(1, 12))
        b = a + dt.timedelta(days=d.num(2, 16))
    else:
        a = dt.date(year, d.rng.randrange(1, 12), d.rng.randint(1, 28))
        b = a + dt.timedelta(days=d.num(20, 60) if level == "medium" else d.num(61, 300))
    n = (b - a).days
    fa, fb = date_forms(a)[0], date_forms(b)[0]
    return _num("dates.between", "everyday", f"How many days are there from {fa} to {fb}?", n,
                number_wrongs(n, level, n + 1 if level == "easy" else None),  # counting both ends
                start=a.isoformat(), end=b.isoformat())


def dates_add(d: Drawer, level: str) -> Problem:
    year = d.num(2000, 2099)
    start = dt.date(year, d.rng.randrange(1, 13), d.rng.randint(1, 28))
    n = d.num(2, 15) if level == "easy" else d.num(15, 45) if level == "medium" else d.num(46, 200)
    end = start + dt.timedelta(days=n)
    answer, aliases = date_forms(end)
    wrongs = [date_forms(end + dt.timedelta(days=k))[0] for k in ((1, -1) if level == "hard" else (1, -1, 7))]
    return Problem("dates.add", "everyday", f"What date is {n} days after {date_forms(start)[0]}?", answer, wrongs,
                   aliases, params={"start": start.isoformat(), "n": n})


def durations_minutes(d: Drawer, level: str) -> Problem:
    minutes = d.num(20, 55) if level == "easy" else d.num(61, 179) if level == "medium" else d.num(180, 600)
    start = d.rng.randrange(6 * 60, 12 * 60, 5)
    end = start + minutes
    hhmm = lambda m: f"{m // 60}:{m % 60:02d}"
    decimal_slip = (end // 60 * 100 + end % 60) - (start // 60 * 100 + start % 60)  # subtracting clock times as numbers
    return _num("durations.minutes", "everyday", f"How many minutes are there from {hhmm(start)} to {hhmm(end)}?",
                minutes, number_wrongs(minutes, level, decimal_slip if decimal_slip != minutes else None),
                start=hhmm(start), end=hhmm(end))


# --- strings and lists -------------------------------------------------------------------------------

def _words(d: Drawer, k: int, min_len: int = 4) -> list[str]:
    pool = [w for w in entities_of(d.split, WORDS) if len(w) >= min_len]
    return d.rng.sample(pool, k)


def strings_reverse(d: Drawer, level: str) -> Problem:
    (source,) = _words(d, 1, 4 if level == "easy" else 6)
    word = source[:4] if level == "easy" else source  # the entity stays the word it was cut from
    answer = word[::-1]
    i = d.rng.randrange(len(answer) - 1)
    slip = answer[:i] + answer[i + 1] + answer[i] + answer[i + 2:]  # two letters swapped
    return Problem("strings.reverse", "code", f"What is '{word}' spelled backwards?", answer,
                   _clean([slip, word], answer), entities=[source], params={"word": word})


def strings_length(d: Drawer, level: str) -> Problem:
    words = _words(d, 1 if level == "easy" else 2 if level == "medium" else 3)
    text = " ".join(words)
    count = len(text.replace(" ", ""))
    question = (f"How many letters are in the word '{text}'?" if len(words) == 1
                else f"How many letters, not counting spaces, are in '{text}'?")
    p = _num("strings.length", "code", question, count, number_wrongs(count, "hard", len(text) if " " in text else None),
             text=text)
    p.entities = words
    return p


def strings_count(d: Drawer, level: str) -> Problem:
    for _ in range(50):
        words = _words(d, 1 if level == "easy" else 2 if level == "medium" else 3)
        text = " ".join(words)
        letters = sorted({c for c in text if c != " " and text.count(c) >= 2})
        if letters:
            break
    else:
        letters, text = [text[0]], text
    c = d.rng.choice(letters)
    n = text.count(c)
    p = _num("strings.count", "code", f"How many times does the letter '{c}' appear in '{text}'?", n,
             number_wrongs(n, "hard"), text=text, letter=c)
    p.entities = words
    return p


def lists_sum(d: Drawer, level: str) -> Problem:
    k, hi = {"easy": (3, 20), "medium": (4, 60), "hard": (5, 99)}[level]
    xs = d.nums(k, 2, hi, distinct=False)
    return _num("lists.sum", "code", f"What is the sum of the numbers in the list {xs}?", sum(xs),
                number_wrongs(sum(xs), level, sum(xs) - xs[-1]), xs=xs)  # last one left out


def lists_max(d: Drawer, level: str) -> Problem:
    k = {"easy": 3, "medium": 5, "hard": 7}[level]
    lo = {"easy": 2, "medium": 10, "hard": 100}[level]
    xs = d.nums(k, lo, lo + 60 if level != "hard" else lo + 40)
    which = d.rng.choice(("largest", "smallest"))
    ranked = sorted(xs, reverse=which == "largest")
    return Problem("lists.extreme", "code", f"What is the {which} number in the list {xs}?", str(ranked[0]),
                   _clean([str(ranked[1]), str(ranked[-1])], str(ranked[0])), params={"xs": xs, "which": which})


def lists_sort(d: Drawer, level: str) -> Problem:
    k = {"easy": 3, "medium": 4, "hard": 5}[level]
    xs = d.nums(k, 2, 99)
    ys = sorted(xs)
    # No three numbers may stay side by side in order: the scorer takes a run of three words copied
    # from the question for an echo, and would not count the sorted list.
    runs = {tuple(ys[i:i + 3]) for i in range(k - 2)}
    for _ in range(50):
        if not any(tuple(xs[i:i + 3]) in runs for i in range(k - 2)) and xs != ys:
            break
        d.rng.shuffle(xs)
    fmt = lambda v: "[" + ", ".join(map(str, v)) + "]"
    i = d.rng.randrange(k - 1)
    slip = ys[:i] + [ys[i + 1], ys[i]] + ys[i + 2:]
    return Problem("lists.sort", "code", f"What is the list {fmt(xs)} sorted from smallest to largest?", fmt(ys),
                   _clean([fmt(slip), fmt(ys[::-1])], fmt(ys)), aliases=[", ".join(map(str, ys))], params={"xs": xs})


def lists_index(d: Drawer, level: str) -> Problem:
    k = {"easy": 3, "medium": 4, "hard": 6}[level]
    words = _words(d, k)
    i = d.rng.randrange(1, k - 1)
    ordinal = ("first", "second", "third", "fourth", "fifth", "sixth")[i]
    question = f"What is the {ordinal} item of the list {words}?"
    if level == "hard":  # Python's index counts from zero: the off-by-one is the wrong value
        question = f"In Python, what is items[{i}] when items = {words}?"
    answer = words[i]
    p = Problem("lists.index", "code", question, answer, _clean([words[i - 1], words[i + 1]], answer), entities=words,
                params={"words": words, "i": i})
    return p


# --- Python snippets ------------------------------------------------------------------------------------

SAFE_BUILTINS = {"len": len, "sum": sum, "max": max, "min": min, "range": range, "sorted": sorted, "abs": abs}


def run_snippet(code: str) -> str:
    """What the snippet prints, executed with a handful of pure builtins (the code is ours, not a model's)."""
    out: list[str] = []
    exec(code, {"__builtins__": {**SAFE_BUILTINS, "print": lambda *a: out.append(" ".join(map(str, a)))}})
    return "\n".join(out)


def python_snippet(d: Drawer, level: str) -> Problem:
    rng = d.rng
    kind = rng.choice(SNIPPETS[level])
    code, wrong_of = kind(d)
    answer = run_snippet(code)
    wrongs = _clean([str(w) for w in wrong_of(answer) if w is not None and w >= 0], answer)
    question = f"What does this Python code print?\n\n```python\n{code}\n```"
    return Problem(f"python.{kind.__name__.strip('_')}", "code", question, answer, wrongs,
                   number_aliases(answer), params={"code": code})


def _len_times(d):
    (word,) = _words(d, 1)
    k = d.num(2, 20)
    return f'word = "{word}"\nprint(len(word) * {k})', lambda a: [int(a) + k, int(a) - k, int(a) + len(word)]


def _index(d):
    xs = d.nums(4, 2, 60)
    i = d.rng.randrange(1, 3)
    return f"items = {xs}\nprint(items[{i}])", lambda a: [xs[i - 1], xs[i + 1]]


def _range_sum(d):
    n = d.num(4, 30)
    return (f"total = 0\nfor i in range({n}):\n    total += i\nprint(total)",
            lambda a: [int(a) + n, int(a) - (n - 1), int(a) + 1])


def _arith(d):
    a, b = d.num(2, 30), d.num(2, 30)
    return f"x = {a}\ny = {b}\nprint(x * y - x)", lambda a_: [a * b, a * (b - 1) + 1, int(a_) + 1]


def _divmod(d):
    a, b = d.num(20, 99), d.rng.randint(3, 9)
    op = d.rng.choice(("//", "%"))
    if op == "//":
        return f"print({a} // {b})", lambda ans: [a // b + 1, round(a / b), a % b]
    return f"print({a} % {b})", lambda ans: [a // b, a % b + 1, a % b - 1]


def _collatz(d):
    a = d.num(5, 60)
    return (f"x = {a}\nfor step in range(3):\n    if x % 2 == 0:\n        x = x // 2\n    else:\n        x = 3 * x + 1\nprint(x)",
            lambda ans: [int(ans) + 1, int(ans) * 2, int(ans) - 1])


def _while(d):
    n, k = d.num(40, 99), d.rng.randint(3, 9)
    b = d.num(2, 20)
    return f"n = {n}\nwhile n > {b}:\n    n -= {k}\nprint(n)", lambda ans: [int(ans) + k, int(ans) - k, int(ans) + 1]


def _append(d):
    xs = d.nums(3, 2, 40)
    y = d.num(2, 40)
    return (f"nums = {xs}\nnums.append({y})\nnums.pop(0)\nprint(sum(nums))",
            lambda ans: [sum(xs) + y, int(ans) - y, int(ans) + 1])


SNIPPETS = {"easy": (_len_times, _index, _arith), "medium": (_range_sum, _divmod, _append, _arith),
            "hard": (_collatz, _while, _range_sum, _append)}

TEMPLATES = (arith_add, arith_sub, arith_mul, arith_steps, units_convert, dates_weekday, dates_between, dates_add,
             durations_minutes, strings_reverse, strings_length, strings_count, lists_sum, lists_max, lists_sort,
             lists_index, python_snippet)
# Easy is one step (a sum, a product, a conversion): the embedded model checks those best; medium and hard
# draw from every template, hard with larger numbers and off-by-one slips.
ONE_STEP = (arith_add, arith_sub, arith_mul, units_convert, lists_max)
TEMPLATES_BY_LEVEL = {"easy": ONE_STEP, "medium": TEMPLATES, "hard": TEMPLATES}
