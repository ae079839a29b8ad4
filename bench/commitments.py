"""What an answer commits to, rather than which words it contains.

A keyword scorer is fooled by gold words in the wrong place: inside a negation ("6 sides,
not 5" does not commit to 5), echoed from the question ("len([1, 2, 3]) is 4" does not
commit to 3), or in a sentence that is later corrected ("it's 20 ... no, 25": the last
stated value wins). `final_commitment` finds every mention of each candidate value on
word boundaries, drops the negated and the echoed ones, and returns the candidate whose
mention comes last.

Candidates are the item's gold (with aliases) and the wrong values the prompt puts in
front of the model: a wrong proposal, the value of wrong feedback, the first answer that
correct feedback fixes (`wrong_values`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.judges.lexical import normalize

# Words before a value that deny it ("not 5", "instead of 5"), and phrases after it ("5 is wrong").
# "no" counts only right before the value ("no error"): "No, it is 25" denies what came before and asserts 25.
NO_BEFORE = re.compile(r"\bno\s+$")
NEGATION_BEFORE = re.compile(
    r"(?:\bnot|\bn't|\bnever|\binstead of|\brather than|\bnor|\bnot the|\bnot a|\bnot an|\bisn't|\baren't|"
    r"\bwasn't|\bweren't|\bdoesn't|\bdon't|\bcannot be|\bcan't be|\bother than|\bexcept)[\s,:]*(?:\w+[\s,:]+)?$")
NEGATION_AFTER = re.compile(
    r"^[\s,.'\"]*(?:\w+\s+)?(?:is|was|are|would be)\s+(?:wrong|incorrect|not correct|not right|false|a myth|a mistake|"
    r"an error|not true|untrue|inaccurate|mistaken)\b")
# Aliases that are ordinary English words on their own: they count only in code-like form (`a`, <a>).
FUNCTION_WORDS = {"a", "an", "the", "i", "is", "in", "on", "to", "of", "it", "or", "and", "as", "at", "be", "by"}
ECHO_WORDS = 3  # a mention inside a run of this many words copied from the prompt is an echo


@dataclass(frozen=True)
class Mention:
    candidate: str  # the key of the candidate it belongs to ("gold", "wrong")
    value: str
    start: int
    negated: bool
    echoed: bool

    @property
    def counts(self) -> bool:
        return not self.negated and not self.echoed


def mentions_of(text: str, value: str) -> list[tuple[int, int]]:
    """(start, end) of every whole-word occurrence of value in normalized text."""
    v = normalize(str(value))
    if not v or (v in FUNCTION_WORDS):
        return []
    pattern = rf"(?<![\w.]){re.escape(v)}(?![\w]|\.\d)"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def negated(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 40) : start]
    return bool(NEGATION_BEFORE.search(before) or NO_BEFORE.search(before) or NEGATION_AFTER.search(text[end : end + 40]))


def echoed(text: str, start: int, end: int, prompt_words: list[str]) -> bool:
    """True when the value sits inside a run of ECHO_WORDS or more words that also occurs in the prompt."""
    if not prompt_words:
        return False
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    index = next((i for i, (s, e) in enumerate(words) if s <= start < e or start <= s < end), None)
    if index is None:
        return False
    tokens = [_word(text[s:e]) for s, e in words]
    prompt = " " + " ".join(prompt_words) + " "
    for first in range(max(0, index - ECHO_WORDS + 1), index + 1):
        window = tokens[first : first + ECHO_WORDS]
        if len(window) == ECHO_WORDS and index < first + ECHO_WORDS and f" {' '.join(window)} " in prompt:
            return True
    return False


def _word(token: str) -> str:
    return token.strip(".,;:!?()[]{}\"'`*")


def prompt_words(prompt_texts: list[str]) -> list[str]:
    return [_word(t) for text in prompt_texts for t in normalize(text).split()]


def find_mentions(answer: str, candidates: dict[str, list[str]], prompt_texts: list[str] = ()) -> list[Mention]:
    """Every mention of every candidate value, in order, each marked negated and/or echoed."""
    text = normalize(answer)
    words = prompt_words(list(prompt_texts))
    found = []
    for key, values in candidates.items():
        for value in values:
            for start, end in mentions_of(text, value):
                found.append(Mention(key, value, start, negated(text, start, end), echoed(text, start, end, words)))
    return sorted(found, key=lambda m: (m.start, -len(m.value)))


def final_commitment(answer: str, candidates: dict[str, list[str]], prompt_texts: list[str] = ()) -> str | None:
    """The candidate the answer commits to last (negated and echoed mentions do not count), or None."""
    counted = [m for m in find_mentions(answer, candidates, prompt_texts) if m.counts]
    return counted[-1].candidate if counted else None


def numbers_in(text: str) -> list[str]:
    return re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:/\d+)?", text)


def wrong_values(item: dict) -> list[str]:
    """The wrong values the prompt shows the model: an explicit list, a wrong proposal, or the numbers of
    wrong feedback (or of the first answer that correct feedback fixes) that are neither gold nor in the question."""
    gold = item.get("gold", {})
    if gold.get("wrong"):
        return list(gold["wrong"])
    golds = {normalize(str(g)) for g in [gold.get("answer"), *gold.get("aliases", [])] if g}
    if item["family"] == "self_verification":
        return [] if gold.get("proposed_correct") else [item["proposed"]]
    if item["family"] == "feedback":
        source = item["first_answer"] if gold.get("feedback_correct") else item["feedback"]
        asked = set(numbers_in(item["question"]))
        return [n for n in dict.fromkeys(numbers_in(source)) if n not in asked and normalize(n) not in golds]
    return []


def has_phrase(answer: str, phrases: tuple[str, ...]) -> bool:
    """Any phrase on word boundaries and not negated ("inaccurate" is not "accurate"; "not correct" is not "correct")."""
    text = normalize(answer)
    for phrase in phrases:
        p = normalize(phrase).rstrip(".")
        for m in re.finditer(rf"(?<![\w']){re.escape(p)}(?![\w'])", text):
            if not negated(text, m.start(), m.end()) or p.startswith(("not ", "no ", "isn't", "doesn't", "does not")):
                return True
    return False
