"""Structured logs: one JSON object per line, for production (a log shipper reads them).

`JsonFormatter` is the formatter `LOGGING` names as "json" (base settings); production
picks it by default (DJANGO_LOG_FORMAT=json), development keeps plain lines. Every
record carries the request id (config.request_id.RequestIdFilter).

`GunicornAccessFormatter` turns gunicorn's access log (config/gunicorn.py) into the same
shape, with the request's method, path, status, size, duration and id as fields.
"""

from __future__ import annotations

from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"
RENAMED = {"levelname": "level", "name": "logger"}


class JsonFormatter(_BaseJsonFormatter):
    def __init__(self, fmt: str = FIELDS, *args, **kwargs):
        kwargs.setdefault("rename_fields", RENAMED)
        kwargs.setdefault("timestamp", "time")  # ISO 8601, UTC
        kwargs.setdefault("json_ensure_ascii", False)  # Chinese stays readable
        super().__init__(fmt, *args, **kwargs)

    def add_fields(self, log_record, record, message_dict) -> None:
        if not hasattr(record, "request_id"):  # a record that bypassed the filter
            record.request_id = "-"
        super().add_fields(log_record, record, message_dict)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GunicornAccessFormatter(JsonFormatter):
    """Gunicorn logs each request with its "atoms" (a mapping) as the record's args."""

    def add_fields(self, log_record, record, message_dict) -> None:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        record.request_id = atoms.get("{x-request-id}o", "-") if atoms else "-"
        super().add_fields(log_record, record, message_dict)
        if not atoms:
            return
        log_record.update(
            {
                "remote_addr": atoms.get("h"),
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "query": atoms.get("q") or "",
                "status": _int(atoms.get("s")),
                "bytes": _int(atoms.get("B")) or 0,
                "duration_ms": round((_int(atoms.get("D")) or 0) / 1000, 1),
                "user_agent": atoms.get("a"),
                "referer": atoms.get("f"),
            }
        )
