"""The innovation library: browsing within what the user may see, adding a school's or network's
own model, editing as a new version, and where each model is used."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import Circle, Cycle, Innovation, InnovationStep, InnovationVersion, Network, School, User
from plc.models.cycles import cycle_innovation_version
from plc.models.innovations import INNOVATION_KINDS, INNOVATION_VISIBILITIES
from plc.services import search
from plc.services.inputs import clean_text, fit


class InnovationError(ServiceError):
    """A refused change to an innovation or its versions."""


@dataclass
class StepInput:
    text_th: str
    code: str | None = None
    label_en: str | None = None
    text_en: str | None = None
    substeps: list[StepInput] = field(default_factory=list)


@dataclass
class VersionInput:
    name_th: str
    name: str | None = None
    name_en: str | None = None
    description_th: str | None = None
    description_en: str | None = None
    notes: str | None = None
    steps: list[StepInput] = field(default_factory=list)
    change_note: str | None = None



def innovations_query(user, *, q: str | None = None, kind: str | None = None, owner: str | None = None) -> Select:
    latest = (select(InnovationVersion.innovation_id, func.max(InnovationVersion.number).label("number"))
              .group_by(InnovationVersion.innovation_id).subquery())
    query = (select(Innovation)
             .join(latest, latest.c.innovation_id == Innovation.id)
             .join(InnovationVersion, (InnovationVersion.innovation_id == Innovation.id)
                   & (InnovationVersion.number == latest.c.number))
             .where(authz.visible_innovations_clause(user)))
    if q:
        pattern = f"%{q.strip()}%"
        step_match = select(InnovationStep.version_id).where(or_(
            InnovationStep.text_th.ilike(pattern), InnovationStep.label_en.ilike(pattern)))
        query = query.where(or_(
            InnovationVersion.name_th.ilike(pattern), InnovationVersion.name.ilike(pattern),
            InnovationVersion.name_en.ilike(pattern), InnovationVersion.description_th.ilike(pattern),
            InnovationVersion.description_en.ilike(pattern), Innovation.owner_name_th.ilike(pattern),
            InnovationVersion.id.in_(step_match)))
    if kind:
        query = query.where(Innovation.kind == kind)
    if owner:
        query = query.where(Innovation.owner_level == owner)
    return query.order_by(InnovationVersion.name)


def list_options(*, steps: bool = True) -> tuple:
    """Loader options for lists of innovations that show each one's current version (and its steps):
    two or three statements for the whole list instead of two per innovation."""
    versions = selectinload(Innovation.versions)
    return (versions.selectinload(InnovationVersion.steps),) if steps else (versions,)


def page_options() -> tuple:
    """Loader options for an innovation's page: its versions with their authors and nested steps."""
    versions = selectinload(Innovation.versions)
    return (versions.selectinload(InnovationVersion.created_by),
            versions.selectinload(InnovationVersion.steps).selectinload(InnovationStep.children, recursion_depth=4),
            selectinload(Innovation.owner_school), selectinload(Innovation.owner_network))


def _validate(data: VersionInput, kind: str | None = None, visibility: str | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not clean_text(data.name_th):
        errors["name_th"] = [_("Give the innovation a Thai name.")]
    if kind is not None and kind not in INNOVATION_KINDS:
        errors["kind"] = [_("Choose a kind from the list.")]
    if visibility is not None and visibility not in INNOVATION_VISIBILITIES:
        errors["visibility"] = [_("Choose who can see it.")]
    for index, step in enumerate(data.steps, start=1):
        if not clean_text(step.text_th):
            errors.setdefault("steps", []).append(_("Step %(n)d needs a Thai description.", n=index))
        for sub in step.substeps:
            if not clean_text(sub.text_th):
                errors.setdefault("steps", []).append(_("A sub-step of step %(n)d is empty.", n=index))
    if len(data.steps) > 40:
        errors["steps"] = [_("At most 40 steps.")]
    if errors:
        raise InnovationError(errors)


def _add_steps(version: InnovationVersion, steps: list[StepInput]) -> None:
    position = 0

    def add(step: StepInput, number: int, parent: InnovationStep | None) -> None:
        nonlocal position
        position += 1
        row = InnovationStep(version=version, parent=parent, position=position, number=number, **step_fields(step))
        db.session.add(row)
        for sub_number, sub in enumerate(step.substeps, start=1):
            add(sub, sub_number, row)

    for number, step in enumerate(steps, start=1):
        add(step, number, None)


def version_fields(data: VersionInput) -> dict:
    """What a version keeps of the text it was given: cleaned and cut to its columns."""
    return {"name": fit(InnovationVersion.name, data.name) or fit(InnovationVersion.name, data.name_th),
            "name_th": fit(InnovationVersion.name_th, data.name_th),
            "name_en": fit(InnovationVersion.name_en, data.name_en),
            "description_th": fit(InnovationVersion.description_th, data.description_th),
            "description_en": fit(InnovationVersion.description_en, data.description_en),
            "notes": fit(InnovationVersion.notes, data.notes)}


def step_fields(step: StepInput) -> dict:
    """What a step keeps of the text it was given (code, label_en, text_th, text_en)."""
    return {"code": fit(InnovationStep.code, step.code), "label_en": fit(InnovationStep.label_en, step.label_en),
            "text_th": fit(InnovationStep.text_th, step.text_th) or "", "text_en": fit(InnovationStep.text_en, step.text_en)}


def new_version(innovation: Innovation, data: VersionInput, actor: User | None, number: int) -> InnovationVersion:
    """Version ``number`` of the innovation; ``actor`` None for text loaded from the reference YAML."""
    version = InnovationVersion(
        innovation=innovation, number=number, **version_fields(data),
        change_note=fit(InnovationVersion.change_note, data.change_note), created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    _add_steps(version, data.steps)
    db.session.flush()
    return version


def slug_for(name: str) -> str:
    ascii_part = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50]
    return f"{ascii_part or 'innovation'}-{secrets.token_hex(3)}"


def create(actor: User, *, owner, kind: str, visibility: str, data: VersionInput,
           policy_area: str | None = None) -> Innovation:
    """A school's or network's own model (``owner`` is a School or Network), version 1."""
    _validate(data, kind, visibility)
    if isinstance(owner, Network) and visibility == "school":
        # authz.can_view_innovation would show it to nobody in the network.
        raise InnovationError({"visibility": [_("A network's innovation is shared with the network or with everyone.")]})
    innovation = Innovation(
        slug=slug_for(data.name or data.name_en or data.name_th), kind=kind, visibility=visibility,
        policy_area=fit(Innovation.policy_area, policy_area), created_by_id=actor.id,
        owner_level="school" if isinstance(owner, School) else "network",
        owner_school=owner if isinstance(owner, School) else None,
        owner_network=owner if isinstance(owner, Network) else None,
        owner_name_th=owner.name_th)
    db.session.add(innovation)
    db.session.flush()
    new_version(innovation, data, actor, 1)
    audit.record("innovation.created", actor, innovation)
    search.index_innovation(innovation)
    return innovation


def revise(actor: User, innovation: Innovation, data: VersionInput) -> InnovationVersion:
    """Editing never rewrites a version that cycles may point at: it adds the next one."""
    _validate(data)
    version = new_version(innovation, data, actor, innovation.current.number + 1)
    db.session.refresh(innovation)
    audit.record("innovation.revised", actor, innovation, version=version.number)
    search.index_innovation(innovation)
    return version


@dataclass
class Usage:
    cycles: list
    schools: list[School]


def usage(user, innovation: Innovation) -> Usage:
    """Cycles (that the user may see) applying any version, and the schools whose circles use it."""

    version_ids = [v.id for v in innovation.versions]
    # IN (subquery), not JOIN + DISTINCT: PostgreSQL cannot compare the JSON column for DISTINCT.
    applying = select(cycle_innovation_version.c.cycle_id).where(
        cycle_innovation_version.c.innovation_version_id.in_(version_ids))
    cycles = list(db.session.scalars(
        select(Cycle).where(Cycle.id.in_(applying))
        .where(authz.visible_circles_clause(user)).join(Cycle.circle)
        .order_by(Cycle.created_at.desc())
        .options(selectinload(Cycle.circle).selectinload(Circle.school),
                 selectinload(Cycle.circle).selectinload(Circle.network).selectinload(Network.schools),
                 selectinload(Cycle.innovation_versions))))
    schools: dict[int, School] = {}
    for cycle in cycles:
        circle: Circle = cycle.circle
        for school in ([circle.school] if circle.school else circle.network.schools):
            if authz.can_view_school(user, school):
                schools[school.id] = school
    return Usage(cycles=cycles, schools=sorted(schools.values(), key=lambda s: s.name_th))


def steps_from_yaml(items: list[dict] | None) -> list[StepInput]:
    return [StepInput(text_th=str(item.get("text_th") or item.get("label_en") or ""), code=item.get("code"),
                      label_en=item.get("label_en"), text_en=item.get("text_en"),
                      substeps=steps_from_yaml(item.get("substeps"))) for item in (items or [])]
