"""How services read what people typed."""

from __future__ import annotations

from plc.models._types import length_of


def clean_text(text: str | None, limit: int | None = None) -> str | None:
    """Stripped, cut to ``limit`` characters (the column's size), and ``None`` when nothing is left."""
    text = (text or "").strip()
    return (text[:limit] if limit else text) or None


def fit(column, text: str | None) -> str | None:
    """``clean_text`` cut to the size of ``column``."""
    return clean_text(text, length_of(column))
