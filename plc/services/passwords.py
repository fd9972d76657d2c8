"""Argon2id hashing and the password policy (NIST 800-63B: length, no composition rules,
no common or context-specific passwords; any Unicode, Thai and emoji included)."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from plc.concurrency import run_blocking

MIN_LENGTH = 8
MAX_LENGTH = 256


def _hasher() -> PasswordHasher:
    params = current_app.config["PLC_ARGON2"]
    return PasswordHasher(**params)  # argon2-cffi defaults to the Argon2id variant


def normalise(password: str) -> str:
    # The same Thai text can be typed in different Unicode forms on phones and PCs.
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return run_blocking(_hasher().hash, normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend comparable time so an unknown or unset account is not distinguishable by timing.
        run_blocking(_hasher().hash, normalise(password))
        return False
    try:
        return run_blocking(_hasher().verify, stored_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("plc.data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _is_trivial_sequence(text: str) -> bool:
    if len(set(text)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {-1})


def password_problems(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> list[str]:
    """Reasons the password is refused, as translated messages; empty when it is acceptable."""
    password = normalise(password or "")
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Use at least %(n)d characters.", n=MIN_LENGTH)))
    elif len(password) > MAX_LENGTH:
        problems.append(str(_l("Use at most %(n)d characters.", n=MAX_LENGTH)))
    folded = password.casefold()
    context = {email.casefold(), email.split("@")[0].casefold(), *(n.casefold() for n in names if n)}
    context.discard("")
    if folded in common_passwords() or _is_trivial_sequence(folded):
        problems.append(str(_l("This password is too common or easy to guess. Try a short sentence.")))
    elif folded in context or any(len(c) >= 4 and c in folded for c in context):
        problems.append(str(_l("Do not use your name or e-mail address in your password.")))
    return problems
