"""Draft templates: load, check and render them in Jinja2's sandbox, into a subject and a plain-text body.

Template format (UTF-8 text, Jinja2 syntax; block tags eat their own line, so ``{% if %}`` lines leave no
blank lines behind)::

    Subject: Thanks for your time {{ meeting.relative_day }}

    Hi {{ greeting }},
    ...

The rendered text must start with a ``Subject:`` line, then a blank line, then the body. A block tag
removes the newline that follows it, so conditions inside the Subject line are written inline
(``{{ " — " ~ meeting.title if meeting.title }}``) or end with ``+%}``. For a reply in an existing thread
the draft's subject is always ``Re: <thread subject>`` — Gmail threads a reply only when the subjects
match — so the Subject line is used when the draft starts a new conversation. Runs of blank lines in the
body are collapsed to one and trailing spaces are removed (except in the signature separator "-- ").

Variables (every name is always defined; the ones that do not apply to a draft are none):

- ``kind``: ``thank_you``, ``cold_contact`` or ``awaiting_reply``; ``reply``: true when the draft answers
  in an existing thread.
- ``contact``: the (first) recipient: ``first_name`` ("" when the name is unknown), ``full_name``,
  ``email``; ``contacts``: every recipient, same fields; ``emails``: their addresses; ``greeting``:
  their first names joined ("Dana", "Dana and Sam"), or "there".
- ``meeting`` (thank-you): ``title``, ``kind`` and ``occasion`` (what the title says the meeting was:
  ``interview``/"the interview", ``meal``/"lunch", ``coffee``/"the coffee", ``intro``/"the intro",
  ``catch_up``/"the catch-up", ``call``/"the call", else ``meeting``/"the meeting"), ``date`` ("Tuesday 3
  November"), ``day`` ("Tuesday"), ``time`` ("14:00"), ``end_time``, ``when`` ("Tuesday 3 November at
  14:00"), ``relative_day`` ("yesterday", "on Tuesday", "on 3 November").
- ``thread`` (cold contact, awaiting reply; none when there is no mail thread): ``subject`` (without its
  "Re:"/"Fwd:" prefixes), ``date`` and ``relative_day`` of its last message (awaiting reply: the user's own
  mail).
- ``since_last_talk`` ("4 months") and ``last_talk_date`` (cold contact, awaiting reply).
- ``question`` (awaiting reply): the sentence of the user's mail that asks something; none when it is not
  known or the mail asked nothing (an outreach awaiting its first answer).
- ``user``: ``name``, ``first_name``, ``signature`` (from ``[user]``); ``closing``: the signature, else
  the user's name.

Templates run in Jinja2's immutable sandbox with undefined names as errors: they cannot read files,
include, import or extend other templates, reach Python internals (names starting with ``_``), change
values, or build huge strings. Any problem — syntax, an undefined name, a refused attribute, a wrong
format — raises one ``TemplateProblem`` naming the template and the line.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from rules.render_context import Contact, DraftFacts, MeetingFacts, ThreadFacts, template_context
from rules.settings import UserSettings

BUILTIN_TEMPLATES: dict[str, str] = {
    "thank_you": "thank_you.j2",
    "cold_contact": "cold_contact.j2",
    "awaiting_reply": "awaiting_reply.j2",
}
MAX_OUTPUT_CHARS = 20_000  # a draft is a short personal note; more means a runaway loop
MAX_SEQUENCE_REPEAT = 10_000  # "-" * 40 is a separator line; "a" * 10**9 is an attack
MAX_EXPONENT = 64
SIGNATURE_SEPARATOR = "-- "  # RFC 3676 4.3: mail clients hide what follows it when quoting
_SUBJECT_LINE = re.compile(r"^subject:(.*)$", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")
# Errors a hostile or broken template can raise while rendering, besides Jinja's own TemplateError.
_RENDER_ERRORS = (
    jinja2.TemplateError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    AttributeError,
    RecursionError,
)


class TemplateProblem(Exception):  # noqa: N818  (the name the config shell and the brief use)
    """A template that cannot be used, with the template's name and the line at fault (None if unknown)."""

    def __init__(self, template: str, line: int | None, message: str) -> None:
        self.template = template
        self.line = line
        self.message = message
        where = f"{template} line {line}" if line is not None else template
        super().__init__(f"template {where}: {message}")


@dataclass(frozen=True)
class RenderedDraft:
    """What a template produced: a one-line subject and a plain-text body ending in one newline."""

    subject: str
    body: str


class _RefusingLoader(jinja2.BaseLoader):
    """Templates are self-contained: an include, import or extends slipping past the checks finds nothing."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, None]:
        raise jinja2.TemplateNotFound(template, "templates cannot include, import or extend other templates")


class _DraftEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, also bounding the two operators that can exhaust memory in one expression."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is larger than {MAX_EXPONENT}")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                repeats = isinstance(sequence, str | list | tuple) and isinstance(count, int)
                if repeats and len(sequence) * count > MAX_SEQUENCE_REPEAT:
                    raise SecurityError(f"repetition longer than {MAX_SEQUENCE_REPEAT} items")
        return super().call_binop(context, operator, left, right)


@cache
def _environment() -> _DraftEnvironment:
    environment = _DraftEnvironment(
        loader=_RefusingLoader(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # lipsum() can produce any amount of text; nothing in a draft needs it.
    environment.globals.pop("lipsum", None)
    return environment


@dataclass(frozen=True)
class DraftTemplate:
    """A compiled, checked template and the name its problems are reported under."""

    name: str
    compiled: jinja2.Template

    def render(self, context: Mapping[str, Any]) -> RenderedDraft:
        """Render and split into subject and body; every failure is a TemplateProblem with the line."""
        try:
            text = self.compiled.render(context)
        except _RENDER_ERRORS as error:
            raise TemplateProblem(self.name, _template_line(error, self.name), _describe(error)) from error
        return _split_subject(text, self.name)


def compile_template(source: str, name: str) -> DraftTemplate:
    """Parse, refuse what a template may not do, and compile."""
    environment = _environment()
    try:
        tree = environment.parse(source, name=name, filename=name)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(name, error.lineno, f"syntax error: {error.message}") from error
    refused = next(_refused_constructs(tree), None)
    if refused is not None:
        raise TemplateProblem(name, *refused)
    code = environment.compile(tree, name=name, filename=name)
    compiled = environment.template_class.from_code(environment, code, environment.make_globals(None), None)
    return DraftTemplate(name=name, compiled=compiled)


def load_template(kind: str, path: str | Path = "") -> DraftTemplate:
    """The user's template file when `path` names one, else the built-in template for `kind`."""
    if path:
        return compile_template(_read(Path(path)), str(path))
    file_name = BUILTIN_TEMPLATES.get(kind)
    if file_name is None:
        raise TemplateProblem(f"built-in template for {kind!r}", None, "there is no such kind of finding")
    source = resources.files("rules").joinpath("templates", file_name).read_text(encoding="utf-8")
    return compile_template(source, f"built-in {file_name}")


def check_template(path: str | Path, kind: str | None = None) -> None:
    """Config validation: the file compiles and renders sample occasions of `kind` (of every kind if None).

    Rendering catches what only shows at run time: undefined names, refused attributes, a missing Subject
    line. Each kind is tried with its fullest and its sparsest facts (no thread, no known question), so a
    template that needs a guard such as ``{% if thread %}`` is caught here rather than in the daemon.
    """
    template = load_template(kind or "thank_you", path)
    kinds = [kind] if kind else list(BUILTIN_TEMPLATES)
    for sample_kind in kinds:
        for facts in sample_facts(sample_kind):
            template.render(template_context(facts, SAMPLE_USER, SAMPLE_NOW))


def render_draft(
    template: DraftTemplate, facts: DraftFacts, user: UserSettings, now: datetime
) -> RenderedDraft:
    """The draft for one occasion."""
    return template.render(template_context(facts, user, now))


SAMPLE_NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
SAMPLE_USER = UserSettings(name="Alex Morgan", signature="Alex\nExample Ltd", timezone="UTC")


def sample_facts(kind: str) -> list[DraftFacts]:
    """Sample occasions of one kind, fullest first, for checking templates and showing examples."""
    dana = Contact(email="dana@acme.example", display_name="Kim, Dana")
    sam = Contact(email="sam.lee@example.org", display_name=None)
    thread = ThreadFacts(subject="Platform roadmap", last_date=SAMPLE_NOW - timedelta(days=120))
    if kind == "thank_you":
        meeting = MeetingFacts(
            title="Coffee — platform team",
            start=SAMPLE_NOW - timedelta(days=1, hours=2),
            end=SAMPLE_NOW - timedelta(days=1, hours=1),
        )
        return [
            DraftFacts(kind=kind, contacts=(dana, sam), is_reply=False, meeting=meeting),
            DraftFacts(kind=kind, contacts=(sam,), is_reply=False, meeting=meeting),
        ]
    if kind == "cold_contact":
        last = thread.last_date
        return [
            DraftFacts(kind=kind, contacts=(dana,), is_reply=True, thread=thread, last_interaction=last),
            DraftFacts(kind=kind, contacts=(sam,), is_reply=False, last_interaction=last),
        ]
    sent = ThreadFacts(subject="Schedule", last_date=SAMPLE_NOW - timedelta(days=9))
    question = "Could you send me the schedule for next week?"
    return [
        DraftFacts(
            kind=kind,
            contacts=(dana,),
            is_reply=True,
            thread=sent,
            last_interaction=sent.last_date,
            question=question,
        ),
        DraftFacts(kind=kind, contacts=(sam,), is_reply=True, thread=sent, last_interaction=sent.last_date),
    ]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateProblem(str(path), None, "no such file") from None
    except UnicodeDecodeError as error:
        raise TemplateProblem(str(path), None, f"not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise TemplateProblem(str(path), None, f"cannot be read ({error.strerror})") from error


def _refused_constructs(tree: nodes.Template) -> Iterator[tuple[int, str]]:
    """What the sandbox would refuse anyway, caught before rendering so the message says what and where."""
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = type(node).__name__.lower().replace("fromimport", "from-import")
        yield node.lineno, f"{word} is not allowed: a template cannot read other files"
    for attribute in tree.find_all(nodes.Getattr):
        if attribute.attr.startswith("_"):
            yield attribute.lineno, _private(attribute.attr)
    for item in tree.find_all(nodes.Getitem):
        if isinstance(item.arg, nodes.Const) and str(item.arg.value).startswith("_"):
            yield item.lineno, _private(str(item.arg.value))


def _private(name: str) -> str:
    return f"{name!r} is not allowed: names starting with '_' are Python internals"


def _template_line(error: BaseException, name: str) -> int | None:
    """The template line being rendered when `error` was raised (Jinja maps its frames to template lines)."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return error.lineno
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == name]
    return lines[-1] if lines else None


def _describe(error: BaseException) -> str:
    if isinstance(error, SecurityError):
        return f"not allowed: {error}"
    if isinstance(error, jinja2.UndefinedError):
        return f"{error} (see rules/rendering.py for the variables a template can use)"
    return f"{type(error).__name__}: {error}"


def _split_subject(text: str, name: str) -> RenderedDraft:
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateProblem(name, None, f"the rendered draft is longer than {MAX_OUTPUT_CHARS} characters")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").split("\n")
    match = _SUBJECT_LINE.match(lines[0])
    if match is None:
        raise TemplateProblem(name, 1, "the draft must start with a 'Subject: ...' line")
    subject = " ".join(match.group(1).split())
    if not subject:
        raise TemplateProblem(name, 1, "the Subject line is empty")
    if len(lines) < 2 or lines[1].strip():
        raise TemplateProblem(
            name,
            2,
            "a blank line must separate the Subject line from the body (a {% ... %} tag at the end of a line "
            "removes that line's newline: write it as {% ... +%} or use {{ x if y }})",
        )
    body = _BLANK_RUNS.sub("\n\n", "\n".join(_trimmed(line) for line in lines[2:])).strip("\n")
    if not body.strip():
        raise TemplateProblem(name, None, "the body is empty")
    return RenderedDraft(subject=subject, body=body + "\n")


def _trimmed(line: str) -> str:
    """The line without trailing spaces, except the signature separator "-- " whose space is meaningful."""
    return line if line == SIGNATURE_SEPARATOR else line.rstrip()
