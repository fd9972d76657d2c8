"""Markdown → sanitized HTML. The only place in the platform where user text becomes markup.

Stored rows keep the markdown source and the HTML rendered here; templates mark only that HTML as
safe. Everything else a user types is escaped by Jinja or shown with ``textContent``.
"""

from __future__ import annotations

import re
from functools import partial

import bleach
import markdown
from bleach.linkifier import Linker
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "sub", "sup", "mark", "small", "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "img", "abbr",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Images only from our own uploads: /attachments/<id> (served with the plan's authorization).
OWN_IMAGE = re.compile(r"^/attachments/\d+(?:/inline)?$")
CODE_CLASS = re.compile(r"^language-[a-z0-9+#-]{1,30}$")
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("href", "title")
    if tag == "img":
        return (name == "src" and bool(OWN_IMAGE.match(value))) or name in ("alt", "title")
    if tag in ("th", "td"):
        return name in ("colspan", "rowspan") and value.isdigit() and int(value) <= 50
    if tag == "ol":
        return name == "start" and value.isdigit()
    if tag == "code":
        return name == "class" and bool(CODE_CLASS.match(value))
    if tag == "abbr":
        return name == "title"
    return False


def _safe_rel(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if href.startswith(("http://", "https://", "mailto:")):
        attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS, attributes=_allowed_attribute, protocols=ALLOWED_PROTOCOLS, strip=True,
    strip_comments=True,
)
_linker = Linker(callbacks=[_safe_rel], parse_email=False)  # skip_tags double-escapes entities (bleach)


def sanitize_html(html: str) -> str:
    """Allowlist-clean arbitrary HTML. Idempotent: sanitizing twice changes nothing."""
    cleaned = _cleaner.clean(html or "")
    return _linker.linkify(cleaned)


def render_markdown(source: str | None) -> str:
    """Markdown (tables, lists, headings, links, fenced code, images from our uploads) → safe HTML."""
    html = markdown.markdown(source or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return sanitize_html(html)


def safe(html: str | None) -> Markup:
    """Mark HTML produced by this module as safe for templates. Re-sanitizes on the way out so a
    row written by any other path still cannot inject script."""
    return Markup(sanitize_html(html or ""))  # noqa: S704 - sanitized on this line


plain_text = partial(bleach.clean, tags=set(), strip=True)


def register(app) -> None:
    app.add_template_filter(safe, "sanitized")
    app.add_template_filter(render_markdown, "markdown")
