"""Small text rules shared by several domains."""

from __future__ import annotations

import re
import unicodedata


def slugify(name: str, *, fallback: str = "team") -> str:
    """A URL-friendly ASCII form of a name (at most 60 characters); `fallback` when nothing of
    the name survives (a name in another script, say)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60]
    return slug or fallback
