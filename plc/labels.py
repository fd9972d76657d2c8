"""Translated labels for the codes stored in the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "teacher": _l("Teacher"),
    "coach": _l("Coach"),
    "supervisor": _l("Supervisor"),
    "director": _l("School director"),
    "coordinator": _l("Network coordinator"),
    "area_viewer": _l("Area office staff"),
    "admin": _l("Programme administrator"),
}

SCOPE_LABELS = {
    "school": _l("School"),
    "network": _l("Network"),
    "area_office": _l("Area office"),
    "global": _l("Whole platform"),
}

LEVEL_LABELS = {
    "pre_primary": _l("Pre-primary"),
    "primary": _l("Primary"),
    "lower_secondary": _l("Lower secondary"),
    "upper_secondary": _l("Upper secondary"),
}

SIZE_LABELS = {
    "small": _l("Small"),
    "medium": _l("Medium"),
    "large": _l("Large"),
    "extra_large": _l("Extra large"),
}

FLAG_LABELS = {
    "remote": _l("Remote area"),
    "quality": _l("Quality school"),
    "hub": _l("Network hub school"),
    "model": _l("Model school"),
}

NETWORK_KIND_LABELS = {
    "area": _l("Area-based"),
    "issue": _l("Issue-based"),
    "subject": _l("Subject group"),
    "administrative": _l("Administrative"),
}

AREA_OFFICE_KIND_LABELS = {
    "primary": _l("Primary educational service area"),
    "secondary": _l("Secondary educational service area"),
}


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(mapping.get(code, code))


def register(app) -> None:
    app.add_template_global(label)
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS, SCOPE_LABELS=SCOPE_LABELS, LEVEL_LABELS=LEVEL_LABELS, SIZE_LABELS=SIZE_LABELS,
        FLAG_LABELS=FLAG_LABELS, NETWORK_KIND_LABELS=NETWORK_KIND_LABELS,
        AREA_OFFICE_KIND_LABELS=AREA_OFFICE_KIND_LABELS,
    )
