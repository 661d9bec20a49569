"""The user's own new text in a mail body: what is left once quotes, attributions and signatures are gone.

Replies carry the mail they answer: bottom-posted and interleaved replies as `> ` lines under an
"On … wrote:" line, top-posted replies above it (Gmail, Apple Mail, Thunderbird, mutt, Gnus in many
languages), Outlook's under an "-----Original Message-----" line or a From:/Sent: block. Signatures follow
`-- `, and phones add "Sent from my iPhone". Deciding whether a mail asks something must look only at what
its author wrote in it.
"""

from __future__ import annotations

import re

# Verbs that end an attribution line ("On Tue, Dana Kim <dana@acme.io> wrote:") in common languages.
_ATTRIBUTION_END = re.compile(
    r"(?:\bwrote|\bwrites|\bschrieb|\ba écrit|\bescribió|\bha scritto|\bescreveu|\bschreef|\bskrev"
    r"|\bnapisał(?:\(a\))?|\bnapisała|\bнаписал(?:\(а\)|а)?|写道|書きました|\bkirjoitti)"
    r"\s*[:：]\s*$"
    # German, Dutch and Scandinavian put the name after the verb: "Am 12.11. schrieb Dana <d@x>:".
    r"|\b(?:schrieb|schreef|skrev)\b.{0,200}:\s*$",
    re.IGNORECASE,
)
# The same attributions inside one line, as a snippet (whitespace collapsed) shows them.
_INLINE_ATTRIBUTION = re.compile(
    r"(?:^|\s)(?:On|Am|Le|El|Il|Em|Op|Den|På)\s.{0,250}?"
    r"(?:wrote|writes|schrieb|a écrit|escribió|ha scritto|escreveu|schreef|skrev)\b[^:]{0,120}:",
    re.IGNORECASE,
)
# How attribution lines open, so a wrapped one can be recognised from its first line.
_ATTRIBUTION_OPENER = re.compile(
    r"^(?:On|Am|Le|El|Il|Em|Op|Den|På|W dniu|Dnia|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}年)\b", re.IGNORECASE
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Messaggio originale|Mensagem original|Oorspronkelijk bericht|Originalmeddelande|Forwarded message"
    r"|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado)\s*-{2,}\s*$"
    r"|^\s*Begin forwarded message:\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|De|Von|Da|Van|Från|Od|От)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_DATE = re.compile(
    r"^\s*\*?(?:Sent|Date|Envoyé|Gesendet|Datum|Enviado|Enviada|Inviato|Data|Verzonden|Skickat|Wysłano"
    r"|Отправлено|Дата)\s*:",
    re.IGNORECASE,
)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(?:To|Cc|Subject|Objet|Betreff|Asunto|Oggetto|Assunto|Onderwerp|Ämne|Temat|Тема|À|An|Para|A|Aan|Till|Do|Кому)"
    r"\s*:",
    re.IGNORECASE,
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:Sent from my\b.*|Sent from (?:Outlook|Mail|Yahoo Mail|Gmail|my mobile)\b.*|Get Outlook for\b.*"
    r"|Sent with (?:Proton ?Mail|BlackBerry)\b.*|Sent via\b.{0,40}|Sent from Samsung\b.*"
    r"|Envoyé (?:de|depuis) mon\b.*|Von meinem\b.*gesendet\.?|Gesendet von meinem\b.*"
    r"|Enviado desde mi\b.*|Enviado do meu\b.*|Inviato da(?:l mio)?\b.*|Verzonden (?:vanaf|met) mijn\b.*"
    r"|Skickat från min\b.*|Wysłane z mojego\b.*|Отправлено с\b.*)\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_LOOKAHEAD = 3  # Gmail and others wrap a long attribution over up to three lines


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_signature_delimiter(line: str) -> bool:
    return line.rstrip() == "--" or line == "-- "


def _attribution_span(lines: list[str], start: int) -> int:
    """How many lines from `start` form an attribution line (0 if none): "On …, Dana <d@x> wrote:"."""
    first = lines[start].strip()
    if not first:
        return 0
    joined = first
    for span in range(1, _ATTRIBUTION_LOOKAHEAD + 1):
        if _ATTRIBUTION_END.search(joined) and (span == 1 or _ATTRIBUTION_OPENER.match(first)):
            return span
        if start + span >= len(lines) or not lines[start + span].strip():
            return 0
        joined = f"{joined} {lines[start + span].strip()}"
    return 0


def _next_text_line(lines: list[str], start: int) -> str | None:
    for line in lines[start:]:
        if line.strip():
            return line
    return None


def _starts_outlook_block(lines: list[str], index: int) -> bool:
    """An Outlook-style quoted header block: a From: line with Sent:/Date: right below it."""
    line = lines[index]
    if _UNDERSCORE_RULE.match(line):
        following = _next_text_line(lines, index + 1)
        return following is not None and bool(_HEADER_FROM.match(following))
    if not _HEADER_FROM.match(line):
        return False
    return any(_HEADER_DATE.match(candidate) for candidate in lines[index + 1 : index + 3])


def _header_block_end(lines: list[str], index: int) -> int:
    """The index just past a quoted header block (From:, Date:, To:, Subject: … lines and rules)."""
    while index < len(lines) and (
        _UNDERSCORE_RULE.match(lines[index])
        or _HEADER_FROM.match(lines[index])
        or _HEADER_DATE.match(lines[index])
        or _HEADER_OTHER.match(lines[index])
    ):
        index += 1
    return index


def new_text(body: str) -> str:
    """The text the author wrote in this mail, without what it quotes, its signature or phone footer."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_signature_delimiter(line) or _ORIGINAL_MESSAGE.match(line):
            break
        if _starts_outlook_block(lines, index):
            after = _header_block_end(lines, index)
            following = _next_text_line(lines, after)
            if following is None or not _is_quote(following):
                break  # Outlook's quoted mail below the new text
            index = after  # "From: … / Date: …" over a `>` quote, as some mail clients attribute it
            continue
        if _is_quote(line):
            index += 1
            continue
        span = _attribution_span(lines, index)
        if span:
            following = _next_text_line(lines, index + span)
            if following is not None and _is_quote(following):
                index += span  # interleaved or bottom-posted: the author's text may continue below the quote
                continue
            if _ATTRIBUTION_OPENER.match(line.strip()) or following is None:
                break  # top-posted over an unmarked quote: everything below is the quoted mail
        if not _MOBILE_SIGNATURE.match(line):
            kept.append(line.rstrip())
        index += 1
    return "\n".join(kept).strip()


def snippet_opening(snippet: str) -> str:
    """The author's new text in a snippet (one line), cut where the attribution of a quoted mail begins."""
    match = _INLINE_ATTRIBUTION.search(snippet)
    text = snippet[: match.start()] if match else snippet
    return new_text(text)
