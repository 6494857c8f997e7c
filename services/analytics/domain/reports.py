"""Scheduled reports: send times, covered periods and rendering to HTML or a text PDF (pure)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DAILY, WEEKLY = 1, 2
PDF, HTML = 1, 2
SUMMARY, CAMPAIGNS, EXPERIMENTS, TOP_PAGES, ATTRIBUTION, WIDGET_PERFORMANCE = 1, 2, 3, 4, 5, 6
DEFAULT_SECTIONS = (SUMMARY, CAMPAIGNS)


@dataclass(frozen=True)
class Schedule:
    frequency: int
    day_of_week: int  # 1 = Monday .. 7 = Sunday
    send_hour: int
    time_zone: str

    def next_after(self, when: datetime) -> datetime:
        """The first send time strictly after `when` (local hour in the report's zone)."""
        tz = ZoneInfo(self.time_zone)
        local = when.astimezone(tz).replace(tzinfo=None)
        day = local.date()
        for offset in range(0, 9):
            candidate_day = day + timedelta(days=offset)
            if self.frequency == WEEKLY and candidate_day.isoweekday() != (self.day_of_week or 1):
                continue
            naive = datetime(candidate_day.year, candidate_day.month, candidate_day.day, self.send_hour)
            candidate = naive.replace(tzinfo=tz).astimezone(UTC)
            if candidate > when:
                return candidate
        raise AssertionError("a daily or weekly schedule always has a send time within 8 days")

    def period_before(self, when: datetime) -> tuple[datetime, datetime]:
        """The latest complete period at `when`: the previous local day, or the 7 days before the
        local midnight of the sending day."""
        tz = ZoneInfo(self.time_zone)
        local = when.astimezone(tz)
        midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
        days = 7 if self.frequency == WEEKLY else 1
        start = (midnight.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=tz)
        return start.astimezone(UTC), midnight.astimezone(UTC)


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


@dataclass
class ReportDocument:
    title: str
    period: str
    tables: list[Table]

    def html(self) -> str:
        out = [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title></head><body>",
            f"<h1>{html.escape(self.title)}</h1><p>{html.escape(self.period)}</p>",
        ]
        for table in self.tables:
            out.append(f"<h2>{html.escape(table.title)}</h2>")
            if table.note:
                out.append(f"<p>{html.escape(table.note)}</p>")
            if table.header:
                out.append(
                    "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.header) + "</tr>"
                )
                for row in table.rows:
                    out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
                out.append("</table>")
        out.append("</body></html>")
        return "\n".join(out)

    def text(self) -> str:
        lines = [self.title, self.period, ""]
        for table in self.tables:
            lines.append(table.title)
            if table.note:
                lines.append(table.note)
            if table.header:
                lines.append(" | ".join(table.header))
                lines.extend(" | ".join(row) for row in table.rows)
            lines.append("")
        return "\n".join(lines)

    def pdf(self) -> bytes:
        return text_pdf(self.text().splitlines())


def text_pdf(lines: list[str], per_page: int = 60) -> bytes:
    """A minimal PDF 1.4 of monospaced text lines (Courier, uncompressed) — no system packages needed;
    the text stays searchable and copyable."""
    pages = [lines[i : i + per_page] for i in range(0, max(len(lines), 1), per_page)] or [[]]
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font_ref = 3 + 2 * len(pages)
    for i, page in enumerate(pages):
        content = ["BT", "/F1 9 Tf", "11 TL", "40 800 Td"]
        for line in page:
            safe = line.encode("latin-1", "replace").decode("latin-1")
            safe = safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            content.append(f"({safe}) Tj T*")
        content.append("ET")
        stream = "\n".join(content).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_ref} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def change(current: float, previous: float) -> str:
    if previous == 0:
        return "new" if current else "0%"
    return f"{(current - previous) / previous * 100:+.1f}%"
