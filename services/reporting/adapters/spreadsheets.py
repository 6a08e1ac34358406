"""Render a report as an Excel workbook (openpyxl: one sheet per table) or as one CSV table."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.reporting.domain.report import Report

NONE_MARK = "—"  # a rate with no cases: shown as a dash, never 0 %
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def to_xlsx(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in report.tables:
        ws = wb.create_sheet(table.name)
        ws.append([report.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(table.headers)
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in table.rows:
            ws.append([NONE_MARK if v is None and k != "text" else v for v, k in zip(row, table.kinds, strict=True)])
            for cell, kind in zip(ws[ws.max_row], table.kinds, strict=True):
                if kind == "rate" and isinstance(cell.value, float):
                    cell.number_format = "0.0%"
                elif kind == "num" and isinstance(cell.value, float):
                    cell.number_format = "0.##"
        for i, header in enumerate(table.headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(24, 2 * len(header) + 2))
        ws.freeze_panes = "C3"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_cell(value: Any, kind: str) -> str:
    """A value as a spreadsheet user reads it: whole numbers without ".0", amounts and hours to at most
    two decimals (2145.000004 → 2145, 12.345 → 12.35), rates as percentages (0.5 → 50.0%), none empty."""
    if value is None:
        return ""
    if kind == "rate" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, float) and kind in ("num", "int"):
        text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def to_csv(report: Report) -> bytes:
    """One row per township: every domain's columns side by side (headers 领域·指标), then the ranking.
    UTF-8 with a BOM so Excel opens the Chinese headers correctly; numbers as `csv_cell` writes them."""
    domain_tables = report.tables[:-1]
    ranking = report.tables[-1]
    headers = ["乡镇代码", "乡镇"]
    kinds = ["text", "text"]
    for t in domain_tables:
        headers += [f"{t.name}·{h}" for h in t.headers[2:]]
        kinds += t.kinds[2:]
    keep = [j for j, h in enumerate(ranking.headers) if h not in ("乡镇代码", "乡镇")]
    headers += [f"{ranking.name}·{ranking.headers[j]}" for j in keep]
    kinds += [ranking.kinds[j] for j in keep]
    rank_by_code = {row[1]: row for row in ranking.rows}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for i, first in enumerate(domain_tables[0].rows):
        code, name = first[0], first[1]
        row: list[Any] = [code, name]
        for t in domain_tables:
            row += t.rows[i][2:]
        r = rank_by_code.get(code)
        row += [r[j] for j in keep] if r else [None] * len(keep)
        writer.writerow([csv_cell(v, k) for v, k in zip(row, kinds, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
