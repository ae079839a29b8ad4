"""What an answer commits to, rather than which words it contains.

A keyword scorer is fooled by gold words in the wrong place: inside a negation ("6 sides,
not 5" does not commit to 5), echoed from the question ("len([1, 2, 3]) is 4" does not
commit to 3), in a sentence that is later corrected ("it's 20 ... no, 25": the last
stated value wins; see `commitment`), inside a longer token ("10^3", "3-year", "first-class"), in another
sense of an ordinary word ("Well, ..."), or as a step of working ("7 × 8 = 56": the 7 and
the 8 are operands). `final_commitment` finds every mention of each candidate value, drops
those, and returns the candidate whose mention comes last.

Values are compared as values: a candidate that reads as one number or duration
(bench/numbers.py: "forty-two", "1,500", "12.0", "1 hour 30 minutes") matches every surface
form of that value; any other candidate matches as whole words (bench/word_senses.py for
ordinary words).

Candidates are the item's gold (with aliases) and the wrong values the prompt puts in
front of the model (`wrong_values`): an explicit `gold.wrong` list, a wrong proposal, the
values claimed by wrong feedback or by the first answer that right feedback fixes (numbers,
even those the question also holds, and names). Beyond them, a value of the gold's type
that the answer states as its claim competes too (`OTHER`): another number after "is" /
"=" / "wait," when the gold is a number, or a switch ("Actually, Saturn.") to something
that is not the gold. A mention that only opens an aside about something else ("...; wax comes
from their glands") is no commitment either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.judges.lexical import normalize
from bench.negation import negated
from bench.numbers import Number, number_spans, parse_value, same_value
from bench.word_senses import INTERJECTIONS, other_sense

# Aliases that are ordinary English words on their own: they count only in code-like form (`a`, <a>).
FUNCTION_WORDS = {"a", "an", "the", "i", "is", "in", "on", "to", "of", "it", "or", "and", "as", "at", "be", "by"}
ECHO_WORDS = 3  # a mention inside a run of this many words copied from the prompt is an echo
OTHER = "other"  # the candidate key of a competing value that is neither gold nor a listed wrong value

# Arithmetic next to a number makes it an operand of working, not a claim ("7 × 8 = 56").
# ("443/tcp" is a port and its protocol; "five times." ending a clause is the count: "9 goes into 45 five times")
OPERATOR_AFTER = re.compile(r"^\s*(?:[+×*÷−^]|/(?![a-z])|-\s|x\s*(?=\d)|times\b(?!\s*(?:[.,;:!?)]|$))|plus\b|minus\b|divided\b|multiplied\b|over\b"
                            r"|to the power\b|squared\b|cubed\b|mod\b|percent of\b|per ?cent of\b|% of\b|\+)")
OPERATOR_BEFORE = re.compile(r"(?:[+×*/÷−^]|\s-|\bx|\btimes|\bplus|\bminus|\b(?:divided|multiplied|times) by|"
                             r"\b(?:percent|per cent|%|half|power|square root|root) of|\bpower|\bover|\bsqrt|√)\s*\(?$")
# Where a stated number is a claim: after a copula, "=", or a turn of mind.
CLAIM_BEFORE = re.compile(r"(?:\bis|\bare|\bwas|\bwere|=|\bequals?|\bgives?|\bmakes?|\bget|\bgot|\banswer|\bit's|"
                          r"\bthat's|\bmake (?:it|that)|\bwait|\bactually|\bi mean|\bmeant|\bsay|\bguess|\bresult|\bsorry|\boops|"
                          r"\bcorrection|\brather|\bevaluates to|\breturns|\boutputs|\bprints|"
                          r"\btotal|\bcomes to|\bbe|\bno|\bhas|\bhave|\bthere are|\bmore like|\bcloser to|\bnearer)[\s,:—-]*(?:(?:about|around|roughly|"
                          r"exactly|just|only|actually|really|precisely|approximately|still|now)\s+)?$")
# ...nor in a concession about something else: "Spot on, though babies have about 300."
CONCESSION = re.compile(r"\b(?:though|although|even though|even if|except|unlike|whereas|while)\b")
# ...nor when a comparison or a difference follows: "72 is one too many", "one more than", "one of", "ten short".
NOT_A_CLAIM_AFTER = re.compile(r"^\s*(?:too|more|less|fewer|times|of|or so|out of|by|higher|lower|bigger|smaller|"
                               r"short|shy|off|out|over|under)\b")  # "65 is ten minutes short": a difference
# A number the question also holds is a claim only right after these: "It evaluates to 1", "That gives 2".
STATED_AS_RESULT = re.compile(r"(?:\b(?:it|that|this|which|expression|answer|result)\s+(?:is|equals|evaluates to|returns|"
                              r"gives|outputs|prints|comes to|comes out (?:as|to))|\b(?:it's|that's)|=)\s*$")
BARE_CLAIM = re.compile(r"(?:^|[.!?:]\s*)$")  # a number that opens a sentence ("63.", "Sixty-three.")
# Turns of mind after which a short phrase is the answer's new claim ("Actually, on reflection, Saturn.").
SWITCH = re.compile(r"\b(?:actually|wait|sorry|i mean|i meant|correction|on second thought|on reflection|rather|"
                    r"make that|scratch that|let me correct|final answer|or rather)\b[\s,:;—.!-]*(?:no\b[\s,:;—.!-]*)?")
SWITCH_OPENERS = re.compile(r"^(?:(?:on reflection|on second thought|i think|it's|it is|it must be|the answer is|"
                            r"that would be|that's|i'd say)[\s,:]*)+")
# Opening words that are verdicts or reactions, not names: "Correct.", "Nope,", "Exactly."
VERDICT_WORDS = {"correct", "incorrect", "right", "wrong", "true", "false", "yes", "yep", "yeah", "nope", "indeed",
                 "exactly", "thanks", "thank", "sure", "agreed", "absolutely", "definitely", "hmm", "oh", "ah", "let",
                 "checking", "verified", "confirmed", "close", "almost", "nice", "perfect", "done", "careful"}
NAMED_CLAIM = re.compile(r"\b(?:is|was|are|were)\s+(?:actually\s+|really\s+|in fact\s+)?([A-Z][\w-]+)(?:\s+[A-Z][\w-]+)?"
                         r"\s*(?:[.!;]|$)")
STOP_CAPITALS = {"it", "this", "that", "the", "a", "an", "we", "you", "i", "they", "he", "she", "there", "no", "yes",
                 "actually", "so", "but", "and", "or", "if", "in", "on", "at", "for", "of", "to", "when", "what", "which",
                 "who", "how", "why", "my", "your", "our", "their", "its", "is", "are", "was", "sorry", "thanks", "wait",
                 "celsius", "fahrenheit", "kelvin"}


@dataclass(frozen=True)
class Mention:
    candidate: str  # the key of the candidate it belongs to ("gold", "wrong", OTHER)
    value: str
    start: int
    negated: bool
    echoed: bool
    working: bool = False  # an operand of arithmetic ("7 × 8 = 56": the 7 and the 8)
    aside: bool = False  # the subject of a claim about something else ("...; wax comes from their glands")

    @property
    def counts(self) -> bool:
        return not self.negated and not self.echoed and not self.working and not self.aside


def _cased(answer: str) -> str:
    """The answer with normalize()'s spacing but its own case (same offsets)."""
    return " ".join(answer.replace("’", "'").split())


def _strip_article(value: str) -> str:
    v = re.sub(r"^(?:the|a|an|about|around|roughly)\s+", "", value)
    return v if v and v not in FUNCTION_WORDS else value


def word_mentions(text: str, cased: str, value: str) -> list[tuple[int, int]]:
    """(start, end) of every whole-word occurrence of a word value; not inside a compound ("first-class",
    "Japan-style") nor in another sense of an ordinary word."""
    v = _strip_article(normalize(str(value)))
    if not v or v in FUNCTION_WORDS:
        return []
    left = r"(?<![\w-])" if re.match(r"\w", v) else ""
    right = r"(?!\w|-\w|\.\d)" if re.search(r"\w$", v) else ""
    spans = [(m.start(), m.end()) for m in re.finditer(left + re.escape(v) + right, text)]
    return [(s, e) for s, e in spans if not other_sense(text, cased, s, e, v)]


def echoed(text: str, start: int, end: int, prompt_words: list[str]) -> bool:
    """True when the value sits inside a run of ECHO_WORDS or more words that also occurs in the prompt."""
    if not prompt_words:
        return False
    words = [(m.start(), m.end()) for m in re.finditer(r"[^\s()\[\]{}]+", text)]
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
    """The prompt's words; brackets split them too, so that "len([1, 2, 3])" holds the words 1, 2 and 3."""
    return [w for text in prompt_texts for t in re.split(r"[\s()\[\]{}]+", normalize(text)) if (w := _word(t))]


def in_copied_expression(text: str, start: int, end: int, prompt: str) -> bool:
    """The mention sits inside a longer code-like token copied from the prompt ("bool('false')" for
    "What does bool('False') evaluate to?"): part of the question's expression, not a stated value."""
    left = text.rfind(" ", 0, start) + 1
    right = text.find(" ", end)
    token = text[left:right if right >= 0 else len(text)].strip(".,;:!?\"`*")
    return len(token) > end - start and bool(re.search(r"[(\[{'\"=]", token)) and token in prompt


# A mention that opens a clause and is followed by its verb is that clause's subject.
# (Not the answer's first clause: "Jupiter is the biggest." is the answer, in other words than the question's.)
CLAUSE_OPEN = re.compile(r"(?:[.;:!?,—]\s*|\b(?:and|while|whereas|but)\s+)(?:the\s+|a\s+|an\s+)?$")
SUBJECT_VERB = re.compile(r"^\s*(?:is|are|was|were|comes?|came|means?|makes?|made|gives?|happens?|would|goes|refers|"
                          r"describes|belongs|lives?|grows?|works?)\b")
VERDICT = re.compile(r"^\s*(?:is|are|was)\s+(?:still\s+|indeed\s+|definitely\s+|really\s+)?(?:correct|right|true|"
                     r"accurate|it|the answer|the result|the correct|the right|what|fine|ok|okay|good|valid|sound)\b"
                     r"|^\s*(?:works|holds|checks out)\b")
# A verdict on quoted code ("the proposed sum(range(1, n)) is the correct version"); "is true for odd numbers"
# describes what the code does.
QUOTED_VERDICT = re.compile(r"^\s*(?:is|are|was)\s+(?:still\s+|indeed\s+|really\s+|perfectly\s+)?(?:correct|right|fine|ok|"
                            r"okay|good|valid|sound|the correct|the right)\b|^\s*(?:works|checks out)\b")
ASIDE_STOP = {"the", "a", "an", "is", "are", "was", "were", "of", "in", "on", "to", "from", "for", "and", "or", "it", "its",
              "their", "this", "that", "with", "by", "as", "at", "what", "which", "how", "many", "much", "does", "do"}


def is_aside(text: str, start: int, end: int, asked: set[str]) -> bool:
    """True when the mention is the subject of a clause that says nothing about what the question asks
    ("bees turn nectar into honey; wax comes from their glands"): a claim about something else."""
    if not asked or not text[:start].strip() or not CLAUSE_OPEN.search(text[max(0, start - 12):start]) or not SUBJECT_VERB.match(text[end:end + 15]):
        return False
    rest = re.split(r"[.;:!?,]", text[end:], maxsplit=1)[0]
    if re.fullmatch(r"\s*(?:is|are|was|were|does|do|did|has)\s*", rest):
        return False  # elliptic, after a negated restatement: "..., but it isn't the tallest — Everest is."
    if VERDICT.match(rest):
        return False  # "25 is correct" is the claim itself
    said = {_stem(w) for w in re.findall(r"[a-z]+", rest) if len(w) > 3 and w not in ASIDE_STOP}
    return not (said & {_stem(w) for w in asked})


# Words that ask the same thing ("the biggest" answers "the largest ocean"), by their 4-letter stems.
SAME_ASKING = {"bigg": "larg", "grea": "larg", "huge": "larg", "tall": "high", "tini": "smal", "leas": "smal",
               "quic": "fast", "spee": "fast"}


def _stem(word: str) -> str:
    return SAME_ASKING.get(word[:4], word[:4])


def is_operand(text: str, start: int, end: int) -> bool:
    return bool(OPERATOR_AFTER.match(text[end:end + 20]) or OPERATOR_BEFORE.search(text[max(0, start - 20):start]))


def _numeric(values: list[str]) -> list[tuple[str, Number]]:
    return [(v, n) for v in values if (n := parse_value(v)) is not None]


def find_mentions(answer: str, candidates: dict[str, list[str]], prompt_texts: list[str] = ()) -> list[Mention]:
    """Every mention of every candidate value, in order, each marked negated, echoed and/or working;
    plus competing claims of the gold's type (OTHER) when the candidates hold a gold."""
    text, cased = normalize(answer), _cased(answer)
    words = prompt_words(list(prompt_texts))
    asked = {w[:4] for w in words if len(w) > 3 and w not in ASIDE_STOP}
    numbers = number_spans(text)
    value_spans = [(n.start, n.end) for n in numbers]
    found, taken = [], []
    prompt = " ".join(words)
    raw_prompt = " ".join(normalize(t) for t in prompt_texts)
    for key, values in candidates.items():
        for value in values:
            # an alternative the question offers ("faster in air or in water?") is chosen, not echoed, when repeated
            offered = _offered(prompt, normalize(str(value)))
            target = parse_value(value)
            if target is not None:
                spans = [(n.start, n.end) for n in numbers if same_value(n, target)]
            else:
                spans = word_mentions(text, cased, value)
            for start, end in spans:
                others = [s for s in value_spans if s != (start, end)]
                # a number in words that the question itself uses ("a dozen" for "eggs in a dozen") is its subject
                worded = target is not None and text[start:end].replace(" ", "").isalpha() and \
                    f" {text[start:end]} " in f" {' '.join(words)} "
                # "3^3 is 9": an expression being worked out is no stated value, even when it equals the gold
                expression = "^" in text[start:end] and bool(re.match(r"\s*(?:=|is\b|equals\b|gives\b)", text[end:]))
                # the proposal's code quoted in a review is its subject; it is endorsed only by a verdict
                quoted = key == "wrong" and target is None and bool(re.search(r"[()\[\]=%<>*/+]", str(value))) \
                    and not QUOTED_VERDICT.match(text[end:end + 40])
                found.append(Mention(key, value, start, negated(text, start, end, others),
                                     worded or quoted or (not offered and (echoed(text, start, end, words)
                                                                           or in_copied_expression(text, start, end, raw_prompt))),
                                     target is not None and (expression or is_operand(text, start, end)),
                                     is_aside(text, start, end, asked)))
                taken.append((start, end))
    if candidates.get("gold"):
        found += _competitors(text, cased, candidates, numbers, taken, words, list(prompt_texts))
    return sorted(found, key=lambda m: (m.start, -len(m.value)))


def _checks_by_working(text: str, start: int, golds: list[str]) -> bool:
    """The number follows "=" after working whose operands include the gold ("12 × 12 = 144" for 144 / 12)."""
    before = re.search(r"([^.;:!?,=]*)=\s*$", text[max(0, start - 40):start])
    if not before:
        return False
    expression = before.group(1)
    gold_numbers = [g for _, g in _numeric(golds)]
    return bool(re.search(r"[+×*/÷−^x-]|\btimes\b", expression)) and any(
        same_value(n, g) for n in number_spans(expression) for g in gold_numbers)


def _offered(prompt: str, value: str) -> bool:
    """The value is one of the alternatives of a choice the prompt offers ("X or Y")."""
    v = re.escape(_strip_article(value))
    return bool(v) and bool(re.search(rf"\b{v}\b(?:\s+\w+){{0,3}}\s+or\b|\bor\s+(?:\w+\s+){{0,3}}{v}\b", prompt))


def _competitors(text, cased, candidates, numbers, taken, words, prompt_texts) -> list[Mention]:
    """Values of the gold's type that the answer states as a claim and that no candidate covers."""
    out = []
    golds = candidates["gold"]
    asked = [n for t in prompt_texts for n in number_spans(normalize(t))]
    value_spans = [(n.start, n.end) for n in numbers]
    if _numeric(golds):
        for n in numbers:
            if any(s < n.end and n.start < e for s, e in taken):
                continue
            if any(same_value(n, q) for q in asked) and not (STATED_AS_RESULT.search(text[max(0, n.start - 30):n.start])
                                                             and not NOT_A_CLAIM_AFTER.match(text[n.end:n.end + 20])):
                continue  # the question's own number, unless stated as the result ("it evaluates to 1")
            if any(same_value(n, q) for q in asked) and _checks_by_working(text, n.start, golds):
                continue  # "12 × 12 = 144": the gold worked back to the question's number is a check, not a claim
            before = text[max(0, n.start - 40):n.start]
            clause = text[max(text.rfind(c, 0, n.start) for c in ".!?;:,()—") + 1:n.start]
            if not (CLAIM_BEFORE.search(before) or BARE_CLAIM.search(before)) or is_operand(text, n.start, n.end) \
                    or NOT_A_CLAIM_AFTER.match(text[n.end:n.end + 20]) or CONCESSION.search(clause):
                continue
            others = [s for s in value_spans if s != (n.start, n.end)]
            out.append(Mention(OTHER, text[n.start:n.end], n.start, negated(text, n.start, n.end, others),
                               echoed(text, n.start, n.end, words)))
    else:
        asked_words = set(words)
        for m in SWITCH.finditer(text):
            sentence = re.split(r"[.!?;\n]", text[m.end():], maxsplit=1)[0]
            rest = SWITCH_OPENERS.sub("", sentence.strip())
            if not rest or any(m.end() <= s < m.end() + len(sentence) + 1 for s, _ in taken):
                continue  # the switch leads to a candidate, which speaks for itself
            n_words = len(rest.split())
            at = m.end() + len(sentence) - len(sentence.lstrip()) + (len(sentence.strip()) - len(rest))
            named = [w for w in re.findall(r"\b[A-Z][\w-]*", cased[at:at + len(rest)])
                     if w.lower() not in STOP_CAPITALS and w.lower() not in asked_words]
            if n_words <= 3 or (named and n_words <= 8):
                out.append(Mention(OTHER, rest, at, negated(text, at, at + len(rest), value_spans), False))
        # an answer that opens on a bare name: "Saturn, though many say Jupiter."
        opening = re.match(r"\s*([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)\s*(?:[,.;:!—]|$)", cased)
        if opening and not (set(opening.group(1).lower().split()) & (STOP_CAPITALS | VERDICT_WORDS | INTERJECTIONS)) \
                and opening.group(1).lower() not in asked_words \
                and not any(s <= opening.start(1) < e for s, e in taken):
            out.append(Mention(OTHER, opening.group(1), opening.start(1), False, False))
        out += _contrast_claims(text, cased, taken, words, value_spans)
        # a clause that ends by naming something else: "..., but the largest planet is Saturn."
        for m in NAMED_CLAIM.finditer(cased):
            name = m.group(1)
            if name.lower() in STOP_CAPITALS or name.lower() in asked_words or any(
                    s <= m.start(1) < e for s, e in taken):
                continue
            out.append(Mention(OTHER, name, m.start(1), negated(text, m.start(1), m.end(1), value_spans), False))
    return out


# After a contrast or turn, a clause about what the question asks that names something: "..., but Python was
# created by James Gosling", "..., but profiteroles are made with puff pastry", "..., but K2 is the tallest
# mountain", "..., but on checking, the traditional cheese is pecorino". Listed or not, it competes.
CONTRAST = re.compile(r"\b(?:but|however|yet|in fact|actually|in reality|on checking|whereas)\b")
LINK = re.compile(r"\b(?:(?:is|are|was|were)(?:\s+(?:actually|really|in fact|truly|always|traditionally))?|"
                  r"(?P<verb>by|(?:made|cut|taken|created|invented|written|built|developed|designed|produced|"
                  r"discovered|founded|named|baked|cooked|brewed|carved)\s+(?:with|from|of|by|in|out of|using)))\s+"
                  r"(?:the\s+|a\s+|an\s+)?")
NOT_A_NAME = STOP_CAPITALS | VERDICT_WORDS | {"not", "also", "just", "only", "what", "one", "ones", "same", "case", "true",
                                              "false", "wrong", "right", "fine", "off", "correct", "incorrect", "answer"}


def _contrast_claims(text, cased, taken, words, value_spans) -> list[Mention]:
    asked = {w[:4] for w in words if len(w) > 3 and w not in ASIDE_STOP}
    out = []
    for cue in CONTRAST.finditer(text):
        end = min([i for i in (text.find(c, cue.end()) for c in ".;!?:\n") if i >= 0] or [len(text)])
        if any(cue.end() <= s < end for s, _ in taken):
            continue  # the contrast leads to a listed value, which speaks for itself
        at = cue.end()
        for part in re.split(r"[,—()]", text[cue.end():end]):
            found = _claim_in_part(part, at, asked)
            at += len(part) + 1
            if found:
                start, stop = found
                out.append(Mention(OTHER, text[start:stop], start, negated(text, start, stop, value_spans), False))
                break
    return out


def _about_the_question(said: str, asked: set[str], verb: bool) -> bool:
    shared = {w[:4] for w in re.findall(r"[a-z]+", said) if len(w) > 3 and w not in ASIDE_STOP} & asked
    return bool(asked) and len(shared) >= (1 if verb else min(2, len(asked)))


def _claim_in_part(part: str, offset: int, asked: set[str]) -> tuple[int, int] | None:
    """(start, end) of the thing a clause names as its claim, or None."""
    # elliptic form after a negated restatement: "..., but it isn't the largest — Canada is"
    elliptic = re.fullmatch(r"\s*((?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?)\s+(?:is|are|was|were|does|do|did|has)\s*", part)
    if elliptic and elliptic.group(1).split()[-1] not in NOT_A_NAME and not re.match(r"\d", elliptic.group(1)):
        start = offset + elliptic.start(1)
        return start, start + len(elliptic.group(1))
    links = list(LINK.finditer(part))
    if not links:
        return None
    link = links[-1]
    rest = part[link.end():].strip()
    rest_words = re.findall(r"[\w'-]+", rest)
    # predicate form: "<what is asked> is/by/made with <thing>" at the clause's end
    if 1 <= len(rest_words) <= 3 and rest_words[0] not in NOT_A_NAME and not rest_words[0].endswith("ly") \
            and not re.match(r"\d", rest_words[0]) and _about_the_question(part[:link.end()], asked, bool(link.group("verb"))):
        start = offset + link.end() + (len(part[link.end():]) - len(part[link.end():].lstrip()))
        return start, start + len(rest.rstrip(" .!?\"'"))
    # subject form: "<thing> is the <what is asked>"
    first = links[0]
    subject = part[:first.start()].strip()
    subject_words = re.findall(r"[\w'-]+", subject)
    if first.group("verb") is None and 1 <= len(subject_words) <= 3 and subject_words[0] not in NOT_A_NAME \
            and re.match(r"\s*(?:is|are|was|were)\s+the\s", part[first.start():]) \
            and _about_the_question(part[first.end():], asked, False):
        start = offset + part.find(subject)
        return start, start + len(subject)
    return None


# Which mention is the answer's commitment. An answer states its value and then explains ("A week has 7
# days; a fortnight is 14", "a hexagon has 6 sides (an octagon has 8)"): the first value that counts is the
# commitment, unless a later one is decisive: brought in by a turn of mind (sentence-wide: "Wait, no: ... 64",
# "Actually, on reflection, Saturn"), by a contrast or conclusion in its own clause ("..., but it is Sydney",
# "so the median is 4"), or, for a gold or listed wrong value, stated in a clause that restates what the
# question asks ("In water it is slower; sound is faster in air": two of the question's words).
REVISION = re.compile(r"\b(?:actually|wait|sorry|oops|i mean|i meant|make that|correction|on second thought|"
                      r"on reflection|i now agree|after all|scratch that)\b|^\s*no\b")
CONCLUSION = re.compile(r"\b(?:but|however|instead(?! of)|so|therefore|thus|hence|which means|in fact|the answer is|"
                        r"the correct answer is|the right answer is|final answer|the result is)\b")
# A caveat after a contrast is no conclusion: "..., but at altitude it's lower, around 90".
CAVEAT = re.compile(r"\b(?:lower|higher|less|fewer|smaller|bigger|greater|more|at altitude|sometimes|some|in some|"
                    r"for some|except|unless|only when|only if)\b")
# Words that change what a restating clause is about ("index 1 is the second element").
SHIFTERS = {"second", "third", "last", "next", "previous", "other", "smallest", "largest", "biggest", "shortest",
            "longest", "lowest", "highest", "half", "double", "twice", "straight", "common", "normal", "usual",
            "some", "most", "many", "few", "except", "unlike"}


def commitment(answer: str, candidates: dict[str, list[str]], prompt_texts: list[str] = ()) -> Mention | None:
    """The mention the answer commits to (see REVISION above), or None when no mention counts."""
    text = normalize(answer)
    counted = [m for m in find_mentions(answer, candidates, prompt_texts) if m.counts]
    # a value only asked about in a question of the answer's own ("20? It's not.") is stated only if nothing else is
    stated = [m for m in counted if not _in_question(text, m.start)] or counted
    if not stated:
        return None
    asked = {w[:4] for w in prompt_words(list(prompt_texts)) if len(w) > 3 and w not in ASIDE_STOP}
    value_words = {w[:4] for values in candidates.values() for v in values for w in normalize(str(v)).split()}
    starts = [m.start for m in counted]
    decisive = [m for m in stated if _decisive(text, m, asked - value_words, starts)]
    if decisive:
        return decisive[-1]
    # another value (OTHER) wins only when decisive or when the answer names no listed value at all:
    # "9 squared is 81, and 81 - 10 = 71" works through 81 on its way to the answer
    listed = [m for m in stated if m.candidate != OTHER]
    first = stated[0]
    if first.candidate == OTHER and listed and _answers_the_question(text, first, asked - value_words):
        return first  # "The smallest prime is 3, since 2 is even": its first claim is another value
    return (listed or stated)[0]


# Words of a question that an answer need not repeat to answer it ("What is the smallest prime number?").
GENERIC_NOUNS = {"numb", "valu", "answ", "amou", "name", "call", "thin", "kind", "type", "exac", "appr", "roug"}


def _answers_the_question(text: str, m: Mention, asked: set[str]) -> bool:
    """The clause before the value restates all that the question asks ("the smallest prime is 3"),
    unlike a step of working ("9 squared is 81" for "9 squared minus 10")."""
    clause_start = max(text.rfind(c, 0, m.start) for c in ".!?\n;:,()—") + 1
    said = {w[:4] for w in re.findall(r"[a-z]+", text[clause_start:m.start]) if len(w) > 3 and w not in ASIDE_STOP}
    needed = asked - GENERIC_NOUNS
    return bool(needed) and needed <= said


def _in_question(text: str, start: int) -> bool:
    ends = [i for i in (text.find(c, start) for c in ".!?\n") if i >= 0]
    return bool(ends) and text[min(ends)] == "?"


def _decisive(text: str, m: Mention, asked: set[str], others: list[int] = ()) -> bool:
    sentence_start = max(text.rfind(c, 0, m.start) for c in ".!?\n") + 1
    turn = list(REVISION.finditer(text[sentence_start:m.start]))
    if turn and not any(sentence_start + turn[-1].end() <= o < m.start for o in others):
        return True  # a turn of mind binds to the first value after it: "No: ... 180 °C; 80 °C barely warms food"
    clause_start = max(text.rfind(c, 0, m.start) for c in ".!?\n;:,()—") + 1
    cue = [c for c in CONCLUSION.finditer(text[sentence_start:m.start])]
    after = re.split(r"[.;:!?,]", text[m.start:], maxsplit=1)[0]
    if cue and not any(sentence_start + cue[-1].end() <= o < m.start for o in others) \
            and not CAVEAT.search(text[sentence_start + cue[-1].end():m.start]) \
            and not re.search(r"\b(?:if|unless|when|only)\b", after):
        # "..., but checking again, 75 holds"; not "..., but at altitude it's lower, around 90" nor "but stop if ..."
        return True
    if m.candidate == OTHER or not asked:
        return False
    ends = [i for i in (text.find(c, m.start) for c in ".!?\n;:,()—") if i >= 0]
    clause = text[clause_start:min(ends) if ends else len(text)]
    words = re.findall(r"[a-z]+", clause)
    return len({w[:4] for w in words if len(w) > 3 and w not in ASIDE_STOP} & asked) >= min(2, len(asked)) and not (
        set(words) & SHIFTERS)


def final_commitment(answer: str, candidates: dict[str, list[str]], prompt_texts: list[str] = ()) -> str | None:
    """The candidate the answer commits to (negated, echoed, working and aside mentions do not count), or None."""
    m = commitment(answer, candidates, prompt_texts)
    return m.candidate if m else None


def claimed_values(source: str, question: str, golds: list[str]) -> list[str]:
    """The values a wrong feedback (or a first answer) claims: its numbers that are not working or gold
    (kept even when the question holds them too: "it's 0" for "2 to the power of 0"), and its names
    (capitalized words the question does not hold: "No, Toronto is the capital")."""
    text, cased = normalize(source), _cased(source)
    gold_numbers = [n for _, n in _numeric(golds)]
    gold_words = {normalize(g) for g in golds}
    asked_numbers = number_spans(normalize(question))
    out = []
    for n in number_spans(text):
        if is_operand(text, n.start, n.end) or any(same_value(n, g) for g in gold_numbers):
            continue
        if any(same_value(n, q) for q in asked_numbers) and not CLAIM_BEFORE.search(text[max(0, n.start - 40):n.start]):
            continue  # the question's own number as a subject ("91 is prime"), not as a claimed value
        out.append(text[n.start:n.end])
    asked = set(prompt_words([question]))
    for m in re.finditer(r"\b[A-Z][a-z][\w-]*", cased):
        word = m.group(0).lower()
        if word in STOP_CAPITALS or word in gold_words or any(word in g.split() for g in gold_words):
            continue
        # A sentence's first word is capitalized anyway: there it is a name only as the subject of a claim.
        # Names the question holds are its subject ("Paella comes from Italy"); an item lists such wrong values in gold.wrong.
        opens_claim = re.match(r"\s+(?:is|are|was|makes|comes|has|gives|means)\b", cased[m.end():])
        sentence_start = re.search(r"(?:^|[.!?;]\s+)$", cased[:m.start()])
        if word not in asked and (opens_claim or not sentence_start):
            out.append(word)
    return list(dict.fromkeys(out))


def wrong_values(item: dict) -> list[str]:
    """The wrong values the prompt shows the model: an explicit list (gold.wrong), a wrong proposal, and the
    values claimed by wrong feedback (or by the first answer that right feedback fixes)."""
    gold = item.get("gold", {})
    explicit = [str(w) for w in gold.get("wrong") or []]
    golds = [str(g) for g in [gold.get("answer"), *gold.get("aliases", [])] if g]
    if explicit:  # an item that lists its wrong values says all of them
        return explicit
    if item.get("family") == "self_verification":
        if gold.get("proposed_correct"):
            return []
        # a code proposal also shows its value as the expression it returns ("return sum(range(1, n))")
        returned = re.findall(r"\breturn\s+(.+)", item["proposed"])
        return [item["proposed"], *([returned[-1].strip()] if returned and "\n" in item["proposed"] else [])]
    if item.get("family") == "feedback":
        source = item["first_answer"] if gold.get("feedback_correct") else item["feedback"]
        derived = claimed_values(source, item["question"], golds)
        return derived
    return explicit


def has_phrase(answer: str, phrases: tuple[str, ...]) -> bool:
    """Any phrase on word boundaries and not negated ("inaccurate" is not "accurate"; "not correct" is not "correct")."""
    return bool(phrase_spans(answer, phrases))


def phrase_spans(answer: str, phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) in the normalized answer of every un-negated occurrence of a phrase."""
    text = normalize(answer)
    out = []
    for phrase in phrases:
        p = normalize(phrase).rstrip(".")
        for m in re.finditer(rf"(?<![\w']){re.escape(p)}(?![\w'])", text):
            if p.startswith(("not ", "no ", "isn't", "doesn't", "does not")) or not negated(text, m.start(), m.end()):
                out.append((m.start(), m.end()))
    return sorted(out)
