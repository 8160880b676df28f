"""User-controlled text (file names, query values, error messages quoting them) shown safely.

Streamlit renders most strings as Markdown: a file named `![x](http://…)` would otherwise load a
remote image in the viewer's browser. Nothing here is ever rendered as HTML.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=\"'])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def plain(text: object, limit: int = 300) -> str:
    """Escape Markdown, drop control characters and newlines, cut to `limit` characters."""
    s = _CONTROL.sub(" ", str(text))
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MARKDOWN.sub(r"\\\1", s)


def safe_name(name: str, limit: int = 40) -> str:
    """A file name reduced to letters, digits, dot, dash, underscore and space (for labels)."""
    cleaned = re.sub(r"[^\w.\- ]", "_", str(name), flags=re.ASCII).strip() or "file"
    return cleaned[:limit]


def sentence(text: object) -> str:
    """`plain` text with its first letter upper-cased and the rest as it was (str.capitalize() lower-cases
    the rest: "Upload letter_a.png" for a file named Letter_A.png)."""
    s = str(text)
    return plain(s[:1].upper() + s[1:])
