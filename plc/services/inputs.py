"""How services read what people typed."""

from __future__ import annotations


def clean_text(text: str | None, limit: int | None = None) -> str | None:
    """Stripped, cut to ``limit`` characters (the column's size), and ``None`` when nothing is left."""
    text = (text or "").strip()
    return (text[:limit] if limit else text) or None
