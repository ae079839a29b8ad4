"""The words of hedging both the lexical judge's rules and the stance classifier read, and how text is
normalized before phrases are counted (one table, so the rules and the classifier's features agree)."""

from __future__ import annotations

SHORT_WORDS = 40  # below this the paper's labelled answers (median 228 words) say little: rules decide

# Phrases that by themselves say "I don't know / can't know / it isn't so".
STRONG_HEDGES = (
    "i'm not sure", "i am not sure", "not entirely sure", "i don't know", "i do not know", "i'm not certain",
    "i am not certain", "cannot be certain", "can't be certain", "no way to know", "impossible to know",
    "impossible to say", "cannot know", "can't know", "i don't have access", "i do not have access",
    "i don't have information", "i do not have information", "there is no way", "not possible to determine",
    "cannot determine", "can't determine", "unclear", "uncertain", "hard to say", "difficult to say",
    "not enough information", "need more information", "more context", "could you clarify", "can you clarify",
    "could you provide", "can you provide", "please provide", "please specify", "could you specify", "it depends",
    "depends on",
)
# Softer markers of tentativeness: a cluster of them makes an answer a hedge.
WEAK_HEDGES = (
    "i think", "i believe", "probably", "possibly", "perhaps", "maybe", "might", "may ", "could be", "likely",
    "typically", "generally", "usually", "often", "approximately", "roughly", "seems", "appears to", "in most cases",
    "tends to", "can vary", "varies",
)


def normalize(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def count(text: str, phrases: tuple[str, ...]) -> int:
    return sum(text.count(p) for p in phrases)
