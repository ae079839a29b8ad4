"""Whether a mention of a value is denied: the scope of a negation, not the word before it.

A negation cue ("not", "never", "no", "nor", "without", "instead of", any "n't": "isn't",
"wasn't", "it's not", "don't believe") denies a value up to SCOPE_WORDS words after it, in
the same clause. The scope ends at a sentence or clause break (". ; : ? !"), at a contrast
("but", "however", "instead"), at a comma that opens a new clause (", it's 25"), and at the
first value after the cue ("isn't 20, 25": the cue binds to the 20). Cues that do not deny
what follows ("not only", "no doubt", "No, it is 25") are left out. A value that is only
reported ("many say Jupiter", "a common guess is 10") is not claimed either. A value can also be
denied after it ("25 is wrong", "25 isn't right").
"""

from __future__ import annotations

import re

SCOPE_WORDS = 4  # "I really don't believe it is 25": the cue reaches over "believe it is"

# A comparison ("longer than a kilometre", "unlike Saturn") names a value without committing to it.
CUES = re.compile(r"\b(?:not|never|nor|neither|without|cannot|nothing|nobody|instead of|rather than|other than|"
                  r"except|apart from|no longer|than|unlike|compared to|compared with|versus|vs|far from|anything but|by no means|"
                  r"no(?!\s*[,.!?;:-])|\w+n't)\b")
# "No organ is bigger than the skin", "nothing beats": a comparison denied for every other thing affirms its term.
UNIVERSAL_COMPARISON = re.compile(r"\b(?:no|nothing|none|nobody|no one|not one|not a single)\b(?:\s+[\w'-]+){0,5}?\s+"
                                  r"(?:\w+er|more\s+\w+|less\s+\w+|higher|taller|bigger|larger|smaller|longer|better)"
                                  r"(?:\s+[\w'-]+){0,4}?\s+than\s*$")
# Reported belief is not the answer's own claim: "many say Jupiter", "a common guess is 10".
ATTRIBUTION = re.compile(r"\b(?:many|some|most|people|others|folks|they|some people|many people)\s+(?:would\s+)?"
                         r"(?:say|said|think|thought|believe|believed|claim|guess|assume|answer|write|wrote|use|pick|go with|call it)\b|"
                         r"\b(?:is|was) (?:a|the) (?:common|usual|popular|typical) (?:guess|answer|belief|mistake)\b|"
                         r"\b(?:often|commonly|widely|sometimes) (?:said|believed|thought|claimed|given|cited)\b|"
                         r"\bthe (?:common|popular|usual) (?:guess|answer|belief) is\b")
# Cues that do not deny what follows them.
# (A hedge is not a denial: "I'm not sure, maybe 2" hedges the 2; the assert/hedge label sees that.)
NOT_DENYING = re.compile(r"\b(?:not sure|not certain|not entirely sure|not 100% sure|don't know|do not know|no wait|no sorry|no actually|no I mean|not only|not just|not merely|no doubt|not surprisingly|no wonder|no matter|"
                         r"don't forget|do not forget|don't worry|never forget|not to mention|no problem|"
                         r"can't stress|cannot stress|not hard|isn't hard|not difficult|isn't difficult|"
                         r"don't you|doesn't it|isn't it|aren't they|wasn't it)\b")
# A preposition's negation ("without air", "unlike lead") reaches over its noun phrase only, not over a new
# clause that starts with a subject pronoun after it ("without air they land together").
PREPOSITIONAL = re.compile(r"without|except|apart from|unlike|compared to|compared with|other than|instead of|rather than")
NEW_SUBJECT = re.compile(r"\b(?:they|we|you|he|she|i|there)\s+(?!is\b|are\b)[a-z']+")
# Where a negation's scope ends.
BREAKS = re.compile(r"[.;:?!()—]|\s-\s|\b(?:(?<!anything )but|however|instead(?! of)|though|although|yet|so|because|since|whereas|while|"
                    r"rather(?! than)|actually|wait|sorry)\b|,\s*(?:it|it's|its|that|that's|this|the|which|so|and it|i|i'm|we|they|he|"
                    r"she|you|there|here|my|our)\b")
AFTER = re.compile(
    r"^[\s,.'\"`*)]*(?:\w+\s+)?(?:is|was|are|were|would be|isn't|wasn't|is not|was not|would not be)\s+"
    r"(?:(?:just|simply|clearly|definitely|plainly)\s+)?(?:wrong|incorrect|not correct|not right|right\b(?<=n't right)|"
    r"false|a myth|a mistake|an error|not true|untrue|inaccurate|mistaken|off|a typo|a slip|the wrong|not the answer|"
    r"not it|(?:one|\w+) too (?:many|few|high|low|big|small)|too (?:high|low|big|small|many|few)|out by|(?:\w+\s+){0,2}short|"
    r"(?:\w+\s+){0,2}out)\b|^[\s,.'\"`*)]*(?:isn't|wasn't|is not|was not)\s+(?:right|correct|the answer|it|true|accurate)\b"
    # reported, after the value: "Mozzarella is what most people say", "X is the one people usually guess"
    r"|^[\s,.'\"`*)]*(?:is|was|are)\s+(?:what|the one|the answer|the name)\s+(?:\w+\s+){0,2}"
    r"(?:people|folks|everyone|most|many|you'd|you would|they)\s+(?:\w+\s+)?(?:say|said|think|expect|guess|pick|give|answer|would say)\b"
    r"|^\s*(?:falls|fell|comes|came|is|was)\s+(?:\w+\s+){0,2}short\b")


def negated(text: str, start: int, end: int, values: list[tuple[int, int]] = ()) -> bool:
    """True when the mention text[start:end] of a normalized text is under a negation.
    `values` are the spans of the other values in the text (a cue binds to the first of them)."""
    return denied_before(text, start, values) or bool(AFTER.search(text[end:end + 60]))


def denied_before(text: str, start: int, values: list[tuple[int, int]] = ()) -> bool:
    window_start = max(0, start - 120)
    window = text[window_start:start]
    breaks = [m.end() for m in BREAKS.finditer(window)]
    scope_start = breaks[-1] if breaks else 0
    scope = window[scope_start:]
    attributed = list(ATTRIBUTION.finditer(scope))
    if attributed and len(re.findall(r"[\w']+", scope[attributed[-1].end():])) <= SCOPE_WORDS:
        return True  # reported, not claimed: "many say Jupiter"
    cues = [m for m in CUES.finditer(scope) if not _not_denying(scope, m)]
    if not cues:
        return False
    cue = cues[-1]
    if cue.group(0) == "than" and UNIVERSAL_COMPARISON.search(scope[:cue.end()]):
        return False  # "no prime is smaller than 2" affirms the 2
    between = scope[cue.end():]
    if len(re.findall(r"[\w']+", between)) > SCOPE_WORDS:
        return False
    if PREPOSITIONAL.fullmatch(cue.group(0)) and NEW_SUBJECT.search(between):
        return False  # "without air they land together": the cue's noun phrase ended where a clause began
    cue_at = window_start + scope_start + cue.end()
    return not any(cue_at <= s and e <= start for s, e in values)  # another value took the cue


def _not_denying(scope: str, cue: re.Match) -> bool:
    return any(m.start() <= cue.start() < m.end() for m in NOT_DENYING.finditer(scope))
