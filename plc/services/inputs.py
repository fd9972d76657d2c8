"""How services read what people typed."""

from __future__ import annotations

from flask_babel import gettext as _

from plc.models._types import length_of


def clean_text(text: str | None, limit: int | None = None) -> str | None:
    """Stripped, cut to ``limit`` characters (the column's size), and ``None`` when nothing is left."""
    text = (text or "").strip()
    return (text[:limit] if limit else text) or None


def fit(column, text: str | None) -> str | None:
    """``clean_text`` cut to the size of ``column``."""
    return clean_text(text, length_of(column))


def too_long(column, text: str | None) -> bool:
    """Whether ``text`` is longer than the limit ``column`` declares (refused, not cut)."""
    return text is not None and len(text) > length_of(column)


def limit_message(column) -> str:
    return _("Keep it under %(n)s characters.", n=f"{length_of(column):,}")
