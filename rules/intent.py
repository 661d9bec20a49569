"""Does a sent mail expect an answer? Decided on its author's new text, as docs/rules.md defines.

A mail expects an answer when its new text asks something (a `?` outside links, or a configured request
phrase such as "could you") or when it opened the thread as outreach — unless it is an acknowledgement:
its first sentence after the greeting opens with a closing ("Thanks, queued", "Sounds good", "Congrats!"),
or it carries a review trailer ("Acked-by: …"), and it asks nothing. The sentence that asks (or opens the
outreach) is kept as the trigger a finding's reason quotes.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rules.newtext import new_text, snippet_opening

MAX_TRIGGER_CHARS = 160  # a reason quotes one sentence, not a paragraph
# Part of every decision's fingerprint: raise it when the way a text is judged changes, so that decisions
# stored by the older judgement are made again.
DECISION_VERSION = 1

_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|hallo|bonjour|hola|ciao|salut|hej|greetings|good (?:morning|afternoon|evening))"
    r"\b[^?!,]{0,30}[,!:]?$",
    re.IGNORECASE,
)
_GREETING_PREFIX = re.compile(
    r"^(?:hi|hello|hey|dear|hallo|bonjour|hola|ciao|good (?:morning|afternoon|evening))"
    r"\b[^,!.?]{0,30}[,!]\s+",
    re.IGNORECASE,
)
_SHORT_ADDRESS_LINE = re.compile(r"^[\w .'-]{1,30},$")  # "Dana," or "Dear all," on a line of its own
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z-]*-by\s*:", re.IGNORECASE)
_THANKS = re.compile(
    r"\b(?:thank(?:s| you)|thx|many thanks|merci|danke|gracias|grazie)\b"
    # How a note after a meeting opens instead: "Lovely to meet you", "Great seeing you", "Good to talk".
    r"|\b(?:great|good|nice|lovely|wonderful|fantastic|pleasure)\s+(?:to\s+)?"
    r"(?:meet|meeting|see|seeing|talk|talking|chat|chatting|speak|speaking|catch up|catching up)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Intent:
    """Whether a sent mail expects an answer, and the sentence that says so (quoted in the reason)."""

    expects_reply: bool
    trigger: str | None


def _normalised(phrases: Iterable[str]) -> list[str]:
    """The phrases as they are matched: case, surrounding blanks, order and repeats make no difference."""
    return sorted({phrase.strip().lower() for phrase in phrases if phrase.strip()})


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = sorted(_normalised(phrases), key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w-])", re.I)


def _is_standalone(line: str) -> bool:
    """Lines that are sentences on their own whatever their punctuation: greetings, trailers, "Dana,"."""
    return bool(_GREETING.match(line) or _TRAILER.match(line) or _SHORT_ADDRESS_LINE.match(line))


def sentences(text: str) -> list[str]:
    """The sentences of a text: wrapped lines joined, split after . ! ? and around one-line sentences."""
    result: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        buffer: list[str] = []

        def flush(buffer: list[str] = buffer) -> None:
            if buffer:
                joined = " ".join(buffer)
                result.extend(part.strip() for part in _SENTENCE_END.split(joined) if part.strip())
                buffer.clear()

        for raw in paragraph.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if _is_standalone(line):
                flush()
                result.append(line)
            else:
                buffer.append(line)
        flush()
    return result


def _substantive(all_sentences: list[str]) -> list[str]:
    """The sentences after the greeting ("Hi Dana," / "Dana,")."""
    index = 0
    while index < len(all_sentences) and (
        _GREETING.match(all_sentences[index]) or _SHORT_ADDRESS_LINE.match(all_sentences[index])
    ):
        index += 1
    rest = all_sentences[index:]
    if rest:
        rest[0] = _GREETING_PREFIX.sub("", rest[0], count=1) or rest[0]
    return rest


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_TRIGGER_CHARS:
        return sentence
    return sentence[: MAX_TRIGGER_CHARS - 1].rstrip() + "…"


class IntentClassifier:
    """Classifies the user's sent mail with the request phrases and acknowledgements of one rule instance."""

    def __init__(self, request_phrases: Iterable[str], acknowledgements: Iterable[str]) -> None:
        requests = _normalised(request_phrases)
        acks = _normalised(acknowledgements)
        self._requests = _phrase_regex(requests)
        self._ack_openers = _phrase_regex(acks)
        self._trailers = _phrase_regex(phrase for phrase in acks if phrase.endswith("-by"))
        self._settings = [DECISION_VERSION, requests, acks]

    def fingerprint(self, *, outreach: bool) -> str:
        """A short hash of all that decides `classify` besides the text: the phrase lists as matched and
        whether the mail opened its thread. A decision stored under another fingerprint is made again."""
        decided_by = json.dumps([*self._settings, outreach], ensure_ascii=False)
        return hashlib.sha256(decided_by.encode()).hexdigest()[:16]

    def asking_sentence(self, candidates: list[str]) -> str | None:
        """The first sentence that asks: a question mark outside links, or a request phrase."""
        for sentence in candidates:
            without_links = _URL.sub("", sentence)
            if "?" in without_links or (self._requests and self._requests.search(without_links)):
                return sentence
        return None

    def is_acknowledgement(self, candidates: list[str]) -> bool:
        """Opens with a closing ("Thanks, queued") or carries a review trailer ("Acked-by: …")."""
        if candidates and self._ack_openers and self._ack_openers.match(candidates[0]):
            return True
        trailers = self._trailers
        return trailers is not None and any(trailers.match(sentence) for sentence in candidates)

    def classify(self, body: str, *, outreach: bool) -> Intent:
        """Whether the mail expects an answer; `outreach`: it opened its thread (nobody wrote before it)."""
        candidates = _substantive(sentences(new_text(body)))
        asking = self.asking_sentence(candidates)
        if asking is not None:
            return Intent(expects_reply=True, trigger=_clip(asking))
        if outreach and candidates and not self.is_acknowledgement(candidates):
            return Intent(expects_reply=True, trigger=_clip(candidates[0]))
        return Intent(expects_reply=False, trigger=None)


def says_thank_you(subject: str | None, snippet: str | None) -> bool:
    """Whether a mail's subject or opening says thank you, or that it was good to meet (the snippet is Gmail's
    start of the body)."""
    if subject and _THANKS.search(subject):
        return True
    if not snippet:
        return False
    opening = _substantive(sentences(snippet_opening(html.unescape(snippet))))
    return bool(opening) and bool(_THANKS.search(opening[0]))
