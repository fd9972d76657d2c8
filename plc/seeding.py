"""Loads reference and demo data from the project's ``seeds/`` folder. Both loads are idempotent:
running them again updates rows in place and adds nothing twice.

Reference data: regions, provinces, affiliations, area offices, the focus-area taxonomies and the
innovation library (``seeds/reference/innovations.yaml``). An innovation's version holds its text and
steps; when the YAML text of a reference model changes, loading adds a new version (history is never
rewritten) and otherwise leaves the versions alone.

Demo data: ``seeds/demo/demo.yaml`` (networks, schools, people) and ``seeds/demo/plc.yaml`` (goals,
circles, meetings, cycles). The PLC part goes through the same services as the UI, with the demo
person as the acting user, and then sets the dates the story needs.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import yaml
from sqlalchemy import func, select

from plc.extensions import db
from plc.models import (
    Affiliation,
    AreaOffice,
    Circle,
    CircleMeeting,
    Cycle,
    FocusArea,
    Innovation,
    InnovationStep,
    InnovationVersion,
    Membership,
    Network,
    OutcomeMeasure,
    Province,
    Region,
    Role,
    School,
    SchoolGoal,
    User,
)
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
    focus_areas = seed_focus_areas()
    innovations = seed_innovations()
    return {"regions": len(regions), "provinces": len(provinces), "area_offices": len(offices),
            "focus_areas": focus_areas, "innovations": innovations}


# ---------------------------------------------------------------------------- focus areas

FOCUS_TAXONOMIES = ("tsqp_measures", "quality_school_7")


def seed_focus_areas() -> int:
    """Upserts each taxonomy's items by (taxonomy, code), in the order of the file."""
    data = _load("reference/focus_areas.yaml")
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
    data = _load("reference/innovations.yaml")
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


OWNER_NAME_LIMIT = 200  # Innovation.owner_name_th


def _owner_name(text: str | None) -> str | None:
    """The owner as written; a list longer than the column is cut after a whole entry, marked "…"."""
    text = (text or "").strip()
    if len(text) <= OWNER_NAME_LIMIT:
        return text or None
    head = text[:OWNER_NAME_LIMIT - 2]
    cut = head.rfind("; ")
    return (head[:cut] if cut > 0 else head) + " …"


def _version_input(item: dict):
    from plc.services.innovations import VersionInput, steps_from_yaml

    name = str(item.get("name") or item["name_th"])
    return VersionInput(name_th=str(item["name_th"]), name=name, name_en=name,
                        description_en=item.get("description_en"), notes=item.get("notes"),
                        steps=steps_from_yaml(item.get("steps")))


def _clip(text, limit: int | None = None):
    """``services.innovations._clean``: stripped, cut to the column, None when empty."""
    text = (text or "").strip()
    return (text[:limit] if limit else text) or None


def _input_snapshot(data, extra: dict) -> tuple:
    """What ``services.innovations._new_version`` would store, in a comparable form."""
    def steps(items):
        return tuple((_clip(s.code, 60), _clip(s.label_en, 200), s.text_th.strip(), _clip(s.text_en),
                      steps(s.substeps)) for s in items)

    return (_clip(data.name, 200) or data.name_th.strip()[:200], data.name_th.strip()[:300], _clip(data.name_en, 300),
            _clip(data.description_th), _clip(data.description_en), _clip(data.notes), extra, steps(data.steps))


def _version_snapshot(version: InnovationVersion) -> tuple:
    def steps(items):
        return tuple((s.code, s.label_en, s.text_th, s.text_en, steps(s.children)) for s in items)

    return (version.name, version.name_th, version.name_en, version.description_th, version.description_en,
            version.notes, version.extra or {}, steps(version.top_steps))


def seed_innovations() -> int:
    """Upserts every reference innovation by slug (the YAML ``id``). Version 1 holds the YAML text;
    if the text later differs from the last version loaded from the YAML, a new version is added."""
    from plc.services.innovations import _new_version

    entries = reference_entries()
    for item in entries:
        owner = item.get("owner") or {}
        innovation = _upsert(Innovation, "slug", item["id"], {
            "kind": item["kind"], "policy_area": _clip(item.get("policy_area"), 200),
            "owner_level": owner.get("level"), "owner_name_th": _owner_name(owner.get("name_th")),
            "owner_office_th": _clip(owner.get("office_th"), 200), "visibility": "public",
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
        version = _new_version(innovation, data, None, number)
        version.extra = extra
        db.session.flush()
    return len(entries)


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
    from plc.seeding_work import seed_demo_work  # lesson plans, reflections, coaching, live sessions

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
    counts = {"networks": len(networks), "schools": len(schools), "people": len(data["people"])}
    counts.update(seed_demo_plc(networks, schools))
    counts.update(seed_demo_work(networks, schools))
    return counts


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# ---------------------------------------------------------------------------- demo PLC work

DEMO_TZ = timezone(timedelta(hours=7), "Asia/Bangkok")
WHOLE_CLASS = "ทั้งห้อง"


def _at(day, hour: int = 9) -> datetime:
    """A demo timestamp: the given day at ``hour`` o'clock Thai time."""
    return datetime.combine(_as_date(day), time(hour), tzinfo=DEMO_TZ)


def _combined(groups: list[tuple[int, float, float]]) -> tuple[int, float, float]:
    """The whole class from its groups' (n, mean, sd): pooled within-group plus between-group spread."""
    total = sum(n for n, _m, _s in groups)
    mean = sum(n * m for n, m, _s in groups) / total
    squares = sum((n - 1) * s**2 + n * (m - mean) ** 2 for n, m, s in groups)
    return total, round(mean, 2), round(math.sqrt(squares / (total - 1)), 2)


def _step_of(version: InnovationVersion, ref: str) -> InnovationStep:
    """``"3"`` is top-level step 3 (as the source numbers it), ``"3.2"`` its second sub-step."""
    numbers = [int(part) for part in ref.split(".")]
    steps = version.top_steps
    step = None
    for number in numbers:
        step = next(s for s in steps if s.number == number)
        steps = step.children
    return step


def seed_demo_plc(networks: dict[str, Network], schools: dict[str, School]) -> dict[str, int]:
    """Goals, circles, meetings and cycles of ``seeds/demo/plc.yaml``; existing rows (matched by
    natural keys) are left as they are."""
    from plc.services import circles as circle_service
    from plc.services import cycles as cycle_service
    from plc.services import goals as goal_service
    from plc.services import outcomes as outcome_service

    data = _load("demo/plc.yaml")
    users = {u.email: u for u in db.session.scalars(select(User))}
    areas = {f"{a.taxonomy}:{a.code}": a.id for a in db.session.scalars(select(FocusArea))}
    school_keys = {school.id: key for key, school in schools.items()}

    def goal_input(item: dict) -> goal_service.GoalInput:
        return goal_service.GoalInput(
            statement=item["statement"].strip(), academic_year_be=int(item["year"]),
            context_needs=item.get("context_needs"), indicator=item.get("indicator"), target=item.get("target"),
            focus_area_ids=tuple(areas[code] for code in item.get("focus_areas", [])))

    def approve(goal: SchoolGoal, approval) -> None:
        email, day = approval
        goal_service.transition(users[email], goal, "approve")
        goal.approved_at = goal.updated_at = _at(day, 14)

    # -- core goals: the coordinator publishes, each school's director approves its copy
    goals: dict[str, SchoolGoal] = {}
    for item in data.get("core_goals", []):
        network = networks[item["network"]]
        template = db.session.scalar(select(SchoolGoal).where(
            SchoolGoal.kind == "core", SchoolGoal.network_id == network.id, SchoolGoal.school_id.is_(None),
            SchoolGoal.academic_year_be == int(item["year"]), SchoolGoal.statement == item["statement"].strip()))
        if template is None:
            template = goal_service.publish_core_goal(users[item["by"]], network, goal_input(item))
            published = _at(item["published_on"])
            template.created_at = template.approved_at = template.updated_at = published
            for copy in template.copies:
                copy.created_at = copy.updated_at = published
                approval = item.get("approvals", {}).get(school_keys.get(copy.school_id))
                if approval:
                    approve(copy, approval)
        have = {copy.school_id for copy in template.copies}
        for school in network.schools:  # a school that joined the network after publishing
            if school.id not in have:
                db.session.add(SchoolGoal(
                    kind="core", school=school, network=network, parent=template,
                    academic_year_be=template.academic_year_be, statement=template.statement,
                    context_needs=template.context_needs, indicator=template.indicator, target=template.target,
                    focus_areas=list(template.focus_areas), created_by_id=template.created_by_id))
        db.session.flush()
        for copy in template.copies:
            if copy.school_id in school_keys:
                goals[f"core:{item['network']}@{school_keys[copy.school_id]}"] = copy

    # -- the schools' own goals (achieving or carrying over waits until the cycles exist)
    pending: list[tuple[SchoolGoal, dict]] = []
    for item in data.get("school_goals", []):
        school = schools[item["school"]]
        goal = db.session.scalar(select(SchoolGoal).where(
            SchoolGoal.kind == "school", SchoolGoal.school_id == school.id,
            SchoolGoal.academic_year_be == int(item["year"]), SchoolGoal.statement == item["statement"].strip()))
        if goal is None:
            goal = goal_service.create_school_goal(users[item["by"]], school, goal_input(item))
            goal.created_at = goal.updated_at = _at(item["created_on"])
            if item.get("status", "draft") != "draft":
                approve(goal, item["approved"])
            if item.get("status") in ("achieved", "carried_over"):
                pending.append((goal, item))
        goals[item["key"]] = goal

    # -- circles and their members
    circles: dict[str, Circle] = {}
    for item in data.get("circles", []):
        scope = schools[item["school"]] if "school" in item else networks[item["network"]]
        scope_clause = (Circle.school_id == scope.id) if isinstance(scope, School) else (Circle.network_id == scope.id)
        circle = db.session.scalar(select(Circle).where(scope_clause, Circle.name == item["name"].strip()))
        created_on = _as_date(item["created_on"])
        facilitator = users[item["facilitator"]]
        if circle is None:
            circle = circle_service.create(facilitator, scope, circle_service.CircleInput(
                name=item["name"], learning_area=item.get("learning_area"), grade_band=item.get("grade_band"),
                description=item.get("description"), norms=item.get("norms"),
                meeting_count=int(item.get("meeting_count", 1)), meeting_period=item.get("meeting_period", "semester")))
            circle.created_at = _at(created_on, 8)
            for member in circle.members:
                member.joined_on, member.accepted_norms_at = created_on, _at(created_on, 8)
        known = {member.user_id for member in circle.members}  # someone who left is not added again
        for email in item.get("members", []):
            user = users[email]
            if user.id in known:
                continue
            member = circle_service.add_member(facilitator, circle, user)
            member.joined_on = created_on
            circle_service.accept_norms(user, circle).accepted_norms_at = _at(created_on, 10)
        db.session.flush()
        circles[item["key"]] = circle

    # -- cycles
    versions = {i.slug: i.current for i in db.session.scalars(select(Innovation))}
    cycles: dict[str, Cycle] = {}
    to_close: list[tuple[Cycle, dict]] = []
    for item in data.get("cycles", []):
        circle = circles[item["circle"]]
        cycle = db.session.scalar(select(Cycle).where(Cycle.circle_id == circle.id,
                                                      Cycle.title == item["title"].strip()))
        if cycle is None:
            cycle = _demo_cycle(item, circle, users, goals, versions, cycle_service, outcome_service)
            if item.get("closed_on"):
                to_close.append((cycle, item))
        cycles[item["key"]] = cycle

    # -- meetings held
    for item in data.get("circles", []):
        circle = circles[item["key"]]
        for meeting in item.get("meetings", []):
            held_on = _as_date(meeting["held_on"])
            exists = db.session.scalar(select(CircleMeeting.id).where(
                CircleMeeting.circle_id == circle.id, CircleMeeting.held_on == held_on,
                CircleMeeting.title == meeting["title"].strip()))
            if exists is None:
                cycle = cycles.get(meeting.get("cycle"))
                if cycle is not None and cycle.is_closed:
                    cycle = None  # a meeting added to the YAML after its cycle was closed: keep it unlinked
                row = circle_service.record_meeting(
                    users[meeting["by"]], circle, held_on=held_on, title=meeting["title"],
                    mode=meeting.get("mode", "onsite"), notes=meeting.get("notes"), minutes=meeting.get("minutes"),
                    cycle=cycle)
                row.created_at = _at(held_on, 17)
    db.session.flush()

    # -- cycles end with their lessons learned (after their meetings: a closed cycle takes no more)
    for cycle, item in to_close:
        _close_demo_cycle(item, cycle, users[item["by"]], cycle_service)

    # -- goals reached or carried over at the end of their year
    for goal, item in pending:
        actor = users[item["approved"][0]]
        follow_up = goal_service.transition(actor, goal, "achieve" if item["status"] == "achieved" else "carry_over")
        goal.updated_at = _at(item["closed_on"], 15)
        if follow_up is not None:
            follow_up.created_at = follow_up.updated_at = _at(item["closed_on"], 15)
            if (item.get("follow_up") or {}).get("approved"):
                approve(follow_up, item["follow_up"]["approved"])
    db.session.flush()

    def total(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {"goals": total(SchoolGoal), "circles": total(Circle), "meetings": total(CircleMeeting),
            "cycles": total(Cycle), "outcomes": total(OutcomeMeasure)}


def _demo_cycle(item: dict, circle: Circle, users: dict, goals: dict, versions: dict, cycle_service,
                outcome_service) -> Cycle:
    """Creates one cycle through the services, walks it through its phases on the given dates and
    records its DE checkpoints and outcomes. Closing comes later (``_close_demo_cycle``)."""
    actor = users[item["by"]]
    step_ids = []
    for ref in item.get("steps", []):
        slug, _hash, number = ref.partition("#")
        step_ids.append(_step_of(versions[slug], number).id)
    follows = item.get("follows")
    cycle = cycle_service.create(actor, circle, cycle_service.CycleInput(
        title=item["title"], problem=item["problem"], goal_ids=[goals[key].id for key in item["goals"]],
        template=item.get("template", "thai_plc"), template_version_id=versions[follows].id if follows else None,
        innovation_version_ids=[versions[slug].id for slug in item.get("innovations", [])], step_ids=step_ids,
        challenge_issues=item.get("challenge_issues"), target_grade=item.get("target_grade"),
        target_class_size=item.get("target_class_size"), target_groups=list(item.get("target_groups", []))))
    starts = [_as_date(day) for day in item["phase_starts"]]
    cycle.created_at = _at(starts[0], 8)
    cycle.phases[0].started_on = starts[0]
    for day in starts[1:]:
        cycle_service.advance(actor, cycle, on=day)

    for checkpoint in item.get("checkpoints", []):
        row = cycle_service.add_checkpoint(
            users[checkpoint["by"]], cycle, stage=checkpoint["stage"], held_on=_as_date(checkpoint["held_on"]),
            reviewed=checkpoint.get("reviewed"), monitored=checkpoint.get("monitored"),
            evaluated=checkpoint.get("evaluated"), changed=checkpoint.get("changed"))
        row.created_at = _at(checkpoint["held_on"], 16)

    for outcome in item.get("outcomes", []):
        rows = [(group, tuple(values["pre"]), tuple(values["post"])) for group, values in outcome["groups"].items()]
        if outcome.get("whole_class"):
            rows.append((WHOLE_CLASS, _combined([pre for _g, pre, _p in rows]),
                         _combined([post for _g, _p, post in rows])))
        for group, pre, post in rows:
            row, _effect = outcome_service.record(
                actor, cycle, measure=outcome["measure"], group=group,
                pre=outcome_service.Aggregate(*pre), post=outcome_service.Aggregate(*post))
            row.created_at = _at(outcome["recorded_on"], 15)

    db.session.flush()
    return cycle


def _close_demo_cycle(item: dict, cycle: Cycle, actor: User, cycle_service) -> None:
    closed_on = _as_date(item["closed_on"])
    current = cycle.current_phase
    cycle_service.close(actor, cycle, cycle_service.LessonsInput(**item["lessons"]))
    if current is not None:
        current.ended_on = max(closed_on, current.started_on)
    cycle.closed_at = cycle.lessons.created_at = _at(closed_on, 16)
    db.session.flush()
