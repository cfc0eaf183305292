"""Spreadsheet sheets laid out for reading and printing (openpyxl write-only, rows streamed as given).

Every sheet has a bold header row that stays in view (frozen) and repeats on every printed page, an
auto filter over its columns, column widths from the first rows, and prints landscape when it is
wide. Empty text should be given as None (an empty cell: cheaper to write, printed the same).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", wrap_text=True)
MAX_WIDTH = 60
WIDTH_SAMPLE = 300  # rows looked at to size the columns
LANDSCAPE_FROM = 8  # columns: a sheet this wide prints landscape
PAPER_A4 = "9"


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


class Sheet:
    """Rows collected in memory, then written in one go (`write`, in a worker thread)."""

    def __init__(self, title: str, header: Sequence[str]) -> None:
        self.title = title
        self.header = list(header)
        self.rows: list[list[Any]] = []
        self.formats: dict[int, str] = {}

    def add(self, row: list[Any]) -> None:
        self.rows.append(row)

    def extend(self, rows: Iterable[list[Any]]) -> None:
        self.rows.extend(rows)

    def write(self, book: Workbook) -> None:
        sheet = book.create_sheet(self.title)
        widths = [min(_width(h), 16) for h in self.header]
        for row in self.rows[:WIDTH_SAMPLE]:
            for index, value in enumerate(row):
                widths[index] = max(widths[index], _width(value))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
        if len(self.header) >= LANDSCAPE_FROM:
            sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = PAPER_A4
        last = get_column_letter(len(self.header))
        sheet.auto_filter.ref = f"A1:{last}{len(self.rows) + 1}"
        header = []
        for name in self.header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
            header.append(cell)
        sheet.append(header)
        append = sheet.append
        if not self.formats:
            for row in self.rows:
                append(row)
            return
        for row in self.rows:
            for index, number_format in self.formats.items():
                cell = WriteOnlyCell(sheet, value=row[index])
                cell.number_format = number_format
                row[index] = cell
            append(row)


def write_book(sheets: Iterable[Sheet], path: Any) -> Any:
    book = Workbook(write_only=True)
    for sheet in sheets:
        sheet.write(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
