"""HTML bodies as readable text, in linear time."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = {
    "p",
    "div",
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "hr",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "center",
    "form",
    "fieldset",
    "nav",
    "aside",
    "main",
    "figure",
    "figcaption",
    "caption",
    "body",
    "html",
    "o:p_block",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "xml", "object", "svg", "math"}
_VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source", "embed", "param"}
_TAG_NAME = re.compile(r"(/?)([A-Za-z][A-Za-z0-9:_-]{0,40})")
_WS = re.compile(r"\s+")
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def _simplify_html(html: str) -> str:
    """Bare tags only (no attributes, comments, declarations); stray '<' escaped. Linear.

    html.parser is quadratic on unclosed tags and comments ("<a <a <a ...", "<!--" x N):
    what reaches it here has none.
    """
    out: list[str] = []
    n = len(html)
    pos = 0
    next_gt = -2  # cached position of the next '>' at or after the current '<'
    next_comment_end = -2
    while pos < n:
        lt = html.find("<", pos)
        if lt < 0:
            out.append(html[pos:])
            break
        out.append(html[pos:lt])
        if html.startswith("<!--", lt):
            if next_comment_end != -1 and next_comment_end < lt + 4:
                next_comment_end = html.find("-->", lt + 4)
            if next_comment_end == -1:
                break  # an unclosed comment hides the rest, as in a browser
            pos = next_comment_end + 3
            continue
        if next_gt != -1 and next_gt < lt:
            next_gt = html.find(">", lt)
        if next_gt == -1 or next_gt - lt > 2000:
            out.append("&lt;")
            pos = lt + 1
            continue
        inner = html[lt + 1 : next_gt]
        match = _TAG_NAME.match(inner)
        if match:
            out.append(f"<{match.group(1)}{match.group(2).lower()}>")
            pos = next_gt + 1
        elif inner[:1] in ("!", "?"):
            pos = next_gt + 1  # doctype, conditional comment, processing instruction
        else:
            out.append("&lt;")
            pos = lt + 1
    return "".join(out)


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0

    def _flush(self, force: bool = False) -> None:
        line = "".join(self.current).strip()
        self.current = []
        if line or force:
            self.lines.append("> " * min(self.quote, 10) + line if line else ("> " * min(self.quote, 10)).rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._flush(force=True)
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _BLOCK_TAGS:
            self._flush(force=tag == "p")  # Outlook's empty paragraphs are its blank lines
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            chunks = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for i, chunk in enumerate(chunks):
                if i:
                    self._flush(force=True)
                self.current.append(chunk.replace("\xa0", " "))
        else:
            self.current.append(_WS.sub(" ", data))

    def text(self) -> str:
        self._flush()
        return "\n".join(line.rstrip() for line in self.lines)


def html_to_text(html: str, max_chars: int = 1_000_000) -> str:
    """Readable text of an HTML body: no script/style/head, blocks and <br> as newlines."""
    html = html[:max_chars]
    try:
        parser = _HTMLText()
        parser.feed(_simplify_html(html))
        parser.close()
        text = parser.text()
    except Exception:  # noqa: BLE001 - fall back to crude tag stripping
        text = re.sub(r"<[^<>]{0,2000}>", " ", html)
    return _MANY_BLANKS.sub("\n\n", text).strip()
