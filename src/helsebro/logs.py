"""Structured logs (structlog). Citizen identifiers never go to a log: use ``redact_fnr``."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys

import structlog

_FNR = re.compile(r"(?<!\d)\d{11}(?!\d)")
_log_key = b"helsebro"


def set_log_key(secret: str) -> None:
    global _log_key
    _log_key = secret.encode()


def fnr_hash(fnr: str) -> str:
    """A keyed hash of a fødselsnummer: lets an operator correlate log lines without seeing the number."""
    return "fnr:" + hmac.new(_log_key, fnr.encode(), hashlib.sha256).hexdigest()[:12]


def _redact(_logger, _name, event_dict):  # noqa: ANN001, ANN202
    """Last line of defence: any 11-digit run in any logged string is replaced by its keyed hash."""
    for key, value in list(event_dict.items()):
        if isinstance(value, str) and _FNR.search(value):
            event_dict[key] = _FNR.sub(lambda m: fnr_hash(m.group(0)), value)
    return event_dict


def _redact_text(text: str) -> str:
    return _FNR.sub(lambda m: fnr_hash(m.group(0)), text)


class _RedactRecord(logging.Filter):
    """The same for the standard library's records, their tracebacks included (uvicorn logs every unhandled
    error's traceback as 'Exception in ASGI application'; a database error's message lists its parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact_text(record.exc_text)
        message = record.getMessage()
        if _FNR.search(message):
            record.msg, record.args = _redact_text(message), None
        return True


class _CurrentStderr:
    """Whatever ``sys.stderr`` is at the moment of writing: structlog's default prints to stdout (which broke
    ``helsebro openapi``'s document), and binding today's stderr would keep a stream a test runner replaced."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(level: str = "info", json: bool = False) -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    for handler in logging.getLogger().handlers:
        handler.addFilter(_RedactRecord())
    logging.getLogger("uvicorn.error").addFilter(_RedactRecord())  # its records do not reach the root's handlers
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # "setup plugin ..." x7 on every first start
    renderer = (
        structlog.processors.JSONRenderer()
        if json
        # Plain tracebacks: rich's pretty ones take seconds to render under load.
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact,  # after format_exc_info: a traceback's exception message may hold a fødselsnummer
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )


def configure_once(level: str = "info", json: bool = False) -> None:
    if not structlog.is_configured():
        configure(level, json)


def get_logger(name: str):  # noqa: ANN201
    return structlog.get_logger(name)
