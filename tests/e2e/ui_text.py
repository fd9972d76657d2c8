"""What the server shows for a UI string, read from the compiled catalogues, so browser tests match
the page in Thai and English without repeating translations."""

from __future__ import annotations

import re
from pathlib import Path

from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parents[2] / "plc" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

_catalogues: dict[str, Translations] = {}


def catalogue(locale: str) -> Translations:
    if locale not in _catalogues:
        _catalogues[locale] = Translations.load(str(TRANSLATIONS), [locale])
    return _catalogues[locale]


def tr(locale: str, msgid: str, **variables) -> str:
    """``msgid`` as shown in ``locale`` (the msgid itself while untranslated)."""
    text = catalogue(locale).gettext(msgid)
    return text % variables if variables else text


def th(msgid: str, **variables) -> str:
    return tr("th", msgid, **variables)


def en(msgid: str, **variables) -> str:
    return tr("en", msgid, **variables)


def pattern(t, msgid: str, **known) -> re.Pattern:
    """A regex for ``msgid`` as shown, with the placeholders not given in ``known`` matching anything."""
    text = t(msgid)  # no variables: placeholders stay as written in the translation
    parts, last = [], 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last:match.start()].replace("%%", "%")))
        name = match.group(1)
        parts.append(re.escape(str(known[name])) if name in known else ".+?")
        last = match.end()
    parts.append(re.escape(text[last:].replace("%%", "%")))
    return re.compile("".join(parts))
