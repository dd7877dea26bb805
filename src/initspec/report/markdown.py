"""Text from claims.json, shown in Markdown as it is: nothing a test or an exception recorded
becomes markup, a link, an image or the end of a table cell.

CommonMark lets a backslash escape any ASCII punctuation character
(https://spec.commonmark.org/0.31.2/#backslash-escapes), so :func:`escape` puts one before
every character that can start markup: emphasis (``*``, ``_``, ``~``), code (`````), links and
images (``[``, ``]``, ``!``), raw HTML and autolinks (``<``, ``>``), entities (``&``), table
cells (``|``) and the backslash itself; a ``#``, ``+``, ``-``, ``=`` or a number followed by
``.`` or ``)`` opens a block only at the start of a line, so :func:`escape_block` escapes
those too, for a text that starts one. Line breaks become spaces: every text is shown on one
line (a paragraph, a cell, a list item). :func:`code` shows text as inline code instead,
whatever backticks it holds (:func:`code_cell` in a table, where even code must escape ``|``).
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_~\[\]!<>&|])")
_BLOCK_MARK = re.compile(r"^(\s*)([#+\-=])")
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def one_line(text: str) -> str:
    """``text`` with every run of white space (line breaks too) as one space."""
    return " ".join(str(text).split())


def escape(text: str) -> str:
    """``text`` as literal Markdown on one line, inside a line (after other text, in a table
    cell, a list item or a link's text): ``*a* | <b>`` → ``\\*a\\* \\| \\<b\\>``."""
    return _INLINE.sub(r"\\\1", one_line(text))


def escape_block(text: str) -> str:
    """``text`` escaped as :func:`escape` does, where it starts a line (a paragraph, a block
    quote): a leading ``#``, ``+``, ``-``, ``=`` or ``1.`` escaped too, so it opens no block."""
    escaped = _BLOCK_MARK.sub(r"\1\\\2", escape(text))
    return _LIST_NUMBER.sub(r"\1\\\2", escaped)


def cell(text: str) -> str:
    """Text for one table cell: escaped, so no ``|`` ends the cell and no ``<`` opens a tag."""
    return escape(text)


def code(text: str) -> str:
    """``text`` as inline code, whatever backticks it holds: neither Markdown nor HTML applies
    inside (a fence one backtick longer than the longest run of backticks in it)."""
    text = one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def code_cell(text: str) -> str:
    """:func:`code` for a table cell: a GitHub table ends a cell at any unescaped ``|``, inside
    code too, and takes ``\\|`` for a ``|`` there."""
    return code(text).replace("|", "\\|")


def quotation(text: str) -> str:
    """``text`` as a Markdown block quote (one line, escaped)."""
    return f"> {escape_block(text)}"
