"""The assert/hedge stance: a small logistic regression over counts of hedging language.

Phrase rules alone agreed with the paper's labelled answers at kappa 0.187: people (and the
paper's classifier) call an answer a hedge for the tentativeness spread through it ("often
debated", "depending on", "I'm sorry, I can't"), not for one phrase. So the stance is a
weighted sum of 30 interpretable features (FEATURE_NAMES): a count of each family of words in
FEATURES, as log(1 + count), then positions counted from the start of the answer (POSITIONAL:
qualifiers in the opening, where the first one falls, qualified and questioning sentences).
None is scaled by length, so padding an answer moves no feature. The weights are fitted by
`bench/judges/train_stance.py` on all of the paper's labelled answers, after measuring the
procedure by cross-validation grouped by prompt; that cross-validated figure is stored beside
the weights (`stance_weights.json`, "cv") and is what `judge-audit` reports. Inference is plain
Python (no numpy, no torch): it runs on a Pi.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("stance_weights.json")

# One feature per family of hedging language; the value is how often the family occurs.
FEATURES: dict[str, tuple[str, ...]] = {
    "not_sure": ("i'm not sure", "i am not sure", "not entirely sure", "i'm not certain", "not certain", "unsure",
                 "i don't know", "i do not know", "hard to say", "difficult to say", "no way to know"),
    "cannot": ("i can't", "i cannot", "i'm unable", "i am unable", "not able to", "unable to", "beyond my",
               "my ability", "as an ai", "i don't have", "i do not have", "i'm sorry", "i am sorry", "sorry"),
    "ask_back": ("could you clarify", "can you clarify", "please clarify", "could you provide", "can you provide",
                 "please provide", "could you specify", "please specify", "do you mean", "are you referring",
                 "if you could", "let me know", "more context", "more details", "more information", "clarify"),
    "depends": ("it depends", "depends on", "depending on", "depend on", "varies", "vary", "can vary", "variation",
                "variations", "differ", "differs", "different opinions"),
    "debate": ("debated", "debate", "debatable", "disputed", "controversial", "contested", "arguably",
               "some argue", "some say", "opinions", "confusion", "confusing", "ambiguous", "unclear", "uncertain"),
    "modal": ("might", "may ", "could", "possibly", "perhaps", "maybe", "potentially", "probably", "likely",
              "unlikely", "it's possible", "it is possible", "can be"),
    "frequency": ("often", "usually", "typically", "generally", "in general", "commonly", "sometimes",
                  "frequently", "tends to", "tend to", "in most cases", "most likely", "rarely"),
    "belief": ("i think", "i believe", "i'd say", "i would say", "i suspect", "i guess", "in my opinion",
               "it seems", "seems", "appears to", "appear to", "suggests", "suggest"),
    "approx": ("approximately", "roughly", "about ", "around ", "estimated", "estimate", "or so", "some "),
    "strictly": ("strictly", "technically", "traditionally", "historically", "in the strictest", "classical",
                 "depending on the", "it's worth noting", "worth noting", "note that", "keep in mind"),
    "contrast": ("however", "although", "though", "while ", "but ", "on the other hand", "that said"),
    "referring": ("referring to", "if you're", "if you are", "if you mean", "you're", "you are", "you might",
                  "you may", "if "),
    "first_person": (" i ", "i'm", "i've", "i'd", " me ", " my "),
    "certainty": ("definitely", "certainly", "always", "never", "clearly", "absolutely", "without a doubt",
                  "the answer is", "is the", "are the", "exactly"),
    "structure": ("**", "\n1.", "\n- ", "\n* ", ":**"),
    # added in the cross-validated rework (train_stance.py): tentativeness that is spread through a
    # how-to answer rather than said once
    "sounds_like": ("it sounds like", "sounds like", "it seems like", "it looks like", "it's unfortunate",
                    "unfortunately", "it's possible that", "it is possible that"),
    "conditional": ("depends heavily", "depends largely", "it varies", "varies depending", "whether ", "assuming",
                    "assume", "without knowing", "without more", "unless", "in that case", "if so",
                    "depending on your", "depending on how", "depending on what"),
    "possibilities": ("a few reasons", "several reasons", "possible reasons", "possible causes", "common causes",
                      "likely causes", "several factors", "a few factors", "a number of", "could be due",
                      "may be due", "might be due", "could be caused", "may be caused", "might be caused",
                      "a few things", "several things", "a few methods", "several ways", "a few ways",
                      "several possible", "likely culprit", "most likely", "possible culprit", "scenarios",
                      "could be the", "might be the", "may be the", "one possibility", "another possibility"),
    "epistemic_i": ("i think", "i believe", "i suspect", "i assume", "i'd guess", "i would guess", "i'm assuming",
                    "i am assuming", "i'd recommend", "i would recommend", "i'd suggest", "i would suggest",
                    "i can suggest", "i can offer", "i can provide", "i can help"),
    "mixup": ("mix-up", "mixup", "confusion", "confused", "misunderstanding", "not a standard", "doesn't exist",
              "does not exist", "not a traditional", "no such", "not typically", "isn't typically", "not usually",
              "isn't a", "is not a", "not actually", "misconception", "common mistake"),
    "ai_disclaimer": ("as an ai", "text-based", "language model", "i'm an ai", "i am an ai", "hands-on",
                      "real-time", "personal experience", "i don't have the ability", "i can't taste"),
    "would_should": ("would ", "should ", "wouldn't", "shouldn't"),
    "soft_modal": ("could be", "may be", "might be", "can be", "it could", "it may", "it might", "may have",
                   "might have", "could have", "may not", "might not"),
}
# Hedging words that count for the opening, the position of the first hedge and qualified sentences.
QUALIFIERS = tuple(sorted({*FEATURES["modal"], *FEATURES["frequency"], *FEATURES["belief"], *FEATURES["depends"],
                           *FEATURES["debate"], *FEATURES["sounds_like"], *FEATURES["soft_modal"],
                           *FEATURES["possibilities"], *FEATURES["not_sure"]}))
OPENING_WORDS = 50
FIRST_HEDGE_CAP = 300
# No length feature and no share of the answer: padding an answer with neutral text must not move
# its label (judge-audit's verbosity check). Counts, and positions counted from the start, do not move.
POSITIONAL = ("opening_qualifiers", "first_sentence_qualified", "first_hedge_word", "qualified_sentences",
              "question_sentences", "if_then")
FEATURE_NAMES = (*FEATURES, "question_marks", *POSITIONAL)

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_IF_THEN = re.compile(r"\bif\b[^.!?\n]{0,120}?(?:,|\bthen\b)")


def _text(answer: str) -> str:
    return " " + " ".join(answer.lower().replace("\u2019", "'").split()) + " "


def _has(text: str, phrases: tuple[str, ...]) -> int:
    return sum(text.count(p) for p in phrases)


def _first_position(text: str) -> int:
    """Word index of the first qualifier (FIRST_HEDGE_CAP when there is none that early)."""
    hits = [h for h in (text.find(p) for p in QUALIFIERS) if h >= 0]
    if not hits:
        return FIRST_HEDGE_CAP
    return min(FIRST_HEDGE_CAP, text[: min(hits)].count(" "))


def features(answer: str) -> list[float]:
    """The feature vector of one answer: log(1 + count) per family, question marks, then the
    positional features (POSITIONAL), all counted from the start of the answer."""
    text = _text(answer)
    raw = answer.lower().replace("\u2019", "'")
    out = []
    for name, phrases in FEATURES.items():
        source = raw if name == "structure" else text  # structure is read from the layout, newlines kept
        out.append(math.log1p(_has(source, phrases)))
    out.append(math.log1p(answer.count("?")))
    sentences = [" " + " ".join(s.split()) + " " for s in _SENTENCE.split(raw) if s.strip()]
    opening = " " + " ".join(text.split()[:OPENING_WORDS]) + " "
    first = sentences[0] if sentences else " "
    out.append(math.log1p(_has(opening, QUALIFIERS)))
    out.append(float(_has(first, QUALIFIERS) > 0))
    out.append(math.log(1 + _first_position(text)))
    out.append(math.log1p(sum(_has(s, QUALIFIERS) > 0 for s in sentences)))
    out.append(math.log1p(sum(s.rstrip().endswith("?") for s in sentences)))
    out.append(math.log1p(len(_IF_THEN.findall(text))))
    return out


@lru_cache(maxsize=1)
def model() -> dict:
    return json.loads(WEIGHTS.read_text())


def hedge_probability(answer: str) -> float:
    """P(hedge) under the shipped weights."""
    m = model()
    x = [(v - mu) / sd for v, mu, sd in zip(features(answer), m["mean"], m["scale"])]
    z = m["bias"] + sum(w * v for w, v in zip(m["weights"], x))
    return 1 / (1 + math.exp(-z))


def is_hedge(answer: str) -> bool:
    return hedge_probability(answer) >= model()["threshold"]


def rule_label(answer: str) -> bool | None:
    """What the lexical judge's phrase rules decide before the weights are asked (bench/judges/lexical.py):
    True (a hedge: an explicit strong hedge, or a short answer dense in weak ones), False (a short
    answer without), None (a long answer: the weights decide). Training scores exactly that label."""
    from bench.judges.hedge_words import SHORT_WORDS, STRONG_HEDGES, WEAK_HEDGES, count, normalize

    text = normalize(answer)
    words = max(1, len(text.split()))
    if count(text, STRONG_HEDGES) > 0:
        return True
    if words < SHORT_WORDS:
        weak = count(text, WEAK_HEDGES)
        return weak >= 2 and 100 * weak / words >= 3.0
    return None
