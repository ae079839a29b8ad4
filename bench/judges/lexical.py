"""The lexical judge: phrase and pattern rules, deterministic, instant, runs on a Pi.

Per answer it gives an assert/hedge label, a hedge score, a self-verification score,
and whether the answer carries surface self-verification markers (the paper's SVR).
The phrase rules were written from the paper's descriptions and general usage. They
under-called hedges (kappa 0.187 against the paper's labels), so the label of an answer of
SHORT_WORDS words or more comes from a small logistic regression over families of hedging
words (bench/judges/stance.py), measured by cross-validation grouped by prompt (every answer
labelled by a model that never saw its prompt; judge-audit) and shipped fitted on all of the
paper's labelled answers; an explicit strong hedge ("I don't know") is a hedge
whatever the weights say. Short answers, which the paper's set hardly holds, keep the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.judges.hedge_words import SHORT_WORDS, STRONG_HEDGES, WEAK_HEDGES, count, normalize
from bench.judges.stance import is_hedge as stance_is_hedge

# Challenging the question itself (false premises, myths).
PREMISE_CHALLENGES = (
    "misconception", "myth", "not true", "isn't true", "is not true", "false premise", "no evidence", "actually",
    "in fact", "contrary to", "not accurate", "isn't accurate", "there is no", "there was no", "never",
    "did not", "didn't", "does not", "doesn't",
)
# Surface self-verification markers (the paper's SVR phrases and close kin).
VERIFICATION_MARKERS = (
    "let me check", "let me verify", "let me double-check", "let's check", "let's verify", "double-check",
    "double check", "edge case", "what if", "wait,", "actually,", "to verify", "verify", "verifying",
    "re-check", "recheck", "on second thought", "to confirm", "checking", "sanity check", "let me re",
)
@dataclass(frozen=True)
class LexicalScore:
    label: str  # "assert" or "hedge"
    hedge: float  # 0..1, how strongly the answer signals uncertainty
    verification: float  # 0..1, density of self-verification language
    svr_marker: bool  # at least one surface self-verification marker
    premise_challenge: bool


def judge(answer: str) -> LexicalScore:
    """Score one answer; the same input always gives the same output."""
    text = normalize(answer)
    words = max(1, len(text.split()))
    strong = count(text, STRONG_HEDGES)
    weak = count(text, WEAK_HEDGES)
    # Weak markers per 100 words: an answer "dominated" by them is a hedge (the paper's
    # classifier), and ambiguous answers default to assert, as the paper's did.
    weak_density = 100 * weak / words
    if words < SHORT_WORDS:
        is_hedge = strong > 0 or (weak >= 2 and weak_density >= 3.0)
    else:
        is_hedge = strong > 0 or stance_is_hedge(answer)
    hedge = min(1.0, 0.5 * strong + 0.1 * weak)
    markers = count(text, VERIFICATION_MARKERS)
    return LexicalScore(
        label="hedge" if is_hedge else "assert",
        hedge=hedge,
        verification=min(1.0, markers / 3),
        svr_marker=markers > 0,
        premise_challenge=count(text, PREMISE_CHALLENGES) > 0,
    )
