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


GOAL_KIND_LABELS = {
    "core": _l("Core goal (shared by the network)"),
    "school": _l("School goal"),
}

GOAL_STATUS_LABELS = {
    "draft": _l("Draft"),
    "approved": _l("Approved"),
    "achieved": _l("Achieved"),
    "carried_over": _l("Carried over"),
}

INNOVATION_KIND_LABELS = {
    "classroom_model": _l("Classroom model"),
    "school_process_model": _l("School process model"),
    "supervision_model": _l("Supervision model"),
    "esao_process_model": _l("Area office process model"),
    "early_childhood_model": _l("Early childhood model"),
    "safety_model": _l("Safety model"),
    "programme": _l("Programme"),
    "information_system": _l("Information system"),
    "teaching_approach": _l("Teaching approach"),
}

INNOVATION_OWNER_LABELS = {
    "school": _l("School"),
    "esao": _l("Area office"),
    "network": _l("Network"),
    "programme": _l("Programme"),
}

VISIBILITY_LABELS = {
    "public": _l("Everyone on the platform"),
    "network": _l("The owner's network"),
    "school": _l("The owner's school only"),
}

MEETING_PERIOD_LABELS = {
    "semester": _l("per semester"),
    "month": _l("per month"),
}

MEETING_MODE_LABELS = {
    "onsite": _l("Onsite"),
    "online": _l("Online"),
}

RULE_STATUS_LABELS = {
    "met": _l("Met"),
    "due": _l("Due"),
    "missed": _l("Missed"),
}

CIRCLE_ROLE_LABELS = {
    "member": _l("Member"),
    "facilitator": _l("Facilitator"),
}

PHASE_TEMPLATE_LABELS = {
    "thai_plc": _l("Thai PLC cycle (problem → goal → design → teach and observe → reflect → lessons → share)"),
    "pdca": _l("PDCA (plan → do → check → act)"),
    "innovation": _l("The steps of an innovation"),
}

DE_STAGE_LABELS = {
    "upstream": _l("Upstream (design)"),
    "midstream": _l("Midstream (during)"),
    "downstream": _l("Downstream (end)"),
}

CYCLE_STATUS_LABELS = {
    "active": _l("In progress"),
    "closed": _l("Closed"),
}

# The 5-level scale of the programme's surveys (DOMAIN §5).
SCALE_LABELS = {
    5: _l("Very high"),
    4: _l("High"),
    3: _l("Moderate"),
    2: _l("Low"),
    1: _l("Very low"),
}

SURVEY_ITEM_KIND_LABELS = {
    "scale": _l("5-level scale"),
    "single": _l("One choice"),
    "multiple": _l("Several choices"),
    "short_text": _l("Short answer"),
    "long_text": _l("Long answer"),
}

SURVEY_STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Not open yet"),
    "open": _l("Open"),
    "closed": _l("Closed"),
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
        AREA_OFFICE_KIND_LABELS=AREA_OFFICE_KIND_LABELS, GOAL_KIND_LABELS=GOAL_KIND_LABELS,
        GOAL_STATUS_LABELS=GOAL_STATUS_LABELS, INNOVATION_KIND_LABELS=INNOVATION_KIND_LABELS,
        INNOVATION_OWNER_LABELS=INNOVATION_OWNER_LABELS, VISIBILITY_LABELS=VISIBILITY_LABELS,
        MEETING_PERIOD_LABELS=MEETING_PERIOD_LABELS, MEETING_MODE_LABELS=MEETING_MODE_LABELS,
        RULE_STATUS_LABELS=RULE_STATUS_LABELS, CIRCLE_ROLE_LABELS=CIRCLE_ROLE_LABELS,
        PHASE_TEMPLATE_LABELS=PHASE_TEMPLATE_LABELS, DE_STAGE_LABELS=DE_STAGE_LABELS,
        CYCLE_STATUS_LABELS=CYCLE_STATUS_LABELS, SCALE_LABELS=SCALE_LABELS,
        SURVEY_ITEM_KIND_LABELS=SURVEY_ITEM_KIND_LABELS, SURVEY_STATE_LABELS=SURVEY_STATE_LABELS,
    )
