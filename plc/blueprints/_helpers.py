"""Small helpers shared by the HTML blueprints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request


def safe_next_url(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login, so the link cannot send a user away."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def whole_number(value) -> int | None:
    """An id or count as typed in a query string or a form field: digits only (Thai digits too), small
    enough for the database; anything else is None."""
    raw = str(value or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def school_or_network(value) -> tuple[int | None, int | None] | None:
    """The (school id, network id) a "school:7" or "network:3" choice names; None for anything else."""
    kind, _sep, raw = str(value or "").partition(":")
    number = whole_number(raw)
    if number is None or kind not in ("school", "network"):
        return None
    return (number, None) if kind == "school" else (None, number)


def int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name))


def page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def page_size() -> int:
    return current_app.config["PLC_PAGE_SIZE"]


def client_ip() -> str | None:
    return request.remote_addr
