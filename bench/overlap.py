"""Near-copy detection between texts: Jaccard similarity of character 6-shingles.

The disposition suite's splits are checked with it (no dev or fresh item within 0.35 of a
train item), and training data is refused when any text comes that close to a dev or fresh
item (train/contamination.py).
"""

from __future__ import annotations

SHINGLE = 6
NEAR_COPY = 0.35  # Jaccard at or above this: a near copy


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Character k-grams of the lower-cased text with runs of whitespace made one space."""
    text = " ".join(text.lower().split())
    return {text[i:i + k] for i in range(max(1, len(text) - k + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def item_text(record: dict) -> str:
    """What a disposition item shows the model: the question, and any proposal, first answer or feedback."""
    return " ".join(record.get(k, "") for k in ("question", "proposed", "first_answer", "feedback"))
