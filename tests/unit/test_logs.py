"""A fødselsnummer never reaches a log line; a keyed hash stands in for it."""

from __future__ import annotations

import structlog

from helsebro.logs import _redact, fnr_hash, set_log_key


def test_any_eleven_digit_number_in_a_log_field_is_replaced_by_its_keyed_hash():
    event = _redact(None, "info", {"event": "lookup 12048645510 failed", "path": "/x?fnr=12048645510", "n": 5})
    assert "12048645510" not in repr(event)
    assert fnr_hash("12048645510") in event["event"]
    assert event["n"] == 5


def test_longer_digit_runs_are_left_alone():
    event = _redact(None, "info", {"event": "order 123456789012 and orgnr 910000004"})
    assert event["event"] == "order 123456789012 and orgnr 910000004"


def test_the_hash_depends_on_the_server_key():
    set_log_key("one")
    first = fnr_hash("12048645510")
    set_log_key("two")
    try:
        assert fnr_hash("12048645510") != first
    finally:
        set_log_key("helsebro")


def test_configured_logger_output_has_no_fnr(capsys):
    from helsebro.logs import configure

    configure("info")
    structlog.get_logger("t").info("citizen 12048645510 looked up", fnr="12048645510")
    captured = capsys.readouterr()
    assert "12048645510" not in captured.err + captured.out
    assert "fnr:" in captured.err + captured.out


def test_a_logged_traceback_has_no_fnr(capsys):
    from helsebro.logs import configure

    configure("info")
    try:
        raise ValueError("insert failed [parameters: ('12048645510',)]")
    except ValueError:
        structlog.get_logger("t").exception("unhandled error")
    captured = capsys.readouterr()
    assert "insert failed" in captured.err + captured.out
    assert "12048645510" not in captured.err + captured.out


def test_uvicorns_error_traceback_has_no_fnr():
    import io
    import logging

    from helsebro.logs import configure

    configure("info")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("no citizen 12048645510")
        except ValueError:
            logger.exception("Exception in ASGI application for %s", "/x/12048645510")
    finally:
        logger.removeHandler(handler)
    assert "no citizen" in out.getvalue() and "Exception in ASGI application" in out.getvalue()
    assert "12048645510" not in out.getvalue()


def test_log_lines_go_to_stderr_so_a_commands_stdout_stays_its_output(capsys):
    """`helsebro openapi > doc.json` must hold the document alone, whatever the server logs while building it."""
    from helsebro.logs import configure

    configure("info")
    structlog.get_logger("t").warning("server clock not readable")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "server clock not readable" in captured.err
