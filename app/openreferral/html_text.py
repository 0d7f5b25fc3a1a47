"""Text fields as councils' feeds publish them: HTML (`<p>…</p>`, `&nbsp;`, an empty `<p><br></p>`), made clean
text. Paragraphs and headings become blank-line breaks (the place page shows each as a paragraph), `<br>` and list
items line breaks; entities are decoded; tags are dropped and what `<script>`, `<style>` and the like hold is dropped
with them, so nothing executable survives (pages escape the text anyway). Text without markup is left as it is."""

import re
from html.parser import HTMLParser

# Markup or an entity: a tag (`<p`, `</p`, `<br/`), a comment, or `&name;` / `&#…;`.
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "section"})
_LINES = frozenset({"br", "li", "tr"})
_HIDDEN = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "head"})
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINES or tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """`value` as clean text: unchanged when it has no markup or entities."""
    if not _LOOKS_LIKE_HTML.search(value):
        return value
    parser = _Text()
    parser.feed(value)
    parser.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).replace("\r", "").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
