"""Session transcripts as PDF, Markdown or JSON. Pure: a Transcript in, bytes out (`render`;
`render_off_loop` runs it in the CPU pool).

User text (answers, notes, variables) is made inert: in Markdown it is escaped where it would
mean something (`markdown.inert`: no links, HTML or markup, and no needless backslashes), and any
text that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) is
prefixed with a quote, in Markdown and PDF alike. JSON carries the raw values: it is data for
programs, and JSON encoding already keeps it from being anything else.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from fpdf import FPDF

from troubletree.core.offload import CpuPool
from troubletree.sessions.markdown import inert

ExportFormat = Literal["pdf", "markdown", "json"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TranscriptStep:
    number: int
    kind: str  # answer, auto, link, back, current
    question: str
    answer: str | None
    note: str | None
    at: datetime
    seconds_spent: float | None


@dataclass(frozen=True)
class TranscriptFile:
    """A photo or PDF of the session: listed, and images shown (their thumbnail) at the step
    whose node they were taken at (`step_number`; None: before the first step)."""

    filename: str
    kind: str  # image or pdf
    size_bytes: int
    step_number: int | None
    thumbnail: bytes | None = None


@dataclass(frozen=True)
class Transcript:
    session_id: str
    tree_title: str
    version_number: int
    technician: str
    created_by: str | None
    status: str
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    outcome: str | None
    resolution_note: str | None
    notes: str
    outcome_label: str | None = None
    abandon_reason: str | None = None
    abandon_note: str | None = None
    variables: list[tuple[str, str]] = field(default_factory=list)
    steps: list[TranscriptStep] = field(default_factory=list)
    files: list[TranscriptFile] = field(default_factory=list)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _file_line(f: TranscriptFile) -> str:
    where = f"step {f.step_number}" if f.step_number is not None else "before the first step"
    kind = "photo" if f.kind == "image" else "PDF"
    return f"{f.filename} ({kind}, {_size(f.size_bytes)}, {where})"


def transcript_filename(title: str, session_id: str, fmt: ExportFormat) -> str:
    """A transcript's file name: the tree title as a slug and the start of the session id."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "session"
    return f"{slug}-{session_id[:8]}.{EXTENSIONS[fmt]}"


def defuse(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _md(text: str | None, *, starts_line: bool = False) -> str:
    """User text for the Markdown transcript, after a label unless `starts_line`; its own
    line breaks become hard breaks."""
    return inert(defuse(text or ""), starts_line=starts_line).replace("\n", "  \n")


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


_KIND_WORDS = {
    "answer": "Answer",
    "auto": "Decided by the intake values",
    "link": "Continued in",
    "back": "Went back to",
    "current": "Reached",
}


_ABANDON_WORDS = {
    "solved_elsewhere": "solved elsewhere",
    "customer_left": "the customer left",
    "wrong_tree": "wrong tree",
    "other": "other",
}


def _summary(t: Transcript) -> list[tuple[str, str]]:
    prepared = [("Prepared by", t.created_by)] if t.created_by else []
    return [
        ("Tree", f"{t.tree_title} (version {t.version_number})"),
        ("Technician", t.technician),
        *prepared,
        ("Status", t.status.replace("_", " ")),
        ("Outcome", t.outcome or "—"),
        *([("Outcome label", t.outcome_label)] if t.outcome_label else []),
        *(
            [("Abandoned because", _ABANDON_WORDS.get(t.abandon_reason, t.abandon_reason))]
            if t.abandon_reason
            else []
        ),
        *([("Abandon note", t.abandon_note)] if t.abandon_note else []),
        ("Created", _time(t.created_at)),
        ("Started", _time(t.started_at)),
        ("Completed", _time(t.completed_at)),
    ]


# --------------------------------------------------------------------------- Markdown


def to_markdown(t: Transcript) -> str:
    lines = [f"# Troubleshooting session: {_md(t.tree_title)}", ""]
    lines += [f"- **{label}:** {_md(value)}" for label, value in _summary(t)]
    lines += ["", "## Intake", ""]
    lines += [f"- **{_md(label)}:** {_md(value)}" for label, value in t.variables] or ["- (none)"]
    lines += ["", "## Steps", ""]
    for step in t.steps:
        lines.append(f"{step.number}. **{_md(step.question)}**  ")
        if step.answer is not None:
            lines.append(f"   {_KIND_WORDS.get(step.kind, 'Answer')}: {_md(step.answer)}  ")
        if step.note:
            lines.append(f"   Note: {_md(step.note)}  ")
        lines.append(f"   At {_time(step.at)}, time spent {_duration(step.seconds_spent)}")
    if t.files:
        lines += ["", "## Files", ""]
        lines += [f"- {_md(_file_line(f))}" for f in t.files]
    lines += ["", "## Outcome", "", f"- **Outcome:** {_md(t.outcome or 'not completed')}"]
    lines.append(f"- **Resolution note:** {_md(t.resolution_note) or '—'}")
    if t.notes:
        lines += ["", "## Notes", "", _md(t.notes, starts_line=True)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- JSON


def to_json(t: Transcript) -> str:
    def encode(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value))

    data = asdict(t)
    data["variables"] = [{"label": k, "value": v} for k, v in t.variables]
    for f in data["files"]:
        del f["thumbnail"]
    return json.dumps(data, default=encode, ensure_ascii=False, indent=2)


# --------------------------------------------------------------------------- PDF


@lru_cache(maxsize=1)
def _font_dir() -> Path:
    return Path(str(resources.files("troubletree.sessions").joinpath("fonts")))


class _TranscriptPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("body", size=8)
        self.cell(0, 8, f"TroubleTree transcript · page {self.page_no()}", align="C")


def to_pdf(t: Transcript) -> bytes:
    """A PDF with Unicode fonts (DejaVu Sans, WenQuanYi Micro Hei as fallback for CJK) and text
    shaping, so accented, CJK and right-to-left text all render."""
    fonts = _font_dir()
    pdf = _TranscriptPDF(format="A4")
    pdf.set_title(f"Troubleshooting session: {t.tree_title}")
    pdf.set_creator("TroubleTree")
    pdf.add_font("body", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("body", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("cjk", "", str(fonts / "wqy-microhei.ttc"))
    pdf.set_fallback_fonts(["cjk"])
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()

    def heading(text: str, size: int = 13) -> None:
        pdf.ln(3)
        pdf.set_font("body", "B", size)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", "", 10)

    def line(label: str, value: str | None) -> None:
        pdf.set_font("body", "B", 10)
        pdf.multi_cell(0, 6, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", "", 10)
        pdf.multi_cell(0, 6, defuse(value or "—"), new_x="LMARGIN", new_y="NEXT")

    photos: dict[int | None, list[TranscriptFile]] = {}
    for f in t.files:
        if f.thumbnail:
            photos.setdefault(f.step_number, []).append(f)

    def thumbnails(files: list[TranscriptFile]) -> None:
        """Thumbnails in a row, 40 mm wide, wrapping onto new rows and pages."""
        x = pdf.l_margin
        row_height = 0.0
        for f in files:
            assert f.thumbnail is not None
            if x == pdf.l_margin and pdf.get_y() + 40 > pdf.page_break_trigger:
                pdf.add_page()  # a thumbnail is at most 40 mm high
            info = pdf.image(io.BytesIO(f.thumbnail), x=x, y=pdf.get_y(), w=40)
            row_height = max(row_height, info.rendered_height)
            x += 43
            if x + 40 > pdf.w - pdf.r_margin:
                pdf.set_y(pdf.get_y() + row_height + 2)
                x, row_height = pdf.l_margin, 0.0
        if row_height:
            pdf.set_y(pdf.get_y() + row_height + 2)

    heading(f"Troubleshooting session: {defuse(t.tree_title)}", 16)
    for label, value in _summary(t):
        line(label, value)
    heading("Intake")
    for label, value in t.variables or [("(none)", "")]:
        line(defuse(label), value)
    heading("Steps")
    thumbnails(photos.get(None, []))
    for step in t.steps:
        pdf.set_font("body", "B", 10)
        pdf.multi_cell(
            0, 6, f"{step.number}. {defuse(step.question)}", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font("body", "", 10)
        if step.answer is not None:
            word = _KIND_WORDS.get(step.kind, "Answer")
            pdf.multi_cell(0, 6, f"{word}: {defuse(step.answer)}", new_x="LMARGIN", new_y="NEXT")
        if step.note:
            pdf.multi_cell(0, 6, f"Note: {defuse(step.note)}", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(
            0,
            6,
            f"At {_time(step.at)}, time spent {_duration(step.seconds_spent)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        thumbnails(photos.get(step.number, []))
        pdf.ln(1)
    if t.files:
        heading("Files")
        for f in t.files:
            pdf.multi_cell(0, 6, defuse(_file_line(f)), new_x="LMARGIN", new_y="NEXT")
    heading("Outcome")
    line("Outcome", t.outcome or "not completed")
    line("Resolution note", t.resolution_note)
    if t.notes:
        heading("Notes")
        pdf.multi_cell(0, 6, defuse(t.notes), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
}
EXTENSIONS = {"pdf": "pdf", "markdown": "md", "json": "json"}


def render(t: Transcript, fmt: ExportFormat) -> bytes:
    if fmt == "pdf":
        return to_pdf(t)
    if fmt == "markdown":
        return to_markdown(t).encode()
    return to_json(t).encode()


# Markdown and JSON cost about 5-20 µs a step (2,000 steps: 10-40 ms, measured), so a short
# transcript renders inline (a few ms, less than the hop to a worker process) and a long one in
# the pool. A PDF costs about 3 ms a step and always goes to the pool.
INLINE_TEXT_STEPS = 200


async def render_off_loop(pool: CpuPool, t: Transcript, fmt: ExportFormat) -> bytes:
    """`render`, in a worker process unless it is a short text transcript (core/offload.py)."""
    if fmt != "pdf" and len(t.steps) <= INLINE_TEXT_STEPS:
        return render(t, fmt)
    return await pool.run(render, t, fmt)
