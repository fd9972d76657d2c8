"""Reference data: regions, provinces, affiliations, area offices, the focus-area taxonomies and the
innovation library (``seeds/reference/innovations.yaml``). An innovation's version holds its text and
steps; when the YAML text of a reference model changes, loading adds a new version (history is never
rewritten) and otherwise leaves the versions alone. Loading again updates rows in place and adds
nothing twice.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from plc.extensions import db
from plc.models import (
    Affiliation,
    AreaOffice,
    FocusArea,
    Innovation,
    InnovationVersion,
    Province,
    Region,
)
from plc.models._types import length_of
from plc.seeds.files import load_yaml
from plc.services.innovations import VersionInput, new_version, step_fields, steps_from_yaml, version_fields
from plc.services.inputs import fit


def upsert(model, key_field: str, key_value, values: dict):
    row = db.session.scalar(select(model).where(getattr(model, key_field) == key_value))
    if row is None:
        row = model(**{key_field: key_value})
        db.session.add(row)
    for field, value in values.items():
        setattr(row, field, value)
    return row


def seed_reference() -> dict[str, int]:
    regions = {}
    for item in load_yaml("reference/regions.yaml"):
        regions[item["code"]] = upsert(Region, "code", item["code"],
                                        {"name_th": item["name_th"], "name_en": item["name_en"]})
    db.session.flush()
    provinces = {}
    for item in load_yaml("reference/provinces.yaml"):
        code = str(item["code"])
        provinces[code] = upsert(Province, "code", code, {
            "name_th": item["name_th"], "name_en": item["name_en"], "region": regions[item["region"]]})
    for item in load_yaml("reference/affiliations.yaml"):
        upsert(Affiliation, "code", item["code"], {
            "name_th": item["name_th"], "short_th": item["short_th"], "name_en": item["name_en"]})
    db.session.flush()
    offices = load_yaml("reference/area_offices.yaml")
    for item in offices:
        office = upsert(AreaOffice, "code", item["code"], {
            "kind": item["kind"], "name_th": item["name_th"], "name_en": item["name_en"],
            "area_number": item.get("area_number"), "source": item.get("source")})
        office.provinces = [provinces[str(code)] for code in item.get("provinces", [])]
    db.session.flush()
    focus_areas = seed_focus_areas()
    innovations = seed_innovations()
    return {"regions": len(regions), "provinces": len(provinces), "area_offices": len(offices),
            "focus_areas": focus_areas, "innovations": innovations}


# ---------------------------------------------------------------------------- focus areas

FOCUS_TAXONOMIES = ("tsqp_measures", "quality_school_7")


def seed_focus_areas() -> int:
    """Upserts each taxonomy's items by (taxonomy, code), in the order of the file."""
    data = load_yaml("reference/focus_areas.yaml")
    total = 0
    for taxonomy in FOCUS_TAXONOMIES:
        for position, item in enumerate(data[taxonomy], start=1):
            row = db.session.scalar(select(FocusArea).where(FocusArea.taxonomy == taxonomy,
                                                            FocusArea.code == item["code"]))
            if row is None:
                row = FocusArea(taxonomy=taxonomy, code=item["code"])
                db.session.add(row)
            row.position = position
            row.name_th = str(item["name_th"]).strip()
            row.name_en = str(item["name_en"]).strip()
            row.source = item.get("source")
            total += 1
    db.session.flush()
    return total


# ---------------------------------------------------------------------------- innovations

REFERENCE_CHANGE_NOTE = "Reference text updated (seeds/reference/innovations.yaml)"
_SOURCE_FILE = re.compile(r"^(\d{3})_[0-9a-f]+\.txt\s+lines?\s+(\d+)(?:\s*-\s*(\d+))?$")


def reference_source(item: dict, document: str = "001") -> str | None:
    """"001:L295-305" from ``source_lines`` (the extraction's lines are in document 001) or from a
    ``source`` such as "003_4482….txt lines 159-210"; short forms ("000:L75") are kept as written."""
    if item.get("source"):
        text = str(item["source"]).strip()
        match = _SOURCE_FILE.match(text)
        if match:
            return f"{match[1]}:L{match[2]}" + (f"-{match[3]}" if match[3] else "")
        return text[:200]
    lines = [int(n) for n in item.get("source_lines") or []]
    if not lines:
        return None
    low, high = min(lines), max(lines)
    return f"{document}:L{low}" if low == high else f"{document}:L{low}-{high}"


def reference_entries() -> list[dict]:
    """The 32 extracted models, then the teaching approaches added for the platform."""
    data = load_yaml("reference/innovations.yaml")
    return list(data.get("innovations") or []) + list(data.get("teaching_approaches") or [])


def _version_extra(item: dict) -> dict:
    extra = {}
    if item.get("phases"):
        extra["phases"] = item["phases"]
    if item.get("cycle"):
        extra["cycle"] = item["cycle"]
    owner = item.get("owner") or {}
    if owner.get("province_en"):
        extra["owner_province_en"] = owner["province_en"]
    if len(str(owner.get("name_th") or "")) > OWNER_NAME_LIMIT:
        extra["owner_name_th_full"] = owner["name_th"]  # the column holds the first entries only
    return extra


OWNER_NAME_LIMIT = length_of(Innovation.owner_name_th)


def _owner_name(text: str | None) -> str | None:
    """The owner as written; a list longer than the column is cut after a whole entry, marked "…"."""
    text = (text or "").strip()
    if len(text) <= OWNER_NAME_LIMIT:
        return text or None
    head = text[:OWNER_NAME_LIMIT - 2]
    cut = head.rfind("; ")
    return (head[:cut] if cut > 0 else head) + " …"


def _version_input(item: dict):
    name = str(item.get("name") or item["name_th"])
    return VersionInput(name_th=str(item["name_th"]), name=name, name_en=name,
                        description_en=item.get("description_en"), notes=item.get("notes"),
                        steps=steps_from_yaml(item.get("steps")))


def _input_snapshot(data, extra: dict) -> tuple:
    """What ``services.innovations.new_version`` would store (the service says), in a comparable form."""
    def steps(items):
        return tuple((*step_fields(s).values(), steps(s.substeps)) for s in items)

    stored = version_fields(data)
    return (stored["name"], stored["name_th"], stored["name_en"], stored["description_th"], stored["description_en"],
            stored["notes"], extra, steps(data.steps))


def _version_snapshot(version: InnovationVersion) -> tuple:
    def steps(items):
        return tuple((s.code, s.label_en, s.text_th, s.text_en, steps(s.children)) for s in items)

    return (version.name, version.name_th, version.name_en, version.description_th, version.description_en,
            version.notes, version.extra or {}, steps(version.top_steps))


def seed_innovations() -> int:
    """Upserts every reference innovation by slug (the YAML ``id``). Version 1 holds the YAML text;
    if the text later differs from the last version loaded from the YAML, a new version is added."""

    entries = reference_entries()
    for item in entries:
        owner = item.get("owner") or {}
        innovation = upsert(Innovation, "slug", item["id"], {
            "kind": item["kind"], "policy_area": fit(Innovation.policy_area, item.get("policy_area")),
            "owner_level": owner.get("level"), "owner_name_th": _owner_name(owner.get("name_th")),
            "owner_office_th": fit(Innovation.owner_office_th, owner.get("office_th")), "visibility": "public",
            "source": reference_source(item)})
        db.session.flush()
        data, extra = _version_input(item), _version_extra(item)
        # Versions loaded from the YAML have no author; people's revisions do and are left alone.
        loaded = [v for v in innovation.versions if v.created_by_id is None]
        if loaded and _version_snapshot(loaded[-1]) == _input_snapshot(data, extra):
            continue
        number = innovation.versions[-1].number + 1 if innovation.versions else 1
        if number > 1:
            data.change_note = REFERENCE_CHANGE_NOTE
        version = new_version(innovation, data, None, number)
        version.extra = extra
        db.session.flush()
    return len(entries)
