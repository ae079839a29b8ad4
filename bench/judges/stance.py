"""The assert/hedge stance: a small logistic regression over counts of hedging language.

Phrase rules alone agreed with the paper's labelled answers at kappa 0.187: people (and the
paper's classifier) call an answer a hedge for the tentativeness spread through it ("often
debated", "depending on", "I'm sorry, I can't"), not for one phrase. So the stance is a
weighted sum of 16 interpretable features, each a count of one family of words
(FEATURES below), as log(1 + count), never scaled by length; the weights are fitted by
`bench/judges/train_stance.py` (seeded, on a split of the paper's labels by prompt) and
shipped as `stance_weights.json` next to this file. Inference is plain Python (no numpy, no
torch): it runs on a Pi. `judge-audit` reports agreement on the held-out prompts only.
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
}
# No length feature: padding an answer with neutral text must not move its label (judge-audit's verbosity check).
FEATURE_NAMES = (*FEATURES, "question_marks")


def _text(answer: str) -> str:
    return " " + " ".join(answer.lower().replace("’", "'").split()) + " "


def features(answer: str) -> list[float]:
    """The feature vector of one answer: log(1 + count) per family, then question marks."""
    text = _text(answer)
    raw = answer.lower()
    out = []
    for name, phrases in FEATURES.items():
        source = raw if name == "structure" else text  # structure is read from the layout, newlines kept
        out.append(math.log1p(sum(source.count(p) for p in phrases)))
    out.append(math.log1p(answer.count("?")))
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
