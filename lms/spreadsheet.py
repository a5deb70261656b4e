"""Writing spreadsheets people open in Excel or WPS: CSV with a BOM, XLSX, safe cells.

Every cell that ends up in a CSV or XLSX file the site produces goes through
`safe_cell`: text that learners, organisers or officers typed can start with `=`,
`+`, `-` or `@`, which a spreadsheet would run as a formula (OWASP "CSV injection").
Such text gets a leading apostrophe, so it shows as the text it is. Numbers stay
numbers (a negative credit correction is a number, not a formula), so XLSX cells are
numeric and sum in the spreadsheet.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Protocol

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel opens UTF-8 Chinese correctly only with a byte-order mark
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limit on a sheet's title, and characters a title may not hold.
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))

Number = int | float | Decimal
Cell = str | Number | datetime.date | None


def safe_cell(value: object) -> Cell:
    """A value ready for a spreadsheet cell: numbers and dates as they are, None as
    an empty cell, anything else as text with formulas neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def plain_number(value: Number) -> str:
    """Decimal("2.50") → "2.5", Decimal("10.00") → "10": amounts as people write them."""
    if isinstance(value, Decimal):
        if value == 0:
            return "0"
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _csv_value(value: object) -> str:
    cell = safe_cell(value)
    if cell is None:
        return ""
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        return plain_number(cell)
    if isinstance(cell, datetime.datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return cell


def _xlsx_value(value: object) -> Cell:
    cell = safe_cell(value)
    if isinstance(cell, str):
        # Control characters make openpyxl refuse the whole workbook.
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    if isinstance(cell, datetime.datetime) and cell.tzinfo is not None:
        return cell.replace(tzinfo=None)  # Excel has no time zones: give local times
    return cell


def csv_writer(stream: IO[str], *, bom: bool = True):
    """A csv.writer on a text stream (an HttpResponse will do) that starts with a BOM.
    Pass rows through `safe_row` (or write with `RowWriter`)."""
    if bom:
        stream.write(BOM)
    return csv.writer(stream)


def safe_row(values: Iterable[object]) -> list[str]:
    """A CSV row: formulas neutralised, numbers written plainly, None as empty."""
    return [_csv_value(value) for value in values]


class RowWriter(Protocol):
    """Use as a context manager: the file is finished on success, dropped on error."""

    def writerow(self, values: Iterable[object]) -> None: ...

    def close(self) -> None: ...

    def discard(self) -> None: ...

    def __enter__(self) -> RowWriter: ...

    def __exit__(self, *exc_info) -> None: ...


class _Finishing:
    def close(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


class CsvRowWriter(_Finishing):
    """Rows into a binary stream as UTF-8 CSV with a BOM, every cell made safe."""

    def __init__(self, out: IO[bytes]):
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self._writer = csv_writer(self._text)

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow(safe_row(values))

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # leave `out` open for the caller

    def discard(self) -> None:
        self._text.detach()


def sheet_title(title: str) -> str:
    return (str(title).translate(SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:SHEET_TITLE_MAX]


class XlsxRowWriter(_Finishing):
    """Rows into a one-sheet XLSX workbook in openpyxl's write-only mode (rows are
    streamed to a temporary file, not held in memory), every cell made safe.

    Text cells never become formulas: openpyxl turns a string that starts with "="
    into a formula, and `safe_cell` has already prefixed those.
    """

    def __init__(self, out: IO[bytes], *, title: str = "Sheet"):
        self._out = out
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(sheet_title(title))

    def writerow(self, values: Iterable[object]) -> None:
        self._sheet.append([_xlsx_value(value) for value in values])

    def close(self) -> None:
        self._workbook.save(self._out)

    def discard(self) -> None:
        """Stop writing and remove openpyxl's temporary file of the rows so far."""
        writer = getattr(self._sheet, "_writer", None)
        try:
            self._sheet.close()
        finally:
            if writer is not None:
                writer.cleanup()


def row_writer(file_format: str, out: IO[bytes], *, title: str = "Sheet") -> RowWriter:
    """A writer of `file_format` ("csv" or "xlsx") into the binary stream `out`."""
    if file_format == "csv":
        return CsvRowWriter(out)
    if file_format == "xlsx":
        return XlsxRowWriter(out, title=title)
    raise ValueError(f"Unknown spreadsheet format: {file_format}")
