"""User text in Markdown transcripts: ordinary text comes out as written, hostile text stays
inert. Checked by rendering with markdown-it (CommonMark plus GitHub's tables, strikethrough and
autolinks, and linkify's bare-domain links, which are stricter than GitHub)."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pypdf import PdfReader

from troubletree.sessions.export import Transcript, TranscriptStep, _md, to_markdown, to_pdf
from troubletree.sessions.markdown import inert

RENDERER = MarkdownIt("gfm-like")
# What inert text may render to: paragraphs, line breaks and the code spans of addresses.
ALLOWED_TAGS = {"p", "/p", "br", "code", "/code"}
TAG = re.compile(r"<(/?[a-zA-Z0-9]+)[^>]*>")

ORDINARY = [
    "Ticket INC-1234 opened 2026-12-02 (urgent)",
    "Customer: Müller-Lüdenscheidt GmbH, 3rd floor (east wing)",
    "Replaced toner - printer works again.",
    "Serial SN-00-4411-Z; firmware 2.14.1",
    "snake_case_name stays, and so does 2 * 3 = 6",
    "Price: $40.00 + tax, 50% off",
    "It's fine! Really? Yes.",
    "a < b and c > d",
    "Tom & Jerry",
    "C:\\Users\\ann\\Desktop",
    "设备 打印机 · מדפסת · Überprüfung",
]

HOSTILE = [
    "[click](http://evil.example/x)",
    "![img](http://evil.example/x.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<!-- comment -->",
    "<https://evil.example>",
    "<mail@evil.example>",
    "visit https://evil.example/login?x=1 now",
    "visit www.evil.example now",
    "write to boss@evil.example",
    "go to evil.com",
    "[ref]: http://evil.example\n[ref]",
    "# Heading\n## Sub",
    "> quoted",
    "- item\n* item\n+ item",
    "1. one\n2) two",
    "line\n---",
    "line\n===",
    "***\n___",
    "```\ncode\n```",
    "~~~\ncode\n~~~",
    "    indented\n\n    code",
    "`code` and ``more``",
    "*em* _em_ **strong** __strong__ ~~strike~~ ~strike~",
    "| a | b |\n|---|---|\n| c | d |",
    "&lt;b&gt; &#60;i&#62; &amp;",
    "trailing backslash \\",
    "\\[not a link\\](x)",
    "- [ ] task\n- [x] done",
]


def _text_of(rendered: str) -> str:
    """The words a reader sees: tags dropped, entities decoded, spacing normalised."""
    words = TAG.sub(lambda m: "" if m.group(1).lower() in ("code", "/code") else " ", rendered)
    return re.sub(r"\s+", " ", html.unescape(words)).strip()


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _check_inert(text: str) -> str:
    rendered = RENDERER.render(inert(text))
    tags = {m.group(1).lower() for m in TAG.finditer(rendered)}
    assert tags <= ALLOWED_TAGS, (text, rendered)
    assert "<a " not in rendered and "<img" not in rendered
    assert _text_of(rendered) == _words(text), (text, rendered)
    return rendered


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_comes_out_as_written(text: str) -> None:
    assert inert(text) == text
    _check_inert(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_its_own_words(text: str) -> None:
    _check_inert(text)


def test_addresses_are_shown_but_never_linked() -> None:
    assert inert("see https://evil.example/a.") == "see `https://evil.example/a`."
    assert inert("(boss@evil.example)") == "(`boss@evil.example`)"


def test_block_syntax_matters_only_where_a_line_starts() -> None:
    assert inert("1. step", starts_line=False) == "1. step"
    assert inert("1. step") == "1\\. step"
    assert inert("ok\n# not a heading", starts_line=False) == "ok\n\\# not a heading"


def test_formulas_are_defused_in_the_transcript() -> None:
    assert _md('=HYPERLINK("http://x")') == '\'=HYPERLINK("`http://x`")'
    assert _md("-5 degrees").startswith("'-5")
    assert _md("first\nsecond") == "first  \nsecond"


MARKDOWN_ALPHABET = st.sampled_from(
    [*list("ab1 .-_*~`[]()<>!#&;|\\:/@=+\n"), "http://", "www.", "x.com", "&amp;", "    "]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(MARKDOWN_ALPHABET, max_size=40).map("".join))
def test_any_text_stays_inert(text: str) -> None:
    _check_inert(text)


def _ended(**fields: str | None) -> Transcript:
    at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    step = TranscriptStep(1, "answer", "Is it plugged in?", "Yes", "Cable was loose", at, 12.0)
    base: dict[str, str | None] = {"outcome": None, "resolution_note": None}
    base.update(fields)
    return Transcript(
        session_id="s1",
        tree_title="Printer",
        version_number=1,
        technician="Ann",
        created_by=None,
        status="completed" if base["outcome"] else "abandoned",
        created_at=at,
        started_at=at,
        completed_at=at,
        notes="",
        steps=[step],
        **base,  # type: ignore[arg-type]
    )


def test_markdown_and_pdf_carry_step_notes_labels_and_abandon_reasons() -> None:
    labelled = _ended(outcome="escalated", resolution_note="Fuser", outcome_label="Tier 2")
    text = to_markdown(labelled)
    assert "Note: Cable was loose" in text
    assert "- **Outcome label:** Tier 2" in text
    abandoned = to_markdown(_ended(abandon_reason="other", abandon_note="Power cut"))
    assert "- **Abandoned because:** other" in abandoned
    assert "- **Abandon note:** Power cut" in abandoned
    assert "Abandoned because" not in text and "Outcome label" not in abandoned
    pdf = to_pdf(_ended(abandon_reason="customer_left", abandon_note="Left at noon"))
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "the customer left" in pdf_text and "Left at noon" in pdf_text
    assert "Cable was loose" in pdf_text
    labelled_pdf = to_pdf(labelled)
    assert "Tier 2" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(labelled_pdf)).pages)
