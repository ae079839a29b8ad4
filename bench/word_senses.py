"""Golds that are ordinary words, and the other senses in which an answer uses them.

"Well, ..." is an interjection, not a well; "light leaves the sun" is a verb, not the leaves
of a plant; "none of them" is not Python's None. A mention of a value in one of these other
senses is no mention. Each entry is a pattern around the word (the word itself is `W`); the
table grows with the item bank. Words that are code (None, True, False) count only in
their code spelling, so the check for them is case-sensitive.
"""

from __future__ import annotations

import re

# Sentence-opening words that are interjections when a comma follows ("Well, ...", "Right, ...").
INTERJECTIONS = {"well", "right", "now", "so", "okay", "ok", "sure", "fine", "look", "great", "good", "cool", "see"}
# A word that is also a verb is one after a subject, a contracted subject or a modal ("you'd fillet a fish",
# "they'll pound it", "we can queue"), or after "to".
VERB = (r"\b(?:to|you|i|we|they|he|she|people|one|you'd|i'd|we'd|they'd|he'd|she'd|you'll|i'll|we'll|they'll|"
        r"he'll|she'll|would|could|can|should|will|might|must|may|don't|didn't|then|just|first) W\b")
# Other senses of ordinary-word values: patterns in which the value is not meant as the answer.
OTHER_SENSES: dict[str, tuple[str, ...]] = {
    "well": (r"\bas W\b", r"\bW[- ](?:known|done|made|being|suited|established)\b", r"\bvery W\b",
             r"\bW (?:over|under|above|below|before|after|beyond)\b", r"\bquite W\b"),
    "right": (r"\bW (?:now|away|after|before|here|there|on|off)\b", r"\ball W\b", r"\byou(?:'re| are) W\b",
              r"\bthat's W\b", r"\bthat is W\b", r"\bW to\b", r"\bis W\b(?! (?:side|hand|turn|angle))"),
    "left": (r"\b(?:is|are|was|were|have|has|had|be|nothing|one|two|none) W\b", r"\bW (?:over|behind|out)\b"),
    "leaves": (r"\bW (?:the|a|an|it|its|their|them|behind|home|out|off|for|from)\b",),
    "leaf": (r"\bW through\b",),
    "class": (r"\b(?:first|world|middle|working|upper|lower|high|top) W\b", r"\bW of\b", r"\bin W\b"),
    "stop": (r"\bW (?:by|and think|to think)\b", r"\bnon[- ]?W\b", r"\bfull W\b"),
    "go": (r"\bW (?:ahead|on|back|through|into|over|for|and)\b", r"\bto W\b", r"\blet's W\b", r"\bW to\b"),
    "pound": (VERB, r"\band W\b"),
    "queue": (VERB, r"\bW up\b"),
    "fillet": (VERB,),
    "filet": (VERB,),
    "water": (r"\bW (?:down|it|them|the)\b", r"\bin hot W\b"),
    "heart": (r"\bat W\b", r"\bby W\b", r"\bW of (?:the|it|this)\b"),
    "skin": (r"\bW (?:the|it|them)\b", r"\bno W in\b", r"\bW of (?:my|your|his|her|our|their|its) teeth\b",
             r"\bW in the game\b", r"\bthick W\b", r"\bW[- ]deep\b", VERB),
    # "def" as slang for "definitely": "that's def a beginner question", "def not"
    "def": (r"\bW (?:a|an|the|not|gonna|going|worth|true|better|right|wrong|one|some|sounds|looks|seems|agree|"
            r"recommend|need|want|more|less)\b",),
    "sun": (r"\bsun[- ]?(?:dried|day|rise|set)\b",),
    "acid": (r"\b(?:citric|acetic|hydrochloric|ascorbic|sulfuric|sulphuric) W\b",),
    "green": (r"\bW (?:light|card|tea|beans?|onions?)\b",),
    "except": (r"\bW (?:for|that|when|where|if|in|on|the|a|an|to|with|by)\b",),
    "none": (r"\bW of\b", r"\bW (?:at all|whatsoever|left|other)\b"),
}
CODE_WORDS = {"none": "None", "true": "True", "false": "False"}


def other_sense(text: str, cased: str, start: int, end: int, value: str) -> bool:
    """True when the value at text[start:end] (normalized text; `cased` the same text with its case)
    is used in another sense than the answer's."""
    word = value.strip().lower()
    if word in CODE_WORDS and cased[start:end] != CODE_WORDS[word]:
        return True  # "none of these" is not None
    if word in INTERJECTIONS and re.match(r"\s*,", text[end:]) and re.search(r"(?:^|[.!?]\s*)$", text[:start]):
        return True
    for pattern in OTHER_SENSES.get(word, ()):
        for m in re.finditer(pattern.replace("W", re.escape(word)), text):
            if m.start() <= start and end <= m.end():
                return True
    return False
