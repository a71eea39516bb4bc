"""User text made inert in Markdown with as few escapes as a reader will notice.

`inert(text)` returns Markdown that renders as exactly the given words in CommonMark and GitHub
Flavored Markdown (tables, strikethrough, autolinks): never a link, an image, HTML, a heading, a
list or code the author did not write. It escapes a character only where it would mean something
where it stands, so a date, a hyphenated word, a price or a sentence in parentheses reads as
plain text with no backslashes. Web addresses and email addresses are shown as code spans: code
spans are the one place every Markdown renderer leaves text alone, so the address stays readable
and copyable but never becomes a link.

Rules, inline (anywhere in a line):
- always escaped: backtick, `[`, `]`, `|` (code spans, links and images, table cells);
- `*`, `_`, `~` unless they cannot open or close emphasis or strikethrough: `*` and `~` between
  two spaces, `_` inside a word (`snake_case`) or between two spaces;
- `<` when something other than a space follows (HTML tags, comments, `<scheme:…>` autolinks);
- `&` when it starts a character reference (`&amp;`, `&#60;`);
- `\\` when it would escape the next character or end the line (a hard break).
At the start of a line (each line of the value, since values may span lines):
- `#` headings, `>` quotes, `-` `+` `*` list markers, `1.` / `1)` ordered markers, `---` `===`
  `***` `___` rules and setext underlines, `~~~` fences; leading spaces are dropped (they could
  open an indented code block after a blank line; renderers drop them anyway).
"""

from __future__ import annotations

import re

# Addresses a renderer may turn into links: http(s)/ftp and www. addresses and email addresses
# (GFM's autolinks) and bare domain names (some renderers link `example.com` too); trailing
# sentence punctuation stays outside.
_ADDRESS = re.compile(
    r"""(?ix)
    (?:
        (?:https?|ftp)://[^\s<>`]*
      | www\.[^\s<>`]*
      | [a-z0-9.!#$%&'*+/=?^_{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+
      | (?<![a-z0-9])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,24}(?![a-z0-9])(?:[/:][^\s<>`]*)?
    )
    """
)
_TRAILING = ".,:;!?*_~'\")"
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

_LINE_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_LINE_BULLET = re.compile(r"[-+*](?:[ \t]|$)")
_LINE_ORDERED = re.compile(r"([0-9]{1,9})([.)])(?:[ \t]|$)")
_LINE_RULE = re.compile(r"(?:[=-]+[ \t]*|(?:[-*_][ \t]*){3,})$")
_LINE_FENCE = re.compile(r"~{3,}")


def inert(text: str, *, starts_line: bool = True) -> str:
    """`text` as Markdown that shows exactly that text (see the module's rules).

    `starts_line=False` when the text goes after other text on its first line (after a label,
    say): block syntax such as `1.` or `#` means nothing there, so its first line keeps it as
    is. Later lines always start a line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_line(line, starts_line or i > 0) for i, line in enumerate(lines))


def _line(line: str, starts_line: bool) -> str:
    if starts_line:
        line = line.lstrip(" \t")
    out: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(line):
        address = match.group(0).rstrip(_TRAILING)
        # A ")" that closes a "(" inside the address belongs to it (wiki-style addresses).
        while (
            address.count("(") > address.count(")")
            and line[match.start() + len(address) : match.start() + len(address) + 1] == ")"
        ):
            address += ")"
        if out and match.start() == position and out[-1].endswith("`"):
            out[-1] = out[-1][:-1] + address + "`"  # touching addresses share one code span
        else:
            out.append(_inline(line[position : match.start()], line, position, before_code=True))
            out.append(f"`{address}`")
        position = match.start() + len(address)
    out.append(_inline(line[position:], line, position))
    escaped = "".join(out)
    return _line_start(escaped) if starts_line else escaped


def _line_start(line: str) -> str:
    if line.startswith((">",)):
        return "\\" + line
    if _LINE_HEADING.match(line) or _LINE_FENCE.match(line):
        return "\\" + line
    if _LINE_RULE.match(line) or _LINE_BULLET.match(line):
        return "\\" + line
    ordered = _LINE_ORDERED.match(line)
    if ordered:
        digits, mark = ordered.group(1), ordered.group(2)
        return digits + "\\" + mark + line[len(digits) + 1 :]
    return line


def _inline(part: str, line: str, offset: int, *, before_code: bool = False) -> str:
    """Escapes `part`, which starts at `offset` in `line` (neighbours are read from `line`);
    `before_code`: an address's code span follows, so the last character is next to a backtick."""
    out: list[str] = []
    for i, char in enumerate(part):
        at = offset + i
        before = line[at - 1] if at > 0 else " "
        after = line[at + 1] if at + 1 < len(line) else " "
        if before_code and i == len(part) - 1:
            after = "`"
        if char in "`[]|":
            out.append("\\" + char)
        elif char in "*~":
            out.append(char if before.isspace() and after.isspace() else "\\" + char)
        elif char == "_":
            inside_word = before.isalnum() and after.isalnum()
            spaced = before.isspace() and after.isspace()
            out.append(char if inside_word or spaced else "\\" + char)
        elif char == "<":
            out.append(char if after.isspace() else "\\" + char)
        elif char == "&":
            out.append("\\" + char if _ENTITY.match(line, at) else char)
        elif char == "\\":
            escapes = at + 1 >= len(line) or after in _ASCII_PUNCTUATION
            out.append("\\\\" if escapes else char)
        else:
            out.append(char)
    return "".join(out)
