"""Every UI string has a Thai translation, and the UI speaks Thai by default and English on request.

The messages are extracted afresh from the sources with the method map of ``babel.cfg`` (the
committed ``messages.pot`` may be stale). When a test here fails, run ``make translations``,
translate the listed msgids in ``plc/translations/th/LC_MESSAGES/messages.po`` and compile.
"""

from __future__ import annotations

import os
import re
import tempfile
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "plc" / "translations"
TH_PO = TRANSLATIONS / "th" / "LC_MESSAGES" / "messages.po"

# pybabel's default keywords (_, gettext, ngettext, pgettext, …) plus those passed by `make translations`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\([^)]*\)[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def _ids(message_id) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], set[str]]:
    """{(msgid, context): {"file:line", …}} for every message in the sources."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[tuple[str, str | None], set[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True,
    ):
        msgid = _ids(message)[0]
        if msgid:
            found.setdefault((msgid, context), set()).add(f"{filename}:{lineno}")
    assert found, "extraction found no messages: check babel.cfg"
    return found


@pytest.fixture(scope="module")
def th_catalog():
    return _read(TH_PO, "th")


def test_extraction_covers_python_and_templates(extracted):
    files = {where.split(":")[0] for places in extracted.values() for where in places}
    assert any(f.endswith(".py") for f in files), files
    assert any(f.endswith(".html") for f in files), files
    assert ("Log in", None) in extracted


def test_every_ui_string_has_a_thai_translation(extracted, th_catalog):
    problems = []
    for (msgid, context), places in sorted(extracted.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        message = th_catalog.get(msgid, context=context)
        where = sorted(places)[0]
        if message is None:
            problems.append(f"  not in th/messages.po: {msgid!r}  ({where})")
        elif message.fuzzy:
            problems.append(f"  fuzzy:                 {msgid!r}  ({where})")
        elif not all(s.strip() for s in _strings(message)):
            problems.append(f"  empty msgstr:          {msgid!r}  ({where})")
    assert not problems, (
        f"{len(problems)} UI string(s) lack a Thai translation. Run `make translations`, translate them in "
        f"{TH_PO.relative_to(ROOT)} and compile:\n" + "\n".join(problems)
    )


def test_thai_catalogue_has_no_fuzzy_or_empty_entries(th_catalog):
    bad = [m.id for m in th_catalog if m.id and (m.fuzzy or not all(s.strip() for s in _strings(m)))]
    assert not bad, "fuzzy or untranslated entries in th/messages.po:\n" + "\n".join(f"  {i!r}" for i in bad)


def test_placeholders_match_between_msgid_and_msgstr(th_catalog):
    mismatches = []
    for message in th_catalog:
        if not message.id:
            continue
        expected = set().union(*(_placeholders(i) for i in _ids(message.id)))
        for string in _strings(message):
            if string and _placeholders(string) != expected:
                mismatches.append(f"  {message.id!r}: expected {sorted(expected)}, got {sorted(_placeholders(string))}"
                                  f" in {string!r}")
    assert not mismatches, "placeholders differ between msgid and msgstr:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("po_path", sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")), ids=lambda p: p.parts[-3])
def test_catalogue_passes_checks_and_compiles(po_path):
    catalog = _read(po_path, po_path.parts[-3])
    errors = [f"  {message.id!r}: {'; '.join(map(str, errs))}" for message, errs in catalog.check()]
    assert not errors, f"{po_path.relative_to(ROOT)} fails babel's checks:\n" + "\n".join(errors)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    assert buffer.getvalue()


# -- the running app ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_catalogues():
    """Compile every .po into the .mo beside it, as `pybabel compile` does, so `make` is not needed."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        catalog = _read(po_path, po_path.parts[-3])
        mo_path = po_path.with_suffix(".mo")
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            os.replace(tmp, mo_path)  # atomic: parallel workers never read a half-written file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@pytest.fixture
def fresh_client(app, client, compiled_catalogues):
    # Flask-Babel caches loaded translations per locale; drop anything loaded before the compile.
    domain = getattr(app.extensions.get("babel"), "domain_instance", None)
    if domain is not None:
        domain.cache.clear()
    return client


def test_login_page_is_thai_by_default(fresh_client):
    html = fresh_client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="th"' in html
    assert "เข้าสู่ระบบ" in html
    assert "Log in" not in html


def test_lang_parameter_switches_to_english_and_is_remembered(fresh_client):
    html = fresh_client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Log in" in html
    assert "เข้าสู่ระบบ" not in html

    html = fresh_client.get("/auth/login").get_data(as_text=True)  # no parameter: the session remembers
    assert '<html lang="en"' in html
    assert "Log in" in html
    assert "เข้าสู่ระบบ" not in html

    html = fresh_client.get("/auth/login?lang=th").get_data(as_text=True)
    assert "เข้าสู่ระบบ" in html
