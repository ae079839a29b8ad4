"""Numbers as values, not strings: "forty-two", "42.0", "1,500", "3/8", "1 hour 30 minutes".

`number_spans(text)` finds every number in a (lower-cased) text with its value, and joins a
run of duration parts ("1 hour 30 minutes", "2h45") into one quantity, so that "90 minutes"
and "1 hour 30 minutes" compare equal. `parse_value(s)` reads a gold or wrong value the same
way ("about 180", "32 degrees", "2 hours 45 minutes"); it returns None for anything that is
not one number or one quantity, and the caller then matches the value as words.

A digit run inside a longer token is not a number of its own: "10^3" is 1000 (the 3 is an
exponent), "3rd" is an ordinal, "3-year" a modifier, "h2o" a name. No dependency: the parser
is small and tested (tests/bench/test_scorer_classes.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

UNITS = {"zero": 0, "oh": None, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
WORD_VALUES = {k: v for k, v in {**UNITS, **TENS}.items() if v is not None}
# A value as a whole word of its own ("a dozen"); "half" and "quarter" are left out: too often not one ("a quarter cup").
STANDALONE = {"dozen": 12}

# Duration units in seconds: a run of "<n> <unit>" parts is one quantity.
# ("m" and "s" alone are left out: "3 x 10^8 m/s" is a speed.)
DURATION = {"sec": 1, "secs": 1, "second": 1, "seconds": 1, "min": 60, "mins": 60, "minute": 60,
            "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "day": 86400,
            "days": 86400, "week": 604800, "weeks": 604800}

# Digits: thousands separators ("1,500"), decimals, fractions, exponents ("10^3", "3e8", "3 x 10^8").
DIGITS = re.compile(r"(?<![\w.^/])(-)?(\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.])|\d+)(\.\d+)?(?:/(\d+))?"
                    r"(?:\s*(?:x|\*|×)\s*10\s*\^\s*(-?\d+)|\^(-?\d+)|e(-?\d+)(?![\w]))?")
HOURS_MINUTES = re.compile(r"(?<![\w.])(\d+)\s*h\s*(\d{1,2})(?:\s*m(?:in)?)?(?![\w])")  # "2h45", "2 h 45 min"
CLOCK = re.compile(r"(?<![\w.:])(\d{1,2}):(\d{2})(?:\s*(am|pm|a\.m\.|p\.m\.))?(?![\w:])")
WORD_TOKEN = re.compile(r"[a-z]+")
# After a number, these make it part of a longer token: "3rd", "3-year", "3x", "3d".
LONGER_AFTER = re.compile(r"^(?:st\b|nd\b|rd\b|th\b|[a-z]|-[a-z])", re.I)
UNIT_AFTER = re.compile(r"^\s*([a-z]+)\b")
UNIT_WORDS = re.compile(r"^(?:km|cm|mm|kg|g|m|ml|l|c|f|s|h|min|hr|hrs|kb|mb|gb)\b")
# "one" that is a pronoun, not a count: "no one", "the one", "one of them", "one another".
NOT_A_NUMBER = re.compile(r"(?:\b(?:no|the|this|that|which|any|every|some|each|someone|anyone)\s+one\b|\bone\s+(?:of|another|day|way|thing)\b)")


# A number compound as a predicate states the number ("pentagons are five-sided", "it is 5-sided by definition");
# as a modifier ("a 5-sided die", "a 3-year loan") it does not.
COPULA_BEFORE = re.compile(r"\b(?:is|are|was|were|be|being|been|'s|'re)\s+(?:(?:all|always|each|both|only|just|exactly)\s+)?$")
PREDICATE_AFTER = re.compile(r"^-[a-z]+(?=\s*(?:[.,;:!?)]|$|\b(?:by|in|on|at|and|or|so|but|because|since|like)\b))")
# Fractions added to a whole: "three and a half", "4 and a quarter", "one and three quarters".
FRACTION_AFTER = re.compile(r"^\s+and\s+(a half|one[ -]half|a quarter|one[ -]quarter|a third|one[ -]third|three[ -]quarters?|"
                            r"two[ -]thirds?)\b")  # also hyphenated and as a modifier: "two and three-quarter hours"
FRACTIONS = {"a half": Fraction(1, 2), "one half": Fraction(1, 2), "a quarter": Fraction(1, 4),
             "one quarter": Fraction(1, 4), "a third": Fraction(1, 3), "one third": Fraction(1, 3),
             "three quarters": Fraction(3, 4), "two thirds": Fraction(2, 3)}


def _fraction_key(words: str) -> str:
    """ "three-quarter" -> "three quarters", "one-half" -> "one half"."""
    key = words.replace("-", " ")
    return key + "s" if key in ("three quarter", "two third") else key


# "an hour", "a minute": one unit (not "a day", "a week": "twice a day", "7 days a week" are rates); "half an hour", "a quarter of an hour", "a half hour": part of one.
ONE_UNIT = re.compile(r"(?<![\w-])(?:a|one)\s+half\s+(?=(?:hour|minute)\b)|(?<![\w-])(?:(half|a quarter of|"
                      r"three quarters of)\s+)?(?:an?|one)\s+(?=(?:hour|minute|second)s?\b)")


def predicate_compound(text: str, start: int, end: int) -> bool:
    return bool(COPULA_BEFORE.search(text[max(0, start - 30):start]) and PREDICATE_AFTER.match(text[end:end + 40]))


@dataclass(frozen=True)
class Number:
    start: int
    end: int
    value: Fraction
    seconds: Fraction | None = None  # set when the number is (part of) a duration
    clock: bool = False  # a time of day ("11:35"): value is minutes after midnight


def _digits_value(m: re.Match) -> Fraction:
    sign, whole, decimals, denominator, sci, power, e = m.groups()
    whole = re.sub(r"[,\s\u00a0\u202f]", "", whole)
    value = Fraction(whole + (decimals or ""))
    if denominator:
        value /= int(denominator) or 1
    if power:
        value = value ** int(power)
    if sci or e:
        value *= Fraction(10) ** int(sci or e)
    return -value if sign else value


def _word_numbers(text: str) -> list[Number]:
    """Runs of number words, parsed by their grammar: "one hundred and five" is one number,
    "one and two" are two, "a thousand" is 1000, "forty-two" is 42."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in WORD_TOKEN.finditer(text)]
    out, i = [], 0
    while i < len(tokens):
        start, _, word = tokens[i]
        nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
        if word not in WORD_VALUES and not (word == "a" and nxt in SCALES):
            i += 1
            continue
        total, current, last, j, end = 0, 0, None, i, start
        while j < len(tokens):
            s, e, w = tokens[j]
            gap = text[end:s] if j > i else ""
            if j > i and not re.fullmatch(r"[\s-]*", gap):
                break
            if w == "a" and j == i:
                current, last = 1, "unit"
            elif w in UNITS and w != "oh" and (last in (None, "ten", "scale", "and") and not (last == "ten" and UNITS[w] >= 10)):
                if last == "ten" and UNITS[w] == 0:
                    break
                current += UNITS[w]
                last = "unit"
            elif w in TENS and last in (None, "scale", "and"):
                current += TENS[w]
                last = "ten"
            elif w in SCALES and (last in ("unit", "ten") or (last == "scale" and SCALES[w] >= 1000 and current)):
                current *= SCALES[w]
                if SCALES[w] >= 1000:
                    total, current = total + current, 0
                last = "scale"
            elif w == "and" and last == "scale" and j + 1 < len(tokens) and tokens[j + 1][2] in WORD_VALUES:
                last = "and"
            else:
                break
            if last != "and":
                end = e
            j += 1
            if last == "and":  # the gap to the next word is " and "
                end = e
        if last is None or (j == i + 1 and tokens[i][2] == "a"):
            i += 1
            continue
        if (re.match(r"-[a-z]", text[end:end + 2]) and not predicate_compound(text, start, end)) \
                or (start > 0 and text[start - 1] == "-"):
            i = max(j, i + 1)  # "seven-continent", "one-off": a modifier, not a value
            continue
        out.append(Number(start, end, Fraction(total + current)))
        i = max(j, i + 1)
    return [n for n in out if not _pronoun_one(text, n)]


def _pronoun_one(text: str, n: Number) -> bool:
    if text[n.start:n.end] != "one":
        return False
    return any(m.start() <= n.start < m.end() for m in NOT_A_NUMBER.finditer(text))


def _raw_numbers(text: str) -> list[Number]:
    found = []
    for m in CLOCK.finditer(text):
        hours = int(m.group(1)) % 12 + (12 if m.group(3) == "pm" else 0) if m.group(3) else int(m.group(1))
        found.append(Number(m.start(), m.end(), Fraction(hours * 60 + int(m.group(2))), clock=True))
    for m in HOURS_MINUTES.finditer(text):
        seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60
        found.append(Number(m.start(), m.end(), Fraction(seconds, 60), Fraction(seconds)))
    for m in DIGITS.finditer(text):
        if any(n.start <= m.start() < n.end for n in found):
            continue
        after = text[m.end():]
        if not any(m.group(k) for k in (5, 6, 7)) and LONGER_AFTER.match(after) and not UNIT_WORDS.match(after) \
                and not predicate_compound(text, m.start(), m.end()):
            continue  # "3rd", "3-year", "2x", "v2": not a number of its own
        if m.group(1) and m.start() > 0 and text[m.start() - 1].isalnum():
            continue  # "covid-19": a name
        if m.start() > 0 and text[m.start() - 1] == "-" and m.start() > 1 and text[m.start() - 2].isalpha():
            continue
        found.append(Number(m.start(), m.end(), _digits_value(m)))
    for n in _word_numbers(text):
        if not any(f.start < n.end and n.start < f.end for f in found):
            found.append(n)
    for m in re.finditer(r"(?<![\w-])(?:a\s+)?(dozen)(?![\w-])", text):
        if not any(f.start < m.end() and m.start() < f.end for f in found):
            found.append(Number(m.start(), m.end(), Fraction(STANDALONE[m.group(1)])))
    for m in ONE_UNIT.finditer(text):
        part = {"half": Fraction(1, 2), "a quarter of": Fraction(1, 4), "three quarters of": Fraction(3, 4)}.get(
            m.group(1) or "", Fraction(1, 2) if "half" in m.group(0) else Fraction(1))
        end = m.end() - len(m.group(0)) + len(m.group(0).rstrip())
        if not any(f.start < end and m.start() < f.end for f in found):
            found.append(Number(m.start(), end, part))
    out = []
    for n in sorted(found, key=lambda n: n.start):
        frac = FRACTION_AFTER.match(text[n.end:])
        if frac and n.seconds is None and not n.clock:
            n = Number(n.start, n.end + frac.end(), n.value + FRACTIONS[_fraction_key(frac.group(1))])
        out.append(n)
    return [n for n in out if not any(o is not n and o.start < n.start < o.end for o in out)]


def number_spans(text: str) -> list[Number]:
    """Every number in text with its value; runs of duration parts ("1 hour 30 minutes") joined."""
    out: list[Number] = []
    numbers = _raw_numbers(text)
    i = 0
    while i < len(numbers):
        n = numbers[i]
        unit = UNIT_AFTER.match(text[n.end:])
        if n.seconds is None and unit and unit.group(1) in DURATION:
            size = DURATION[unit.group(1)]
            seconds, end, j = n.value * size, n.end + unit.end(), i + 1
            while j < len(numbers):  # further, smaller parts: "1 hour 30 minutes", "1 hour and 30 minutes"
                gap = text[end:numbers[j].start]
                nxt = UNIT_AFTER.match(text[numbers[j].end:])
                if not (re.fullmatch(r"\s*(?:and|,)?\s*", gap) and nxt and DURATION.get(nxt.group(1), size) < size):
                    break
                size = DURATION[nxt.group(1)]
                seconds += numbers[j].value * size
                end, j = numbers[j].end + nxt.end(), j + 1
            frac = FRACTION_AFTER.match(text[end:])
            if frac and j == i + 1:  # "an hour and a quarter": the fraction is of the unit
                seconds += FRACTIONS[_fraction_key(frac.group(1))] * size
                end += frac.end()
                j = max(j, next((k for k in range(j, len(numbers)) if numbers[k].start >= end), len(numbers)))
            value = n.value if j == i + 1 and not frac else seconds / 60
            out.append(Number(n.start, end, value, seconds))
            i = j
            continue
        out.append(n)
        i += 1
    return out


# What may stand beside the number in a value: units and currency, nothing that names something else.
UNIT_WORDS_RE = (r"\b(?:degrees?|c|f|celsius|fahrenheit|percent|per|cent|cm|mm|km|m|s|kg|g|metres?|meters?|"
                 r"kilometres?|kilometers?|miles?|seconds?|minutes?|hours?|euros?|dollars?|pounds?|years?|days?|"
                 r"weeks?|months?|sides|players|bits|strings|legs|keys|eggs|elements|hz)\b")


def parse_value(value: str) -> Number | None:
    """The single number or duration a gold or wrong value states, or None if it is words."""
    text = " ".join(str(value).lower().split())
    text = re.sub(r"^(?:about|around|roughly|approximately|exactly|just|only|=|~)\s+", "", text)
    spans = number_spans(text)
    if len(spans) != 1:
        return None
    n = spans[0]
    rest = (text[:n.start] + " " + text[n.end:]).strip()
    # what may stand beside the number: a unit or currency word, nothing that names something else
    if rest and not re.fullmatch(rf"(?:{UNIT_WORDS_RE}|[\s.$€£%°/])*", rest):
        return None
    return n


def same_value(a: Number, b: Number) -> bool:
    """Equal as durations when both are durations, else equal as numbers."""
    if a.clock != b.clock:
        return False
    if a.seconds is not None and b.seconds is not None:
        return a.seconds == b.seconds
    return a.value == b.value
