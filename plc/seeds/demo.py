"""Demo data: ``seeds/demo/demo.yaml`` (networks, schools, people) and ``seeds/demo/plc.yaml`` (goals,
circles, meetings, cycles). The PLC part goes through the same services as the UI, with the demo
person as the acting user, and then sets the dates the story needs.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time

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
    Membership,
    Network,
    OutcomeMeasure,
    Province,
    Role,
    School,
    SchoolGoal,
    User,
)
from plc.models.goals import GoalStatus
from plc.seeds.demo_surveys import seed_demo_surveys
from plc.seeds.demo_work import seed_demo_work
from plc.seeds.files import DEMO_TZ, as_date, as_state, load_yaml, step_of
from plc.seeds.reference import seed_reference, upsert
from plc.services import circles as circle_service
from plc.services import cycles as cycle_service
from plc.services import goals as goal_service
from plc.services import outcomes as outcome_service
from plc.services import passwords

DEMO_PASSWORD = "demo-pass-2567"  # noqa: S105 - published demo credential, created only by `flask seed demo`


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
    data = load_yaml("demo/demo.yaml")
    networks: dict[str, Network] = {}
    for item in data["networks"]:
        networks[item["key"]] = upsert(Network, "key", item["key"], {
            "name_th": item["name_th"], "name_en": item.get("name_en"), "kind": item.get("kind", "area"),
            "programme": item.get("programme"), "cohort": item.get("cohort"), "formal": item.get("formal", True),
            "description": item.get("description")})
    db.session.flush()
    affiliations = {a.code: a for a in db.session.scalars(select(Affiliation))}
    offices = {o.code: o for o in db.session.scalars(select(AreaOffice))}
    provinces = {p.code: p for p in db.session.scalars(select(Province))}
    schools: dict[str, School] = {}
    for item in data["schools"]:
        school = upsert(School, "name_th", item["name_th"], {
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
        user = upsert(User, "email", item["email"].lower(), {
            "name_th": item["name_th"], "name_en": item.get("name_en"), "title_th": item.get("title_th"),
            "position_th": item.get("position_th"), "learning_area_th": item.get("learning_area_th"),
            "locale": item.get("locale", "th"), "disabled_at": None})
        if user.password_hash is None or not passwords.verify_password(user.password_hash, DEMO_PASSWORD):
            demo_hash = demo_hash or passwords.hash_password(DEMO_PASSWORD)
            user.password_hash = demo_hash
        db.session.flush()
        for entry in item.get("memberships", []):
            scope = _scope_of(entry, networks, schools)
            starts_on = as_date(entry.get("starts_on")) or date(2024, 5, 16)
            existing = db.session.scalar(select(Membership).filter_by(user_id=user.id, role=Role(entry["role"]).value,
                                                                       starts_on=starts_on, **scope))
            if existing is None:
                existing = Membership(user_id=user.id, role=Role(entry["role"]).value, starts_on=starts_on, **scope)
                db.session.add(existing)
            existing.ends_on = as_date(entry.get("ends_on"))
    db.session.flush()
    counts = {"networks": len(networks), "schools": len(schools), "people": len(data["people"])}
    counts.update(seed_demo_plc(networks, schools))
    counts.update(seed_demo_work(networks, schools))
    counts.update(seed_demo_surveys(networks, schools))
    return counts


# ---------------------------------------------------------------------------- demo PLC work

WHOLE_CLASS = "ทั้งห้อง"


def _at(day, hour: int = 9) -> datetime:
    """A demo timestamp: the given day at ``hour`` o'clock Thai time."""
    return datetime.combine(as_date(day), time(hour), tzinfo=DEMO_TZ)


def combined_groups(groups: list[tuple[int, float, float]]) -> tuple[int, float, float]:
    """The whole class from its groups' (n, mean, sd): pooled within-group plus between-group spread."""
    total = sum(n for n, _m, _s in groups)
    mean = sum(n * m for n, m, _s in groups) / total
    squares = sum((n - 1) * s**2 + n * (m - mean) ** 2 for n, m, s in groups)
    return total, round(mean, 2), round(math.sqrt(squares / (total - 1)), 2)


def seed_demo_plc(networks: dict[str, Network], schools: dict[str, School]) -> dict[str, int]:
    """Goals, circles, meetings and cycles of ``seeds/demo/plc.yaml``; existing rows (matched by
    natural keys) are left as they are."""
    data = load_yaml("demo/plc.yaml")
    plc = _DemoPlc(networks, schools)
    plc.core_goals(data.get("core_goals", []))
    plc.school_goals(data.get("school_goals", []))
    plc.circles_with_members(data.get("circles", []))
    plc.cycles_through_their_phases(data.get("cycles", []))
    plc.meetings(data.get("circles", []))
    for cycle, item in plc.to_close:  # after their meetings: a closed cycle takes no more
        _close_demo_cycle(item, cycle, plc.users[item["by"]], cycle_service)
    plc.goals_reached_or_carried_over()

    def total(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {"goals": total(SchoolGoal), "circles": total(Circle), "meetings": total(CircleMeeting),
            "cycles": total(Cycle), "outcomes": total(OutcomeMeasure)}


class _DemoPlc:
    """The demo's PLC work, loaded in the order the story needs; each part keeps what the next asks."""

    def __init__(self, networks: dict[str, Network], schools: dict[str, School]):
        self.networks, self.schools = networks, schools
        self.users = {u.email: u for u in db.session.scalars(select(User))}
        self.areas = {f"{a.taxonomy}:{a.code}": a.id for a in db.session.scalars(select(FocusArea))}
        self.school_keys = {school.id: key for key, school in schools.items()}
        self.goals: dict[str, SchoolGoal] = {}
        self.circles: dict[str, Circle] = {}
        self.cycles: dict[str, Cycle] = {}
        # achieved or carried over once the cycles exist
        self.pending: list[tuple[SchoolGoal, dict, GoalStatus]] = []
        self.to_close: list[tuple[Cycle, dict]] = []

    def goal_input(self, item: dict) -> goal_service.GoalInput:
        return goal_service.GoalInput(
            statement=item["statement"].strip(), academic_year_be=int(item["year"]),
            context_needs=item.get("context_needs"), indicator=item.get("indicator"), target=item.get("target"),
            focus_area_ids=tuple(self.areas[code] for code in item.get("focus_areas", [])))

    def approve(self, goal: SchoolGoal, approval) -> None:
        email, day = approval
        goal_service.transition(self.users[email], goal, "approve")
        goal.approved_at = goal.updated_at = _at(day, 14)

    def core_goals(self, items: list[dict]) -> None:
        """The coordinator publishes, each school's director approves its copy."""
        for item in items:
            network = self.networks[item["network"]]
            template = db.session.scalar(select(SchoolGoal).where(
                SchoolGoal.kind == "core", SchoolGoal.network_id == network.id, SchoolGoal.school_id.is_(None),
                SchoolGoal.academic_year_be == int(item["year"]), SchoolGoal.statement == item["statement"].strip()))
            if template is None:
                template = goal_service.publish_core_goal(self.users[item["by"]], network, self.goal_input(item))
                published = _at(item["published_on"])
                template.created_at = template.approved_at = template.updated_at = published
                for copy in template.copies:
                    copy.created_at = copy.updated_at = published
                    approval = item.get("approvals", {}).get(self.school_keys.get(copy.school_id))
                    if approval:
                        self.approve(copy, approval)
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
                if copy.school_id in self.school_keys:
                    self.goals[f"core:{item['network']}@{self.school_keys[copy.school_id]}"] = copy

    def school_goals(self, items: list[dict]) -> None:
        """The schools' own goals."""
        for index, item in enumerate(items):
            status = as_state(GoalStatus, item.get("status", GoalStatus.DRAFT), file="demo/plc.yaml",
                              entry=f"school_goals[{index}] ({item.get('key')})")
            school = self.schools[item["school"]]
            goal = db.session.scalar(select(SchoolGoal).where(
                SchoolGoal.kind == "school", SchoolGoal.school_id == school.id,
                SchoolGoal.academic_year_be == int(item["year"]), SchoolGoal.statement == item["statement"].strip()))
            if goal is None:
                goal = goal_service.create_school_goal(self.users[item["by"]], school, self.goal_input(item))
                goal.created_at = goal.updated_at = _at(item["created_on"])
                if status != GoalStatus.DRAFT:
                    self.approve(goal, item["approved"])
                if status in (GoalStatus.ACHIEVED, GoalStatus.CARRIED_OVER):
                    self.pending.append((goal, item, status))
            self.goals[item["key"]] = goal

    def circles_with_members(self, items: list[dict]) -> None:
        for item in items:
            scope = self.schools[item["school"]] if "school" in item else self.networks[item["network"]]
            scope_clause = (Circle.school_id == scope.id) if isinstance(scope, School) else (Circle.network_id == scope.id)
            circle = db.session.scalar(select(Circle).where(scope_clause, Circle.name == item["name"].strip()))
            created_on = as_date(item["created_on"])
            facilitator = self.users[item["facilitator"]]
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
                user = self.users[email]
                if user.id in known:
                    continue
                member = circle_service.add_member(facilitator, circle, user)
                member.joined_on = created_on
                circle_service.accept_norms(user, circle).accepted_norms_at = _at(created_on, 10)
            db.session.flush()
            self.circles[item["key"]] = circle

    def cycles_through_their_phases(self, items: list[dict]) -> None:
        versions = {i.slug: i.current for i in db.session.scalars(select(Innovation))}
        for item in items:
            circle = self.circles[item["circle"]]
            cycle = db.session.scalar(select(Cycle).where(Cycle.circle_id == circle.id,
                                                          Cycle.title == item["title"].strip()))
            if cycle is None:
                cycle = _demo_cycle(item, circle, self.users, self.goals, versions, cycle_service, outcome_service)
                if item.get("closed_on"):
                    self.to_close.append((cycle, item))
            self.cycles[item["key"]] = cycle

    def meetings(self, items: list[dict]) -> None:
        for item in items:
            circle = self.circles[item["key"]]
            for meeting in item.get("meetings", []):
                held_on = as_date(meeting["held_on"])
                exists = db.session.scalar(select(CircleMeeting.id).where(
                    CircleMeeting.circle_id == circle.id, CircleMeeting.held_on == held_on,
                    CircleMeeting.title == meeting["title"].strip()))
                if exists is None:
                    cycle = self.cycles.get(meeting.get("cycle"))
                    if cycle is not None and cycle.is_closed:
                        cycle = None  # a meeting added to the YAML after its cycle was closed: keep it unlinked
                    row = circle_service.record_meeting(
                        self.users[meeting["by"]], circle, held_on=held_on, title=meeting["title"],
                        mode=meeting.get("mode", "onsite"), notes=meeting.get("notes"), minutes=meeting.get("minutes"),
                        cycle=cycle)
                    row.created_at = _at(held_on, 17)
        db.session.flush()

    def goals_reached_or_carried_over(self) -> None:
        for goal, item, status in self.pending:
            actor = self.users[item["approved"][0]]
            action = "achieve" if status == GoalStatus.ACHIEVED else "carry_over"
            follow_up = goal_service.transition(actor, goal, action)
            goal.updated_at = _at(item["closed_on"], 15)
            if follow_up is not None:
                follow_up.created_at = follow_up.updated_at = _at(item["closed_on"], 15)
                if (item.get("follow_up") or {}).get("approved"):
                    self.approve(follow_up, item["follow_up"]["approved"])
        db.session.flush()


def _demo_cycle(item: dict, circle: Circle, users: dict, goals: dict, versions: dict, cycle_service,
                outcome_service) -> Cycle:
    """Creates one cycle through the services, walks it through its phases on the given dates and
    records its DE checkpoints and outcomes. Closing comes later (``_close_demo_cycle``)."""
    actor = users[item["by"]]
    step_ids = []
    for ref in item.get("steps", []):
        slug, _hash, number = ref.partition("#")
        step_ids.append(step_of(versions[slug], number).id)
    follows = item.get("follows")
    cycle = cycle_service.create(actor, circle, cycle_service.CycleInput(
        title=item["title"], problem=item["problem"], goal_ids=[goals[key].id for key in item["goals"]],
        template=item.get("template", "thai_plc"), template_version_id=versions[follows].id if follows else None,
        innovation_version_ids=[versions[slug].id for slug in item.get("innovations", [])], step_ids=step_ids,
        challenge_issues=item.get("challenge_issues"), target_grade=item.get("target_grade"),
        target_class_size=item.get("target_class_size"), target_groups=list(item.get("target_groups", []))))
    starts = [as_date(day) for day in item["phase_starts"]]
    cycle.created_at = _at(starts[0], 8)
    cycle.phases[0].started_on = starts[0]
    for day in starts[1:]:
        cycle_service.advance(actor, cycle, on=day)

    for checkpoint in item.get("checkpoints", []):
        row = cycle_service.add_checkpoint(
            users[checkpoint["by"]], cycle, stage=checkpoint["stage"], held_on=as_date(checkpoint["held_on"]),
            reviewed=checkpoint.get("reviewed"), monitored=checkpoint.get("monitored"),
            evaluated=checkpoint.get("evaluated"), changed=checkpoint.get("changed"))
        row.created_at = _at(checkpoint["held_on"], 16)

    for outcome in item.get("outcomes", []):
        rows = [(group, tuple(values["pre"]), tuple(values["post"])) for group, values in outcome["groups"].items()]
        if outcome.get("whole_class"):
            rows.append((WHOLE_CLASS, combined_groups([pre for _g, pre, _p in rows]),
                         combined_groups([post for _g, _p, post in rows])))
        for group, pre, post in rows:
            row, _effect = outcome_service.record(
                actor, cycle, measure=outcome["measure"], group=group,
                pre=outcome_service.Aggregate(*pre), post=outcome_service.Aggregate(*post))
            row.created_at = _at(outcome["recorded_on"], 15)

    db.session.flush()
    return cycle


def _close_demo_cycle(item: dict, cycle: Cycle, actor: User, cycle_service) -> None:
    closed_on = as_date(item["closed_on"])
    current = cycle.current_phase
    cycle_service.close(actor, cycle, cycle_service.LessonsInput(**item["lessons"]))
    if current is not None:
        current.ended_on = max(closed_on, current.started_on)
    cycle.closed_at = cycle.lessons.created_at = _at(closed_on, 16)
    db.session.flush()
