"""Log output for the CLI and the daemon: plain text lines, or one JSON object a line (stdlib only).

Above DEBUG the log is Rapport's own: one line per cycle per account (and the start, the stop, a signal),
plus every layer's warnings and errors; the layers' INFO detail (each step's summary, each oddly formed
message) shows only at DEBUG (`log_level = "DEBUG"` or `rapport -v`).

Structured values travel in a record's `fields` (`logger.info(msg, extra={"fields": {...}})`): the text
format shows the message, which already spells them out; the JSON format adds them as keys.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

HANDLER_NAME = "rapport"
OWN_LOGGER = "rapport"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Chatty libraries whose INFO lines say nothing the user needs.
QUIET_LOGGERS = ("apscheduler", "googleapiclient.discovery_cache", "urllib3", "alembic")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class RapportDetailOnly(logging.Filter):
    """Lets through Rapport's own records and everyone's warnings; the layers' INFO lines stay out."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == OWN_LOGGER or record.name.startswith(OWN_LOGGER + ".")
        return own or record.levelno >= logging.WARNING


def setup_logging(
    log_format: Literal["text", "json"] = "text", level: str = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record to `stream` (stderr by default) in the chosen format; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    if logging.getLevelName(level) != logging.DEBUG:
        handler.addFilter(RapportDetailOnly())
    root = logging.getLogger()
    # Replace only Rapport's own handler: others (pytest's capture, an embedding program's) stay.
    for previous in [existing for existing in root.handlers if existing.get_name() == HANDLER_NAME]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler
