"""Loads reference and demo data from the project's ``seeds/`` folder. Both loads are idempotent:
running them again updates rows in place and adds nothing twice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select

from plc.extensions import db
from plc.models import Affiliation, AreaOffice, Membership, Network, Province, Region, Role, School, User
from plc.services import passwords

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEMO_PASSWORD = "demo-pass-2567"  # noqa: S105 - published demo credential, created only by `flask seed demo`


def _load(relative: str):
    with (SEEDS_DIR / relative).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _upsert(model, key_field: str, key_value, values: dict):
    row = db.session.scalar(select(model).where(getattr(model, key_field) == key_value))
    if row is None:
        row = model(**{key_field: key_value})
        db.session.add(row)
    for field, value in values.items():
        setattr(row, field, value)
    return row


def seed_reference() -> dict[str, int]:
    regions = {}
    for item in _load("reference/regions.yaml"):
        regions[item["code"]] = _upsert(Region, "code", item["code"],
                                        {"name_th": item["name_th"], "name_en": item["name_en"]})
    db.session.flush()
    provinces = {}
    for item in _load("reference/provinces.yaml"):
        code = str(item["code"])
        provinces[code] = _upsert(Province, "code", code, {
            "name_th": item["name_th"], "name_en": item["name_en"], "region": regions[item["region"]]})
    for item in _load("reference/affiliations.yaml"):
        _upsert(Affiliation, "code", item["code"], {
            "name_th": item["name_th"], "short_th": item["short_th"], "name_en": item["name_en"]})
    db.session.flush()
    offices = _load("reference/area_offices.yaml")
    for item in offices:
        office = _upsert(AreaOffice, "code", item["code"], {
            "kind": item["kind"], "name_th": item["name_th"], "name_en": item["name_en"],
            "area_number": item.get("area_number"), "source": item.get("source")})
        office.provinces = [provinces[str(code)] for code in item.get("provinces", [])]
    db.session.flush()
    return {"regions": len(regions), "provinces": len(provinces), "area_offices": len(offices)}


def _scope_of(entry: dict, networks: dict, schools: dict) -> dict:
    if "school" in entry:
        return {"school_id": schools[entry["school"]].id}
    if "network" in entry:
        return {"network_id": networks[entry["network"]].id}
    if "area_office" in entry:
        office = db.session.scalar(select(AreaOffice).where(AreaOffice.code == entry["area_office"]))
        return {"area_office_id": office.id}
    return {}


def seed_demo() -> dict[str, int]:
    seed_reference()
    data = _load("demo/demo.yaml")
    networks: dict[str, Network] = {}
    for item in data["networks"]:
        networks[item["key"]] = _upsert(Network, "key", item["key"], {
            "name_th": item["name_th"], "name_en": item.get("name_en"), "kind": item.get("kind", "area"),
            "programme": item.get("programme"), "cohort": item.get("cohort"), "formal": item.get("formal", True),
            "description": item.get("description")})
    db.session.flush()
    affiliations = {a.code: a for a in db.session.scalars(select(Affiliation))}
    offices = {o.code: o for o in db.session.scalars(select(AreaOffice))}
    provinces = {p.code: p for p in db.session.scalars(select(Province))}
    schools: dict[str, School] = {}
    for item in data["schools"]:
        school = _upsert(School, "name_th", item["name_th"], {
            "alt_name_th": item.get("alt_name_th"), "name_en": item.get("name_en"),
            "affiliation": affiliations.get(item.get("affiliation", "OBEC")),
            "area_office": offices.get(item.get("area_office")),
            "province": provinces.get(str(item.get("province"))),
            "district_th": item.get("district_th"), "levels": item.get("levels", []), "size": item.get("size"),
            "flags": item.get("flags", []), "source": item.get("source")})
        school.networks = [networks[key] for key in item.get("networks", [])]
        schools[item["key"]] = school
    db.session.flush()

    demo_hash = None
    for item in data["people"]:
        user = _upsert(User, "email", item["email"].lower(), {
            "name_th": item["name_th"], "name_en": item.get("name_en"), "title_th": item.get("title_th"),
            "position_th": item.get("position_th"), "learning_area_th": item.get("learning_area_th"),
            "locale": item.get("locale", "th"), "disabled_at": None})
        if user.password_hash is None or not passwords.verify_password(user.password_hash, DEMO_PASSWORD):
            demo_hash = demo_hash or passwords.hash_password(DEMO_PASSWORD)
            user.password_hash = demo_hash
        db.session.flush()
        for entry in item.get("memberships", []):
            scope = _scope_of(entry, networks, schools)
            starts_on = _as_date(entry.get("starts_on")) or date(2024, 5, 16)
            existing = db.session.scalar(select(Membership).filter_by(user_id=user.id, role=Role(entry["role"]).value,
                                                                       starts_on=starts_on, **scope))
            if existing is None:
                existing = Membership(user_id=user.id, role=Role(entry["role"]).value, starts_on=starts_on, **scope)
                db.session.add(existing)
            existing.ends_on = _as_date(entry.get("ends_on"))
    db.session.flush()
    return {"networks": len(networks), "schools": len(schools), "people": len(data["people"])}


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
